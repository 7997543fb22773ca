"""KPI pages under /reports/: the dashboard (指标看板) and the drill-down to the records behind a number."""

from datetime import datetime
from html import escape  # the standard library's: the cells are plain text, made safe as a whole

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from kefu.core.errors import DomainError, FieldCode, FieldError, ValidationError
from kefu.core.sheets import xlsx_response
from kefu.reports import dashboard, permissions, targets, wallboard
from kefu.reports.metrics import FIGURES, Better, Unit
from kefu.reports.metrics.base import center_zone
from kefu.reports.models import Target


def _require(request):
    if not permissions.can_view_kpis(request.user):
        raise DjangoPermissionDenied(_("The center's figures are for supervisors, managers and inspectors."))


def _catalogue():
    """The figures grouped by family, for the form: [(family name, [figure, ...])]."""
    out: dict[str, tuple] = {}
    for figure in FIGURES.values():
        out.setdefault(figure.family.code, (figure.family.name, []))[1].append(figure)
    return list(out.values())


@login_required
def home(request):
    """The dashboard: the chosen figures over any period, by a time grain and one dimension; a chart
    (line over time or bars by the grouping) and the weekday × half-hour heat map beside the table;
    every number links to its records."""
    _require(request)
    errors: list[str] = []
    try:
        query = dashboard.read_query(request.GET)
    except DomainError as error:
        errors = dashboard.explain(error)
        query = dashboard.read_query({})
    table = dashboard.run(query)
    if request.GET.get("format") == "xlsx":
        name = f"kefu-kpis-{query.first_day:%Y%m%d}-{query.last_day:%Y%m%d}.xlsx"
        return xlsx_response(dashboard.table_xlsx(query, table), name)
    params = request.GET.copy()
    for name in ("figures", "chart", "figure", "page", "format"):
        params.pop(name, None)
    drill = reverse("reports:drill")
    figure_params = {code: urlencode({"figure": code}) for code in table.codes}
    figure_hrefs = {code: escape(param) for code, param in figure_params.items()}  # for the rows' <a>s

    def query_of(params) -> str:  # the drill-down's URL up to the figure
        encoded = params.urlencode()
        return f"{drill}?{encoded}&" if encoded else f"{drill}?"

    # The table shows a page of rows (a month by 30 minutes is 1,440 of them); the chart, the tiles
    # and the workbook (`?format=xlsx`) have them all.
    page = Paginator(list(table.rows), dashboard.ROWS_PER_PAGE).get_page(request.GET.get("page"))
    labels = dashboard.key_labels(table.by, [key[1] for key in page])
    center = targets.targets_in_force(queue=query.scope.queues[0] if len(query.scope.queues) == 1 else "")
    rows = []
    style = dashboard.number_style()
    for bucket, attribute in page:
        cells = table.rows[(bucket, attribute)]  # only the page's rows are made
        link = params.copy()
        if bucket is not None:
            link["bucket"] = bucket.isoformat()
        if table.by:
            link["key"] = dashboard.NONE_KEY if attribute in (None, "") else str(attribute)
        goals = targets.targets_in_force(queue=attribute or "") if table.by == "queue" else center
        # The row's query encoded once; each cell adds its figure (a year by day is 365 rows × the figures).
        base = query_of(link)
        href = escape(base)
        row_cells = [
            _cell(cells.get(code), code, base + figure_params[code], goals, style, href + figure_hrefs[code])
            for code in table.codes
        ]
        rows.append(
            {
                "time": dashboard.bucket_label(bucket, table.grain) if table.grain else "",
                "label": labels.get(attribute, str(attribute)) if table.by else "",
                "cells": row_cells,
                # The row's <td>s as one string: a loop over them in the template cost more than the rest.
                "html": SafeString("".join(cell["html"] for cell in row_cells)),  # each escaped by _cell
            }
        )
    base = query_of(params)
    totals = [
        _cell(table.total.get(code), code, base + figure_params[code], center, style) for code in table.codes
    ]
    return render(
        request,
        "reports/dashboard.html",
        {
            "query": query,
            "errors": errors,
            "table": table,
            "figures": [FIGURES[code] for code in table.codes],
            "rows": rows,
            "page": page,
            "xlsx": _with(request.GET, format="xlsx"),
            "totals": totals,
            "tiles": list(zip([FIGURES[code] for code in table.codes], totals, strict=True)),
            "catalogue": _catalogue(),
            "grains": dashboard.GRAINS.items(),
            "dimensions": dashboard.DIMENSIONS.items(),
            "options": _options(query),
            "chart": dashboard.chart(query, table),
            # The heat map is a panel of its own (`heat`), loaded once the page is shown: a year of
            # quarter hours grouped by the week's half hours takes as long as the rest of the page.
            "heat_url": f"{reverse('reports:heat')}?{request.GET.urlencode()}"
            if query.chart and not errors
            else "",
            "by_label": dashboard.DIMENSIONS.get(table.by, ""),
        },
    )


@login_required
def heat(request):
    """The dashboard's heat map panel: the chart's figure by weekday × half hour over the same
    period, scope and options (`dashboard.heat_map`), fetched by the dashboard after it is shown."""
    _require(request)
    try:
        query = dashboard.read_query(request.GET)
    except DomainError as error:
        return render(request, "reports/_heat.html", {"errors": dashboard.explain(error)}, status=400)
    return render(request, "reports/_heat.html", {"heat": dashboard.heat_map(query, query.chart)})


def _with(params, **changes) -> str:
    """The request's query string with `changes` (a link to the same view in another form)."""
    copy = params.copy()
    for name, value in changes.items():
        copy[name] = value
    copy.pop("page", None)
    return f"?{copy.urlencode()}"


def _cell(measure, code, url, goals, style, href=None):
    """A number of the table and its drill-down link (`url`: the row's query and the figure; `href`,
    the same escaped, when the caller escaped its parts once), with its `<td>` made here (`html`):
    a page's table is 48 rows × the figures, and the template language took longer over them than
    everything else on the page."""
    if measure is None:
        return {"text": "—", "url": "", "html": SafeString('<td class="num">—</td>')}
    target = goals.get(code)
    cell = {
        "text": dashboard.format_value(measure.figure, measure.value, style),
        "url": url,
        "verdict": targets.verdict(code, measure.value, goals),
        "target": dashboard.format_value(measure.figure, target, style) if target is not None else "",
    }
    text = escape(cell["text"])
    if cell["verdict"] == targets.MISSED:
        title = escape(_("Below target (%(target)s)") % {"target": cell["target"]})
        opening = f'<td class="num kpi-missed" title="{title}">'
    else:
        opening = '<td class="num">'
    href = escape(url) if href is None else href
    cell["html"] = SafeString(f'{opening}<a href="{href}">{text}</a></td>')  # escaped above
    return cell


def _options(query):
    """Every option of the chosen figures' families with the value in force."""
    seen = {}
    for family in dashboard.families_of(query.codes):
        values = family.clean_options(query.options)
        for option in family.options:
            seen.setdefault(option.name, (option, values[option.name]))
    return list(seen.values())


@login_required
def drill(request):
    """The records behind one number of the dashboard (its figure, period, row and grouping)."""
    _require(request)
    code = request.GET.get("figure", "")
    try:
        if code not in FIGURES:
            raise ValidationError.for_field(
                "figure", FieldError(_("No such figure."), FieldCode.INVALID_CHOICE)
            )
        query = dashboard.read_query(request.GET)
        bucket = _bucket(request.GET.get("bucket"))
        rows = dashboard.drill_rows(query, code, bucket=bucket, key=request.GET.get("key"))
    except DomainError as error:
        return render(request, "reports/drill.html", {"errors": dashboard.explain(error)}, status=400)
    figure = FIGURES[code]
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    columns = figure.family.columns
    records = [
        {
            "url": figure.family.link(record) if figure.family.link else "",
            "cells": [dashboard.cell_text(record, column.path) for column in columns],
        }
        for record in page
    ]
    back = request.GET.copy()
    for name in ("figure", "bucket", "key", "page"):
        back.pop(name, None)
    return render(
        request,
        "reports/drill.html",
        {
            "figure": figure,
            "query": query,
            "columns": columns,
            "records": records,
            "page": page,
            "back": f"{reverse('reports:home')}?{back.urlencode()}",
        },
    )


def _bucket(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        bucket = datetime.fromisoformat(text)
    except ValueError:
        bucket = None
    if bucket is None or bucket.tzinfo is None:
        raise ValidationError.for_field(
            "bucket", FieldError(_("Give a time with its zone."), FieldCode.WRONG_TYPE)
        )
    return bucket.astimezone(center_zone())


@login_required
def wallboard_page(request):
    """The wallboard (实时监控大屏): drawn from a snapshot, then live over /ws/wallboard/; `?tv=1`
    hides the site's bar for a screen on the wall (the page also offers full screen)."""
    _require(request)
    return render(
        request,
        "reports/wallboard.html",
        {"board": wallboard.snapshot(), "tv": request.GET.get("tv") == "1"},
    )


@login_required
def targets_page(request):
    """Targets (目标): every figure with a direction, the center's target and each queue's own; a
    supervisor or manager edits them (a share in percent); everyone who reads figures sees them."""
    _require(request)
    errors: list[str] = []
    if request.method == "POST":
        try:
            _save_targets(request)
        except DomainError as error:
            errors = dashboard.explain(error)
        else:
            messages.success(request, _("Targets saved."))
            return redirect("reports:targets")
    rows = Target.objects.order_by("queue", "figure")
    center = {t.figure: t for t in rows if not t.queue}
    figures = [f for f in FIGURES.values() if f.better != Better.NEITHER]
    return render(
        request,
        "reports/targets.html",
        {
            "figures": [(f, _shown(f, center.get(f.code))) for f in figures],
            "queue_targets": [
                (FIGURES.get(t.figure), t, _shown(FIGURES.get(t.figure), t)) for t in rows if t.queue
            ],
            "can_edit": permissions.can_set_targets(request.user),
            "errors": errors,
        },
        status=400 if errors else 200,
    )


def _shown(figure, target) -> str:
    """A target as the form shows it: a share in percent."""
    if figure is None or target is None:
        return ""
    value = target.value * 100 if figure.unit == Unit.PERCENT else target.value
    return f"{value:g}"


def _typed(figure, text: str, field: str) -> float | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise ValidationError.for_field(
            field, FieldError(_("Give a number."), FieldCode.WRONG_TYPE)
        ) from None
    if value != value or value in (float("inf"), float("-inf")):
        raise ValidationError.for_field(field, FieldError(_("Give a number."), FieldCode.WRONG_TYPE))
    return value / 100 if figure.unit == Unit.PERCENT else value


def _save_targets(request) -> None:
    """Every center target of the form, and a queue's target when one is added; one transaction."""
    with transaction.atomic():
        for figure in FIGURES.values():
            name = f"target-{figure.code}"
            if name in request.POST:
                value = _typed(figure, request.POST[name], figure.code)
                targets.target_set(figure=figure.code, value=value, by=request.user)
        code, queue = request.POST.get("add-figure", ""), request.POST.get("add-queue", "").strip()[:80]
        if code and queue:
            if code not in FIGURES:
                raise ValidationError.for_field(
                    "add-figure", FieldError(_("No such figure."), FieldCode.INVALID_CHOICE)
                )
            value = _typed(FIGURES[code], request.POST.get("add-value", ""), "add-value")
            targets.target_set(figure=code, value=value, queue=queue, by=request.user)
        for key in request.POST.getlist("remove"):
            code, _sep, queue = key.partition("|")
            if code in FIGURES and queue:
                targets.target_set(figure=code, value=None, queue=queue, by=request.user)
