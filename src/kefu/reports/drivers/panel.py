"""The driver analysis' panel from the KPI catalogue, and the request that asks for it.

`driver_panel` builds the table `analyse_drivers` reads ONLY through `kefu.reports.metrics.measure`:
one row per unit × period, labelled `unit` and `period`, one column per figure code. Rates (the
catalogue's shares 0..1) are given in percent — 92.5, not 0.925 — because the seed study's model and the
analysis' readings ("one point more FCR") are in percentage points; seconds stay seconds and scores
their own scale. A figure a unit has no value for in a period (no surveys that week) is NaN.

`read_drivers_query` reads a page's or the API's parameters (from, to, unit, target, drivers,
eliminate) into a `DriversQuery`, refusing bad input with a ValidationError naming the parameter;
`run_drivers` is the panel and its analysis, what the page, the export and the API show alike.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.core.errors import FieldCode, FieldError, ValidationError
from kefu.reports.metrics import FIGURES, Grain, Period, Unit, measure

from .analysis import DEFAULT_DRIVERS, analyse_drivers
from .figures import code_of

if TYPE_CHECKING:
    import pandas

    from .result import DriverAnalysis

# The units of a panel: what a row is, and how `measure` is asked for it (grain, dimension).
UNITS: dict[str, tuple[Grain, str | None]] = {
    "agent_week": (Grain.WEEK, "agent"),
    "group_week": (Grain.WEEK, "group"),
    "center_month": (Grain.MONTH, None),
}
UNIT_NAMES = {
    "agent_week": gettext_lazy("Agent × week"),
    "group_week": gettext_lazy("Group × week"),
    "center_month": gettext_lazy("Center × month"),
}
TARGETS = ("csat", "csat_score")  # what the analysis explains: the satisfaction figures
DEFAULT_DAYS = 84  # twelve weeks: the page's default period


def default_drivers() -> tuple[str, ...]:
    """The seed study's drivers the catalogue has (occupancy only once it is defined there)."""
    return tuple(code for code in DEFAULT_DRIVERS if code in FIGURES)


def driver_choices(target: str) -> list[str]:
    """The figures a page may offer as drivers: every catalogue figure but counts and the target."""
    return [code for code, f in FIGURES.items() if f.unit != Unit.COUNT and code != target]


def _checked_codes(target: str, drivers: Sequence[str]) -> tuple[str, tuple[str, ...]]:
    """The target and drivers as catalogue codes (aliases resolved); unknown ones refused by name."""
    target = code_of(target)
    if target not in FIGURES:
        raise ValidationError.for_field(
            "target",
            FieldError(_("No such figure: %(codes)s.") % {"codes": target}, FieldCode.INVALID_CHOICE),
        )
    codes = tuple(code_of(d) for d in drivers)
    unknown = [code for code in codes if code not in FIGURES]
    if unknown:
        raise ValidationError.for_field(
            "drivers",
            FieldError(
                _("No such figure: %(codes)s.") % {"codes": ", ".join(unknown)}, FieldCode.INVALID_CHOICE
            ),
        )
    if not codes:
        raise ValidationError.for_field(
            "drivers", FieldError(_("Name at least one driver."), FieldCode.REQUIRED)
        )
    if target in codes:
        raise ValidationError.for_field(
            "drivers",
            FieldError(_("%(column)s is the target; it cannot also be a driver.") % {"column": target}),
        )
    if len(set(codes)) != len(codes):
        raise ValidationError.for_field(
            "drivers", FieldError(_("A driver is named twice."), FieldCode.INVALID)
        )
    return target, codes


def _unit(unit: str) -> tuple[Grain, str | None]:
    if unit not in UNITS:
        raise ValidationError.for_field(
            "unit",
            FieldError(
                _("Choose one of: %(choices)s.") % {"choices": ", ".join(UNITS)}, FieldCode.INVALID_CHOICE
            ),
        )
    return UNITS[unit]


def period_label(bucket: datetime, grain: Grain) -> str:
    """A row's period: the ISO week ("2026-W48") or the month ("2026-11"), local time."""
    if grain == Grain.MONTH:
        return f"{bucket:%Y-%m}"
    year, week, _day = bucket.isocalendar()
    return f"{year}-W{week:02d}"


def driver_panel(
    *,
    period: Period,
    unit: str,
    target: str = "csat",
    drivers: Sequence[str] = (),
    options: Mapping[str, Any] | None = None,
) -> pandas.DataFrame:
    """The panel of `target` and `drivers` over `period`: one row per unit × period (agent × ISO week,
    group × ISO week or the center × month, local time), columns `unit`, `period` and one per figure
    code, in the order target, drivers. Every value is `metrics.measure`'s, a rate × 100 (percent
    points); NaN where the figure has no value for that row. Records without the unit's agent or group
    (a call nobody answered) are not a unit and make no row. A week or month the period cuts is the
    part of it inside the period. `drivers` empty: `default_drivers()`. Refuses (ValidationError
    naming the field) an unknown unit, target or driver, a driver listed twice or equal to the target.
    """
    import pandas as pd

    from kefu.reports.dashboard import key_labels

    grain, by = _unit(unit)
    target, codes = _checked_codes(target, tuple(drivers) or default_drivers())
    columns = (target, *codes)
    table = measure(columns, period=period, grain=grain, by=by, options=options)
    keys = [key for key in table.rows if key[0] is not None and (by is None or key[1] is not None)]
    labels = key_labels(by, [key[1] for key in keys]) if by else {}
    rows = []
    for bucket, attribute in keys:
        cells = table.rows[(bucket, attribute)]
        row: dict[str, Any] = {
            "unit": labels.get(attribute, str(attribute)) if by else str(_("Center")),
            "period": period_label(bucket, grain),
        }
        for code in columns:
            measured = cells.get(code)
            value = None if measured is None else measured.value
            if value is not None and FIGURES[code].unit == Unit.PERCENT:
                value = value * 100
            row[code] = float("nan") if value is None else float(value)
        rows.append(row)
    frame = pd.DataFrame(rows, columns=["unit", "period", *columns])
    return frame.astype({code: float for code in columns})


# --- the request -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DriversQuery:
    """A request for the driver analysis, read and checked."""

    period: Period
    unit: str
    target: str
    drivers: tuple[str, ...]
    eliminate: bool

    @property
    def first_day(self) -> date:
        return self.period.first_day

    @property
    def last_day(self) -> date:
        return self.period.last_day


def _values(params: Mapping, name: str) -> list[str]:
    values = params.getlist(name) if hasattr(params, "getlist") else params.get(name) or []
    values = [values] if isinstance(values, str) else list(values)
    out: list[str] = []
    for value in values:  # a list (drivers=a&drivers=b) or one comma-separated value, or both
        out += [v.strip() for v in str(value).split(",") if v.strip()]
    return out


def read_drivers_query(params: Mapping) -> DriversQuery:
    """The driver analysis asked for in a request's parameters: from, to (local days; default the
    twelve weeks to today), unit (agent_week, group_week, center_month; default agent_week), target
    (csat or csat_score), drivers (codes, repeated or comma-separated; default the seed's), eliminate
    (1/true/on: backward elimination). Raises ValidationError naming the parameter at fault."""
    from kefu.reports.dashboard import read_day

    today = timezone.localdate()
    last = read_day(params, "to", today)
    first = read_day(params, "from", last - timedelta(days=DEFAULT_DAYS - 1))
    period = Period.from_dates(first, last, names=("from", "to"))
    unit = (params.get("unit") or "agent_week").strip()
    _unit(unit)
    target = code_of((params.get("target") or "csat").strip())
    if target not in TARGETS:
        raise ValidationError.for_field(
            "target",
            FieldError(
                _("Choose one of: %(choices)s.") % {"choices": ", ".join(TARGETS)}, FieldCode.INVALID_CHOICE
            ),
        )
    target, drivers = _checked_codes(target, _values(params, "drivers") or default_drivers())
    flag = str(params.get("eliminate") or "").strip().lower()
    if flag not in ("", "0", "1", "true", "false", "on", "off"):
        raise ValidationError.for_field(
            "eliminate", FieldError(_("Give true or false."), FieldCode.WRONG_TYPE)
        )
    return DriversQuery(period, unit, target, drivers, flag in ("1", "true", "on"))


def run_drivers(query: DriversQuery) -> tuple[pandas.DataFrame, DriverAnalysis]:
    """The panel of a query and its analysis."""
    panel = driver_panel(period=query.period, unit=query.unit, target=query.target, drivers=query.drivers)
    result = analyse_drivers(panel, target=query.target, drivers=query.drivers, eliminate=query.eliminate)
    return panel, result
