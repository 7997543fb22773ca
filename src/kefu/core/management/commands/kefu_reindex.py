from django.core.management.base import BaseCommand
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from kefu.core import search


class Command(BaseCommand):
    help = (
        "Recompute the search terms of every searchable table (work orders, knowledge articles) "
        "and rebuild the full-text index (SQLite FTS5)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=2000)

    def handle(self, *args, batch_size: int, **options):
        for registered in search.INDEXES.values():
            seen, changed = registered.reindex(batch_size=batch_size)
            with transaction.atomic():
                # Puts back lost SQLite triggers (rebuilding on the way) or the PostgreSQL index first.
                if not search.ensure_search_index(DEFAULT_DB_ALIAS, registered.index):
                    search.rebuild_search_index(connections[DEFAULT_DB_ALIAS], registered.index)
            self.stdout.write(f"Reindexed {seen} {registered.name} ({changed} changed).")
