"""Time arithmetic in SQL that the ORM does not spell the same on every database.

`SecondsBetween(later, earlier)` is the seconds from one timestamp to another as a float, so a
figure can sum durations in the aggregate that counts its records (Django's own datetime
subtraction gives an interval on PostgreSQL and microseconds on SQLite, which no Sum can mix with
plain numbers). DESIGN.md: database-specific SQL lives in core, behind one function.
"""

from django.db.models import FloatField, Func


class SecondsBetween(Func):
    """later − earlier in seconds (a float); NULL when either is NULL."""

    arity = 2
    output_field = FloatField()

    def as_sql(self, compiler, connection, **extra_context):  # PostgreSQL (and the default)
        return super().as_sql(
            compiler,
            connection,
            template="CAST(EXTRACT(EPOCH FROM (%(expressions)s)) AS double precision)",
            arg_joiner=" - ",
            **extra_context,
        )

    def as_sqlite(self, compiler, connection, **extra_context):
        # Django stores aware datetimes as UTC text, which julianday() reads; a day is 86,400 s.
        return super().as_sql(
            compiler,
            connection,
            template="((julianday(%(expressions)s)) * 86400.0)",
            arg_joiner=") - julianday(",
            **extra_context,
        )
