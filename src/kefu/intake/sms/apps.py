from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SmsConfig(AppConfig):
    name = "kefu.intake.sms"
    label = "intake_sms"
    verbose_name = _("SMS channel")
    default_auto_field = "django.db.models.BigAutoField"
