from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EmailConfig(AppConfig):
    name = "kefu.intake.email"
    label = "intake_email"
    verbose_name = _("Email channel")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from kefu.intake.email.outgoing import deliver
        from kefu.tickets.models import Channel
        from kefu.tickets.services.messages import SENDERS

        SENDERS.register(deliver, key=Channel.EMAIL)
