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

The package: `figures` (names and units, looked up in the KPI catalogue), `panel` (`driver_panel`: the
panel from `metrics.measure`), `model` (reasons, problems, fitted terms), `texts` (what it says),
`result` (`DriverAnalysis`), `analysis` (`analyse_drivers`). pandas, scipy and statsmodels are imported
inside the functions that use them: `kefu run` and the worker never pay for them at start-up.
"""

from .analysis import DEFAULT_DRIVERS, analyse_drivers
from .figures import ALIASES, Figure, Unit, code_of, figure, figure_in_text, figure_name
from .model import SIGNIFICANCE, Because, Coefficient, Correlation, Model, Problem
from .result import DriverAnalysis
from .texts import problem_text, reading, reason_text

__all__ = [
    "ALIASES",
    "DEFAULT_DRIVERS",
    "SIGNIFICANCE",
    "Because",
    "Coefficient",
    "Correlation",
    "DriverAnalysis",
    "Figure",
    "Model",
    "Problem",
    "Unit",
    "analyse_drivers",
    "code_of",
    "figure",
    "figure_in_text",
    "figure_name",
    "problem_text",
    "reading",
    "reason_text",
]
