"""The analysis' vocabulary: why a driver is left out, why there is no model, and the fitted terms."""

from dataclasses import dataclass
from enum import StrEnum

SIGNIFICANCE = 0.05  # a coefficient with p above this is read as "no clear link"


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


def significant(coefficient: Coefficient) -> bool:
    return coefficient.p is not None and coefficient.p <= SIGNIFICANCE
