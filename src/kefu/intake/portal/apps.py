from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "kefu.intake.portal"
    label = "intake_portal"
    verbose_name = "Customer portal"

    def ready(self):
        from kefu.intake.portal.services import deliver_portal_reply
        from kefu.tickets.services import register_sender

        register_sender("portal", deliver_portal_reply)
