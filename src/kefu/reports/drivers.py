"""Satisfaction driver analysis (满意度驱动分析): which of the center's figures go with satisfaction, and how much.

The input is a *panel*: one row per unit and period (agent × week, group × week or center × month), labelled
by a `unit` and a `period` column, with the target (satisfaction, `csat`) and the driver figures as numbers,
NaN or None where a unit lacks a figure. `analyse_drivers` returns a `DriverAnalysis`, plain values only, that
a page, the API and an xlsx export read alike. The steps, in order (docs/drivers.md explains them for readers):

1. Rows without the target are left out. A driver missing in more than `max_missing` of the remaining rows
   is left out (reason `missing`); then every row still missing a value is left out (listwise) and counted.
2. Correlations: Pearson's r of the target with every driver, and of every pair of drivers, each over the
   rows where both figures are present (its own n), with the two-sided p-value; None below 3 pairs or when a
   figure does not vary.
3. Over the model's rows, when there are at least 10: a driver that does not vary is left out (`constant`). While a pair of drivers has
   |r| > 0.9, the one less correlated with the target is left out (`collinear`, with the other and r); then,
   while a driver's variance inflation factor (VIF, on the model with a constant) is above 10, the one of
   those less correlated with the target is left out (`vif`).
4. No model when no driver is left, when the target does not vary, or when there are fewer rows than
   max(10, 5 × (drivers + 1)); the result says why (`problem`: a code and its figures).
5. OLS of the target on the remaining drivers with a constant (statsmodels): per coefficient the estimate,
   standard error, t, p, the 95 % confidence interval and the standardized coefficient
   beta = b × sd(x) / sd(y); R², adjusted R², F and its p-value, n and degrees of freedom. With
   `eliminate=True`, backward elimination: while the least significant driver has p > `alpha` (and more
   than one is left), it is left out (`not_significant`) and the model refitted on the same rows.

Nothing is rounded in the result; `fmt_*` helpers round for display. Texts (readings, reasons, problems) are
rendered in the active language when asked for, so one result can be shown in Chinese and in English.

pandas, scipy and statsmodels are imported inside the functions that use them: `kefu run` and the worker
never pay for them at start-up.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.utils.text import capfirst
from django.utils.translation import gettext, ngettext, pgettext
from django.utils.translation import gettext_lazy as _

from kefu.core.errors import FieldCode, FieldError, ValidationError

if TYPE_CHECKING:
    import pandas

DEFAULT_DRIVERS = ("fcr", "answer_rate", "asa", "quality_score", "aht", "occupancy")
COLLINEAR_R = 0.9  # |r| above this between two drivers: one of them goes
MAX_VIF = 10.0  # a variance inflation factor above this: a driver goes
ROWS_PER_COEFFICIENT = 5  # at least 5 rows per coefficient (the drivers and the constant) ...
MIN_ROWS = 10  # ... and never fewer than 10
MIN_PAIRS = 3  # a correlation over fewer pairs is None
SIGNIFICANCE = 0.05  # a coefficient with p above this is read as "no clear link"


class Unit(StrEnum):
    """How a figure's change is read: one step of the driver, and the target's change."""

    PERCENT = "percent"  # a rate in percent; a change is in percentage points
    SECONDS = "seconds"
    SCORE = "score"  # a score such as the 0–100 quality score; a change is in points of it
    OTHER = "other"  # a figure this module does not know


@dataclass(frozen=True)
class Figure:
    name: Any  # a lazy translation
    unit: Unit


# The names and units of the figures this analysis reads, by code. The KPI catalogue (kefu.reports.metrics)
# will own them once merged; then this mapping becomes a look-up there and stays the only place this module
# learns a figure's name or unit.
FIGURES: dict[str, Figure] = {
    "csat": Figure(_("satisfaction"), Unit.PERCENT),
    "fcr": Figure(_("FCR"), Unit.PERCENT),
    "answer_rate": Figure(_("answer rate"), Unit.PERCENT),
    "asa": Figure(_("ASA"), Unit.SECONDS),
    "quality_score": Figure(_("quality score"), Unit.SCORE),
    "aht": Figure(_("AHT"), Unit.SECONDS),
    "occupancy": Figure(_("occupancy"), Unit.PERCENT),
}


def figure(code: str) -> Figure:
    """The name and unit of a figure; an unknown code is named by itself."""
    return FIGURES.get(code) or Figure(code, Unit.OTHER)


def figure_name(code: str) -> str:
    return str(figure(code).name)


class Because(StrEnum):
    """Why a driver is not in the model (the `because` of a reason)."""

    MISSING = "missing"  # missing in more than max_missing of the rows with the target
    CONSTANT = "constant"  # the same value in every row of the model
    COLLINEAR = "collinear"  # |r| > 0.9 with another driver that goes more with the target
    VIF = "vif"  # variance inflation factor above 10
    NOT_SIGNIFICANT = "not_significant"  # backward elimination: p above alpha


class Problem(StrEnum):
    """Why there is no model (the `code` of `DriverAnalysis.problem`)."""

    TOO_FEW_ROWS = "too_few_rows"  # fewer rows than max(10, 5 × (drivers + 1))
    TARGET_CONSTANT = "target_constant"  # the target has the same value in every row
    NO_DRIVERS = "no_drivers"  # every driver was left out


@dataclass(frozen=True)
class Correlation:
    """Pearson's r of `left` with `right` over the `n` rows where both are present, and its two-sided p."""

    left: str
    right: str
    r: float | None
    p: float | None
    n: int


@dataclass(frozen=True)
class Coefficient:
    """One term of the model: `name` is a driver's code or "const"; `beta` is b × sd(x) / sd(y)."""

    name: str
    estimate: float | None
    std_error: float | None
    t: float | None
    p: float | None
    ci_low: float | None
    ci_high: float | None
    beta: float | None = None


@dataclass(frozen=True)
class Model:
    """The OLS fit: the intercept, one coefficient per driver (in the order given) and the fit's figures."""

    intercept: Coefficient
    coefficients: tuple[Coefficient, ...]
    r2: float | None
    adj_r2: float | None
    f: float | None
    f_p: float | None
    n: int
    df_model: float
    df_resid: float

    def coefficient(self, driver: str) -> Coefficient:
        return next(c for c in self.coefficients if c.name == driver)


@dataclass(frozen=True)
class DriverAnalysis:
    """What `analyse_drivers` found: plain values only (floats or None, strings, tuples, dicts).

    rows_total: rows of the panel; rows_without_target: left out for a missing target; rows_incomplete:
    left out (listwise) for a missing driver value; n: rows the model is fitted on; needed: the rows the
    model needs. `dropped` lists every driver left out, in order, each a dict such as
    {"dropped": "asa", "because": "collinear", "with": "answer_rate", "r": -0.9456}. `used`: the model's
    drivers. `problem` ({"code": ..., figures}) when there is no model, else None.
    """

    target: str
    drivers: tuple[str, ...]
    rows_total: int
    rows_without_target: int
    rows_incomplete: int
    n: int
    needed: int
    correlations: tuple[Correlation, ...]  # the target with each driver, in the drivers' order
    pairs: tuple[Correlation, ...]  # each pair of drivers once
    dropped: tuple[dict, ...]
    used: tuple[str, ...]
    model: Model | None
    problem: dict | None
    scatter_driver: str | None = None
    scatter_points: tuple[tuple, ...] = field(default=(), repr=False)  # (x, y, unit, period)
    scatter_means: dict = field(default_factory=dict, repr=False)  # the model's drivers' means

    # -- readings, in the active language ------------------------------------------------------------
    def message(self) -> str | None:
        """Why there is no model, in the active language (None when there is one)."""
        return problem_text(self.problem, target=self.target) if self.problem else None

    def readings(self) -> list[str]:
        """One sentence per driver of the model, the significant ones first (strongest beta first)."""
        if self.model is None:
            return []
        return [reading(c, target=self.target) for c in _reading_order(self.model)]

    def fit_reading(self) -> str | None:
        """The R² line: how much of the differences between units the model explains."""
        if self.model is None or self.model.r2 is None:
            return None
        return gettext("The model explains %(share)s%% of the differences in %(target)s between units.") % {
            "share": f"{self.model.r2 * 100:.0f}",
            "target": figure_name(self.target),
        }

    def matrix(self) -> dict:
        """The driver × driver correlation matrix as lists: {"drivers": [...], "r": [[...]], "n": [[...]]}."""
        by_pair = {(c.left, c.right): c for c in self.pairs} | {(c.right, c.left): c for c in self.pairs}
        r = [[1.0 if a == b else by_pair[a, b].r for b in self.drivers] for a in self.drivers]
        n = [[None if a == b else by_pair[a, b].n for b in self.drivers] for a in self.drivers]
        return {"drivers": list(self.drivers), "r": r, "n": n}

    # -- shapes for callers ---------------------------------------------------------------------------
    def chart(self) -> dict:
        """Data for two charts, ECharts-friendly lists.

        bars: the standardized coefficients (beta) of the model's drivers, or, without a model, the
        correlations (r) of the target with each driver; scatter: the target against the strongest driver
        (largest |beta|, or |r| without a model), with the fitted line over the driver's range — the model's
        line with the other drivers at their means, or the simple regression line without a model.
        """
        if self.model is not None:
            terms = _reading_order(self.model)
            bars = {
                "metric": "beta",
                "drivers": [c.name for c in terms],
                "labels": [figure_name(c.name) for c in terms],
                "values": [c.beta for c in terms],
                "significant": [_significant(c) for c in terms],
            }
        else:
            known = [c for c in self.correlations if c.r is not None]
            known.sort(key=lambda c: -abs(c.r))
            bars = {
                "metric": "r",
                "drivers": [c.right for c in known],
                "labels": [figure_name(c.right) for c in known],
                "values": [c.r for c in known],
                "significant": [c.p is not None and c.p <= SIGNIFICANCE for c in known],
            }
        return {"bars": bars, "scatter": self._scatter()}

    def _scatter(self) -> dict | None:
        x_code = self.scatter_driver
        if x_code is None or not self.scatter_points:
            return None
        xs = [p[0] for p in self.scatter_points]
        lo, hi = min(xs), max(xs)
        line = None
        if self.model is not None:
            terms = [self.model.intercept, *self.model.coefficients]
            if all(c.estimate is not None for c in terms):  # an estimate is None only on absurd input
                base = self.model.intercept.estimate + sum(
                    c.estimate * self.scatter_means[c.name]
                    for c in self.model.coefficients
                    if c.name != x_code
                )
                slope = self.model.coefficient(x_code).estimate
                line = [[lo, base + slope * lo], [hi, base + slope * hi]]
        else:
            ys = [p[1] for p in self.scatter_points]
            slope, intercept = _simple_line(xs, ys)
            if slope is not None:
                line = [[lo, intercept + slope * lo], [hi, intercept + slope * hi]]
        return {
            "driver": x_code,
            "x_label": figure_name(x_code),
            "y_label": figure_name(self.target),
            "points": [list(p) for p in self.scatter_points],
            "line": line,
        }

    def to_dict(self) -> dict:
        """Everything as JSON-ready values, texts in the active language."""
        model = None
        if self.model is not None:
            m = self.model
            model = {
                "intercept": vars(m.intercept).copy(),
                "coefficients": [vars(c).copy() for c in m.coefficients],
                "r2": m.r2,
                "adj_r2": m.adj_r2,
                "f": m.f,
                "f_p": m.f_p,
                "n": m.n,
                "df_model": m.df_model,
                "df_resid": m.df_resid,
            }
        return {
            "target": self.target,
            "drivers": list(self.drivers),
            "rows_total": self.rows_total,
            "rows_without_target": self.rows_without_target,
            "rows_incomplete": self.rows_incomplete,
            "n": self.n,
            "needed": self.needed,
            "correlations": [vars(c).copy() for c in self.correlations],
            "matrix": self.matrix(),
            "dropped": [dict(d, text=reason_text(d, target=self.target)) for d in self.dropped],
            "used": list(self.used),
            "model": model,
            "problem": dict(self.problem, message=self.message()) if self.problem else None,
            "readings": self.readings(),
            "fit_reading": self.fit_reading(),
            "chart": self.chart(),
        }


# -- display ---------------------------------------------------------------------------------------------
def fmt_number(value: float) -> str:
    """A number for a sentence: 2 decimals, or 2 significant digits below 0.1 (0.049 stays 0.049)."""
    size = abs(value)
    if size == 0 or size >= 0.1:
        return f"{value:.2f}"
    digits = 1 - math.floor(math.log10(size))
    return f"{value:.{digits}f}"


def fmt_p(p: float | None) -> str:
    if p is None:
        return gettext("p unknown")
    if p < 0.001:
        return gettext("p < 0.001")
    return gettext("p = %(p)s") % {"p": f"{p:.3f}"}


def _step(code: str) -> str:
    """'One point more FCR' — one unit of the driver, said in its unit."""
    unit, name = figure(code).unit, figure_name(code)
    if unit is Unit.PERCENT:
        text = pgettext("a percentage", "One point more %(driver)s")
    elif unit is Unit.SECONDS:
        text = gettext("One second more %(driver)s")
    elif unit is Unit.SCORE:
        text = pgettext("a score", "One point more %(driver)s")
    else:
        text = gettext("One unit more %(driver)s")
    return text % {"driver": name}


def _amount_unit(code: str) -> str:
    """The unit of a change of the target ('points' of a percentage, 'seconds', ...)."""
    unit = figure(code).unit
    if unit is Unit.PERCENT:
        return pgettext("a percentage", "points")
    if unit is Unit.SECONDS:
        return gettext("seconds")
    if unit is Unit.SCORE:
        return pgettext("a score", "points")
    return gettext("units")


def _significant(coefficient: Coefficient) -> bool:
    return coefficient.p is not None and coefficient.p <= SIGNIFICANCE


def reading(coefficient: Coefficient, *, target: str) -> str:
    """The plain-language reading of one driver's coefficient; not significant at 5 %: no clear link."""
    p = coefficient.p
    if not _significant(coefficient) or coefficient.estimate is None:
        return gettext("No clear link between %(driver)s and %(target)s (%(p)s)") % {
            "driver": figure_name(coefficient.name),
            "target": figure_name(target),
            "p": fmt_p(p),
        }
    if coefficient.estimate >= 0:
        text = gettext("%(step)s goes with %(amount)s %(unit)s more %(target)s (%(p)s)")
    else:
        text = gettext("%(step)s goes with %(amount)s %(unit)s lower %(target)s (%(p)s)")
    return text % {
        "step": _step(coefficient.name),
        "amount": fmt_number(abs(coefficient.estimate)),
        "unit": _amount_unit(target),
        "target": figure_name(target),
        "p": fmt_p(p),
    }


def reason_text(reason: Mapping, *, target: str = "csat") -> str:
    """Why a driver was left out, in the active language."""
    return capfirst(_reason_text(reason, target=target))


def _reason_text(reason: Mapping, *, target: str) -> str:
    because, name = reason["because"], figure_name(reason["dropped"])
    if because == Because.MISSING:
        return gettext(
            "%(driver)s left out: missing in %(missing)d of %(rows)d rows (more than %(limit)s%%)"
        ) % {
            "driver": name,
            "missing": reason["missing"],
            "rows": reason["rows"],
            "limit": f"{reason['limit'] * 100:.0f}",
        }
    if because == Because.CONSTANT:
        return gettext("%(driver)s left out: the same in every row") % {"driver": name}
    if because == Because.COLLINEAR:
        return gettext(
            "%(driver)s left out: it moves with %(other)s (r = %(r)s), which goes more with %(target)s"
        ) % {
            "driver": name,
            "other": figure_name(reason["with"]),
            "r": f"{reason['r']:.4f}",
            "target": figure_name(target),
        }
    if because == Because.VIF:
        vif = "∞" if reason["vif"] is None else f"{reason['vif']:.1f}"
        return gettext("%(driver)s left out: variance inflation factor %(vif)s, above 10") % {
            "driver": name,
            "vif": vif,
        }
    return gettext("%(driver)s eliminated: not significant (%(p)s)") % {
        "driver": name,
        "p": fmt_p(reason["p"]),
    }


def problem_text(problem: Mapping, *, target: str = "csat") -> str:
    """Why there is no model, in the active language."""
    code = problem["code"]
    if code == Problem.TOO_FEW_ROWS:
        return ngettext(
            "Only %(rows)d row of the panel has every figure; %(drivers)d drivers need at least %(needed)d "
            "rows (5 per coefficient, never fewer than 10), so no model is fitted.",
            "Only %(rows)d rows of the panel have every figure; %(drivers)d drivers need at least %(needed)d "
            "rows (5 per coefficient, never fewer than 10), so no model is fitted.",
            problem["rows"],
        ) % {"rows": problem["rows"], "drivers": problem["drivers"], "needed": problem["needed"]}
    if code == Problem.TARGET_CONSTANT:
        return capfirst(
            gettext(
                "%(target)s is the same in every row (%(value)s): there are no differences to explain, so no "
                "model is fitted."
            )
            % {"target": figure_name(target), "value": fmt_number(problem["value"])}
        )
    return gettext("No driver is left to regress on (each one's reason is listed), so no model is fitted.")


def _reading_order(model: Model) -> list[Coefficient]:
    def key(c: Coefficient):
        if _significant(c):
            return (False, -abs(c.beta or 0.0))
        return (True, c.p if c.p is not None else 2.0)

    return sorted(model.coefficients, key=key)


# -- the analysis ----------------------------------------------------------------------------------------
def analyse_drivers(
    panel: pandas.DataFrame | Iterable[Mapping],
    *,
    target: str = "csat",
    drivers: Sequence[str] = DEFAULT_DRIVERS,
    max_missing: float = 0.2,
    eliminate: bool = False,
    alpha: float = 0.05,
) -> DriverAnalysis:
    """Correlations, collinearity, and an OLS of `target` on `drivers` over a panel (see the module).

    `max_missing`: the share of the rows with the target in which a driver may be missing before it is left
    out. `eliminate`: backward elimination at `alpha`. Refuses (ValidationError naming the field) a panel
    that is not a table, a target or driver that is not a column, a driver listed twice or equal to the
    target, a value that is not a finite number (naming its row), and options out of range.
    """
    drivers = tuple(drivers) if not isinstance(drivers, str) else (drivers,)
    frame = _validated_frame(panel, target=target, drivers=drivers, max_missing=max_missing, alpha=alpha)
    values = frame[[target, *drivers]]
    with_target = values[values[target].notna()]
    correlations = tuple(_correlation(with_target, target, d) for d in drivers)
    pairs = tuple(_correlation(values, a, b) for i, a in enumerate(drivers) for b in drivers[i + 1 :])

    dropped: list[dict] = []
    kept = _drop_sparse(with_target, list(drivers), max_missing=max_missing, dropped=dropped)
    complete = with_target.dropna(subset=kept)
    if len(complete) >= MIN_ROWS:  # below, every driver of 2 rows looks "constant": the rows are the problem
        kept = _drop_constant(complete, kept, dropped=dropped)
        kept = _drop_collinear(complete, target, kept, order=drivers, dropped=dropped)
        kept = _drop_high_vif(complete, target, kept, dropped=dropped)

    n = len(complete)
    needed = max(MIN_ROWS, ROWS_PER_COEFFICIENT * (len(kept) + 1))
    problem = _problem(complete[target], kept=kept, needed=needed)
    model = None
    if problem is None:
        model, kept = _fit(complete, target, kept, eliminate=eliminate, alpha=alpha, dropped=dropped)

    # The scatter: the strongest driver of the model (|beta|) over its rows, or of the correlations (|r|).
    if model is not None:
        x_code, rows = max(model.coefficients, key=lambda c: abs(c.beta or 0.0)).name, complete
    else:
        known = [c for c in correlations if c.r is not None]
        x_code = max(known, key=lambda c: abs(c.r)).right if known else None
        rows = with_target.dropna(subset=[x_code]) if x_code else with_target.iloc[:0]
    return DriverAnalysis(
        target=target,
        drivers=drivers,
        rows_total=len(values),
        rows_without_target=len(values) - len(with_target),
        rows_incomplete=len(with_target) - n,
        n=n,
        needed=needed,
        correlations=correlations,
        pairs=pairs,
        dropped=tuple(dropped),
        used=tuple(kept) if model is not None else (),
        model=model,
        problem=problem,
        scatter_driver=x_code,
        scatter_points=_points(frame, rows, x_code, target) if x_code else (),
        scatter_means={d: float(complete[d].mean()) for d in kept} if model is not None else {},
    )


def _drop_sparse(rows, kept: list[str], *, max_missing: float, dropped: list[dict]) -> list[str]:
    """Leave out each driver missing in more than `max_missing` of the rows (which all have the target)."""
    for d in list(kept):
        missing = int(rows[d].isna().sum())
        if len(rows) and missing / len(rows) > max_missing:
            share = missing / len(rows)
            dropped.append(
                {"dropped": d, "because": Because.MISSING.value, "missing": missing, "rows": len(rows)}
                | {"share": share, "limit": max_missing}
            )
            kept.remove(d)
    return kept


def _drop_constant(complete, kept: list[str], *, dropped: list[dict]) -> list[str]:
    """Leave out each driver with the same value in every row of the model."""
    for d in list(kept):
        column = complete[d].to_numpy(dtype=float)
        if len(column) and column.min() == column.max():
            dropped.append({"dropped": d, "because": Because.CONSTANT.value, "value": float(column[0])})
            kept.remove(d)
    return kept


def _target_r(complete, target: str):
    """|r| of each driver with the target over the model's rows (0 where undefined): who is 'weaker'."""
    y = complete[target].to_numpy(dtype=float)

    def size(d: str) -> float:
        r = _pearson(complete[d].to_numpy(dtype=float), y)[0]
        return abs(r) if r is not None else 0.0

    return size


def _drop_collinear(complete, target: str, kept: list[str], *, order, dropped: list[dict]) -> list[str]:
    """While two drivers have |r| > 0.9 (the largest first), leave out the one less correlated with the
    target (a tie: the later one in `order`)."""
    import numpy as np

    weight = _target_r(complete, target)
    while len(kept) > 1 and len(complete) >= MIN_PAIRS:
        r_matrix = complete[kept].corr().to_numpy(copy=True)
        np.fill_diagonal(r_matrix, 0.0)
        i, j = np.unravel_index(np.nanargmax(np.abs(r_matrix)), r_matrix.shape)
        if not abs(r_matrix[i, j]) > COLLINEAR_R:
            break
        a, b = sorted((kept[i], kept[j]), key=order.index)
        weaker, stronger = (b, a) if weight(b) <= weight(a) else (a, b)
        dropped.append(
            {
                "dropped": weaker,
                "because": Because.COLLINEAR.value,
                "with": stronger,
                "r": float(r_matrix[i, j]),
            }
        )
        kept.remove(weaker)
    return kept


def _drop_high_vif(complete, target: str, kept: list[str], *, dropped: list[dict]) -> list[str]:
    """While a driver's VIF is above 10, leave out, of those above, the one less correlated with the target.

    A VIF is defined only with more rows than coefficients; with fewer the row count refuses the model.
    """
    weight = _target_r(complete, target)
    while len(kept) > 1 and len(complete) > len(kept) + 1:
        vifs = _vifs(complete[kept])
        high = [d for d in kept if vifs[d] is None or vifs[d] > MAX_VIF]
        if not high:
            break
        weaker = min(reversed(high), key=weight)  # reversed: a tie leaves out the later driver
        dropped.append({"dropped": weaker, "because": Because.VIF.value, "vif": vifs[weaker]})
        kept.remove(weaker)
    return kept


def _problem(y, *, kept: list[str], needed: int) -> dict | None:
    """Why no model can be fitted on these rows (the target's values), or None."""
    too_few = {"code": Problem.TOO_FEW_ROWS.value, "rows": len(y), "needed": needed, "drivers": len(kept)}
    if not kept:
        return {"code": Problem.NO_DRIVERS.value}
    if len(y) < MIN_ROWS:
        return too_few
    if y.min() == y.max():
        return {"code": Problem.TARGET_CONSTANT.value, "value": float(y.iloc[0])}
    return too_few if len(y) < needed else None


def _points(frame, rows, x_code: str, target: str) -> tuple[tuple, ...]:
    """The scatter's points (x, y, unit, period), labels from the panel's unit and period columns."""
    labels = frame.loc[rows.index]
    units = labels["unit"] if "unit" in labels else [None] * len(rows)
    periods = labels["period"] if "period" in labels else [None] * len(rows)
    return tuple(
        (float(x), float(y), _plain(u), _plain(p))
        for x, y, u, p in zip(rows[x_code], rows[target], units, periods, strict=True)
    )


def _fit(complete, target: str, kept: list[str], *, eliminate: bool, alpha: float, dropped: list[dict]):
    """OLS with a constant; with `eliminate`, drop the least significant driver while its p > alpha."""
    import statsmodels.api as sm

    kept = list(kept)
    y = complete[target].astype(float)
    while True:
        x = sm.add_constant(complete[kept].astype(float), has_constant="add")
        result = sm.OLS(y, x).fit()
        if not eliminate or len(kept) == 1:
            break
        p = {d: _finite(result.pvalues[d]) for d in kept}
        worst = max(kept, key=lambda d: 2.0 if p[d] is None else p[d])
        if p[worst] is not None and p[worst] <= alpha:
            break
        dropped.append({"dropped": worst, "because": Because.NOT_SIGNIFICANT.value, "p": p[worst]})
        kept.remove(worst)

    sd_y = float(y.std(ddof=1))
    ci = result.conf_int(alpha=0.05)

    def term(name: str) -> Coefficient:
        estimate = _finite(result.params[name])
        beta = None
        if name != "const" and estimate is not None and sd_y > 0:
            beta = estimate * float(complete[name].astype(float).std(ddof=1)) / sd_y
        return Coefficient(
            name=name,
            estimate=estimate,
            std_error=_finite(result.bse[name]),
            t=_finite(result.tvalues[name]),
            p=_finite(result.pvalues[name]),
            ci_low=_finite(ci.loc[name, 0]),
            ci_high=_finite(ci.loc[name, 1]),
            beta=beta,
        )

    model = Model(
        intercept=term("const"),
        coefficients=tuple(term(d) for d in kept),
        r2=_finite(result.rsquared),
        adj_r2=_finite(result.rsquared_adj),
        f=_finite(result.fvalue),
        f_p=_finite(result.f_pvalue),
        n=int(result.nobs),
        df_model=float(result.df_model),
        df_resid=float(result.df_resid),
    )
    return model, kept


def _vifs(x) -> dict[str, float | None]:
    """Each driver's variance inflation factor on the model with a constant (None: infinite)."""
    import numpy as np
    import statsmodels.api as sm
    from statsmodels.stats.outliers_influence import variance_inflation_factor

    exog = sm.add_constant(x.astype(float), has_constant="add").to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        return {d: _finite(variance_inflation_factor(exog, i + 1)) for i, d in enumerate(x.columns)}


def _correlation(frame, left: str, right: str) -> Correlation:
    both = frame[[left, right]].dropna()
    r, p = _pearson(both[left].to_numpy(dtype=float), both[right].to_numpy(dtype=float))
    return Correlation(left=left, right=right, r=r, p=p, n=len(both))


def _pearson(x, y) -> tuple[float | None, float | None]:
    """Pearson's r and its two-sided p; None for fewer than 3 pairs or a figure that does not vary."""
    import numpy as np
    from scipy import stats

    if len(x) < MIN_PAIRS or np.ptp(x) == 0 or np.ptp(y) == 0:
        return None, None
    result = stats.pearsonr(x, y)
    return _finite(result.statistic), _finite(result.pvalue)


def _simple_line(xs: list[float], ys: list[float]) -> tuple[float | None, float | None]:
    """The least-squares line y = a + b·x: b = Sxy / Sxx, a = ȳ − b·x̄ (None when x does not vary)."""
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    sxx = sum((x - mean_x) ** 2 for x in xs)
    if sxx == 0:
        return None, None
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / sxx
    return slope, mean_y - slope * mean_x


def _finite(value) -> float | None:
    """A plain float, or None for NaN and ±infinity (so every result is JSON-ready)."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _plain(value):
    """A unit or period label as a plain value (a date or a timestamp as ISO text)."""
    if value is None:
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):  # a numpy scalar
        return value.item()
    return value


def _validated_frame(panel, *, target: str, drivers: tuple[str, ...], max_missing: float, alpha: float):
    """The panel as a DataFrame whose target and driver columns are floats (NaN where missing)."""
    import numpy as np
    import pandas as pd

    if not 0 <= max_missing <= 1:
        raise ValidationError.for_field(
            "max_missing", FieldError(gettext("Give a share between 0 and 1."), FieldCode.OUT_OF_RANGE)
        )
    if not 0 < alpha < 1:
        raise ValidationError.for_field(
            "alpha", FieldError(gettext("Give a level between 0 and 1."), FieldCode.OUT_OF_RANGE)
        )
    if isinstance(panel, pd.DataFrame):
        frame = panel.reset_index(drop=True)
    elif isinstance(panel, Iterable) and not isinstance(panel, str | bytes | Mapping):
        rows = list(panel)
        if not all(isinstance(row, Mapping) for row in rows):
            raise ValidationError.for_field(
                "panel",
                FieldError(
                    gettext("Give a table: one row (a mapping) per unit and period."), FieldCode.WRONG_TYPE
                ),
            )
        frame = pd.DataFrame(rows)
    else:
        raise ValidationError.for_field(
            "panel",
            FieldError(
                gettext("Give a table: one row (a mapping) per unit and period."), FieldCode.WRONG_TYPE
            ),
        )
    if not drivers:
        raise ValidationError.for_field(
            "drivers", FieldError(gettext("Name at least one driver."), FieldCode.REQUIRED)
        )
    if target in drivers:
        raise ValidationError.for_field(
            "drivers", gettext("%(column)s is the target; it cannot also be a driver.") % {"column": target}
        )
    twice = sorted({d for d in drivers if drivers.count(d) > 1})
    if twice:
        raise ValidationError.for_field(
            "drivers",
            gettext("Each driver once: %(columns)s is listed twice.") % {"columns": ", ".join(twice)},
        )
    for name, columns in (("target", [target]), ("drivers", list(drivers))):
        absent = [c for c in columns if c not in frame.columns]
        if absent:
            raise ValidationError.for_field(
                name,
                FieldError(
                    gettext("The panel has no column %(columns)s.") % {"columns": ", ".join(absent)},
                    FieldCode.NOT_FOUND,
                ),
            )

    frame = frame.copy()
    for column in (target, *drivers):
        raw = frame[column]
        numbers = pd.to_numeric(raw.astype(object).where(raw.notna(), None), errors="coerce")
        bad = (raw.notna() & numbers.isna()) | np.isinf(numbers.fillna(0).astype(float))
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise ValidationError.for_field(
                column,
                FieldError(
                    gettext("Row %(row)d%(label)s: “%(value)s” is not a finite number.")
                    % {"row": row + 1, "label": _row_label(frame, row), "value": raw.iloc[row]},
                    FieldCode.WRONG_TYPE,
                ),
            )
        frame[column] = numbers.astype(float)
    return frame


def _row_label(frame, row: int) -> str:
    parts = [str(frame[c].iloc[row]) for c in ("unit", "period") if c in frame.columns]
    return f" ({' · '.join(parts)})" if parts else ""
