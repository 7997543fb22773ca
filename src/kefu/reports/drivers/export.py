"""The driver analysis as a workbook (openpyxl): the panel's rows, the model, the correlations.

Numbers are written unrounded (the panel's rates in percent points, as the page says); texts in the
active language, from the same `DriverAnalysis` the page and the API show.
"""

from __future__ import annotations

from io import BytesIO
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from kefu.core.sheets import sheet_text as _text

from .figures import figure_name

if TYPE_CHECKING:
    import pandas

    from .panel import DriversQuery
    from .result import DriverAnalysis


def _number(value):
    return None if value is None or value != value else float(value)  # NaN → an empty cell


def drivers_xlsx(query: DriversQuery, panel: pandas.DataFrame, result: DriverAnalysis) -> bytes:
    """Three sheets: the panel (one row per unit × period, a column per figure), the model (readings or
    why there is none, the coefficients, the fit, the drivers left out) and the correlations."""
    from openpyxl import Workbook

    from .panel import UNIT_NAMES

    codes = [c for c in panel.columns if c not in ("unit", "period")]
    book = Workbook()
    sheet = book.active
    sheet.title = _("Panel")[:31]
    sheet.append([_("Unit"), _("Period"), *[f"{figure_name(c)} ({c})" for c in codes]])
    for row in panel.to_dict("records"):
        sheet.append([_text(str(row["unit"])), _text(str(row["period"])), *[_number(row[c]) for c in codes]])

    ws = book.create_sheet(_("Model")[:31])
    ws.append([_("Satisfaction driver analysis"), str(UNIT_NAMES[query.unit])])
    ws.append([_("From"), query.first_day.isoformat(), _("Until"), query.last_day.isoformat()])
    ws.append([_("Rates are in percent; a change of one is one percentage point.")])
    ws.append([])
    if result.model is None:
        ws.append([result.message()])
    else:
        for line in [*result.readings(), result.fit_reading()]:
            ws.append([line])
        ws.append([])
        ws.append(
            [
                _("Term"),
                _("Coefficient"),
                _("Std. error"),
                "t",
                "p",
                _("95% CI low"),
                _("95% CI high"),
                "beta",
            ]
        )
        m = result.model
        for c in (m.intercept, *m.coefficients):
            name = _("Constant") if c.name == "const" else figure_name(c.name)
            ws.append([name, c.estimate, c.std_error, c.t, c.p, c.ci_low, c.ci_high, c.beta])
        ws.append([])
        ws.append(["R²", m.r2])
        ws.append([_("Adjusted R²"), m.adj_r2])
        ws.append(["F", m.f, "p", m.f_p])
        ws.append(["n", m.n])
    if result.dropped:
        ws.append([])
        ws.append([_("Left out")])
        for reason in result.to_dict()["dropped"]:
            ws.append([reason["text"]])

    ws = book.create_sheet(_("Correlations")[:31])
    ws.append([_("Driver"), "r", "p", "n"])
    for c in result.correlations:
        ws.append([figure_name(c.right), c.r, c.p, c.n])
    ws.append([])
    matrix = result.matrix()
    ws.append(["", *[figure_name(d) for d in matrix["drivers"]]])
    for code, values in zip(matrix["drivers"], matrix["r"], strict=True):
        ws.append([figure_name(code), *values])

    out = BytesIO()
    book.save(out)
    return out.getvalue()
