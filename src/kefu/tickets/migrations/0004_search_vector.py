"""PostgreSQL: work orders get a stored tsvector of their terms (`search_vector`) with the GIN index on it.

Core's migration 0002 indexed the expression to_tsvector('simple', search_text): the index finds
the rows, but ranking them parsed search_text again for every matching row, seconds for a word found
in a tenth of a million work orders. The column is GENERATED ALWAYS ... STORED, so PostgreSQL keeps
it up to date on every insert and update, whoever writes the row (the ORM, raw SQL, COPY); the model
does not know it. SQLite is untouched (FTS5 keeps its own index).

On a big table this takes a while and locks the table (see docs/operations.md, "Search index"):
adding a stored generated column rewrites every row, and the GIN index is then built once.
"""

from django.db import migrations

from kefu.core import search
from kefu.tickets.search import TICKETS, TICKETS_EXPRESSION


def forwards(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX IF EXISTS {TICKETS_EXPRESSION.gin_index}")
    search.install_search_index(connection, TICKETS)


def backwards(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    search.uninstall_search_index(connection, TICKETS)
    search.install_search_index(connection, TICKETS_EXPRESSION)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_search"),
        ("tickets", "0003_queue_indexes"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
