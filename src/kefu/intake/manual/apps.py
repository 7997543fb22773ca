from django.apps import AppConfig


class ManualConfig(AppConfig):
    name = "kefu.intake.manual"
    label = "intake_manual"
    verbose_name = "Manual channels"
