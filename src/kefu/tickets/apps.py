from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "kefu.tickets"
    label = "tickets"

    def ready(self) -> None:
        from kefu.core import search
        from kefu.tickets.search import TICKETS, TICKETS_MIGRATION, reindex_tickets

        # kefu_reindex and the post-migrate repair (core) cover work orders through this entry.
        search.INDEXES.register(
            search.Registered("work orders", TICKETS, reindex_tickets, TICKETS_MIGRATION), key=TICKETS.table
        )
