"""Full-text search for work orders (see kefu.core.search).

SQLite: the FTS5 table tickets_ticket_fts (external content = tickets_ticket.search_text, rowid = id)
and the triggers that keep it in sync. PostgreSQL: a GIN index on to_tsvector('simple', search_text).
Work orders saved before search existed get their search_text first.

This migration installs the index as it was first designed (`search.TICKETS_EXPRESSION`); on
PostgreSQL tickets' migration 0004_search_vector replaces it with a stored vector column.
"""

from django.db import migrations


def install(apps, schema_editor):
    from kefu.core import search

    # Fill search_text before the SQLite triggers exist; install_search_index then reads it all once.
    search.reindex_tickets(apps.get_model("tickets", "Ticket"), only_empty=True)
    search.install_search_index(schema_editor.connection, search.TICKETS_EXPRESSION)


def uninstall(apps, schema_editor):
    from kefu.core import search

    search.uninstall_search_index(schema_editor.connection, search.TICKETS_EXPRESSION)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("tickets", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(install, uninstall),
    ]
