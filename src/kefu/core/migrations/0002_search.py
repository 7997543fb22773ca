"""Full-text search for work orders (see kefu.core.search and kefu.tickets.search).

SQLite: the FTS5 table tickets_ticket_fts (external content = tickets_ticket.search_text, rowid = id)
and the triggers that keep it in sync. PostgreSQL: a GIN index on to_tsvector('simple', search_text).
Work orders saved before search existed get their search_text first.

This migration installs the index as it was first designed (`TICKETS_EXPRESSION` in
kefu.tickets.search, a GIN index on the expression); on PostgreSQL tickets' migration
0004_search_vector replaces it with a stored vector column. Core imports no app, not even here:
the work orders' terms come from the index the tickets app registered (`search.INDEXES`).
"""

from django.db import migrations


TABLE = "tickets_ticket"


def install(apps, schema_editor):
    from kefu.core import search

    # Fill search_text before the SQLite triggers exist; install_search_index then reads it all once.
    search.INDEXES.get(TABLE).reindex(apps.get_model("tickets", "Ticket"), only_empty=True)
    search.install_search_index(schema_editor.connection, search.SearchIndex(table=TABLE))


def uninstall(apps, schema_editor):
    from kefu.core import search

    search.uninstall_search_index(schema_editor.connection, search.SearchIndex(table=TABLE))


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("tickets", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(install, uninstall),
    ]
