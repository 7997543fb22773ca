from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CallcenterConfig(AppConfig):
    name = "kefu.callcenter"
    label = "callcenter"
    verbose_name = _("Call center")

    def ready(self):
        from kefu.callcenter import (  # noqa: F401
            receivers,  # the chat console's presence as agent states
            signals,  # links phone work orders to live calls
        )
