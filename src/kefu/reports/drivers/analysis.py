"""`analyse_drivers`: the steps from a panel to a `DriverAnalysis` (the package's docstring lists them).

pandas, scipy and statsmodels are imported inside the functions that use them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from django.utils.translation import gettext

from kefu.core.errors import FieldCode, FieldError, ValidationError

from .model import Because, Coefficient, Correlation, Model, Problem
from .result import DriverAnalysis

if TYPE_CHECKING:
    import pandas

# The seed study's drivers, by their catalogue codes (kefu.reports.metrics); occupancy counts only where
# the catalogue has it (kefu.reports.drivers.panel.default_drivers).
DEFAULT_DRIVERS = ("fcr", "calls_answer_rate", "calls_asa", "quality_score", "calls_aht", "occupancy")
COLLINEAR_R = 0.9  # |r| above this between two drivers: one of them goes
MAX_VIF = 10.0  # a variance inflation factor above this: a driver goes
ROWS_PER_COEFFICIENT = 5  # at least 5 rows per coefficient (the drivers and the constant) ...
MIN_ROWS = 10  # ... and never fewer than 10
MIN_PAIRS = 3  # a correlation over fewer pairs is None


def analyse_drivers(
    panel: pandas.DataFrame | Iterable[Mapping],
    *,
    target: str = "csat",
    drivers: Sequence[str] = DEFAULT_DRIVERS,
    max_missing: float = 0.2,
    eliminate: bool = False,
    alpha: float = 0.05,
) -> DriverAnalysis:
    """Correlations, collinearity, and an OLS of `target` on `drivers` over a panel (the steps: the package docstring).

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
