"""Interval rollups: built from the raw records, kept current as records arrive, read by the metrics.

- **Cubes.** A family's components are kept per local day by each one of its groupings — queue,
  agent, channel, category: a *cube* each, every record once in each cube — and per 15 minutes by
  those with few values (queue, channel, category; not agent: fifty agents × 96 quarter hours is
  as many rows as calls). Any cube holds the whole center, so totals read the smallest.
- **Build** (`rebuild`): per cube, one SQL aggregate of the family's records of some local days —
  the very components the figures use, with the family's default options — grouped by 15-minute
  slot (integer arithmetic on the timestamp, no time-zone conversion per row) and the cube's
  dimension; the day rows are the slots' sums, made in Python.
- **Keep current** (`mark_stale` → `refresh`): a record arriving (an import, a CTI event) makes its
  local day stale; the worker rebuilds stale days. A late or out-of-order record only makes an
  older day stale again.
- **Read** (`read`): a figure over whole local days with the default options, grouped by at most
  one dimension and filtered on at most that one (a group reads the agent cube through its
  members), reads fresh days from the rollups and stale or unbuilt days from the records, and adds
  the two: components are sums and maxima, so the answer is the records' answer
  (tests/reports/test_rollups.py proves it). Anything else reads the records.

Only families whose figures depend on their own records roll up (`Family.rollup`): first-contact
resolution, for one, changes when a later work order arrives, so it always reads the records.

Agent time (occupancy, utilisation) rolls up too, built by its own `Family.compute` per quarter hour
for the whole center (the `center` cube) and per day by agent. An agent's state holds until their
next change, so a change arriving late makes every day up to that next change stale, and one with
no later change every day after it (kefu.reports.receivers); a calendar edited (paid time is the
calendar's working time) makes all of them stale.
"""

from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max, Min, Sum
from django.utils import timezone

from kefu.core import rows as core_rows
from kefu.core.sqltime import EpochSlot
from kefu.reports.metrics.base import (
    Components,
    Family,
    Grain,
    Key,
    Period,
    Scope,
    add_components,
    center_zone,
    fixed_offset,
    group_components,
)
from kefu.reports.metrics.common import members_of
from kefu.reports.models import SLOTS, Rollup, RollupDay

# The rollup row's column for each cube's dimension.
COLUMNS = {"queue": "queue", "agent": "agent_id", "channel": "channel", "category": "category_id"}
# The whole center in one row per bucket, for a family no single-valued grouping of few values
# serves (agent time is only by agent: fifty agents × 96 quarter hours a day).
CENTER = "center"
FINE_CUBES = (CENTER, "queue", "channel", "category")  # also kept per 15 minutes
FINE = {Grain.MIN15, Grain.MIN30, Grain.HOUR, Grain.WEEK_SLOT30}  # grains read from the 15-minute rows
# The whole center reads the cube with the fewest rows per bucket: calls have one channel (phone),
# a handful of queues, more categories, many agents.
SMALLEST_FIRST = (CENTER, "channel", "queue", "category", "agent")
SLOT_SECONDS = 900
BATCH = 500  # rows per INSERT (SQLite's limit on a statement's parameters)


def enabled() -> bool:
    return settings.KEFU_ROLLUPS


def slots(family: Family) -> list[str]:
    """The family's component names in slot order (n0, n1 …)."""
    names = list(family.components(family.clean_options({})))
    if len(names) > SLOTS:
        raise ValueError(f"{family.code} has {len(names)} components; a rollup holds {SLOTS}.")
    return names


def cubes(family: Family) -> list[str]:
    """The family's groupings kept (`Family.cubes`, else each of its dimensions the rollups know)."""
    return list(family.cubes) or [dim for dim in COLUMNS if dim in family.dimensions]


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=center_zone())


def _day_ranges(days: Iterable[date]) -> Iterator[tuple[date, date]]:
    """Consecutive days as (first, last) ranges."""
    first = last = None
    for day in sorted(set(days)):
        if last is not None and day == last + timedelta(days=1):
            last = day
            continue
        if first is not None:
            yield first, last
        first = last = day
    if first is not None:
        yield first, last


# --- building -------------------------------------------------------------------------------------


def rebuild(family: Family, *, first: date, last: date) -> int:
    """Rebuild `family`'s rollups of the local days first..last from its records; returns the
    number of rows written. Each day ends fresh unless a record of it arrived meanwhile."""
    options = family.clean_options({})
    versions = _versions(family, first, last)
    period = Period(_local_midnight(first), _local_midnight(last + timedelta(days=1)))
    rows = _computed(family, period, options) if family.compute else _aggregated(family, period, options)
    columns = ["grain", "cube", "bucket", "epoch", "queue", "agent_id", "channel", "category_id"] + [
        f"n{n}" for n in range(SLOTS)
    ]
    with transaction.atomic():
        Rollup.objects.filter(family=family.code, bucket__gte=period.start, bucket__lt=period.end).delete()
        for start in range(0, len(rows), BATCH):
            core_rows.insert_rows(
                Rollup, columns=columns, rows=rows[start : start + BATCH], fixed={"family": family.code}
            )
        now = timezone.now()
        for day, version in versions.items():
            RollupDay.objects.filter(family=family.code, day=day, version=version).update(
                fresh=True, built_at=now
            )
    return len(rows)


def _aggregated(family: Family, period: Period, options: Mapping[str, Any]) -> list[tuple]:
    """The rollup rows of a family of columns, from SQL aggregates of the period's records: the
    cubes kept per 15 minutes whose dimensions put each record in one row (queue, channel,
    category) from one statement grouped by all of them at once — each cube is a sum of its
    rows, and one pass over the records instead of one per cube halved a refresh after an
    import — and every other cube from its own statement."""
    names = slots(family)
    zone = center_zone()
    records = family.rows(period, Scope(), options)
    # Quarter hours for the fine cubes; whole local days straight away for the others where the
    # zone keeps one offset (fifty agents × 96 quarter hours would only be summed again).
    offset = fixed_offset(period)
    kept = cubes(family)
    together = [cube for cube in kept if cube in FINE_CUBES and cube in family.single_valued]
    alone = [cube for cube in kept if cube not in together]
    if len(together) < 2:
        together, alone = [], kept

    def grouped_by(dims: list[str], seconds: int, shift: int) -> dict[tuple, Components]:
        return group_components(
            records,
            time_field=family.time_field,
            paths={**family.dimensions, "slot": EpochSlot(family.time_field, seconds, shift)},
            aggregates=family.components(options),
            maxima=family.maxima,
            grain=None,
            dims=("slot", *dims),
        )

    found: dict[str, tuple[int, int, dict[tuple, Components]]] = {}  # cube: (seconds, shift, rows)
    if together:
        sums: dict[str, dict[tuple, Components]] = {cube: {} for cube in together}
        for (_none, slot, *values), components in grouped_by(together, SLOT_SECONDS, 0).items():
            for cube, value in zip(together, values, strict=True):
                _add_into(family, sums[cube], (slot, value), components)
        found |= {cube: (SLOT_SECONDS, 0, sums[cube]) for cube in together}
    for cube in alone:
        seconds, shift = (
            (86400, offset) if cube not in FINE_CUBES and offset is not None else (SLOT_SECONDS, 0)
        )
        grouped = grouped_by([cube], seconds, shift)
        found[cube] = (seconds, shift, {(slot, value): c for (_none, slot, value), c in grouped.items()})
    rows: list[tuple] = []
    for cube in kept:
        seconds, shift, grouped = found[cube]
        days: dict[tuple, Components] = {}
        for (slot, value), components in grouped.items():
            start = datetime.fromtimestamp(slot * seconds - shift, zone)
            if cube in FINE_CUBES:
                rows.append(_row(Grain.MIN15, cube, start, value, components, names))
            _add_into(family, days, (start.date(), value), components)
        rows += [
            _row(Grain.DAY, cube, _local_midnight(day), value, components, names)
            for (day, value), components in days.items()
        ]
    return rows


def _computed(family: Family, period: Period, options: Mapping[str, Any]) -> list[tuple]:
    """The rollup rows of a family computed in Python (`Family.compute`, agent time), from one
    computation of its quarter hours by its one grouping (which must put each record in one row,
    so that its rows add up to the center): the center's quarter hours are their sums, every day
    the sum of its quarter hours."""
    names = slots(family)
    kept = cubes(family)
    grouped = [cube for cube in kept if cube != CENTER]
    if len(grouped) > 1 or not set(grouped) <= family.single_valued:
        raise ValueError(f"{family.code}: a computed family rolls up by at most one single-valued grouping")
    by = grouped[0] if grouped else None
    # A cube kept per quarter hour sums into its quarters, then its days; any other straight into days.
    quarters: dict[str, dict[tuple, Components]] = {cube: {} for cube in kept if cube in FINE_CUBES}
    days: dict[str, dict[tuple, Components]] = {cube: {} for cube in kept}
    found = family.compute(period=period, scope=Scope(), grain=Grain.MIN15, by=by, options=options)
    for (bucket, value), components in found.items():
        for cube in kept:
            value_of = None if cube == CENTER else value
            if cube in quarters:
                _add_into(family, quarters[cube], (bucket, value_of), components)
            else:
                _add_into(family, days[cube], (bucket.date(), value_of), components)
    rows: list[tuple] = []
    for cube, found_quarters in quarters.items():
        for (bucket, value), components in found_quarters.items():
            rows.append(_row(Grain.MIN15, cube, bucket, value, components, names))
            _add_into(family, days[cube], (bucket.date(), value), components)
    for cube, found_days in days.items():
        rows += [
            _row(Grain.DAY, cube, _local_midnight(day), value, components, names)
            for (day, value), components in found_days.items()
        ]
    return rows


def _add_into(family: Family, into: dict[tuple, Components], key: tuple, components: Components) -> None:
    """Add `components` to the row `key` of `into` in place (a new row is a copy): sums add up,
    maxima take the larger (add_components, without a new dict per addition)."""
    found = into.get(key)
    if found is None:
        into[key] = dict(components)
        return
    for name, value in components.items():
        found[name] = max(found[name], value) if name in family.maxima else found[name] + value


def _row(grain: Grain, cube: str, bucket: datetime, value, components: Components, names: list[str]) -> tuple:
    dims = {column: None for column in COLUMNS.values()} | {"queue": "", "channel": ""}
    if cube != CENTER:
        dims[COLUMNS[cube]] = value if value is not None or cube in ("agent", "category") else ""
    numbers = [float(components.get(name) or 0) for name in names] + [0.0] * (SLOTS - len(names))
    return (
        grain.value,
        cube,
        bucket,
        int(bucket.timestamp()),
        dims["queue"],
        dims["agent_id"],
        dims["channel"],
        dims["category_id"],
        *numbers,
    )


def _versions(family: Family, first: date, last: date) -> dict[date, int]:
    """Every day of the range registered (unbuilt days too), with the version the rebuild read."""
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    RollupDay.objects.bulk_create(
        [RollupDay(family=family.code, day=day) for day in days], ignore_conflicts=True, batch_size=2000
    )
    return dict(
        RollupDay.objects.filter(family=family.code, day__gte=first, day__lte=last).values_list(
            "day", "version"
        )
    )


def mark_stale(family_code: str, *, first: datetime | None, last: datetime | None) -> None:
    """Records of `family_code` arrived between `first` and `last` (None: they change every day
    after `first` too, as an agent's latest state does; both None: every day): their local days
    are stale."""
    zone = center_zone()
    days = RollupDay.objects.filter(family=family_code)
    if first is not None:
        days = days.filter(day__gte=timezone.localtime(first, zone).date())
    if last is not None:
        days = days.filter(day__lte=timezone.localtime(last, zone).date())
    days.update(fresh=False, version=F("version") + 1)


def refresh(family: Family) -> int:
    """Rebuild every stale built day of `family` (the task after arrivals); returns rows written."""
    stale = RollupDay.objects.filter(family=family.code, fresh=False).values_list("day", flat=True)
    return sum(rebuild(family, first=first, last=last) for first, last in _day_ranges(list(stale)))


def rolled_up() -> list[Family]:
    """The families kept in rollups, from the catalogue."""
    from kefu.reports.metrics import FIGURES

    found: dict[str, Family] = {}
    for figure in FIGURES.values():
        if figure.family.rollup:
            found.setdefault(figure.family.code, figure.family)
    return list(found.values())


def refresh_all() -> int:
    """Rebuild the stale days of every rolled-up family (the worker runs this after arrivals and
    every minute)."""
    return sum(refresh(family) for family in rolled_up())


def arrived(family_code: str, *, first: datetime, last: datetime | None) -> None:
    """Records of `family_code` arrived between `first` and `last`: their days are stale, and the
    worker rebuilds them once the caller's transaction commits."""
    if not enabled():
        return
    mark_stale(family_code, first=first, last=last)
    from kefu.core.tasks import run_later

    run_later(refresh_all)


# --- reading --------------------------------------------------------------------------------------


def _built_with(family: Family, options: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The options that shape the components (the rollups hold the defaults'), of `options` or the
    defaults."""
    shaping = {option.name for option in family.options if not option.formula_only}
    return {name: value for name, value in family.clean_options(options or {}).items() if name in shaping}


def _cube_for(family: Family, scope: Scope, by: str | None, grain: Grain | None) -> str | None:
    """The one cube that can answer (its dimension is the grouping and the only filter), or None."""
    wanted = {"group": "agent"}.get(by, by) if by else None
    for dim, _values in scope.items():
        if dim not in family.dimensions:
            continue  # the family ignores a filter it has no field for, and so do its rollups
        dim = {"group": "agent"}.get(dim, dim)
        if wanted not in (None, dim):
            return None
        wanted = dim
    available = cubes(family)
    if grain in FINE:
        available = [cube for cube in available if cube in FINE_CUBES]
    if wanted is None:
        return min(available, key=SMALLEST_FIRST.index) if available else None
    return wanted if wanted in available else None


def read(
    family: Family,
    *,
    period: Period,
    scope: Scope,
    grain: Grain | None,
    by: str | None,
    options: Mapping[str, Any],
    only: frozenset[str] | None = None,
) -> dict[Key, Components] | None:
    """The components asked for, from the rollups where fresh and the records elsewhere; None when
    the rollups cannot answer (another option than the defaults, a period not of whole days, two
    dimensions at once, a family that does not roll up, nothing built in the period)."""
    if not (family.rollup and enabled()) or _built_with(family) != _built_with(family, options):
        return None
    cube = _cube_for(family, scope, by, grain)
    if cube is None:
        return None
    zone = center_zone()
    start, end = timezone.localtime(period.start, zone), timezone.localtime(period.end, zone)
    if start.time() != time.min or end.time() != time.min:
        return None
    first, last = start.date(), (end - timedelta(days=1)).date()
    fresh = set(
        RollupDay.objects.filter(family=family.code, day__gte=first, day__lte=last, fresh=True).values_list(
            "day", flat=True
        )
    )
    if not fresh:
        return None
    from kefu.reports.metrics.base import component_rows

    stored = Grain.MIN15 if grain in FINE else Grain.DAY
    rows = Rollup.objects.filter(
        family=family.code, grain=stored.value, cube=cube, bucket__gte=period.start, bucket__lt=period.end
    )
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    stale = [day for day in days if day not in fresh]
    for stale_first, stale_last in _day_ranges(stale):
        rows = rows.exclude(
            bucket__gte=_local_midnight(stale_first),
            bucket__lt=_local_midnight(stale_last + timedelta(days=1)),
        )
    for dim, values in scope.items():
        if dim == "group" and dim in family.dimensions:  # by membership: an agent in two groups once
            rows = rows.filter(agent_id__in=members_of(values))
        elif dim in family.dimensions:
            rows = rows.filter(**{f"{COLUMNS[dim]}__in": values})
    names = slots(family)
    aggregates = {
        name: (Max if name in family.maxima else Sum)(f"n{n}")
        for n, name in enumerate(names)
        if only is None or name in only
    }
    paths = {"epoch": "epoch", **COLUMNS, "group": "agent__agent_groups__id"}
    if grain == stored:  # the rows are already the buckets asked for: no conversion per row
        grouped = group_components(
            rows, time_field="bucket", paths=paths, aggregates=aggregates, maxima=family.maxima, grain=None,
            dims=("epoch", by) if by else ("epoch",),
        )  # fmt: skip
        out = {
            (datetime.fromtimestamp(key[1], zone), key[2] if by else None): components
            for key, components in grouped.items()
        }
    else:
        grouped = group_components(
            rows, time_field="bucket", paths=paths, aggregates=aggregates, maxima=family.maxima, grain=grain,
            dims=(by,) if by else (), period=period, seconds_field="epoch",
        )  # fmt: skip
        out = grouped  # keyed (bucket, value of `by` or None), as asked
    for stale_first, stale_last in _day_ranges(stale):
        raw = component_rows(
            family,
            period=Period(_local_midnight(stale_first), _local_midnight(stale_last + timedelta(days=1))),
            scope=scope,
            grain=grain,
            by=by,
            options=options,
            raw=True,
            only=only,
        )
        for key, components in raw.items():
            out[key] = add_components(family.maxima, out[key], components) if key in out else components
    return out


def built_range(family: Family) -> tuple[date | None, date | None]:
    """The first and last built day of `family` (for the rebuild command's report)."""
    found = RollupDay.objects.filter(family=family.code).aggregate(first=Min("day"), last=Max("day"))
    return found["first"], found["last"]
