"""The satisfaction driver analysis page (满意度驱动分析): /reports/drivers/, and its xlsx export.

Thin: the request is read by `drivers.panel.read_drivers_query`, the panel and its analysis come from
`run_drivers` (every number from `metrics.measure`); this module shapes them for the template.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from kefu.core.errors import DomainError
from kefu.core.sheets import XLSX
from kefu.reports import dashboard
from kefu.reports.drivers import SIGNIFICANCE, figure_name
from kefu.reports.drivers.panel import (
    TARGETS,
    UNIT_NAMES,
    default_drivers,
    driver_choices,
    read_drivers_query,
    run_drivers,
)
from kefu.reports.metrics import FIGURES
from kefu.reports.views import _require


def _form(params, query) -> dict:
    """What the form shows: the query read, or the request's own text when it was refused."""
    if query is not None:
        return {
            "from": query.first_day.isoformat(),
            "to": query.last_day.isoformat(),
            "unit": query.unit,
            "target": query.target,
            "drivers": list(query.drivers),
            "eliminate": query.eliminate,
        }
    drivers = [d.strip() for v in params.getlist("drivers") for d in v.split(",") if d.strip()]
    return {
        "from": params.get("from", ""),
        "to": params.get("to", ""),
        "unit": params.get("unit", "agent_week"),
        "target": params.get("target", "csat"),
        "drivers": drivers or list(default_drivers()),
        "eliminate": params.get("eliminate") in ("1", "true", "on"),
    }


def _charts(chart: dict) -> dict:
    """`DriverAnalysis.chart()` in the shapes static/reports/charts.js draws (kinds bar and scatter)."""
    bars = chart["bars"]
    out = {}
    if bars["values"]:
        name = _("Standardized coefficient (beta)") if bars["metric"] == "beta" else _("Correlation (r)")
        out["bars"] = {
            "kind": "bar",
            "title": name,
            "x": bars["labels"],
            "series": [{"name": name, "data": bars["values"]}],
        }
    scatter = chart["scatter"]
    if scatter:
        out["scatter"] = {
            "kind": "scatter",
            "title": _("%(y)s against %(x)s") % {"y": scatter["y_label"], "x": scatter["x_label"]},
            "x_label": scatter["x_label"],
            "y_label": scatter["y_label"],
            "points": scatter["points"],
            "line": scatter["line"],
            "line_name": _("Fitted line"),
        }
    return out


@login_required
def drivers_page(request):
    """The driver analysis over a chosen panel: readings in plain words first, then the model, the
    drivers left out and why, the correlations and the charts; too little data: the explanation and no
    model. `?format=xlsx`: the panel and the model as a workbook."""
    _require(request)
    errors: list[str] = []
    query = panel = result = None
    try:
        query = read_drivers_query(request.GET)
        panel, result = run_drivers(query)
    except DomainError as error:
        errors = dashboard.explain(error)
        query = None if not result else query
    if request.GET.get("format") == "xlsx" and result is not None:
        from kefu.reports.drivers.export import drivers_xlsx

        response = HttpResponse(drivers_xlsx(query, panel, result), content_type=XLSX)
        name = f"kefu-drivers-{query.unit}-{query.first_day:%Y%m%d}-{query.last_day:%Y%m%d}.xlsx"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    form = _form(request.GET, query)
    context = {
        "errors": errors,
        "form": form,
        "units": UNIT_NAMES.items(),
        "targets": [(code, FIGURES[code].name) for code in TARGETS if code in FIGURES],
        "choices": [(code, FIGURES[code].name) for code in driver_choices(form["target"])],
        "result": result,
        "significance": SIGNIFICANCE,
    }
    if result is not None:
        export = request.GET.copy()
        export["format"] = "xlsx"
        data = result.to_dict()
        model = data["model"]
        context |= {
            "query": query,
            "panel_rows": len(panel),
            "data": data,
            "terms": (
                [dict(model["intercept"], label=_("Constant"))]
                + [dict(c, label=figure_name(c["name"])) for c in model["coefficients"]]
                if model
                else []
            ),
            "correlations": [dict(c, label=figure_name(c["right"])) for c in data["correlations"]],
            "matrix": [
                (figure_name(code), row)
                for code, row in zip(data["matrix"]["drivers"], data["matrix"]["r"], strict=True)
            ],
            "matrix_labels": [figure_name(code) for code in data["matrix"]["drivers"]],
            "charts": _charts(data["chart"]),
            "export_url": f"?{export.urlencode()}",
            "target_name": figure_name(query.target),
        }
    return render(request, "reports/drivers.html", context, status=400 if errors else 200)
