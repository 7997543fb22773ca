from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CallcenterConfig(AppConfig):
    name = "kefu.callcenter"
    label = "callcenter"
    verbose_name = _("Call center")

    def ready(self):
        from kefu.callcenter import signals  # noqa: F401  (links phone work orders to live calls)
