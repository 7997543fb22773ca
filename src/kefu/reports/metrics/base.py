"""The shapes every KPI shares: a period, a scope, options, families of figures and their values.

A *family* (calls, work orders, surveys, chats ...) reads its raw records once per request: one SQL
aggregate, grouped by the keys asked for, gives its *components* (additive counters such as
"answered", "answered within T", "sum of waits", or a maximum). A *figure* is a formula over the
components of one row ("answer rate = answered / offered"). So a figure has one definition whatever
the grouping, and a rollup that stores the same components per interval gives the same numbers as
the raw records: components combine by sum (or max), never by averaging averages. Agent time is
the one exception to "one SQL aggregate": an agent's time in a state lies between two events, so
that family computes the same {(bucket, attribute): components} in Python (`Family.compute`).

A figure's value is None when its denominator is empty (no calls in the period): pages show "—",
never 0 and never an error.
"""

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from operator import itemgetter
from typing import Any

from django.db import connections
from django.db.models import ExpressionWrapper, F, IntegerField, Q, QuerySet, Value
from django.db.models.functions import (
    ExtractHour,
    ExtractIsoWeekDay,
    ExtractMinute,
    Floor,
    TruncDay,
    TruncHour,
    TruncMonth,
    TruncWeek,
)
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from kefu.core import rows as core_rows
from kefu.core.errors import FieldCode, FieldError, ValidationError
from kefu.core.registry import Registry
from kefu.core.sqltime import EpochSlot

# The longest period a figure is computed over at once: wider ranges are typing mistakes (a year
# 20226), and a decade already needs rollups.
MAX_PERIOD_DAYS = 3_700
EARLIEST_YEAR = 2000


class Unit(StrEnum):
    COUNT = "count"
    PERCENT = "percent"  # a share 0..1, shown as a percentage
    SECONDS = "seconds"
    SCORE = "score"  # a mean on the figure's own scale (CSAT 1–5, a quality score 0–100)


class Better(StrEnum):
    HIGHER = "higher"
    LOWER = "lower"
    NEITHER = "neither"  # a volume: more is neither good nor bad


class Grain(StrEnum):
    """Time buckets of a table's rows, in the center's time zone (a day starts at local midnight)."""

    MIN15 = "15min"
    MIN30 = "30min"
    HOUR = "hour"
    DAY = "day"
    WEEK = "week"  # ISO week, Monday
    MONTH = "month"
    # Not a stretch of time but a place in the week: the half hour of the week every record of the
    # period falls in, whatever its date (the heat map of volume by weekday × half hour). The row's
    # bucket is that number, 0 (Monday 00:00–00:30) to 335 (Sunday 23:30–24:00): see `week_slot`.
    WEEK_SLOT30 = "weekslot30"


WEEK_SLOTS = 7 * 48  # half hours in a week


# --- the period ---------------------------------------------------------------------------------


def center_zone():
    """The zone that decides where a day starts: settings.TIME_ZONE (KEFU_TIME_ZONE)."""
    return timezone.get_default_timezone()


@dataclass(frozen=True)
class Period:
    """[start, end): aware datetimes. `from_dates` is how people give one: whole local days."""

    start: datetime
    end: datetime

    def __post_init__(self):
        if timezone.is_naive(self.start) or timezone.is_naive(self.end):
            raise ValidationError.for_field(
                "start", FieldError(_("A period needs times with a time zone."), FieldCode.TIMEZONE_REQUIRED)
            )
        if self.end <= self.start:
            raise ValidationError.for_field(
                "end", FieldError(_("The end of the period is before its start."), FieldCode.OUT_OF_RANGE)
            )

    @classmethod
    def from_dates(cls, first: date, last: date, *, names: tuple[str, str] = ("start", "end")) -> "Period":
        """The local days first..last, both included: [first 00:00, the day after last 00:00).
        A refusal names the field `names[0]` or `names[1]` (a page's "from" and "to")."""
        for name, day in zip(names, (first, last), strict=True):
            if not isinstance(day, date) or isinstance(day, datetime):
                raise ValidationError.for_field(name, FieldError(_("Give a date."), FieldCode.WRONG_TYPE))
            if day.year < EARLIEST_YEAR or day > timezone.localdate() + timedelta(days=MAX_PERIOD_DAYS):
                raise ValidationError.for_field(
                    name,
                    FieldError(
                        _("%(day)s is outside the dates Kefu reports on.") % {"day": day.isoformat()},
                        FieldCode.OUT_OF_RANGE,
                    ),
                )
        if last < first:
            raise ValidationError.for_field(
                names[1],
                FieldError(
                    _("The last day (%(last)s) is before the first (%(first)s).")
                    % {"last": last.isoformat(), "first": first.isoformat()},
                    FieldCode.OUT_OF_RANGE,
                ),
            )
        if (last - first).days >= MAX_PERIOD_DAYS:
            raise ValidationError.for_field(
                names[1],
                FieldError(
                    _("A period can be at most %(days)d days long.") % {"days": MAX_PERIOD_DAYS},
                    FieldCode.OUT_OF_RANGE,
                ),
            )
        zone = center_zone()
        return cls(
            datetime.combine(first, time.min, tzinfo=zone),
            datetime.combine(last + timedelta(days=1), time.min, tzinfo=zone),
        )

    @classmethod
    def day(cls, day: date) -> "Period":
        return cls.from_dates(day, day)

    @property
    def first_day(self) -> date:
        return timezone.localtime(self.start, center_zone()).date()

    @property
    def last_day(self) -> date:
        return timezone.localtime(self.end - timedelta(microseconds=1), center_zone()).date()


# --- the scope and the options ---------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """Which records count: empty tuples mean all. A family ignores a filter it has no field for and
    says so in `Family.dimensions` (a survey has no queue)."""

    queues: tuple[str, ...] = ()
    agents: tuple[int, ...] = ()
    groups: tuple[int, ...] = ()
    channels: tuple[str, ...] = ()
    categories: tuple[int, ...] = ()

    def items(self) -> Iterable[tuple[str, tuple]]:
        """(dimension, values) of the filters that are set."""
        for dimension, values in (
            ("queue", self.queues),
            ("agent", self.agents),
            ("group", self.groups),
            ("channel", self.channels),
            ("category", self.categories),
        ):
            if values:
                yield dimension, values


@dataclass(frozen=True)
class Option:
    """A setting of a figure's definition ("short abandon threshold, 5 s"), checked like a form field."""

    name: str
    label: str | Promise
    default: Any
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[tuple[str, str | Promise], ...] = ()
    # Only the formulas read it (occupancy's base), not the components: the rollups, built with the
    # defaults, still answer whatever its value.
    formula_only: bool = False

    def clean(self, raw: Any) -> Any:
        """`raw` (a value, or text from a query string) as this option's type; ValidationError naming it."""
        if raw is None or raw == "":
            return self.default
        if self.choices:
            allowed = [code for code, _label in self.choices]
            if str(raw) not in allowed:
                raise ValidationError.for_field(
                    self.name,
                    FieldError(
                        _("Choose one of: %(choices)s.") % {"choices": ", ".join(allowed)},
                        FieldCode.INVALID_CHOICE,
                    ),
                )
            return str(raw)
        text = str(raw).strip()
        if isinstance(raw, bool) or not (text.isascii() and text.lstrip("-").isdigit()):
            raise ValidationError.for_field(
                self.name, FieldError(_("Give a whole number."), FieldCode.WRONG_TYPE)
            )
        number = int(text)
        if (self.minimum is not None and number < self.minimum) or (
            self.maximum is not None and number > self.maximum
        ):
            raise ValidationError.for_field(
                self.name,
                FieldError(
                    _("Give a number from %(minimum)s to %(maximum)s.")
                    % {"minimum": self.minimum, "maximum": self.maximum},
                    FieldCode.OUT_OF_RANGE,
                ),
            )
        return number


# --- families and figures ---------------------------------------------------------------------------

Components = dict[str, float]
Key = tuple  # (time bucket start or None, attribute value or None)


@dataclass(frozen=True)
class Column:
    """A column of the drill-down list of a family's records: a heading and a dotted attribute path."""

    label: str | Promise
    path: str


@dataclass(frozen=True)
class Family:
    """Records read together: one query gives every component of every figure of the family.

    `rows(period, scope, options)` is the family's records in the period and scope (a QuerySet);
    `time_field` places a record in time; `dimensions` maps a grouping ("queue", "agent") to the
    field path it groups by (or an expression: calls are all of the "phone" channel);
    `components(options)` the aggregates, by name; `maxima` names the components that combine by
    max (the rest add up). `single_valued` names the dimensions that put each record in exactly one
    row (a call has one queue), so a table's total is the sum of its rows; for the others (an agent
    in two groups is in two rows) the total is read by a second query.
    """

    code: str
    name: str | Promise
    rows: Callable[[Period, Scope, Mapping[str, Any]], QuerySet]
    time_field: str
    dimensions: Mapping[str, Any]  # a field path, or an expression such as Value("phone")
    components: Callable[[Mapping[str, Any]], Mapping[str, Any]]
    options: tuple[Option, ...] = ()
    maxima: frozenset[str] = frozenset()
    # The drill-down: the list of the records behind a number (every number on a page links to it).
    columns: tuple[Column, ...] = ()
    select_related: tuple[str, ...] = ()
    link: Callable[[Any], str] | None = None  # a record's own page
    # Kept in the interval rollups (kefu.reports.rollups): only for a family whose components over a
    # day change only when a record arrives whose writer marks the days it changes stale (calls: their
    # own day; an agent's state change: the days until their next one).
    rollup: bool = False
    single_valued: frozenset[str] = frozenset()
    # For records one GROUP BY cannot add up (an agent's time in a state is the interval between two
    # events, not a column): compute(period, scope, grain, by, options) returns
    # {(bucket, attribute): components} exactly as `component_rows` does, and `component_rows` asks it
    # instead of the SQL aggregate. `components(options)` then only names the components; `rows`,
    # `time_field` and `dimensions` still serve the drill-down. Such a family's rollups are built
    # from `compute` as well.
    compute: Callable[..., dict[Key, Components]] | None = None
    # The rollups' groupings (kefu.reports.rollups.COLUMNS, "center" for the whole center alone);
    # empty: every dimension the rollups know.
    cubes: tuple[str, ...] = ()

    def clean_options(self, given: Mapping[str, Any] | None) -> dict[str, Any]:
        given = dict(given or {})
        return {option.name: option.clean(given.get(option.name)) for option in self.options}


@dataclass(frozen=True)
class Figure:
    """One KPI: a formula over a row of its family's components; None when it cannot be computed."""

    code: str
    name: str | Promise
    unit: Unit
    better: Better
    family: Family
    formula: Callable[[Components, Mapping[str, Any]], float | None]
    options: tuple[str, ...] = ()  # the family options this figure's value depends on
    # The records a drill-down lists for this figure, within the family's rows (abandoned calls for
    # the abandonment rate): a Q over them taking the options, or None for all of them.
    subset: Callable[[Mapping[str, Any]], Q] | None = None

    @property
    def definition(self) -> str:
        """The formula in words: the docstring of the function that computes it."""
        return " ".join((self.formula.__doc__ or "").split())


FIGURES: dict[str, Figure] = {}


def figure(
    code: str,
    name,
    *,
    unit: Unit,
    better: Better,
    family: Family,
    options: Sequence[str] = (),
    subset: Callable[[Mapping[str, Any]], Q] | None = None,
):
    """Register the decorated formula as the one definition of KPI `code`."""

    def register(formula):
        if code in FIGURES:
            raise ValueError(f"The figure {code!r} is defined twice.")
        FIGURES[code] = Figure(code, name, unit, better, family, formula, tuple(options), subset)
        return formula

    return register


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """numerator / denominator; None when there is nothing to divide by."""
    if not denominator or numerator is None:
        return None
    return numerator / denominator


# --- computing ------------------------------------------------------------------------------------

# The interval rollups' reader (kefu.reports.rollups.read, registered when the app is ready): it
# answers from the rollups when they hold what is asked, else None and the records answer.
ROLLUP_READER = Registry("reports.rollup_reader")


# Grains whose local buckets are whole numbers of seconds from 1970 in a zone without daylight
# saving (weeks shifted to start on Monday: 1 January 1970 was a Thursday).
EPOCH_SECONDS = {Grain.MIN15: 900, Grain.MIN30: 1800, Grain.HOUR: 3600, Grain.DAY: 86400, Grain.WEEK: 604800}
MONDAY_SHIFT = 3 * 86400


def week_slot(moment: datetime) -> int:
    """The half hour of the week of `moment`, local time: weekday × 48 + hour × 2 + (minute ≥ 30),
    Monday being weekday 0 (what `Grain.WEEK_SLOT30` groups by, in SQL)."""
    local = timezone.localtime(moment, center_zone())
    return local.weekday() * 48 + local.hour * 2 + local.minute // 30


def fixed_offset(period: "Period") -> int | None:
    """The center zone's UTC offset in seconds when it is the same all through `period` (China: +8
    hours, no daylight saving), else None."""
    zone = center_zone()
    moments = [period.start, period.end] + [
        datetime(year, month, 1, tzinfo=UTC)
        for year in range(period.start.year, period.end.year + 1)
        for month in (1, 7)
    ]
    offsets = {moment.astimezone(zone).utcoffset() for moment in moments}
    return int(offsets.pop().total_seconds()) if len(offsets) == 1 else None


def _time_keys(
    field_name: str, grain: Grain | None, zone, offset: int | None = None, seconds_field: str | None = None
) -> dict[str, Any]:
    """The annotations that place a record in its local time bucket: integer slots when the zone's
    offset is fixed (`k_epoch`), else the database's time-zone truncation (`k_time`). With
    `seconds_field`, a column holding `field_name` as seconds since 1970, the slots are computed
    from it."""
    if grain is None:
        return {}

    def slot(seconds: int, shift: int, cycle: int | None = None) -> EpochSlot:
        if seconds_field is not None:
            return EpochSlot(seconds_field, seconds, shift, cycle=cycle, counted=True)
        return EpochSlot(field_name, seconds, shift, cycle=cycle)

    if grain == Grain.WEEK_SLOT30:
        if offset is not None:  # half hours since a local Monday midnight, mod a week
            return {"k_week": slot(1800, offset + MONDAY_SHIFT, WEEK_SLOTS)}
        # Daylight saving: the database's local weekday, hour and minute (ISO weekday: Monday 1).
        # Floor: PostgreSQL's EXTRACT gives a numeric, so 59 / 30 is 1.97, not 1.
        slot = (
            (ExtractIsoWeekDay(field_name, tzinfo=zone) - Value(1)) * Value(48)
            + ExtractHour(field_name, tzinfo=zone) * Value(2)
            + Floor(ExtractMinute(field_name, tzinfo=zone) / Value(30))
        )
        return {"k_week": ExpressionWrapper(slot, output_field=IntegerField())}
    if offset is not None and grain in EPOCH_SECONDS:
        shift = offset + (MONDAY_SHIFT if grain == Grain.WEEK else 0)
        return {"k_epoch": slot(EPOCH_SECONDS[grain], shift)}
    if grain in (Grain.MIN15, Grain.MIN30):
        size = Value(15 if grain == Grain.MIN15 else 30)
        # Floor: PostgreSQL's EXTRACT gives a numeric, so 59 / 15 is 3.93, not 3.
        slot = ExpressionWrapper(
            Floor(ExtractMinute(field_name, tzinfo=zone) / size) * size, output_field=IntegerField()
        )
        return {"k_time": TruncHour(field_name, tzinfo=zone), "k_slot": slot}
    trunc = {Grain.HOUR: TruncHour, Grain.DAY: TruncDay, Grain.WEEK: TruncWeek, Grain.MONTH: TruncMonth}[
        grain
    ]
    return {"k_time": trunc(field_name, tzinfo=zone)}


FINE_STEP = {
    Grain.MIN15: timedelta(minutes=15),
    Grain.MIN30: timedelta(minutes=30),
    Grain.HOUR: timedelta(hours=1),
}


def bucket_start(moment: datetime, grain: Grain) -> datetime:
    """The local start of the bucket of `grain` holding `moment` (what the SQL grouping gives)."""
    local = timezone.localtime(moment, center_zone())
    if grain in FINE_STEP:
        size = int(FINE_STEP[grain].total_seconds() // 60)  # 15, 30 or 60 minutes
        return local.replace(minute=local.minute - local.minute % size, second=0, microsecond=0)
    day = local.date()
    if grain == Grain.WEEK:
        day -= timedelta(days=day.weekday())
    elif grain == Grain.MONTH:
        day = day.replace(day=1)
    return datetime.combine(day, time.min, tzinfo=center_zone())


def bucket_end(bucket: datetime, grain: Grain) -> datetime:
    """The local end of the bucket of `grain` starting at `bucket` (a day ends at the next local
    midnight, whatever daylight saving does)."""
    zone = center_zone()
    if grain in FINE_STEP:
        return bucket + FINE_STEP[grain]
    if grain == Grain.DAY:
        return datetime.combine(bucket.date() + timedelta(days=1), time.min, tzinfo=zone)
    if grain == Grain.WEEK:
        return datetime.combine(bucket.date() + timedelta(days=7), time.min, tzinfo=zone)
    first_next = (bucket.date().replace(day=28) + timedelta(days=4)).replace(day=1)
    return datetime.combine(first_next, time.min, tzinfo=zone)


def buckets(period: Period, grain: Grain) -> list[tuple[datetime, datetime, datetime]]:
    """(bucket start, window start, window end) of every bucket of `grain` the period touches; the
    window is the bucket clipped to the period."""
    out = []
    start = bucket_start(period.start, grain)
    while start < period.end:
        end = bucket_end(start, grain)
        out.append((start, max(start, period.start), min(end, period.end)))
        start = end
    return out


def component_rows(
    family: Family,
    *,
    period: Period,
    scope: Scope = Scope(),
    grain: Grain | None = None,
    by: str | None = None,
    options: Mapping[str, Any] | None = None,
    raw: bool = False,
    only: frozenset[str] | None = None,
) -> dict[Key, Components]:
    """{(time bucket start, attribute): components} of `family`, one SQL aggregate.

    The time bucket is the local start of the 15-minute slot, hour, day, ISO week or month (None
    without a grain), or the half hour of the week (an int, `Grain.WEEK_SLOT30`); the attribute is the value of dimension `by` (None without one). The interval
    rollups answer when they hold what is asked (kefu.reports.rollups.read), else the raw records;
    `raw` insists on the records (the rebuild, and the tests that compare both). `only` names the
    components wanted (those the figures asked for read, `reads`); None: all of them.
    """
    options = family.clean_options(options)
    if by is not None and by not in family.dimensions:
        raise ValidationError.for_field(
            "by",
            FieldError(
                _("%(family)s cannot be grouped by %(by)s.") % {"family": family.name, "by": by},
                FieldCode.INVALID_CHOICE,
            ),
        )
    reader = ROLLUP_READER.get(default=None)
    if reader is not None and not raw:
        found = reader(family, period=period, scope=scope, grain=grain, by=by, options=options, only=only)
        if found is not None:
            return found
    if family.compute is not None:
        if grain == Grain.WEEK_SLOT30:  # computed in Python anyway: its half hours, folded by week slot
            out: dict[Key, Components] = {}
            halves = family.compute(period=period, scope=scope, grain=Grain.MIN30, by=by, options=options)
            for (bucket, attribute), components in halves.items():
                key = (week_slot(bucket), attribute)
                out[key] = combine(family, out[key], components) if key in out else dict(components)
            return out
        return family.compute(period=period, scope=scope, grain=grain, by=by, options=options)
    grouped = group_components(
        family.rows(period, scope, options),
        time_field=family.time_field,
        paths=family.dimensions,
        aggregates={
            name: aggregate
            for name, aggregate in family.components(options).items()
            if only is None or name in only
        },
        maxima=family.maxima,
        grain=grain,
        dims=(by,) if by else (),
        period=period,
    )
    return grouped


def group_components(
    qs: QuerySet,
    *,
    time_field: str,
    paths: Mapping[str, Any],
    aggregates: Mapping[str, Any],
    maxima: frozenset[str],
    grain: Grain | None,
    dims: Sequence[str] = (),
    period: "Period | None" = None,
    seconds_field: str | None = None,
) -> dict[tuple, Components]:
    """One SQL aggregate of `qs`: {(local bucket start or None, *values of dims): components}; without
    dims the key is (bucket, None), a table row's key with no grouping.
    With the `period` read, a zone without daylight saving buckets by integer arithmetic (on
    `seconds_field`, the time as seconds since 1970, where the rows keep one)."""
    zone = center_zone()
    offset = (
        fixed_offset(period)
        if period is not None and (grain in EPOCH_SECONDS or grain == Grain.WEEK_SLOT30)
        else None
    )
    keys = _time_keys(time_field, grain, zone, offset, seconds_field)
    for n, dim in enumerate(dims):
        keys[f"k_{n}"] = F(paths[dim]) if isinstance(paths[dim], str) else paths[dim]
    out: dict[tuple, Components] = {}
    if not keys:
        totals = qs.aggregate(**aggregates)
        return {(None, None): {name: totals[name] or 0 for name in aggregates}}
    query = qs.annotate(**keys).values(*keys).annotate(**aggregates).order_by()
    columns, rows = _grouped_rows(query, keys)
    at = {name: n for n, name in enumerate(columns)}
    bucket_of = _bucket_reader(at, grain, zone, (offset or 0) + (MONDAY_SHIFT if grain == Grain.WEEK else 0))
    dims_at = [at[f"k_{n}"] for n in range(len(dims))]
    names = list(aggregates)
    first = at[names[0]] if names else len(columns)
    # The aggregates are the row's last columns, in order (Django selects the keys first).
    contiguous = columns[first:] == names
    components_at = [(name, at[name]) for name in names]
    for values in rows:
        if dims_at:
            key = (bucket_of(values), *[values[n] for n in dims_at])
        else:
            key = (bucket_of(values), None)
        if contiguous:
            found = dict(zip(names, values[first:], strict=True))
            if None in found.values():  # an aggregate over no record of its filter
                found = {name: value or 0 for name, value in found.items()}
        else:
            found = {name: values[n] or 0 for name, n in components_at}
        if key in out:
            out[key] = add_components(maxima, out[key], found)
        else:
            out[key] = found
    return out


def _bucket_reader(at: Mapping[str, int], grain: Grain | None, zone, shift: int) -> Callable[[Sequence], Any]:
    """How a row of `group_components`' query gives its bucket: a week slot's number, a local time
    from integer slots or from the database's truncation, or None (no grain)."""
    if "k_week" in at:
        week = at["k_week"]
        return lambda values: int(values[week])
    if "k_epoch" in at:
        epoch, size = at["k_epoch"], EPOCH_SECONDS[grain]
        return lambda values: datetime.fromtimestamp(values[epoch] * size - shift, zone)
    if "k_time" in at:
        moment, minute = at["k_time"], at.get("k_slot")

        def from_time(values):
            if values[moment] is None:
                return None
            bucket = timezone.localtime(values[moment], zone)
            return bucket if minute is None else bucket.replace(minute=int(values[minute]))

        return from_time
    return lambda values: None


# Column types the database driver already gives as the Python values Django would make of them.
PLAIN_TYPES = frozenset(
    ("IntegerField", "BigIntegerField", "PositiveIntegerField", "PositiveBigIntegerField",
     "SmallIntegerField", "PositiveSmallIntegerField", "AutoField", "BigAutoField", "ForeignKey",
     "CharField", "TextField")
)  # fmt: skip


#: PostgreSQL's type number of `numeric`, what it makes of a sum of integers (psycopg gives a Decimal).
NUMERIC_OID = 1700


def _grouped_rows(query: QuerySet, keys: Mapping[str, Any]) -> tuple[list[str], list[Sequence]]:
    """The grouped query's column aliases and rows. When every key is a number or a text (an integer
    time slot, a dimension's id or name), the rows come straight from the cursor, without Django's
    converter call per value (a month by 30 minutes is 1,440 rows × the components); a sum that
    PostgreSQL returns as numeric becomes a float. A time key (a database's truncated timestamp)
    goes through the ORM, which converts it."""
    if any(
        query.query.annotations[name].output_field.get_internal_type() not in PLAIN_TYPES for name in keys
    ):
        rows = list(query)
        columns = list(rows[0]) if rows else [*keys]
        return columns, [tuple(row[name] for name in columns) for row in rows]
    sql, params = query.query.get_compiler(using=query.db).as_sql()
    connection = connections[query.db]
    description, rows = core_rows.read_all(connection, sql, params)
    columns = [column[0] for column in description]
    numeric = [n for n, column in enumerate(description) if column[1] == NUMERIC_OID]
    if connection.vendor == "postgresql" and numeric:  # a sum of integers; a sum of floats stays a float
        rows = [list(row) for row in rows]
        for row in rows:
            for n in numeric:
                if row[n] is not None:
                    row[n] = float(row[n])
    return columns, rows


def add_components(maxima: frozenset[str], first: Components, second: Components) -> Components:
    """Two rows of components as one: sums add up, the names in `maxima` take the larger."""
    return {
        name: max(first.get(name, 0), value) if name in maxima else first.get(name, 0) + value
        for name, value in second.items()
    }


def combine(family: Family, first: Components, second: Components) -> Components:
    """Two rows of a family's components as one: sums add up, maxima take the larger."""
    return add_components(family.maxima, first, second)


def fold(family: Family, rows: Iterable[Components]) -> Components:
    """Many rows of a family's components as one (a table's total), column by column: sums add up,
    maxima take the largest. Empty without rows. A month by 30 minutes folds 1,488 rows: each row's
    values are taken at once (itemgetter), unless rows differ in their names (a missing one is 0)."""
    rows = list(rows)
    if not rows:
        return {}
    names = list(rows[0])
    try:
        getter = itemgetter(*names)
        columns = list(zip(*map(getter, rows), strict=True)) if len(names) > 1 else [list(map(getter, rows))]
    except KeyError:
        columns = [[row.get(name, 0) for row in rows] for name in names]
    return {
        name: (max if name in family.maxima else sum)(column)
        for name, column in zip(names, columns, strict=True)
    }


@dataclass(slots=True)  # not frozen: a month by 30 minutes makes tens of thousands, and frozen is slower
class Measure:
    """A figure's value in one row of a table, with what it was computed from (for tooltips and exports)."""

    figure: Figure
    value: float | None
    components: Components = field(repr=False, default_factory=dict)

    @property
    def empty(self) -> bool:
        return self.value is None


class _Reading(dict):
    """Components that note the names a formula reads (`reads`); reading them all at once (values,
    items, iteration) notes every name."""

    def __init__(self, values: Mapping[str, float]):
        super().__init__(values)
        self.read: set[str] = set()

    def __getitem__(self, name):
        self.read.add(name)
        return super().__getitem__(name)

    def get(self, name, default=None):
        self.read.add(name)
        return super().get(name, default)

    def _all(self):
        self.read.update(self.keys())

    def values(self):
        self._all()
        return super().values()

    def items(self):
        self._all()
        return super().items()

    def __iter__(self):
        self._all()
        return super().__iter__()


_READS: dict[tuple, frozenset[str]] = {}


def reads(figure_: Figure, options: Mapping[str, Any]) -> frozenset[str]:
    """The components `figure_`'s formula reads under `options` (cleaned): the aggregate sums only
    these (a heat map of one figure need not sum a family's eighteen). Traced by running the formula
    on stand-in components, all 0, all 1 and all different, so that a branch on a value is taken
    both ways; tests/reports/test_metrics_reads.py checks every figure against its full components.
    A family computed in Python (`Family.compute`) gives all of its components anyway."""
    key = (figure_.code, tuple(sorted((name, str(value)) for name, value in options.items())))
    found = _READS.get(key)
    if found is None:
        names = list(figure_.family.components(options))
        read: set[str] = set()
        for values in ([0.0] * len(names), [1.0] * len(names), [float(n + 2) for n in range(len(names))]):
            components = _Reading(dict(zip(names, values, strict=True)))
            try:
                figure_.formula(components, options)
            except (ArithmeticError, TypeError, ValueError):
                pass  # the stand-in values broke it: what it read until then still counts
            read |= components.read
        found = _READS[key] = frozenset(read)
    return found


def evaluate(figure_: Figure, components: Components, options: Mapping[str, Any]) -> Measure:
    return Measure(figure_, figure_.formula(components, options), components)


class Cells(Mapping):
    """One table row's figures by code, each Measure computed when first asked (`numbers` gives the
    values alone): a page shows 48 of a month's 1,440 rows by 30 minutes, a chart one figure of
    fifteen, so most of a table's Measures are never needed. A row keeps each family's components
    once (`parts`); `figures` (shared by the table's rows) says which part a figure reads and with
    which options. A row is a handful of objects: a table of a month by 30 minutes has 1,488."""

    __slots__ = ("_figures", "_parts", "_measures")

    def __init__(self, figures: Mapping[str, tuple[Figure, int, Mapping[str, Any]]], parts: list):
        self._figures = figures
        self._parts: list[Components | None] = parts  # per family, its components in the row or None
        self._measures: dict[str, Measure] | None = None  # made when a Measure is first kept

    def __getitem__(self, code: str) -> Measure:
        found = self._measures.get(code) if self._measures is not None else None
        if found is None:
            figure_, n, options = self._figures[code]
            part = self._parts[n]
            if part is None:
                raise KeyError(code)
            if self._measures is None:
                self._measures = {}
            found = self._measures[code] = evaluate(figure_, part, options)
        return found

    def value(self, code: str) -> float | None:
        """The figure's number in the row (KeyError when the row has none), without keeping a Measure."""
        if self._measures is not None and code in self._measures:
            return self._measures[code].value
        figure_, n, options = self._figures[code]
        part = self._parts[n]
        if part is None:
            raise KeyError(code)
        return figure_.formula(part, options)

    def numbers(self) -> dict[str, float | None]:
        """Every figure's value in the row, by code, in the table's order (no Measure kept)."""
        out = {}
        for code, (figure_, n, options) in self._figures.items():
            part = self._parts[n]
            if part is not None:
                out[code] = figure_.formula(part, options)
        return out

    def __contains__(self, code) -> bool:
        found = self._figures.get(code)
        return found is not None and self._parts[found[1]] is not None

    def __iter__(self):
        return (code for code, (_figure, n, _options) in self._figures.items() if self._parts[n] is not None)

    def __len__(self) -> int:
        return sum(1 for _code in self)


class Rows(Mapping):
    """A table's rows by key, in order (time, then the grouping's value), each row's Cells made when
    first asked for: a chart reads one figure of every row through `value`, a page's table shows 48
    rows, so a month by 30 minutes no longer makes 1,488 rows of objects for the collector to walk
    (that was 14,000 objects and a collection in every request). Every family's components stay as
    its read gave them (`parts`: one {key: components} per family)."""

    __slots__ = ("_order", "_parts", "_figures", "_made")

    def __init__(self, order: list[Key], parts: list[dict[Key, Components]], figures):
        self._order = order
        self._parts = parts
        self._figures = figures
        self._made: dict[Key, Cells] = {}

    def __getitem__(self, key) -> Cells:
        found = self._made.get(key)
        if found is None:
            parts = [part.get(key) for part in self._parts]
            if all(part is None for part in parts):
                raise KeyError(key)
            found = self._made[key] = Cells(self._figures, parts)
        return found

    def value(self, key, code: str) -> float | None:
        """Figure `code`'s number in row `key` (None where the row has none of its family's records),
        without making the row's Cells."""
        made = self._made.get(key)
        if made is not None:
            return made.value(code) if code in made else None
        figure_, n, options = self._figures[code]
        components = self._parts[n].get(key)
        return None if components is None else figure_.formula(components, options)

    def __contains__(self, key) -> bool:
        return any(key in part for part in self._parts)

    def __iter__(self):
        return iter(self._order)

    def __len__(self) -> int:
        return len(self._order)


@dataclass(frozen=True)
class Table:
    """Figures by row key: `rows[(bucket, attribute)][code]` is a Measure; `total` over all rows."""

    codes: tuple[str, ...]
    grain: Grain | None
    by: str | None
    options: dict[str, dict[str, Any]]  # per family code, the options used
    rows: Rows
    total: dict[str, Measure]


def measure(
    codes: Sequence[str],
    *,
    period: Period,
    scope: Scope = Scope(),
    grain: Grain | None = None,
    by: str | None = None,
    options: Mapping[str, Any] | None = None,
) -> Table:
    """The figures `codes` over `period`, one query per family, by time bucket and/or dimension.

    `options` is one flat mapping ({"service_level_seconds": 30}); each family takes the options it
    declares. Unknown figure codes are a ValidationError naming "figures".
    """
    unknown = [code for code in codes if code not in FIGURES]
    if unknown:
        raise ValidationError.for_field(
            "figures",
            FieldError(
                _("No such figure: %(codes)s.") % {"codes": ", ".join(unknown)}, FieldCode.INVALID_CHOICE
            ),
        )
    families: dict[str, Family] = {}
    for code in codes:
        families.setdefault(FIGURES[code].family.code, FIGURES[code].family)
    parts: list[dict[Key, Components]] = []
    total: dict[str, Measure] = {}
    used: dict[str, dict[str, Any]] = {}
    for family in families.values():
        cleaned = used[family.code] = family.clean_options(options)
        mine = [FIGURES[code] for code in codes if FIGURES[code].family is family]
        only = frozenset().union(*(reads(figure_, cleaned) for figure_ in mine))
        grouped = component_rows(
            family, period=period, scope=scope, grain=grain, by=by, options=cleaned, only=only
        )
        parts.append(grouped)
        if by is not None and by not in family.single_valued:  # an agent in two groups: two rows, one total
            whole = component_rows(family, period=period, scope=scope, options=cleaned, only=only)[
                (None, None)
            ]
        else:
            whole = fold(family, grouped.values())
        whole = whole or {name: 0 for name in family.components(cleaned)}
        for figure_ in mine:
            total[figure_.code] = evaluate(figure_, whole, cleaned)
    part_of = {code: n for n, code in enumerate(families)}  # a family's part in a row: its place here
    figures = {
        code: (FIGURES[code], part_of[FIGURES[code].family.code], used[FIGURES[code].family.code])
        for code in codes
    }
    keys = list(dict.fromkeys(key for grouped in parts for key in grouped))
    return Table(tuple(codes), grain, by, used, Rows(_in_order(keys, by), parts, figures), total)


def _in_order(keys: list[Key], by: str | None) -> list[Key]:
    """The rows' keys in time order, the whole period last, then by the grouping's value. Without a
    grouping, a key is (bucket, None) and the buckets differ: they are compared as they are."""
    if by is None:
        try:
            return sorted(keys)
        except TypeError:  # a bucket None (the whole period) among times
            pass
    return sorted(keys, key=_sort_key)


def _sort_key(key):
    """Rows in time order (a bucket is a local time, or a week slot's number), the whole period last."""
    bucket, attribute = key
    return ((1, 0) if bucket is None else (0, bucket), str(attribute or ""))
