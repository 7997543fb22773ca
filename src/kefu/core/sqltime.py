"""Time arithmetic in SQL that the ORM does not spell the same on every database.

`SecondsBetween(later, earlier)` is the seconds from one timestamp to another as a float, so a
figure can sum durations in the aggregate that counts its records (Django's own datetime
subtraction gives an interval on PostgreSQL and microseconds on SQLite, which no Sum can mix with
plain numbers). The SQL itself is `core.rows.seconds_between_sql`, which raw statements (agent
states) use too: one spelling per database, in one place.
"""

from django.db.models import FloatField, Func, IntegerField

from kefu.core import rows


class SecondsBetween(Func):
    """later − earlier in seconds (a float); NULL when either is NULL."""

    arity = 2
    output_field = FloatField()

    def as_sql(self, compiler, connection, **extra_context):
        later, earlier = (compiler.compile(expression) for expression in self.get_source_expressions())
        # seconds_between_sql writes the end (later) before the start on both databases.
        return rows.seconds_between_sql(connection, earlier[0], later[0]), [*later[1], *earlier[1]]


class EpochSlot(Func):
    """The number of the `seconds`-long slot since 1970 that a timestamp falls in (an integer), after
    adding `shift` seconds: a local day in a zone 8 hours ahead is `EpochSlot(field, 86400, 28800)`.
    Plain integer arithmetic, no time-zone conversion per row (SQLite converts zones in Python, one
    call per row): the caller turns the few distinct slots back into local times.

    With `cycle`, the slot's place in a cycle of that many slots (slot mod cycle): the half hour of
    the week is `EpochSlot(field, 1800, offset + 3 days, cycle=336)`, 0 being Monday 00:00 local
    (1 January 1970 was a Thursday). The modulo is SQL's own `%` (Django's Mod is a Python function
    per row on SQLite); times before 1970 are not asked for (reports start in 2000).

    With `counted=True` the expression is already whole seconds since 1970 (an integer column kept
    beside a timestamp, such as a rollup's `epoch`): only integer arithmetic, on both databases."""

    output_field = IntegerField()

    def __init__(
        self,
        expression,
        seconds: int,
        shift: int = 0,
        *,
        cycle: int | None = None,
        counted: bool = False,
        **extra,
    ):
        super().__init__(expression, **extra)
        self.seconds, self.shift = int(seconds), int(shift)
        self.cycle = None if cycle is None else int(cycle)
        self.counted = counted

    def _cycled(self, sql: str) -> str:
        return sql if self.cycle is None else f"({sql} %% {self.cycle})"

    def as_sql(self, compiler, connection, **extra_context):  # PostgreSQL
        sql, params = compiler.compile(self.get_source_expressions()[0])
        if self.counted:  # bigint arithmetic: the division truncates, as FLOOR does for times after 1970
            return self._cycled(f"(({sql} + {self.shift}) / {self.seconds})"), params
        return self._cycled(
            f"FLOOR((EXTRACT(EPOCH FROM {sql}) + {self.shift}) / {self.seconds})::bigint"
        ), params

    def as_sqlite(self, compiler, connection, **extra_context):
        # Django keeps aware datetimes as UTC text, which strftime('%s') reads as seconds since 1970.
        sql, params = compiler.compile(self.get_source_expressions()[0])
        seconds = sql if self.counted else f"CAST(strftime('%%s', {sql}) AS INTEGER)"
        return self._cycled(f"(({seconds} + {self.shift}) / {self.seconds})"), params
