"""The satisfaction driver analysis (满意度驱动分析): kefu.reports.drivers.

Reference: seed 003's study of customer satisfaction, CSAT = 0.7356·FCR + 0.049·answer rate + 4.1495
(R² 0.5509; answer rate and ASA correlated at −0.9456, so ASA was dropped).
"""

import json
import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from kefu.core.errors import ValidationError
from kefu.reports.drivers import Because, Problem, analyse_drivers

SEED_FCR, SEED_ANSWER_RATE, SEED_INTERCEPT = 0.7356, 0.049, 4.1495


def simulate(n: int = 80, seed: int = 3) -> pd.DataFrame:
    """A panel of n agent × week rows drawn from the seed's model (figures in percent, ASA and AHT in s).

    FCR ~ U(55, 95); answer rate = 52 + 0.3·FCR + U(0, 18) (68.5–98.5 %, r with FCR ≈ 0.55, so its r with
    CSAT is ≈ 0.4 as the seed's 0.386); ASA = 400 − 4·answer rate + N(0, 8.2) (r ≈ −0.95 with answer rate);
    quality score = 50 + 0.35·FCR + N(0, 8) (r with CSAT ≈ 0.3); AHT ~ N(300, 40) (unrelated, seed 0.06);
    occupancy = 120 − 0.5·FCR + N(0, 10) (r with CSAT ≈ −0.35); noise N(0, 7.8): the model explains
    ≈ 75 of ≈ 136 of CSAT's variance, R² ≈ 0.55 as the seed's 0.5509.
    """
    rng = np.random.default_rng(seed)
    fcr = rng.uniform(55, 95, n)
    answer_rate = 52 + 0.3 * fcr + rng.uniform(0, 18, n)
    asa = 400 - 4.0 * answer_rate + rng.normal(0, 8.2, n)
    quality = 50 + 0.35 * fcr + rng.normal(0, 8, n)
    aht = rng.normal(300, 40, n)
    occupancy = 120 - 0.5 * fcr + rng.normal(0, 10, n)
    csat = SEED_FCR * fcr + SEED_ANSWER_RATE * answer_rate + SEED_INTERCEPT + rng.normal(0, 7.8, n)
    return pd.DataFrame(
        {
            "unit": [f"agent-{i % 20}" for i in range(n)],
            "period": [f"2026-W{i // 20 + 1:02d}" for i in range(n)],
            "csat": csat,
            "fcr": fcr,
            "calls_answer_rate": answer_rate,
            "calls_asa": asa,
            "quality_score": quality,
            "calls_aht": aht,
            "occupancy": occupancy,
        }
    )


# Five points worked by hand: x̄ = 3, ȳ = 4; deviations x: −2 −1 0 1 2, y: −2 0 1 0 1.
# Sxx = 4+1+0+1+4 = 10; Syy = 4+0+1+0+1 = 6; Sxy = 4+0+0+0+2 = 6.
FIVE_X = [1, 2, 3, 4, 5]
FIVE_Y = [2, 4, 5, 4, 5]


def hand_panel(times: int = 1) -> list[dict]:
    return [
        {"unit": f"agent-{i}", "period": f"2026-W{k + 1:02d}", "csat": y, "fcr": x}
        for k in range(times)
        for i, (x, y) in enumerate(zip(FIVE_X, FIVE_Y, strict=True))
    ]


# -- the seed's model recovered --------------------------------------------------------------------------
def test_simulated_seed_model_is_recovered_within_the_confidence_intervals():
    result = analyse_drivers(simulate())

    model = result.model
    fcr, answer_rate = model.coefficient("fcr"), model.coefficient("calls_answer_rate")
    assert fcr.ci_low <= SEED_FCR <= fcr.ci_high
    assert answer_rate.ci_low <= SEED_ANSWER_RATE <= answer_rate.ci_high
    assert model.intercept.ci_low <= SEED_INTERCEPT <= model.intercept.ci_high
    assert fcr.p < 0.001
    assert 0.45 < model.r2 < 0.70  # the seed's 0.5509, give or take the draw
    assert model.n == 80 and model.df_model == 5 and model.df_resid == 80 - 5 - 1


def test_asa_is_dropped_as_collinear_with_answer_rate_and_the_reason_is_kept():
    result = analyse_drivers(simulate())

    (reason,) = [d for d in result.dropped if d["dropped"] == "calls_asa"]
    assert reason["because"] == Because.COLLINEAR == "collinear"
    assert reason["with"] == "calls_answer_rate"
    assert -0.97 < reason["r"] < -0.9  # the seed's −0.9456
    # the weaker of the pair goes: ASA is less correlated with CSAT than answer rate is
    r = {c.right: c.r for c in result.correlations}
    assert abs(r["calls_asa"]) < abs(r["calls_answer_rate"])
    assert "calls_asa" not in result.used and "calls_answer_rate" in result.used
    assert result.used == ("fcr", "calls_answer_rate", "quality_score", "calls_aht", "occupancy")


def test_collinearity_drops_whichever_of_the_pair_goes_less_with_the_target():
    """Swap the roles: make ASA the one tied to CSAT, and answer rate goes instead."""
    panel = simulate()
    rng = np.random.default_rng(7)
    panel["csat"] = 0.7356 * panel["fcr"] - 0.3 * panel["calls_asa"] + 40 + rng.normal(0, 5, len(panel))

    result = analyse_drivers(panel)

    (reason,) = [d for d in result.dropped if d["because"] == "collinear"]
    assert (reason["dropped"], reason["with"]) == ("calls_answer_rate", "calls_asa")


def test_a_high_vif_without_any_pair_above_090_drops_the_weaker_driver():
    """x3 = x1 + x2 + a little noise: each pair's |r| is about 0.7, but x3's VIF is in the hundreds."""
    rng = np.random.default_rng(11)
    n = 60
    x1, x2 = rng.normal(0, 1, n), rng.normal(0, 1, n)
    x3 = x1 + x2 + rng.normal(0, 0.05, n)
    y = 2 * x1 + rng.normal(0, 1, n)
    panel = pd.DataFrame({"csat": y, "x1": x1, "x2": x2, "x3": x3})

    result = analyse_drivers(panel, drivers=("x1", "x2", "x3"))

    assert max(abs(c.r) for c in result.pairs) < 0.9
    (reason,) = result.dropped
    assert reason["because"] == "vif" and reason["vif"] > 10
    # of the three (all above 10), x2 goes with CSAT least (y is made of x1 alone)
    assert reason["dropped"] == "x2"
    assert result.used == ("x1", "x3")


def test_backward_elimination_keeps_fcr_and_says_why_each_other_driver_went():
    result = analyse_drivers(simulate(), eliminate=True)

    assert "fcr" in result.used
    eliminated = [d for d in result.dropped if d["because"] == Because.NOT_SIGNIFICANT]
    assert eliminated, "drivers unrelated to CSAT in the simulation are eliminated"
    assert all(d["p"] > 0.05 for d in eliminated)
    assert all(c.p <= 0.05 for c in result.model.coefficients)
    # the same rows throughout: elimination does not change n
    assert result.model.n == 80


def test_backward_elimination_is_off_by_default():
    result = analyse_drivers(simulate())

    assert not [d for d in result.dropped if d["because"] == "not_significant"]
    assert any(c.p > 0.05 for c in result.model.coefficients)


# -- worked by hand --------------------------------------------------------------------------------------
def test_correlation_of_five_points_worked_by_hand():
    result = analyse_drivers(hand_panel(), drivers=("fcr",))

    (corr,) = result.correlations
    # r = Sxy / √(Sxx·Syy) = 6 / √60 = 0.774597
    assert corr.r == pytest.approx(6 / math.sqrt(60)) and corr.r == pytest.approx(0.774597, abs=1e-6)
    # t = r·√(n−2) / √(1−r²) = 0.774597·√3 / √0.4 = 2.121320 (= √4.5), 3 df.
    # Student's t with 3 df: F(t) = ½ + (1/π)·[ (t/√3)/(1 + t²/3) + arctan(t/√3) ], t/√3 = √1.5 = 1.224745,
    # = ½ + (1/π)·(1.224745/2.5 + 0.886077) = ½ + 1.375975/π = 0.937987; p = 2·(1 − 0.937987) = 0.124027
    assert corr.p == pytest.approx(0.124027, abs=1e-5)
    assert corr.n == 5


def test_ols_of_ten_points_worked_by_hand():
    """The five points twice: Sxx = 20, Sxy = 12, Syy = 12, n = 10 (the least the model accepts)."""
    result = analyse_drivers(hand_panel(times=2), drivers=("fcr",))

    model = result.model
    slope = model.coefficient("fcr")
    assert slope.estimate == pytest.approx(0.6)  # b = Sxy/Sxx = 12/20
    assert model.intercept.estimate == pytest.approx(2.2)  # a = ȳ − b·x̄ = 4 − 0.6·3
    # SSE = Syy − Sxy²/Sxx = 12 − 7.2 = 4.8; s² = SSE/(n−2) = 0.6; se(b) = √(s²/Sxx) = √0.03 = 0.173205
    assert slope.std_error == pytest.approx(math.sqrt(0.03))
    # se(a) = √(s²·(1/n + x̄²/Sxx)) = √(0.6·(0.1 + 0.45)) = √0.33 = 0.574456
    assert model.intercept.std_error == pytest.approx(math.sqrt(0.33))
    assert slope.t == pytest.approx(0.6 / math.sqrt(0.03))  # = 2√3 = 3.464102
    # p for t = 2√3 with 8 df (even df: p = 1 − sinθ·(1 + ½cos²θ + ⅜cos⁴θ + 5⁄16cos⁶θ), tanθ = t/√8 = √1.5):
    # cos²θ = 1/2.5 = 0.4, sinθ = √0.6 = 0.774597; 1 + 0.2 + 0.06 + 0.02 = 1.28; p = 1 − 0.991484 = 0.008516
    assert slope.p == pytest.approx(1 - math.sqrt(0.6) * 1.28)
    # 95 % CI: b ± t(0.975, 8)·se = 0.6 ± 2.306004·0.173205 = 0.6 ± 0.399411
    assert slope.ci_low == pytest.approx(0.200589, abs=1e-5)
    assert slope.ci_high == pytest.approx(0.999411, abs=1e-5)
    # R² = Sxy²/(Sxx·Syy) = 144/240 = 0.6; adjusted = 1 − 0.4·(n−1)/(n−2) = 1 − 0.4·9/8 = 0.55
    assert model.r2 == pytest.approx(0.6)
    assert model.adj_r2 == pytest.approx(0.55)
    # F = (SSR/1) / (SSE/8) = 7.2 / 0.6 = 12 (= t²), and its p is the slope's
    assert model.f == pytest.approx(12.0)
    assert model.f_p == pytest.approx(slope.p)
    assert (model.n, model.df_model, model.df_resid) == (10, 1.0, 8.0)
    # beta = b·sd(x)/sd(y) = 0.6·√(20/9)/√(12/9) = 0.6·√(5/3) = 0.774597 (= r with one driver)
    assert slope.beta == pytest.approx(0.6 * math.sqrt(5 / 3))


# -- too little data, constants, missing values ----------------------------------------------------------
def test_too_few_rows_gives_an_explanation_and_no_model():
    result = analyse_drivers(hand_panel(), drivers=("fcr",))

    assert result.model is None
    assert result.used == ()
    # one driver: max(10, 5 × (1 + 1)) = 10 rows needed, 5 there
    assert result.problem == {"code": Problem.TOO_FEW_ROWS, "rows": 5, "needed": 10, "drivers": 1}
    with translation.override("en"):
        assert result.message() == (
            "Only 5 rows of the panel have every figure; 1 drivers need at least 10 rows "
            "(5 per coefficient, never fewer than 10), so no model is fitted."
        )
        assert result.readings() == [] and result.fit_reading() is None
    with translation.override("zh-hans"):
        assert result.message() == (
            "数据齐全的只有5行；1个驱动因素至少需要10行（每个系数5行，且不少于10行），因此不拟合模型。"
        )


def test_rows_needed_grow_with_the_drivers():
    """Five drivers kept after ASA goes: max(10, 5 × (5 + 1)) = 30; 29 rows are not enough, 30 are."""
    panel = simulate(n=80)
    # the same draw cut short; ASA must still be dropped as collinear for 5 drivers to remain
    short = analyse_drivers(panel.iloc[:29])
    enough = analyse_drivers(panel.iloc[:30])

    assert len(short.used) == 0 and short.problem["code"] == "too_few_rows"
    assert short.problem["needed"] == 30 and short.problem["rows"] == 29
    assert enough.model is not None and enough.needed == 30 and enough.n == 30


def test_correlations_need_three_pairs():
    panel = [{"csat": 80, "fcr": 70}, {"csat": 90, "fcr": 85}, {"csat": None, "fcr": 60}]

    result = analyse_drivers(panel, drivers=("fcr",))

    (corr,) = result.correlations
    assert (corr.r, corr.p, corr.n) == (None, None, 2)
    assert result.model is None


def test_a_constant_driver_is_dropped_with_its_reason():
    panel = hand_panel(times=2)
    for row in panel:
        row["calls_answer_rate"] = 92.0

    result = analyse_drivers(panel, drivers=("fcr", "calls_answer_rate"))

    assert result.dropped == ({"dropped": "calls_answer_rate", "because": "constant", "value": 92.0},)
    assert result.used == ("fcr",)
    assert result.model.coefficient("fcr").estimate == pytest.approx(0.6)
    assert result.correlations[1].r is None  # no r with a figure that does not vary
    with translation.override("en"):
        assert result.to_dict()["dropped"][0]["text"] == "Answer rate left out: the same in every row"
    with translation.override("zh-hans"):
        assert result.to_dict()["dropped"][0]["text"] == "接通率未纳入：每行的值都相同"


def test_two_rows_are_too_few_rows_not_two_constant_drivers():
    panel = [{"csat": 80, "fcr": 70, "calls_aht": 300}, {"csat": 90, "fcr": 70, "calls_aht": 300}]

    result = analyse_drivers(panel, drivers=("fcr", "calls_aht"))

    assert result.dropped == ()
    # two drivers: max(10, 5 × (2 + 1)) = 15
    assert result.problem == {"code": "too_few_rows", "rows": 2, "needed": 15, "drivers": 2}


def test_a_constant_target_gives_no_model():
    panel = [{"csat": 85, "fcr": x} for x in range(60, 80)]

    result = analyse_drivers(panel, drivers=("fcr",))

    assert result.model is None
    assert result.problem == {"code": "target_constant", "value": 85.0}
    with translation.override("en"):
        assert result.message().startswith("Satisfaction rate is the same in every row (85.00)")


def test_no_driver_left_gives_no_model():
    panel = [{"csat": 70 + i, "fcr": 80} for i in range(20)]

    result = analyse_drivers(panel, drivers=("fcr",))

    assert result.model is None and result.problem == {"code": "no_drivers"}
    with translation.override("zh-hans"):
        assert "没有可用于回归的驱动因素" in result.message()


def test_missing_values_target_rows_then_sparse_drivers_then_listwise():
    """80 rows: 5 without CSAT; of the 75 left, quality score missing in 20 (26.7 % > 20 %: dropped) and
    AHT in 6 (8 %: kept, its 6 rows left out listwise); n = 75 − 6 = 69."""
    panel = simulate().astype({"quality_score": object, "calls_aht": object})
    panel.loc[0:4, "csat"] = np.nan
    panel.loc[10:29, "quality_score"] = None
    panel.loc[40:45, "calls_aht"] = np.nan

    result = analyse_drivers(panel)

    assert (result.rows_total, result.rows_without_target, result.rows_incomplete, result.n) == (80, 5, 6, 69)
    missing = [d for d in result.dropped if d["because"] == "missing"]
    assert missing == [
        {
            "dropped": "quality_score",
            "because": "missing",
            "missing": 20,
            "rows": 75,
            "share": 20 / 75,
            "limit": 0.2,
        }
    ]
    assert result.model.n == 69
    # correlations use every pair present: quality score's over the 75 − 20 = 55 rows that have it
    by_driver = {c.right: c for c in result.correlations}
    assert by_driver["quality_score"].n == 55 and by_driver["calls_aht"].n == 69 and by_driver["fcr"].n == 75
    with translation.override("en"):
        assert result.to_dict()["dropped"][0]["text"] == (
            "Quality score left out: missing in 20 of 75 rows (more than 20%)"
        )


def test_the_missing_share_is_an_option():
    panel = simulate()
    panel.loc[10:29, "quality_score"] = np.nan  # 20 of 80 = 25 %

    assert "quality_score" in analyse_drivers(panel, max_missing=0.3).used
    assert "quality_score" not in analyse_drivers(panel, max_missing=0.2).used


# -- bad input -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kwargs", "field", "code"),
    [
        ({"target": "nps"}, "target", "not_found"),
        ({"drivers": ("fcr", "transfer_rate")}, "drivers", "not_found"),
        ({"drivers": ()}, "drivers", "required"),
        ({"drivers": ("fcr", "fcr")}, "drivers", "invalid"),
        ({"drivers": ("fcr", "csat")}, "drivers", "invalid"),
        ({"max_missing": 1.5}, "max_missing", "out_of_range"),
        ({"alpha": 0}, "alpha", "out_of_range"),
    ],
)
def test_bad_options_name_the_field(kwargs, field, code):
    with pytest.raises(ValidationError) as caught:
        analyse_drivers(simulate(n=20), **kwargs)

    assert list(caught.value.errors) == [field]
    assert caught.value.errors[field][0].code == code


def test_a_value_that_is_not_a_number_names_its_column_and_row():
    panel = simulate(n=20).astype({"fcr": object})
    panel.loc[6, "fcr"] = "85%"

    with translation.override("en"), pytest.raises(ValidationError) as caught:
        analyse_drivers(panel)

    assert caught.value.errors == {"fcr": ["Row 7 (agent-6 · 2026-W01): “85%” is not a finite number."]}
    assert caught.value.errors["fcr"][0].code == "wrong_type"


def test_infinity_is_refused_like_text():
    panel = simulate(n=20)
    panel.loc[3, "calls_aht"] = np.inf

    with pytest.raises(ValidationError) as caught:
        analyse_drivers(panel)

    assert list(caught.value.errors) == ["calls_aht"]


def test_a_panel_that_is_not_a_table_is_refused():
    with pytest.raises(ValidationError) as caught:
        analyse_drivers("csat,fcr\n1,2")

    assert list(caught.value.errors) == ["panel"]


# -- readings --------------------------------------------------------------------------------------------
def test_readings_name_fcr_first_in_chinese_and_english():
    result = analyse_drivers(simulate())
    fcr = result.model.coefficient("fcr")
    amount = f"{fcr.estimate:.2f}"

    with translation.override("zh-hans"):
        readings = result.readings()
        assert readings[0] == f"一次解决率每提高1个百分点，满意率平均提高{amount}个百分点（p<0.001）"
        assert result.fit_reading() == f"模型解释了各单位之间满意率差异的{result.model.r2 * 100:.0f}%。"
    with translation.override("en"):
        readings = result.readings()
        assert (
            readings[0]
            == f"One point more first-contact resolution goes with {amount} points more satisfaction rate (p < 0.001)"
        )
        assert result.fit_reading() == (
            f"The model explains {result.model.r2 * 100:.0f}% of the differences in satisfaction rate between units."
        )
    # one reading per driver of the model; the ones not significant at 5 % get no direction
    assert len(readings) == len(result.used)
    for coefficient, text in zip(
        sorted(result.model.coefficients, key=lambda c: (c.p > 0.05, -abs(c.beta) if c.p <= 0.05 else c.p)),
        readings,
        strict=True,
    ):
        assert text.startswith("No clear link") == (coefficient.p > 0.05)


def test_a_negative_significant_coefficient_reads_lower():
    """CSAT falls 0.05 points per second of ASA: y = 90 − 0.05·ASA exactly plus small noise."""
    rng = np.random.default_rng(5)
    asa = rng.uniform(10, 120, 40)
    panel = pd.DataFrame({"csat": 90 - 0.05 * asa + rng.normal(0, 0.5, 40), "calls_asa": asa})

    result = analyse_drivers(panel, drivers=("calls_asa",))

    estimate = result.model.coefficient("calls_asa").estimate
    assert estimate < 0
    amount = f"{abs(estimate):.2g}"  # below 0.1: two significant digits
    with translation.override("en"):
        assert result.readings() == [
            f"One second more average speed of answer goes with {amount} points lower satisfaction rate (p < 0.001)"
        ]
    with translation.override("zh-hans"):
        assert result.readings() == [f"平均应答速度每增加1秒，满意率平均降低{amount}个百分点（p<0.001）"]


def test_a_score_driver_reads_in_points_of_the_score():
    """Quality score is a 0–100 score: a step of it is one point (分), CSAT's change percentage points."""
    rng = np.random.default_rng(21)
    quality = rng.uniform(60, 100, 30)
    panel = pd.DataFrame({"csat": 20 + 0.5 * quality + rng.normal(0, 1, 30), "quality_score": quality})

    result = analyse_drivers(panel, drivers=("quality_score",))

    amount = f"{result.model.coefficient('quality_score').estimate:.2f}"
    with translation.override("zh-hans"):
        assert result.readings() == [f"质检得分每提高1分，满意率平均提高{amount}个百分点（p<0.001）"]
    with translation.override("en"):
        assert result.readings() == [
            f"One point more quality score goes with {amount} points more satisfaction rate (p < 0.001)"
        ]


def test_a_driver_without_a_clear_link_gets_no_direction():
    rng = np.random.default_rng(9)
    panel = pd.DataFrame({"csat": rng.normal(80, 5, 40), "calls_aht": rng.normal(300, 40, 40)})

    result = analyse_drivers(panel, drivers=("calls_aht",))

    p = result.model.coefficient("calls_aht").p
    assert p > 0.05
    with translation.override("en"):
        assert result.readings() == [
            f"No clear link between average handling time and satisfaction rate (p = {p:.3f})"
        ]
    with translation.override("zh-hans"):
        assert result.readings() == [f"平均处理时长与满意率之间没有明确关系（p={p:.3f}）"]


def test_the_collinear_reason_reads_in_both_languages():
    result = analyse_drivers(simulate())
    reason = next(d for d in result.to_dict()["dropped"] if d["dropped"] == "calls_asa")
    r = f"{reason['r']:.4f}"

    with translation.override("en"):
        text = next(d["text"] for d in result.to_dict()["dropped"] if d["dropped"] == "calls_asa")
        assert (
            text
            == f"Average speed of answer left out: it moves with answer rate (r = {r}), which goes more with satisfaction rate"
        )
    with translation.override("zh-hans"):
        text = next(d["text"] for d in result.to_dict()["dropped"] if d["dropped"] == "calls_asa")
        assert text == f"平均应答速度未纳入：与接通率高度共线（r={r}），保留与满意率相关性更强的接通率"


# -- shapes for pages, the API and exports ---------------------------------------------------------------
def test_to_dict_is_plain_json_and_keeps_unrounded_numbers():
    result = analyse_drivers(simulate())

    with translation.override("en"):
        data = result.to_dict()
    assert json.loads(json.dumps(data, allow_nan=False)) == data
    assert data["model"]["coefficients"][0]["estimate"] == result.model.coefficient("fcr").estimate
    assert data["model"]["r2"] == result.model.r2
    assert data["matrix"]["drivers"] == list(result.drivers)
    assert data["matrix"]["r"][1][2] == data["matrix"]["r"][2][1]  # answer rate × ASA, both ways
    assert data["matrix"]["r"][1][2] < -0.9


def test_chart_bars_are_betas_and_the_scatter_is_csat_against_fcr_with_the_fitted_line():
    result = analyse_drivers(simulate())
    model = result.model

    with translation.override("en"):
        chart = result.chart()
    bars = chart["bars"]
    assert bars["metric"] == "beta"
    assert bars["drivers"][0] == "fcr" and bars["labels"][0] == "First-contact resolution"
    assert bars["values"][0] == model.coefficient("fcr").beta
    assert len(bars["values"]) == len(result.used)
    scatter = chart["scatter"]
    assert scatter["driver"] == "fcr" and scatter["y_label"] == "Satisfaction rate"
    assert len(scatter["points"]) == 80
    assert scatter["points"][0][2:] == ["agent-0", "2026-W01"]
    # the line: the model with the other drivers at their means, at the lowest and highest FCR
    panel = simulate()
    others = sum(model.coefficient(d).estimate * panel[d].mean() for d in result.used if d != "fcr")
    low = panel["fcr"].min()
    (x0, y0), (x1, _y1) = scatter["line"]
    assert x0 == pytest.approx(low) and x1 == pytest.approx(panel["fcr"].max())
    assert y0 == pytest.approx(model.intercept.estimate + others + model.coefficient("fcr").estimate * low)


def test_without_a_model_the_chart_shows_correlations_and_the_simple_line():
    result = analyse_drivers(hand_panel(), drivers=("fcr",))

    chart = result.chart()
    assert chart["bars"]["metric"] == "r"
    assert chart["bars"]["values"] == [pytest.approx(6 / math.sqrt(60))]
    # y = 2.2 + 0.6·x from x = 1 to x = 5: 2.8 and 5.2
    assert chart["scatter"]["line"] == [[1, pytest.approx(2.8)], [5, pytest.approx(5.2)]]


def test_starting_kefu_does_not_load_pandas_scipy_or_statsmodels():
    """`kefu run` and the worker start without paying for the statistics libraries: every page and API
    route (kefu.urls), the ASGI application, the worker's task modules and this module itself load without
    them; only `analyse_drivers` imports them, when called."""
    code = (
        "import sys, django; django.setup(); "
        "from django.utils.module_loading import autodiscover_modules; autodiscover_modules('tasks'); "
        "import kefu.urls, kefu.asgi, kefu.reports.drivers; "
        "print(sorted(m for m in ('pandas', 'statsmodels', 'scipy') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip().splitlines()[-1] == "[]"


# -- any panel: a result or a clear refusal, never a crash -----------------------------------------------
cell = st.one_of(
    st.none(),
    st.just(float("nan")),
    st.sampled_from([0.0, 1.0, 50.0, 100.0]),  # repeated values: constants and exact collinearity
    st.floats(min_value=-1e3, max_value=1e3, allow_nan=False, allow_infinity=False),
)


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(
        st.fixed_dictionaries({"csat": cell, "fcr": cell, "calls_answer_rate": cell, "calls_asa": cell}),
        min_size=0,
        max_size=40,
    ),
    eliminate=st.booleans(),
)
def test_any_panel_gives_a_model_or_a_reason_and_plain_json(rows, eliminate):
    result = analyse_drivers(
        rows or pd.DataFrame(columns=["csat", "fcr", "calls_answer_rate", "calls_asa"]),
        drivers=("fcr", "calls_answer_rate", "calls_asa"),
        eliminate=eliminate,
    )

    assert (result.model is None) != (result.problem is None)
    assert result.rows_without_target + result.rows_incomplete + result.n == result.rows_total == len(rows)
    every = set(result.used) | {d["dropped"] for d in result.dropped}
    assert every <= {"fcr", "calls_answer_rate", "calls_asa"} and not set(result.used) & {
        d["dropped"] for d in result.dropped
    }
    if result.model is not None:
        assert result.n >= result.needed >= 10
    for language in ("en", "zh-hans"):
        with translation.override(language):
            json.dumps(result.to_dict(), allow_nan=False)
