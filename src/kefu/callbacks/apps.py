from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CallbacksConfig(AppConfig):
    name = "kefu.callbacks"
    label = "callbacks"
    verbose_name = _("Callbacks and satisfaction")

    def ready(self):
        from kefu.callbacks import event_texts, receivers  # noqa: F401
        from kefu.callbacks.services.surveys import survey_url
        from kefu.notify.notices import SURVEY_URL

        SURVEY_URL.register(survey_url)  # the signed, expiring link in place of the plain one
        event_texts.register()  # what its events say on the timeline
