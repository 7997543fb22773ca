from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChatConfig(AppConfig):
    name = "kefu.intake.chat"
    label = "intake_chat"
    verbose_name = _("Live chat")
