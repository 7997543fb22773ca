"""The driver analysis' panel (kefu.reports.drivers.panel): built from metrics.measure alone, one row per
unit × period, rates in percent points; the request reader's refusals name the parameter."""

import math
from datetime import date

import pytest
from django.utils import translation

from kefu.callbacks.models import Score
from kefu.callcenter.models import CallRecord, Outcome, Source
from kefu.core.errors import ValidationError
from kefu.reports.drivers import figure, figure_name
from kefu.reports.drivers.figures import Unit
from kefu.reports.drivers.panel import default_drivers, driver_panel, read_drivers_query
from kefu.reports.metrics import FIGURES, Grain, Period, measure
from tests.factories import aware
from tests.reports.test_metrics_contacts import rated

# Monday 2026-11-16 to Sunday 2026-11-29: ISO weeks 47 and 48 of 2026 (week 1 starts Monday 2025-12-29,
# and 2026-11-16 is 322 days = 46 weeks later).
TWO_WEEKS = Period.from_dates(date(2026, 11, 16), date(2026, 11, 29))


def call(n, when, outcome, agent=None, wait=None):
    return CallRecord.objects.create(
        source=Source.CTI, external_id=f"p{n}", queue="hotline", arrived_at=when, outcome=outcome,
        created_at=when, wait_seconds=wait, agent=agent, talk_seconds=60 if outcome == Outcome.ANSWERED else None,
    )  # fmt: skip


@pytest.fixture
def center(db, frozen):
    """Two weeks of a small center (callback_org: agent and agent2 in one group).

    agent, week 47: verdicts satisfied, satisfied → CSAT 2/2 = 100 %; calls answered (wait 10), answered
      (wait 30), abandoned after ringing the agent (wait 40) → answer rate 2/3 = 66.67 %, ASA (10+30)/2 = 20 s.
    agent, week 48: satisfied, dissatisfied → 1/2 = 50 %; one call answered (wait 6) → 100 %, ASA 6 s.
    agent2, week 48: satisfied → 100 %; no calls → no answer rate, no ASA (NaN).
    A call abandoned in week 48 before any agent: no agent, so no row of the agent × week panel.
    """
    from tests.callbacks.conftest import plan_org

    org = plan_org(db)
    rated(org, when=aware(2026, 11, 17, 10), score=Score.SATISFIED)
    rated(org, when=aware(2026, 11, 18, 10), score=Score.SATISFIED)
    rated(org, when=aware(2026, 11, 24, 10), score=Score.SATISFIED)
    rated(org, when=aware(2026, 11, 25, 10), score=Score.DISSATISFIED)
    rated(org, by="agent2", when=aware(2026, 11, 26, 10), score=Score.SATISFIED)
    call(1, aware(2026, 11, 17, 9), Outcome.ANSWERED, org.agent, wait=10)
    call(2, aware(2026, 11, 17, 9, 5), Outcome.ANSWERED, org.agent, wait=30)
    call(3, aware(2026, 11, 17, 9, 10), Outcome.ABANDONED, org.agent, wait=40)
    call(4, aware(2026, 11, 24, 9), Outcome.ANSWERED, org.agent, wait=6)
    call(5, aware(2026, 11, 24, 9, 30), Outcome.ABANDONED, None, wait=50)
    return org


DRIVERS = ("calls_answer_rate", "calls_asa")


def test_agent_week_panel_has_one_row_per_agent_and_iso_week_with_rates_in_percent(center):
    panel = driver_panel(period=TWO_WEEKS, unit="agent_week", drivers=DRIVERS)

    assert list(panel.columns) == ["unit", "period", "csat", "calls_answer_rate", "calls_asa"]
    rows = {(r["unit"], r["period"]): r for r in panel.to_dict("records")}
    agent, agent2 = center.agent.label, center.agent2.label
    assert set(rows) == {(agent, "2026-W47"), (agent, "2026-W48"), (agent2, "2026-W48")}
    assert rows[agent, "2026-W47"]["csat"] == pytest.approx(100.0)  # 2 satisfied of 2
    assert rows[agent, "2026-W47"]["calls_answer_rate"] == pytest.approx(200 / 3)  # 2 answered of 3 offered
    assert rows[agent, "2026-W47"]["calls_asa"] == pytest.approx(
        20.0
    )  # (10 + 30) / 2 s: seconds stay seconds
    assert rows[agent, "2026-W48"]["csat"] == pytest.approx(50.0)  # 1 of 2
    assert rows[agent, "2026-W48"]["calls_answer_rate"] == pytest.approx(100.0)
    assert math.isnan(rows[agent2, "2026-W48"]["calls_answer_rate"])  # no calls: no value, not 0


def test_every_panel_value_is_measures_own_times_100_for_a_rate(center):
    panel = driver_panel(period=TWO_WEEKS, unit="agent_week", drivers=DRIVERS)
    table = measure(["csat", *DRIVERS], period=TWO_WEEKS, grain=Grain.WEEK, by="agent")
    names = {center.agent.label: center.agent.pk, center.agent2.label: center.agent2.pk}
    for row in panel.to_dict("records"):
        week = int(row["period"][-2:])
        key = next(k for k in table.rows if k[1] == names[row["unit"]] and k[0].isocalendar()[1] == week)
        for code, scale in (("csat", 100), ("calls_answer_rate", 100), ("calls_asa", 1)):
            value = table.rows[key][code].value if code in table.rows[key] else None
            if value is None:
                assert math.isnan(row[code])
            else:
                assert row[code] == pytest.approx(value * scale)


def test_group_week_and_center_month_panels(center):
    groups = driver_panel(period=TWO_WEEKS, unit="group_week", drivers=DRIVERS)
    # one group holds both agents: week 47 agent's 2 verdicts; week 48 agent's 2 and agent2's 1 → 2/3
    rows = {(r["unit"], r["period"]): r["csat"] for r in groups.to_dict("records")}
    assert rows == {
        ("热线一组", "2026-W47"): pytest.approx(100.0),
        ("热线一组", "2026-W48"): pytest.approx(200 / 3),
    }

    month = driver_panel(period=TWO_WEEKS, unit="center_month", drivers=DRIVERS)
    [row] = month.to_dict("records")
    assert row["period"] == "2026-11"
    assert row["csat"] == pytest.approx(80.0)  # 4 satisfied of 5 verdicts
    # every call with an agent or not: 5 offered, 3 answered → 60 %
    assert row["calls_answer_rate"] == pytest.approx(60.0)


def test_the_seed_names_are_aliases_of_catalogue_codes(center):
    panel = driver_panel(period=TWO_WEEKS, unit="center_month", drivers=("answer_rate", "asa"))
    assert list(panel.columns)[2:] == ["csat", "calls_answer_rate", "calls_asa"]
    with translation.override("en"):
        assert figure_name("asa") == str(FIGURES["calls_asa"].name) == "Average speed of answer"
    assert figure("csat").unit is Unit.PERCENT and figure("calls_asa").unit is Unit.SECONDS


def test_default_drivers_are_the_seed_studys_that_the_catalogue_has():
    expected = ["fcr", "calls_answer_rate", "calls_asa", "quality_score", "calls_aht"]
    expected += ["occupancy"] if "occupancy" in FIGURES else []
    assert list(default_drivers()) == expected


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"unit": "year"}, "unit"),
        ({"target": "fcr"}, "target"),
        ({"drivers": "fcr,nonsense"}, "drivers"),
        ({"drivers": "fcr,fcr"}, "drivers"),
        ({"target": "csat", "drivers": "csat"}, "drivers"),
        ({"from": "2026-13-01"}, "from"),
        ({"from": "2026-11-30", "to": "2026-11-01"}, "to"),
        ({"eliminate": "maybe"}, "eliminate"),
    ],
)
def test_a_bad_parameter_is_refused_by_name(db, params, field):
    with pytest.raises(ValidationError) as caught:
        read_drivers_query(params)
    assert list(caught.value.errors) == [field]


def test_the_query_reads_lists_commas_and_the_elimination_flag(db):
    query = read_drivers_query({"from": "2026-11-16", "to": "2026-11-29", "drivers": ["fcr", "asa,calls_aht"],
                                "unit": "group_week", "eliminate": "on"})  # fmt: skip
    assert query.drivers == ("fcr", "calls_asa", "calls_aht") and query.unit == "group_week"
    assert query.eliminate is True
    assert (query.first_day, query.last_day) == (date(2026, 11, 16), date(2026, 11, 29))
