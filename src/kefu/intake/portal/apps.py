from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "kefu.intake.portal"
    label = "intake_portal"
    verbose_name = _("Customer portal")

    def ready(self):
        from kefu.intake.portal.services import deliver_portal_reply, rating_text
        from kefu.tickets.models import Channel
        from kefu.tickets.services.messages import SENDERS
        from kefu.tickets.timeline import EVENT_TEXTS

        SENDERS.register(deliver_portal_reply, key=Channel.PORTAL)
        EVENT_TEXTS.register(rating_text, key="portal.rating")
