from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "kefu.intake.portal"
    label = "intake_portal"
    verbose_name = "Customer portal"

    def ready(self):
        from kefu.intake.portal.services import deliver_portal_reply
        from kefu.tickets.models import Channel
        from kefu.tickets.services.messages import SENDERS

        SENDERS.register(deliver_portal_reply, key=Channel.PORTAL)
