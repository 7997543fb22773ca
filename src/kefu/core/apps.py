from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "kefu.core"
    label = "core"
    verbose_name = "核心 Core"

    def ready(self) -> None:
        from kefu.core.calendars import connect_signals

        connect_signals()
