"""Time arithmetic in SQL that the ORM does not spell the same on every database.

`SecondsBetween(later, earlier)` is the seconds from one timestamp to another as a float, so a
figure can sum durations in the aggregate that counts its records (Django's own datetime
subtraction gives an interval on PostgreSQL and microseconds on SQLite, which no Sum can mix with
plain numbers). The SQL itself is `core.rows.seconds_between_sql`, which raw statements (agent
states) use too: one spelling per database, in one place.
"""

from django.db.models import FloatField, Func

from kefu.core import rows


class SecondsBetween(Func):
    """later − earlier in seconds (a float); NULL when either is NULL."""

    arity = 2
    output_field = FloatField()

    def as_sql(self, compiler, connection, **extra_context):
        later, earlier = (compiler.compile(expression) for expression in self.get_source_expressions())
        # seconds_between_sql writes the end (later) before the start on both databases.
        return rows.seconds_between_sql(connection, earlier[0], later[0]), [*later[1], *earlier[1]]
