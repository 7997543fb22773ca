from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    """Customer relationship across every channel: the customer 360 view, the care calendar
    (客户关怀) and the hand-over of a departing colleague's customers (离职交接).

    Above tickets, notify, callbacks and quality: it reads all of them and writes through their services.
    """

    name = "kefu.crm"
    label = "crm"
    verbose_name = _("Customer relationship")

    def ready(self):
        from kefu.crm import handover

        handover.register_event_texts()  # what a hand-over says on a work order's timeline
