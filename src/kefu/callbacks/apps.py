from django.apps import AppConfig


class CallbacksConfig(AppConfig):
    name = "kefu.callbacks"
    label = "callbacks"
    verbose_name = "Callbacks and satisfaction"

    def ready(self):
        from kefu.callbacks import receivers  # noqa: F401
