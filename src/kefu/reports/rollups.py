"""Interval rollups: built from the raw records, kept current as records arrive, read by the metrics.

- **Build** (`rebuild`): a family's raw records of some local days, grouped by 15 minutes × queue ×
  agent × channel × category with the family's default options — the very aggregate the metrics run
  on raw records — stored as 15-minute rows, and summed into day rows.
- **Keep current** (`mark_stale` → `refresh`): a record arriving (an import, a CTI event, a chat
  ending) makes its day stale; the `rollups_refresh` task rebuilds the stale days. A late or
  out-of-order record only makes an older day stale again.
- **Read** (`read`): a figure over whole local days with the default options reads fresh days from
  the rollups (15-minute rows for 15/30-minute and hourly grains, day rows otherwise) and stale or
  unbuilt days from the raw records, and adds the two: components are sums and maxima, so the
  answer is the raw answer (tests/reports/test_rollups.py proves it).

Only families whose figures depend on their own records roll up (`Family.rollup`): first-contact
resolution, for one, changes when a later work order arrives, so it always reads the records.
"""

from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max, Min, Sum
from django.utils import timezone

from kefu.reports.metrics.base import (
    Components,
    Family,
    Grain,
    Key,
    Period,
    Scope,
    add_components,
    center_zone,
    group_components,
)
from kefu.reports.metrics.common import members_of
from kefu.reports.models import SLOTS, Rollup, RollupDay

# Where each grouping lives in a rollup row ("group": the agent's groups, joined when read).
PATHS = {
    "queue": "queue",
    "agent": "agent_id",
    "group": "agent__agent_groups__id",
    "channel": "channel",
    "category": "category_id",
}
STORED = ("queue", "agent", "channel", "category")  # the columns of a row
FINE = {Grain.MIN15, Grain.MIN30, Grain.HOUR}  # read from the 15-minute rows
BATCH = 2000


def enabled() -> bool:
    return settings.KEFU_ROLLUPS


def slots(family: Family) -> list[str]:
    """The family's component names in slot order (n0, n1 …)."""
    names = list(family.components(family.clean_options({})))
    if len(names) > SLOTS:
        raise ValueError(f"{family.code} has {len(names)} components; a rollup holds {SLOTS}.")
    return names


def stored_dimensions(family: Family) -> list[str]:
    return [dim for dim in STORED if dim in family.dimensions]


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
    """Rebuild `family`'s rollups of the local days first..last from its raw records; returns the
    number of rows written. Each day ends fresh unless a record of it arrived meanwhile."""
    names = slots(family)
    dims = stored_dimensions(family)
    options = family.clean_options({})
    versions = _versions(family, first, last)
    period = Period(_local_midnight(first), _local_midnight(last + timedelta(days=1)))
    grouped = group_components(
        family.rows(period, Scope(), options),
        time_field=family.time_field,
        paths=family.dimensions,
        aggregates=family.components(options),
        maxima=family.maxima,
        grain=Grain.MIN15,
        dims=dims,
    )
    days: dict[tuple, Components] = {}
    for (bucket, *values), components in grouped.items():
        key = (_local_midnight(bucket.date()), *values)
        days[key] = add_components(family.maxima, days[key], components) if key in days else dict(components)
    rows = [
        _row(family, grain, key, components, names, dims)
        for grain, table in ((Grain.MIN15, grouped), (Grain.DAY, days))
        for key, components in table.items()
    ]
    with transaction.atomic():
        Rollup.objects.filter(family=family.code, bucket__gte=period.start, bucket__lt=period.end).delete()
        Rollup.objects.bulk_create(rows, batch_size=BATCH)
        now = timezone.now()
        for day, version in versions.items():
            RollupDay.objects.filter(family=family.code, day=day, version=version).update(
                fresh=True, built_at=now
            )
    return len(rows)


def _row(family, grain, key, components, names, dims) -> Rollup:
    bucket, *values = key
    row = Rollup(family=family.code, grain=grain.value, bucket=bucket)
    for dim, value in zip(dims, values, strict=True):
        if dim == "agent":
            row.agent_id = value
        elif dim == "category":
            row.category_id = value
        else:
            setattr(row, dim, value or "")
    for n, name in enumerate(names):
        setattr(row, f"n{n}", components.get(name) or 0)
    return row


def _versions(family: Family, first: date, last: date) -> dict[date, int]:
    """Every day of the range registered (unbuilt days too), with the version the rebuild read."""
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    RollupDay.objects.bulk_create(
        [RollupDay(family=family.code, day=day) for day in days], ignore_conflicts=True, batch_size=BATCH
    )
    return dict(
        RollupDay.objects.filter(family=family.code, day__gte=first, day__lte=last).values_list(
            "day", "version"
        )
    )


def mark_stale(family_code: str, *, first: datetime, last: datetime) -> None:
    """Records of `family_code` arrived between `first` and `last`: their local days are stale."""
    zone = center_zone()
    first_day, last_day = timezone.localtime(first, zone).date(), timezone.localtime(last, zone).date()
    RollupDay.objects.filter(family=family_code, day__gte=first_day, day__lte=last_day).update(
        fresh=False, version=F("version") + 1
    )


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


def arrived(family_code: str, *, first: datetime, last: datetime) -> None:
    """Records of `family_code` arrived between `first` and `last`: their days are stale, and the
    worker rebuilds them once the caller's transaction commits."""
    if not enabled():
        return
    mark_stale(family_code, first=first, last=last)
    from kefu.core.tasks import run_later

    run_later(refresh_all)


# --- reading --------------------------------------------------------------------------------------


def read(
    family: Family,
    *,
    period: Period,
    scope: Scope,
    grain: Grain | None,
    by: str | None,
    options: Mapping[str, Any],
) -> dict[Key, Components] | None:
    """The components asked for, from the rollups where fresh and the records elsewhere; None when
    the rollups cannot answer (another option than the defaults, a period not of whole days, a
    family that does not roll up, nothing built in the period)."""
    if not (family.rollup and enabled()) or options != family.clean_options({}):
        return None
    if by is not None and by not in PATHS:
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

    names = slots(family)
    rows = Rollup.objects.filter(
        family=family.code,
        grain=(Grain.MIN15 if grain in FINE else Grain.DAY).value,
        bucket__gte=period.start,
        bucket__lt=period.end,
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
        elif dim in family.dimensions and dim in PATHS:
            rows = rows.filter(**{f"{PATHS[dim]}__in": values})
    aggregates = {name: (Max if name in family.maxima else Sum)(f"n{n}") for n, name in enumerate(names)}
    grouped = group_components(
        rows, time_field="bucket", paths=PATHS, aggregates=aggregates, maxima=family.maxima, grain=grain,
        dims=(by,) if by else (),
    )  # fmt: skip
    out = {(key[0], key[1] if by else None): components for key, components in grouped.items()}
    for stale_first, stale_last in _day_ranges(stale):
        raw = component_rows(
            family,
            period=Period(_local_midnight(stale_first), _local_midnight(stale_last + timedelta(days=1))),
            scope=scope,
            grain=grain,
            by=by,
            options=options,
            raw=True,
        )
        for key, components in raw.items():
            out[key] = add_components(family.maxima, out[key], components) if key in out else components
    return out


def built_range(family: Family) -> tuple[date | None, date | None]:
    """The first and last built day of `family` (for the rebuild command's report)."""
    found = RollupDay.objects.filter(family=family.code).aggregate(first=Min("day"), last=Max("day"))
    return found["first"], found["last"]
