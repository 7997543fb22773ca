from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "kefu.tickets"
    label = "tickets"
    verbose_name = _("Work orders")

    def ready(self) -> None:
        from kefu.core import search
        from kefu.core.holidays import days_changed
        from kefu.tickets.search import TICKETS, TICKETS_MIGRATION, reindex_tickets
        from kefu.tickets.services.escalation import register_texts
        from kefu.tickets.services.sla import days_changed_receiver

        # kefu_reindex and the post-migrate repair (core) cover work orders through this entry.
        search.INDEXES.register(
            search.Registered("work orders", TICKETS, reindex_tickets, TICKETS_MIGRATION), key=TICKETS.table
        )
        register_texts()  # what escalations and breaches say on the timeline

        # Next year's holidays entered, an override edited: running deadlines move with the days.
        days_changed.connect(days_changed_receiver, dispatch_uid="tickets.sla_days_changed")
