"""Business-calendar arithmetic (营业日历) for SLA clocks and department deadlines.

A `Calendar` is an immutable snapshot of one `BusinessCalendar` row; the functions below do the
arithmetic on it without touching the database, so an SLA sweep over thousands of clocks loads each
calendar once.

Rules, in one place:

- A day is a working day if a `CalendarOverride` says so (the calendar's own row beats a global
  row); otherwise, when the calendar uses Chinese holidays, by chinese-calendar (statutory holidays
  and make-up workdays, 调休); otherwise, and for years the package does not know, Monday–Friday.
  `missing_holiday_years` names those unknown years so the UI can ask for overrides.
- Working hours on a working day are the union of the calendar's shifts. A shift whose end is not
  after its start crosses midnight (22:00–06:00 runs into the next morning; 08:00–08:00 is 24 hours).
  The morning part belongs to the day the shift started, even when the next day is a holiday.
- Working time is half-open: a 09:00–18:00 day holds [09:00, 18:00). A deadline that uses up the
  day's last minute is 18:00 that day, not 09:00 the next working day.
- Durations are real elapsed time (computed in UTC), so a shift across a DST change is as long as
  the clock on the wall says it was, not as the wall-clock difference suggests.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from types import MappingProxyType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import chinese_calendar
from django.conf import settings

from kefu.core.errors import NotFound, ValidationError
from kefu.core.models import BusinessCalendar, CalendarOverride, Shift
from kefu.core.refcache import RefCache

logger = logging.getLogger(__name__)

ONE_DAY = timedelta(days=1)
ZERO = timedelta(0)

# The built-in hours: used when no calendar exists at all, and for a calendar without shifts.
DEFAULT_HOURS = ((time(9), time(18)),)

# chinese_calendar.is_workday() scans its whole table to validate the year on every call (~30 µs);
# reading its two dicts directly, with the covered years computed once, keeps a day lookup O(1).
_PACKAGE_YEARS = range(min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year + 1)


def package_covers_year(year: int) -> bool:
    """Whether chinese-calendar has statutory-holiday data for `year`."""
    return year in _PACKAGE_YEARS


def _package_is_workday(d: date) -> bool:
    """chinese_calendar.is_workday() for a covered year, without its per-call validation."""
    if d in chinese_calendar.workdays:
        return True
    if d in chinese_calendar.holidays:
        return False
    return d.weekday() < 5


def merge_shifts(shifts: Iterable[tuple[time, time]]) -> tuple[tuple[timedelta, timedelta], ...]:
    """Turn shifts into sorted, non-overlapping (start, end) offsets from the working day's midnight.

    End offsets past 24 h are shifts that cross midnight. Touching shifts merge too, so
    09:00–16:30 and 16:00–22:30 become one 09:00–22:30 span.
    """
    spans = []
    for start, end in shifts:
        s = timedelta(
            hours=start.hour, minutes=start.minute, seconds=start.second, microseconds=start.microsecond
        )
        e = timedelta(hours=end.hour, minutes=end.minute, seconds=end.second, microseconds=end.microsecond)
        if e <= s:
            e += ONE_DAY
        spans.append((s, e))
    spans.sort()
    merged: list[tuple[timedelta, timedelta]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return tuple(merged)


@dataclass(frozen=True, eq=False)
class Calendar:
    """Immutable snapshot of one business calendar; build it with `load_calendar` or `Calendar.build`.

    `intervals` are the merged working spans of any working day as offsets from its local midnight;
    `overrides` maps a date to whether it is a working day.
    """

    id: int | None
    name: str
    tz: ZoneInfo
    intervals: tuple[tuple[timedelta, timedelta], ...]
    overrides: Mapping[date, bool]
    use_chinese_holidays: bool
    # True when the calendar had no shifts and runs on DEFAULT_HOURS, so the admin can warn.
    uses_default_hours: bool = False
    # Memo of is_working_day(): an SLA sweep asks about the same few weeks over and over.
    _day_memo: dict[date, bool] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def build(
        cls,
        *,
        shifts: Iterable[tuple[time, time]] = DEFAULT_HOURS,
        tz: str | ZoneInfo = "Asia/Shanghai",
        overrides: Mapping[date, bool] | None = None,
        use_chinese_holidays: bool = True,
        id: int | None = None,
        name: str = "",
    ) -> Calendar:
        """A calendar from plain values (tests, the built-in fallback, `load_calendar`)."""
        intervals = merge_shifts(shifts)
        uses_default_hours = not intervals
        if uses_default_hours:
            intervals = merge_shifts(DEFAULT_HOURS)
        return cls(
            id=id,
            name=name,
            tz=tz if isinstance(tz, ZoneInfo) else _zone(tz),
            intervals=intervals,
            overrides=MappingProxyType(dict(overrides or {})),
            use_chinese_holidays=use_chinese_holidays,
            uses_default_hours=uses_default_hours,
        )

    def is_working_day(self, d: date) -> bool:
        """Override first, then chinese-calendar, then Monday–Friday (see the module docstring)."""
        memo = self._day_memo.get(d)
        if memo is not None:
            return memo
        result = self.overrides.get(d)
        if result is None:
            if self.use_chinese_holidays and package_covers_year(d.year):
                result = _package_is_workday(d)
            else:
                if self.use_chinese_holidays:
                    _warn_missing_year(self, d.year)
                result = d.weekday() < 5
        self._day_memo[d] = result
        return result

    def day_end(self, d: date) -> datetime:
        """The end of the last shift of day `d` (the next morning for a shift across midnight)."""
        return _wall(self, d, self.intervals[-1][1])


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError.for_field("timezone", f"unknown time zone {name!r}") from exc


_warned_years: set[tuple[int | None, str, int]] = set()


def _warn_missing_year(cal: Calendar, year: int) -> None:
    """Say it once per calendar and year: the day is guessed as Monday–Friday, never silently."""
    key = (cal.id, cal.name, year)
    if key not in _warned_years:
        _warned_years.add(key)
        logger.warning(
            "calendar %r: no statutory-holiday data for %s; counting Monday–Friday. Add overrides.",
            cal.name,
            year,
        )


def missing_holiday_years(calendar: Calendar, years: Iterable[int]) -> list[int]:
    """Years (of `years`) for which holiday data is missing: unknown to chinese-calendar and
    without a single override row, so the UI can say "holiday data for 2027 missing — add overrides".

    A calendar that does not use Chinese holidays is missing nothing: Monday–Friday is its rule.
    """
    if not calendar.use_chinese_holidays:
        return []
    override_years = {d.year for d in calendar.overrides}
    return sorted(
        {y for y in years if not package_covers_year(y) and y not in override_years},
    )


# --- arithmetic ------------------------------------------------------------------------------


def _wall(cal: Calendar, d: date, offset: timedelta) -> datetime:
    """The instant `offset` of wall-clock time after local midnight of `d`, in the calendar's tz."""
    return (datetime.combine(d, time(), cal.tz) + offset).astimezone(UTC).astimezone(cal.tz)


def _aware_utc(dt: datetime, name: str) -> datetime:
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime, got naive {dt!r}")
    return dt.astimezone(UTC)


def _spans(cal: Calendar, after: datetime) -> Iterator[tuple[datetime, datetime]]:
    """Working spans in UTC, merged across midnight, in order, of which each ends after `after`.

    Starts one day early because yesterday's shift may run past midnight. Non-working days cost
    one dict lookup each; the loop always ends because only finitely many days are holidays.
    """
    day = after.astimezone(cal.tz).date() - ONE_DAY
    start = end = None
    while True:
        if cal.is_working_day(day):
            midnight = datetime.combine(day, time(), cal.tz)
            for s, e in cal.intervals:
                a = (midnight + s).astimezone(UTC)
                b = (midnight + e).astimezone(UTC)
                if b <= a:  # a shift lost entirely to a DST jump
                    continue
                if end is not None and a <= end:
                    end = max(end, b)
                    continue
                if end is not None and end > after:
                    yield start, end
                start, end = a, b
        day += ONE_DAY


def next_working_moment(cal: Calendar, dt: datetime) -> datetime:
    """`dt` itself if it falls in working time, else the start of the next working span."""
    t = _aware_utc(dt, "dt")
    for a, _b in _spans(cal, t):
        return max(a, t).astimezone(cal.tz)
    raise AssertionError("unreachable: _spans never ends")


def add_business_time(cal: Calendar, start: datetime, delta: timedelta) -> datetime:
    """The moment `delta` of working time has elapsed after `start`.

    Counting begins at the next working moment when `start` is outside working time. A zero
    `delta` returns `start` unchanged (the same instant, in the calendar's tz): nothing is owed, so
    nothing waits for opening time. Refuses naive datetimes and negative deltas (ValueError).
    """
    t = _aware_utc(start, "start")
    if delta < ZERO:
        raise ValueError(f"delta must not be negative, got {delta}")
    if delta == ZERO:
        return t.astimezone(cal.tz)
    remaining = delta
    for a, b in _spans(cal, t):
        a = max(a, t)
        if b - a >= remaining:
            return (a + remaining).astimezone(cal.tz)
        remaining -= b - a
    raise AssertionError("unreachable: _spans never ends")


def business_time_between(cal: Calendar, start: datetime, end: datetime) -> timedelta:
    """Working time inside [start, end); zero when `end` is not after `start`."""
    t0 = _aware_utc(start, "start")
    t1 = _aware_utc(end, "end")
    total = ZERO
    if t1 <= t0:
        return total
    for a, b in _spans(cal, t0):
        if a >= t1:
            break
        total += min(b, t1) - max(a, t0)
    return total


def add_working_days(cal: Calendar, start: datetime, days: int) -> datetime:
    """Deadline for "within N working days" (N >= 1): the end of the last shift of the Nth working
    day after `start`'s local date.

    The day of `start` never counts, whether it is a working day or not: a request on Friday
    afternoon, or on Saturday, with N=3 is due when Wednesday's last shift ends (in a week without
    holidays). So a request at 17:59 is not due one minute later.
    """
    _aware_utc(start, "start")
    if days < 1:
        raise ValueError(f"days must be at least 1, got {days}")
    day = start.astimezone(cal.tz).date()
    while days:
        day += ONE_DAY
        if cal.is_working_day(day):
            days -= 1
    return cal.day_end(day)


# --- loading and caching ---------------------------------------------------------------------

# Calendars change rarely and are read on every SLA computation, so each process keeps a snapshot
# of all of them (kefu.core.refcache: one query per table, kept CACHE_SECONDS). Saves and deletes of
# the three models clear it at once in this process (and again at the commit); other processes
# (web workers, Huey consumers) pick a change up within CACHE_SECONDS. Inside a transaction that
# changed a calendar, its own changes are read. Bulk updates (`QuerySet.update`, `bulk_create`)
# send no signals: call `clear_calendar_cache()` after them.
CACHE_SECONDS = 60.0


def _load_all() -> dict[int | None, Calendar]:
    """Every calendar by id, and under None the default one (`is_default`, else the first; with no
    rows at all, the built-in Monday–Friday 09:00–18:00 calendar with the global overrides)."""
    rows = list(BusinessCalendar.objects.order_by("-is_default", "pk"))
    shifts: dict[int, list[tuple[time, time]]] = {}
    for calendar_id, start, end in Shift.objects.values_list("calendar_id", "start", "end"):
        shifts.setdefault(calendar_id, []).append((start, end))
    global_days: dict[date, bool] = {}
    own_days: dict[int, dict[date, bool]] = {}
    workday = CalendarOverride.Kind.WORKDAY
    for calendar_id, day, kind in CalendarOverride.objects.values_list("calendar_id", "date", "kind"):
        target = global_days if calendar_id is None else own_days.setdefault(calendar_id, {})
        target[day] = kind == workday
    found: dict[int | None, Calendar] = {}
    for row in rows:
        if row.pk not in shifts:
            logger.warning("calendar %r has no shifts; using 09:00–18:00 until it has some", row.name)
        found[row.pk] = Calendar.build(
            id=row.pk,
            name=row.name,
            tz=row.timezone,
            shifts=shifts.get(row.pk, ()),
            # The calendar's own rows win over global rows on the same date.
            overrides={**global_days, **own_days.get(row.pk, {})},
            use_chinese_holidays=row.use_chinese_holidays,
        )
    found[None] = (
        found[rows[0].pk]
        if rows
        else Calendar.build(
            shifts=DEFAULT_HOURS,
            tz=settings.TIME_ZONE,
            overrides=global_days,
            use_chinese_holidays=True,
            name="built-in",
        )
    )
    return found


calendars = RefCache("core.calendars", _load_all, seconds=CACHE_SECONDS)


def clear_calendar_cache(**_kwargs) -> None:
    """Forget the loaded calendars, now and again when the current transaction commits."""
    calendars.clear()


def load_calendar(calendar_id: int | None = None) -> Calendar:
    """The calendar with `calendar_id`, or the default one (`is_default`, else the first) for None.

    With no calendar rows at all: a built-in Monday–Friday 09:00–18:00 calendar with Chinese
    holidays and the global overrides. Raises NotFound for an unknown id.
    """
    key = None if calendar_id is None else int(calendar_id)
    found = calendars.get().get(key)
    if found is None:
        # Perhaps made by another process since this one's snapshot: look again before refusing.
        found = calendars.refresh().get(key)
        if found is None:
            raise NotFound(f"business calendar {calendar_id} does not exist")
    return found


def connect_signals() -> None:
    """Clear the cache whenever a calendar, shift or override is saved or deleted (from apps.ready)."""
    calendars.watch(BusinessCalendar, Shift, CalendarOverride)
