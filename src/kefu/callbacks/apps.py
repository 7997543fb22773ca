from django.apps import AppConfig


class CallbacksConfig(AppConfig):
    name = "kefu.callbacks"
    label = "callbacks"
    verbose_name = "Callbacks and satisfaction"

    def ready(self):
        from kefu.callbacks import receivers  # noqa: F401
        from kefu.callbacks.services.surveys import survey_url
        from kefu.notify.notices import SURVEY_URL

        SURVEY_URL.register(survey_url)  # the signed, expiring link in place of the plain one
