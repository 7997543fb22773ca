"""`DriverAnalysis`: what the analysis found, as plain values, with its texts, chart data and `to_dict()`."""

from dataclasses import dataclass, field

from django.utils.translation import gettext

from .figures import figure_in_text, figure_name
from .model import SIGNIFICANCE, Correlation, Model, significant
from .texts import problem_text, reading, reading_order, reason_text


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
        return [reading(c, target=self.target) for c in reading_order(self.model)]

    def fit_reading(self) -> str | None:
        """The R² line: how much of the differences between units the model explains."""
        if self.model is None or self.model.r2 is None:
            return None
        return gettext("The model explains %(share)s%% of the differences in %(target)s between units.") % {
            "share": f"{self.model.r2 * 100:.0f}",
            "target": figure_in_text(self.target),
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
            terms = reading_order(self.model)
            bars = {
                "metric": "beta",
                "drivers": [c.name for c in terms],
                "labels": [figure_name(c.name) for c in terms],
                "values": [c.beta for c in terms],
                "significant": [significant(c) for c in terms],
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


def _simple_line(xs: list[float], ys: list[float]) -> tuple[float | None, float | None]:
    """The least-squares line y = a + b·x: b = Sxy / Sxx, a = ȳ − b·x̄ (None when x does not vary)."""
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    sxx = sum((x - mean_x) ** 2 for x in xs)
    if sxx == 0:
        return None, None
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / sxx
    return slope, mean_y - slope * mean_x
