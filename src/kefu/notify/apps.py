from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    name = "kefu.notify"
    label = "notify"
    verbose_name = _("Notifications, SMS and webhooks")

    def ready(self):
        from kefu.notify import senders, signals  # noqa: F401 - connects the timeline receivers
        from kefu.tickets.services import messages

        messages.SENDERS.register(senders.deliver_sms, key="sms")
        # An email channel app (kefu.intake.email) registers a richer sender with threading
        # headers; this plain one only stands in until then, whatever the order of the apps.
        messages.SENDERS.register(senders.deliver_email, key="email", fallback=True)
