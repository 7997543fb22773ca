"""API of the center's figures for BI tools and scripts: /api/reports/figures, /api/reports/kpis,
/api/reports/drivers (the satisfaction driver analysis) and /api/reports/service (a service report).

The same query as the dashboard (kefu.reports.dashboard.read_query reads both), the same numbers
(kefu.reports.metrics.measure): raw values, a share as 0..1, seconds as seconds, None when empty. The
driver analysis' panel gives its rates in percent points, as its model reads them (kefu.reports.drivers.panel).
"""

from datetime import date, datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from kefu.accounts.api import user_of
from kefu.core.errors import PermissionDenied
from kefu.reports import dashboard, permissions
from kefu.reports.metrics import FIGURES

router = Router(tags=["reports"])


def _require(user) -> None:
    if not permissions.can_view_kpis(user):
        raise PermissionDenied(_("The center's figures are for supervisors, managers and inspectors."))


class OptionOut(Schema):
    name: str
    label: str
    default: int | str
    minimum: int | None
    maximum: int | None
    choices: list[str]


class FigureOut(Schema):
    code: str
    name: str
    family: str
    unit: str = Field(description="count, percent (a share 0..1), seconds or score.")
    better: str = Field(description="higher, lower or neither.")
    definition: str = Field(description="The formula, as the code computes it.")
    options: list[OptionOut]
    dimensions: list[str] = Field(description="What `by` may group this figure by.")


@router.get("/figures", response=list[FigureOut], summary="The KPI catalogue")
def figures(request):
    """Every figure Kefu computes, with its definition, unit, options and groupings."""
    _require(user_of(request))
    return [
        {
            "code": f.code,
            "name": str(f.name),
            "family": f.family.code,
            "unit": f.unit.value,
            "better": f.better.value,
            "definition": f.definition,
            "options": [
                {
                    "name": o.name,
                    "label": str(o.label),
                    "default": o.default,
                    "minimum": o.minimum,
                    "maximum": o.maximum,
                    "choices": [code for code, _label in o.choices],
                }
                for o in f.family.options
            ],
            "dimensions": list(f.family.dimensions),
        }
        for f in FIGURES.values()
    ]


class KpiParams(Schema):
    first: date | None = Field(
        None, alias="from", description="First local day. Default: 27 days before `to`."
    )
    last: date | None = Field(None, alias="to", description="Last local day, included. Default: today.")
    figures: str = Field("", description="Figure codes, comma-separated (see /reports/figures).")
    grain: str = Field("", description="15min, 30min, hour, day, week, month, or empty for the whole period.")
    by: str = Field("", description="queue, agent, group, channel, category, or empty.")
    queue: list[str] = Field([], description="Only these queues.")
    agent: list[int] = Field([], description="Only these agents (user ids).")
    group: list[int] = Field([], description="Only these agent groups (ids).")
    channel: list[str] = Field([], description="Only these channels.")
    category: list[int] = Field([], description="Only these categories (ids).")


class RowOut(Schema):
    time: datetime | None = Field(description="The local start of the row's time bucket.")
    key: str | None = Field(description="The value of `by` (an id or a name); null: records without one.")
    label: str
    values: dict[str, float | None]


class KpisOut(Schema):
    start: datetime
    end: datetime
    grain: str | None
    by: str | None
    options: dict[str, dict[str, int | str]]
    rows: list[RowOut]
    total: dict[str, float | None]


@router.get("/kpis", response=KpisOut, summary="Figures over a period, grouped")
def kpis(request, params: Query[KpiParams]):
    """The figures asked for over whole local days, by a time grain and/or one dimension; a figure's
    options (e.g. `service_level_seconds=30`) are further query parameters, listed by /reports/figures.
    A period, grain, grouping or option Kefu cannot use answers 422 naming the parameter."""
    _require(user_of(request))
    query = dashboard.read_query(request.GET)
    table = dashboard.run(query)
    labels = dashboard.key_labels(table.by, [key[1] for key in table.rows])
    payload = {
        "start": query.period.start,
        "end": query.period.end,
        "grain": table.grain.value if table.grain else None,
        "by": table.by,
        "options": table.options,
        "rows": [
            {
                "time": bucket,
                "key": None if attribute is None else str(attribute),
                "label": labels.get(attribute, str(attribute)) if table.by else "",
                "values": cells.numbers(),
            }
            for (bucket, attribute), cells in table.rows.items()
        ],
        "total": {code: measure.value for code, measure in table.total.items()},
    }
    # Already KpisOut's plain types (numbers, None, text, aware datetimes): rendered by the API's
    # own renderer (times in the center's zone) without pydantic checking and copying every cell
    # again — a month by 30 minutes is 1,440 rows × the figures, most of a request's time.
    from kefu.api import api  # the site's API and its renderer (it mounts this router: imported late)

    return api.create_response(request, payload, status=200)


# --- the satisfaction driver analysis -----------------------------------------------------------------


class DriversParams(Schema):
    first: date | None = Field(
        None, alias="from", description="First local day. Default: 83 days before `to` (twelve weeks)."
    )
    last: date | None = Field(None, alias="to", description="Last local day, included. Default: today.")
    unit: str = Field("agent_week", description="The panel's rows: agent_week, group_week or center_month.")
    target: str = Field("csat", description="What is explained: csat (default) or csat_score.")
    drivers: list[str] = Field(
        [], description="Driver figure codes, repeated or comma-separated. Default: the seed study's."
    )
    eliminate: bool = Field(False, description="Backward elimination at p > 0.05.")


class DriverCorrelationOut(Schema):
    left: str
    right: str
    r: float | None = Field(description="Pearson's r; null below 3 pairs or when a figure does not vary.")
    p: float | None
    n: int = Field(description="The rows where both figures are present.")


class DriverCoefficientOut(Schema):
    name: str = Field(description='A driver\'s figure code, or "const".')
    estimate: float | None
    std_error: float | None
    t: float | None
    p: float | None
    ci_low: float | None = Field(description="The 95% confidence interval's lower end.")
    ci_high: float | None
    beta: float | None = Field(description="Standardized: b × sd(driver) / sd(target).")


class DriverModelOut(Schema):
    intercept: DriverCoefficientOut
    coefficients: list[DriverCoefficientOut]
    r2: float | None
    adj_r2: float | None
    f: float | None
    f_p: float | None
    n: int
    df_model: float
    df_resid: float


class DriverMatrixOut(Schema):
    drivers: list[str]
    r: list[list[float | None]]
    n: list[list[int | None]]


class NoModelOut(Schema):
    code: str = Field(description="too_few_rows, target_constant or no_drivers.")
    message: str
    rows: int | None = None
    needed: int | None = None
    drivers: int | None = None
    value: float | None = None


class DriversOut(Schema):
    unit: str
    start: datetime
    end: datetime
    target: str
    drivers: list[str]
    rows_total: int
    rows_without_target: int
    rows_incomplete: int
    n: int = Field(description="The rows the model is fitted on (every figure present).")
    needed: int = Field(description="The rows a model needs: max(10, 5 × (drivers + 1)).")
    correlations: list[DriverCorrelationOut] = Field(description="The target with each driver.")
    matrix: DriverMatrixOut = Field(description="The drivers' correlations with each other.")
    dropped: list[dict[str, Any]] = Field(
        description='Each driver left out, in order: {"dropped", "because", its figures, "text"}.'
    )
    used: list[str]
    model: DriverModelOut | None = Field(description="null when there is too little data; see `problem`.")
    problem: NoModelOut | None
    readings: list[str] = Field(description="One sentence per driver, in the request's language.")
    fit_reading: str | None
    chart: dict[str, Any] = Field(
        description="bars (beta or r per driver) and scatter (points, fitted line)."
    )


@router.get("/drivers", response=DriversOut, summary="The satisfaction driver analysis")
def drivers(request, params: Query[DriversParams]):
    """Correlations, collinearity and an OLS of satisfaction on the drivers over a panel built from the
    KPI catalogue (rates in percent points): the same parameters and numbers as /reports/drivers/.
    A parameter Kefu cannot use answers 422 naming it; too little data answers 200 with `problem`."""
    from kefu.reports.drivers.panel import read_drivers_query, run_drivers

    _require(user_of(request))
    query = read_drivers_query(request.GET)
    _panel, result = run_drivers(query)
    return {"unit": query.unit, "start": query.period.start, "end": query.period.end} | result.to_dict()


# --- service reports ------------------------------------------------------------------------------


class ServiceParams(Schema):
    kind: str = Field("daily", description="daily (the complaint record), weekly, monthly or yearly.")
    day: date | None = Field(
        None, description="A local day inside the period. Default: the last complete period."
    )


class ReportLineOut(Schema):
    code: str
    name: str
    value: float | None = Field(description="Raw: a share as 0..1, seconds as seconds; null when empty.")
    text: str = Field(description="The value as the page shows it.")
    target: float | None = Field(description="The center's target in force, raw like the value.")
    verdict: str | None = Field(description="met, missed, or null (no target, no value or no direction).")


class BreakdownRowOut(Schema):
    label: str
    value: float | None
    text: str


class BreakdownOut(Schema):
    title: str
    rows: list[BreakdownRowOut]


class ComplaintOut(Schema):
    number: str
    created_at: datetime
    customer: str
    category: str
    department: str
    status: str
    title: str
    url: str
    received: bool = Field(description="Received in the period; false: carried over, still unresolved.")


class QualityFailureOut(Schema):
    code: str
    name: str
    findings: int
    inspections: int
    share: float = Field(description="Inspections with the finding ÷ all inspections of the period.")


class ListeningOut(Schema):
    week: str
    reviewed: int
    with_agent: int
    with_other: int


class ServiceReportOut(Schema):
    kind: str
    title: str
    first_day: date
    last_day: date
    headline: list[ReportLineOut]
    breakdowns: list[BreakdownOut]
    complaints: list[ComplaintOut] = Field(description="The daily complaint record; empty for other kinds.")
    quality_failures: list[QualityFailureOut]
    listening: ListeningOut | None = Field(description="The weekly listening report's summary (weekly only).")


@router.get("/service", response=ServiceReportOut, summary="A service report")
def service(request, params: Query[ServiceParams]):
    """The daily complaint record or the weekly, monthly or yearly service report, as the page and the
    email show it (kefu.reports.service_reports). A bad kind or day, or a period that has not begun,
    answers 422 naming the parameter."""
    from kefu.reports import service_reports

    _require(user_of(request))
    kind = service_reports.check_kind(params.kind)
    day = params.day or service_reports.previous(kind, timezone.localdate())
    report = service_reports.service_report(kind=kind, day=day)
    listening = report.listening
    return {
        "kind": report.kind,
        "title": report.title,
        "first_day": report.period.first_day,
        "last_day": report.period.last_day,
        "headline": [
            {
                "code": line.code,
                "name": line.name,
                "value": line.value,
                "text": line.text,
                "target": line.target_value,
                "verdict": line.verdict,
            }
            for line in report.headline
        ],
        "breakdowns": [
            {"title": b.title, "rows": [{"label": label, "value": v, "text": t} for label, v, t in b.rows]}
            for b in report.breakdowns
        ],
        "complaints": [vars(c) for c in report.complaints],
        "quality_failures": [vars(f) for f in report.quality_failures],
        "listening": None
        if listening is None
        else {
            "week": listening.label,
            "reviewed": listening.reviewed,
            "with_agent": listening.with_agent,
            "with_other": listening.with_other,
        },
    }
