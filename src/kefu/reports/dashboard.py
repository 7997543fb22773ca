"""What the KPI dashboard (指标看板) and its API ask of the metrics: the request read into a query,
labels for row keys, values as text, the chart's data and the drill-down's records.

Every number comes from `metrics.measure`; this module only shapes it for people.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from io import BytesIO
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.dateparse import parse_date
from django.utils.formats import get_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.core.errors import DomainError, FieldCode, FieldError, ValidationError
from kefu.core.params import int_or
from kefu.reports.metrics import FIGURES, Grain, Period, Scope, Table, Unit, measure
from kefu.reports.metrics.base import FINE_STEP, Family, Figure, bucket_end, center_zone

# What the dashboard shows when nobody chose: the seeds' headline figures, those that exist.
DEFAULT_FIGURES = (
    "calls_offered", "calls_answer_rate", "calls_asa", "calls_service_level", "calls_abandon_rate", "calls_aht",
    "fcr", "csat",
)  # fmt: skip
DIMENSIONS = {
    "queue": gettext_lazy("Queue"),
    "agent": gettext_lazy("Agent"),
    "group": gettext_lazy("Group"),
    "channel": gettext_lazy("Channel"),
    "category": gettext_lazy("Category"),
    "type": gettext_lazy("Type"),
    "department": gettext_lazy("Department"),
}
GRAINS = {
    Grain.MIN15: gettext_lazy("15 minutes"),
    Grain.MIN30: gettext_lazy("30 minutes"),
    Grain.HOUR: gettext_lazy("Hour"),
    Grain.DAY: gettext_lazy("Day"),
    Grain.WEEK: gettext_lazy("Week"),
    Grain.MONTH: gettext_lazy("Month"),
}
TEXT_DIMENSIONS = {"queue", "channel", "type"}  # the others are ids
ROWS_PER_PAGE = 48  # rows of the page's table: a day of half hours, seven weeks of days
NONE_KEY = "-"  # a row of records without the dimension (a call no agent answered)
WEEKDAYS = (
    gettext_lazy("Mon"),
    gettext_lazy("Tue"),
    gettext_lazy("Wed"),
    gettext_lazy("Thu"),
    gettext_lazy("Fri"),
    gettext_lazy("Sat"),
    gettext_lazy("Sun"),
)


@dataclass
class Query:
    """A dashboard request read and checked: what to measure and how to group it."""

    period: Period
    codes: tuple[str, ...]
    grain: Grain | None = None
    by: str | None = None
    scope: Scope = field(default_factory=Scope)
    options: dict[str, Any] = field(default_factory=dict)
    chart: str = ""  # the figure drawn

    @property
    def first_day(self) -> date:
        return self.period.first_day

    @property
    def last_day(self) -> date:
        return self.period.last_day


def read_day(params: Mapping, name: str, default: date) -> date:
    """The date in parameter `name` (YYYY-MM-DD), `default` when empty; else a ValidationError naming it."""
    text = (params.get(name) or "").strip()
    if not text:
        return default
    try:
        day = parse_date(text[:10])
    except ValueError:
        day = None
    if day is None:
        raise ValidationError.for_field(
            name, FieldError(_("Give a date as YYYY-MM-DD."), FieldCode.WRONG_TYPE)
        )
    return day


def _ints(params, name: str) -> tuple[int, ...]:
    values = params.getlist(name) if hasattr(params, "getlist") else params.get(name) or []
    values = [values] if isinstance(values, str) else values
    return tuple(n for n in (int_or(v) for v in values) if n is not None)


def _texts(params, name: str) -> tuple[str, ...]:
    values = params.getlist(name) if hasattr(params, "getlist") else params.get(name) or []
    values = [values] if isinstance(values, str) else values
    return tuple(v.strip() for v in values if v and v.strip())


def read_query(params: Mapping, *, default_days: int = 28) -> Query:
    """The query in a request's parameters (from, to, figures, grain, by, queue, agent, group, channel,
    category and the figures' options). Raises ValidationError naming the parameter at fault."""
    today = timezone.localdate()
    last = read_day(params, "to", today)
    first = read_day(params, "from", last - timedelta(days=default_days - 1))
    period = Period.from_dates(first, last, names=("from", "to"))
    codes = _texts(params, "figures")
    if len(codes) == 1 and "," in codes[0]:
        codes = tuple(c.strip() for c in codes[0].split(",") if c.strip())
    codes = codes or tuple(code for code in DEFAULT_FIGURES if code in FIGURES) or tuple(FIGURES)[:6]
    unknown = [code for code in codes if code not in FIGURES]
    if unknown:
        raise ValidationError.for_field(
            "figures",
            FieldError(
                _("No such figure: %(codes)s.") % {"codes": ", ".join(unknown)}, FieldCode.INVALID_CHOICE
            ),
        )
    grain = params.get("grain") or None
    if grain is not None and grain not in GRAINS:  # a table's time buckets (the heat map has its own)
        raise ValidationError.for_field(
            "grain",
            FieldError(
                _("Choose one of: %(choices)s.") % {"choices": ", ".join(GRAINS)}, FieldCode.INVALID_CHOICE
            ),
        )
    by = params.get("by") or None
    if by is not None and by not in DIMENSIONS:
        raise ValidationError.for_field(
            "by",
            FieldError(
                _("Choose one of: %(choices)s.") % {"choices": ", ".join(DIMENSIONS)},
                FieldCode.INVALID_CHOICE,
            ),
        )
    scope = Scope(
        queues=_texts(params, "queue"),
        agents=_ints(params, "agent"),
        groups=_ints(params, "group"),
        channels=_texts(params, "channel"),
        categories=_ints(params, "category"),
    )
    names = {option.name for code in codes for option in FIGURES[code].family.options}
    options = {name: params.get(name) for name in names if params.get(name) not in (None, "")}
    for code in codes:  # checked now, so a bad option is a field error before any query runs
        FIGURES[code].family.clean_options(options)
    chart = params.get("chart") if params.get("chart") in codes else (codes[0] if codes else "")
    return Query(period, codes, Grain(grain) if grain else None, by, scope, options, chart)


def families_of(codes) -> list[Family]:
    out: dict[str, Family] = {}
    for code in codes:
        out.setdefault(FIGURES[code].family.code, FIGURES[code].family)
    return list(out.values())


def run(query: Query) -> Table:
    """The figures of `query`, grouped by families that have the dimension asked for."""
    codes = query.codes
    if query.by:
        codes = tuple(code for code in codes if query.by in FIGURES[code].family.dimensions)
    return measure(
        codes, period=query.period, scope=query.scope, grain=query.grain, by=query.by, options=query.options
    )


# --- text -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NumberStyle:
    """How the active language writes numbers: its separators and digits per group (English ".",
    ",", 3; Chinese ".", "", 4), None where groups differ in size (Django formats each number), and
    its "25.4 s". Looked up once per language (`number_style`), not per number: a page formats
    hundreds."""

    language: str
    decimal: str
    thousands: str
    size: int | None
    seconds: str


@lru_cache(maxsize=32)
def _style_of(language: str) -> NumberStyle:
    with translation.override(language):
        grouping = get_format("NUMBER_GROUPING")
        return NumberStyle(
            language,
            get_format("DECIMAL_SEPARATOR"),
            get_format("THOUSAND_SEPARATOR"),
            grouping if isinstance(grouping, int) else None,
            _("%(n)s s"),
        )


def number_style() -> NumberStyle:
    """The active language's NumberStyle (a view asks once and hands it to `format_value`)."""
    return _style_of(translation.get_language() or settings.LANGUAGE_CODE)


def format_value(figure_: Figure, value: float | None, style: NumberStyle | None = None) -> str:
    """A figure's value as people read it: "92.3%", "25.4 s", "1,234", "4.31"; "—" when empty.
    Rounded half to even at the places shown (Django's number_format cuts a float's digits off)."""
    if value is None:
        return "—"
    style = style or number_style()
    if figure_.unit == Unit.PERCENT:
        return f"{_number(round(value * 100, 1), 1, grouped=settings.USE_THOUSAND_SEPARATOR, style=style)}%"
    if figure_.unit == Unit.SECONDS:
        places = 1 if value < 100 else 0
        return style.seconds % {"n": _number(round(value, places), places, grouped=True, style=style)}
    if figure_.unit == Unit.COUNT:
        return _number(round(value), 0, grouped=True, style=style)
    return _number(round(value, 2), 2, grouped=settings.USE_THOUSAND_SEPARATOR, style=style)


def _number(value: float, places: int, *, grouped: bool, style: NumberStyle | None = None) -> str:
    """`value` (already rounded) with `places` decimals as the language writes it: the text Django's
    number_format gives (tests/reports/test_dashboard.py compares them in four languages)."""
    style = style or number_style()
    if style.size is None:
        with translation.override(style.language):
            return number_format(value, places, force_grouping=grouped)
    text = f"{abs(value):.{places}f}"
    whole, _point, fraction = text.partition(".")
    if grouped and style.thousands and style.size > 0 and len(whole) > style.size:
        size = style.size
        head = len(whole) % size or size
        whole = style.thousands.join(
            [whole[:head], *(whole[n : n + size] for n in range(head, len(whole), size))]
        )
    sign = "-" if value < 0 else ""
    return f"{sign}{whole}{style.decimal}{fraction}" if fraction else f"{sign}{whole}"


def bucket_label(bucket: datetime | None, grain: Grain | None) -> str:
    if bucket is None:
        return _("Whole period")
    if grain == Grain.MONTH:
        return f"{bucket:%Y-%m}"
    if grain == Grain.WEEK:
        return _("Week of %(day)s") % {"day": f"{bucket:%Y-%m-%d}"}
    # The fields themselves, not strftime (a month by 30 minutes labels 1,440 buckets).
    if grain in FINE_STEP:
        return f"{bucket.month:02d}-{bucket.day:02d} {bucket.hour:02d}:{bucket.minute:02d}"
    return f"{bucket.year:04d}-{bucket.month:02d}-{bucket.day:02d}"


def key_labels(by: str | None, keys) -> dict[Any, str]:
    """People's names for the values of dimension `by`: an agent's name, a group's, a category's path."""
    keys = {k for k in keys if k is not None}
    labels: dict[Any, str] = {None: _("(none)"), "": _("(none)")}
    if by == "agent":
        from kefu.accounts.models import User

        labels |= {u.pk: u.label for u in User.objects.filter(pk__in=keys)}
    elif by == "group":
        from kefu.accounts.models import AgentGroup

        labels |= dict(AgentGroup.objects.filter(pk__in=keys).values_list("pk", "name"))
    elif by == "category":
        from kefu.tickets.services.tickets import categories

        tree = categories.get()  # every category by id, parents linked: `path` asks no query
        for pk in keys:
            category = tree.get(pk)
            labels[pk] = category.path if category else str(pk)
    elif by == "channel":
        from kefu.tickets.models import Channel

        labels |= {code: str(label) for code, label in Channel.choices if code in keys}
    elif by == "type":
        from kefu.tickets.models import TicketType

        labels |= {code: str(label) for code, label in TicketType.choices if code in keys}
    elif by == "department":
        from kefu.accounts.models import Department

        labels |= dict(Department.objects.filter(pk__in=keys).values_list("pk", "name"))
    return {key: labels.get(key, str(key)) for key in keys | {None}}


# --- the workbook ---------------------------------------------------------------------------------


def table_xlsx(query: Query, table: Table) -> bytes:
    """Every row of the dashboard's table as a workbook (the page shows a page of them): the time
    bucket, the grouping's label, then each figure's raw value (a share 0..1 formatted as a
    percentage, seconds as seconds), the whole period last. Empty figures are empty cells."""
    from openpyxl import Workbook

    from kefu.core.sheets import sheet_text

    figures = [FIGURES[code] for code in table.codes]
    book = Workbook()
    sheet = book.active
    sheet.title = _("Figures")[:31]
    sheet.append([_("KPI dashboard"), f"{query.first_day:%Y-%m-%d} – {query.last_day:%Y-%m-%d}"])
    heading = ([_("Time")] if table.grain else []) + ([str(DIMENSIONS[table.by])] if table.by else [])
    sheet.append(heading + [str(f.name) for f in figures])
    labels = key_labels(table.by, [key[1] for key in table.rows])
    percent = [n + len(heading) + 1 for n, f in enumerate(figures) if f.unit == Unit.PERCENT]

    def values(cells) -> list:
        return [cells[f.code].value if f.code in cells else None for f in figures]

    for (bucket, attribute), cells in table.rows.items():
        lead = [bucket_label(bucket, table.grain)] if table.grain else []
        lead += [sheet_text(labels.get(attribute, str(attribute)))] if table.by else []
        sheet.append(lead + values(cells))
    if heading:  # without a grain or a grouping, the one row is the whole period already
        sheet.append([_("Total")] + [""] * (len(heading) - 1) + values(table.total))
    for row in sheet.iter_rows(min_row=3):
        for column in percent:
            row[column - 1].number_format = "0.0%"
    out = BytesIO()
    book.save(out)
    return out.getvalue()


# --- the heat map ---------------------------------------------------------------------------------


def heat_map(query: Query, code: str) -> dict:
    """`code` by weekday × half hour of the day over the period (local time): one grouped query by
    the half hour of the week (`Grain.WEEK_SLOT30`, through `measure` like every other number), so
    every Monday 09:00–09:30 of the period is one cell with the figure's formula over their
    components combined."""
    figure_ = FIGURES[code]
    table = measure(
        (code,), period=query.period, scope=query.scope, grain=Grain.WEEK_SLOT30, options=query.options
    )
    scale = 100 if figure_.unit == Unit.PERCENT else 1
    data = []
    for (slot, _attribute), cells in table.rows.items():
        value = cells[code].value
        if value is not None:
            weekday, half = divmod(slot, 48)
            data.append([half, weekday, round(value * scale, 1)])
    return {
        "kind": "heatmap",
        "title": str(figure_.name),
        "x": [f"{h // 2:02d}:{(h % 2) * 30:02d}" for h in range(48)],
        "y": [str(day) for day in WEEKDAYS],
        "data": data,
        "max": max((cell[2] for cell in data), default=0),
    }


# --- the chart ------------------------------------------------------------------------------------


def chart(query: Query, table: Table) -> dict | None:
    """ECharts-ready data for `query.chart`: a line over time (a series per row of the grouping, the
    ten largest), or bars by the grouping without a grain."""
    code = query.chart
    if code not in table.codes:
        return None
    figure_ = FIGURES[code]
    scale = 100 if figure_.unit == Unit.PERCENT else 1

    def point(key):  # the figure's number in a row (no row made: a month by 30 minutes is 1,488)
        value = table.rows.value(key, code)
        return None if value is None else round(value * scale, 2)

    unit = "%" if figure_.unit == Unit.PERCENT else (_("s") if figure_.unit == Unit.SECONDS else "")
    if table.grain is None:
        keys = [key for key in table.rows]
        labels = key_labels(table.by, [k[1] for k in keys])
        return {
            "kind": "bar",
            "title": str(figure_.name),
            "unit": unit,
            "x": [labels.get(k[1], str(k[1])) if table.by else _("Whole period") for k in keys],
            "series": [{"name": str(figure_.name), "data": [point(k) for k in keys]}],
        }
    if table.by is None:  # one line: the rows are its points, in time order already
        timed = [key for key in table.rows if key[0] is not None]
        return {
            "kind": "line",
            "title": str(figure_.name),
            "unit": unit,
            "x": [bucket_label(bucket, table.grain) for bucket, _none in timed],
            "series": [{"name": str(figure_.name), "data": [point(key) for key in timed]}],
        }
    buckets = sorted({k[0] for k in table.rows if k[0] is not None})
    attributes = list(dict.fromkeys(k[1] for k in table.rows))
    if len(attributes) > 10:
        # The ten rows with the most records: a chart of forty lines reads as nothing.
        weight = dict.fromkeys(attributes, 0.0)
        for (_bucket, attribute), cells in table.rows.items():
            measure_ = cells.get(code)
            weight[attribute] += sum(measure_.components.values()) if measure_ else 0
        attributes = sorted(attributes, key=lambda a: -weight[a])[:10]
    labels = key_labels(table.by, attributes)
    series = [
        {
            "name": labels.get(attribute, str(attribute)),
            "data": [point((bucket, attribute)) for bucket in buckets],
        }
        for attribute in attributes
    ]
    return {
        "kind": "line",
        "title": str(figure_.name),
        "unit": unit,
        "x": [bucket_label(b, table.grain) for b in buckets],
        "series": series,
    }


# --- the drill-down -------------------------------------------------------------------------------


def drill_rows(query: Query, code: str, *, bucket: datetime | None, key: str | None) -> QuerySet:
    """The records behind one number: the figure's family rows in the period (narrowed to the row's
    time bucket), the scope, the row's value of the grouping, and the figure's own subset."""
    figure_ = FIGURES[code]
    family = figure_.family
    options = family.clean_options(query.options)
    period = query.period
    if bucket is not None and query.grain is not None:
        start = max(period.start, bucket)
        end = min(period.end, bucket_end(bucket, query.grain))
        if end <= start:
            raise ValidationError.for_field(
                "bucket", FieldError(_("That time is outside the period."), FieldCode.OUT_OF_RANGE)
            )
        period = Period(start, end)
    rows = family.rows(period, query.scope, options)
    if query.by and key is not None:
        path = family.dimensions.get(query.by)
        if path is None:
            raise ValidationError.for_field(
                "by", FieldError(_("These records cannot be grouped so."), FieldCode.INVALID_CHOICE)
            )
        if key == NONE_KEY:
            rows = rows.filter(
                Q(**{path: ""}) if query.by in TEXT_DIMENSIONS else Q(**{f"{path}__isnull": True})
            )
        elif query.by in TEXT_DIMENSIONS:
            rows = rows.filter(**{path: key})
        elif (number := int_or(key)) is not None:
            rows = rows.filter(**{path: number})
        else:
            raise ValidationError.for_field(
                "key", FieldError(_("Give a record's number."), FieldCode.WRONG_TYPE)
            )
    if figure_.subset is not None:
        rows = rows.filter(figure_.subset(options))
    if family.select_related:
        rows = rows.select_related(*family.select_related)
    return rows.distinct().order_by(f"-{family.time_field}", "-pk")


def cell_text(record, path: str) -> str:
    value = record
    for part in path.split("."):
        value = getattr(value, part, None)
        if value is None:
            return "—"
        if callable(value):
            value = value()
    if isinstance(value, datetime):
        return f"{timezone.localtime(value, center_zone()):%Y-%m-%d %H:%M:%S}"
    return str(value)


def explain(error: DomainError) -> list[str]:
    """A refusal as lines for the page ("end: The last day … is before the first …")."""
    if error.errors:
        return [f"{field}: {message}" for field, messages in error.errors.items() for message in messages]
    return [error.message]
