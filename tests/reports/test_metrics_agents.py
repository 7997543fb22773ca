"""Agent time (kefu.reports.metrics.agents): occupancy, utilisation, logged-in time and its shares,
from hand-worked agent states over a Friday and a Saturday, with the calendar's working hours
(the org's default calendar: working days 09:00–18:00 with Chinese holidays; 2026-11-27 is an ordinary
Friday, 9 h = 32,400 s of paid time for an agent who logs in that day; Saturday 2026-11-28 has none)."""

from datetime import date

import pytest

from kefu.callcenter.agent_states import agent_state_record
from kefu.core.errors import ValidationError
from kefu.reports.metrics import Grain, Period, Scope, measure
from tests.factories import aware

FRI, SAT = 27, 28
TWO_DAYS = Period.from_dates(date(2026, 11, FRI), date(2026, 11, SAT))
FIGURES = ["occupancy", "utilisation", "logged_in_time", "available_share", "break_share"]
PAID_DAY = 9 * 3600  # 09:00–18:00 on a working day = 32,400 s

# A (org.agent, in both groups: 热线一组 and 热线二组)
A_EVENTS = [
    (FRI, "09:00", "available"),  # 09:00–09:30 available   1,800
    (FRI, "09:30", "on_contact"),  # 09:30–10:00 on contact  1,800
    (FRI, "10:00", "wrap_up"),  # 10:00–10:10 wrap-up         600
    (FRI, "10:10", "available"),  # 10:10–12:00 available   6,600
    (FRI, "12:00", "break"),  # 12:00–13:00 break             3,600
    (FRI, "13:00", "available"),  # 13:00–14:00 available   3,600
    (FRI, "14:00", "on_contact"),  # 14:00–15:00 on contact  3,600
    (FRI, "15:00", "wrap_up"),  # 15:00–15:20 wrap-up       1,200
    (FRI, "15:20", "logged_out"),
    (SAT, "10:00", "on_contact"),  # Saturday 10:00–11:00 on contact 3,600
    (SAT, "11:00", "wrap_up"),  # 11:00–11:30 wrap-up                 1,800
    (SAT, "11:30", "logged_out"),
]
# A, Friday: available 1,800 + 6,600 + 3,600 = 12,000; on contact 1,800 + 3,600 = 5,400;
#   wrap-up 600 + 1,200 = 1,800; break 3,600 → logged in 22,800 (09:00–15:20 = 6 h 20 min ✓),
#   handle 5,400 + 1,800 = 7,200, paid 32,400.
# A, Saturday: on contact 3,600, wrap-up 1,800 → logged in 5,400, handle 5,400, paid 0 (a Saturday).
# A, both days: handle 12,600, logged in 28,200, available 12,000, paid 32,400.

# B (org.other_agent, in 热线二组 only), Friday only
B_EVENTS = [
    (FRI, "08:00", "available"),  # 08:00–10:00 available 7,200 (before opening: logged in, not paid)
    (FRI, "10:00", "on_contact"),  # 10:00–12:00 on contact 7,200
    (FRI, "12:00", "available"),  # 12:00–17:00 available 18,000
    (FRI, "17:00", "logged_out"),
]
# B: available 25,200, on contact 7,200 → logged in 32,400, handle 7,200, paid 32,400.

# Everyone: handle 12,600 + 7,200 = 19,800; logged in 28,200 + 32,400 = 60,600;
#   available 12,000 + 25,200 = 37,200; break 3,600; paid 32,400 + 32,400 = 64,800.


def at(day: int, hhmm: str):
    hour, minute = map(int, hhmm.split(":"))
    return aware(2026, 11, day, hour, minute)


@pytest.fixture
def states(org):
    org.other_group.members.add(org.agent)
    now = aware(2026, 12, 3, 12, 0)
    for agent, events in ((org.agent, A_EVENTS), (org.other_agent, B_EVENTS)):
        for day, hhmm, state in events:
            agent_state_record(agent=agent, state=state, source="cti", by=None, at=at(day, hhmm), now=now)
    return org


def values(table, key=None):
    cells = table.total if key is None else table.rows[key]
    return {code: cells[code].value for code in cells}


def test_occupancy_utilisation_and_shares_over_two_days(states):
    table = measure(FIGURES, period=TWO_DAYS)

    assert values(table) == pytest.approx(
        {
            "occupancy": 19_800 / 60_600,  # handle ÷ logged-in time (the default base)
            "utilisation": 19_800 / 64_800,  # handle ÷ paid time (Saturday's 5,400 s handled, unpaid)
            "logged_in_time": 60_600,
            "available_share": 37_200 / 60_600,
            "break_share": 3_600 / 60_600,
        }
    )
    assert table.options["agent_time"] == {"occupancy_base": "logged_in"}


def test_occupancy_over_staffed_time_leaves_breaks_out(states):
    table = measure(["occupancy"], period=TWO_DAYS, options={"occupancy_base": "staffed"})

    # handle ÷ (available + handle) = 19,800 ÷ (37,200 + 19,800) = 19,800 ÷ 57,000
    assert table.total["occupancy"].value == pytest.approx(19_800 / 57_000)
    assert table.options["agent_time"] == {"occupancy_base": "staffed"}


def test_by_agent(states):
    table = measure(FIGURES, period=TWO_DAYS, by="agent")

    assert set(table.rows) == {(None, states.agent.pk), (None, states.other_agent.pk)}
    assert values(table, (None, states.agent.pk)) == pytest.approx(
        {
            "occupancy": 12_600 / 28_200,
            "utilisation": 12_600 / 32_400,  # paid only for the Friday
            "logged_in_time": 28_200,
            "available_share": 12_000 / 28_200,
            "break_share": 3_600 / 28_200,
        }
    )
    assert values(table, (None, states.other_agent.pk)) == pytest.approx(
        {
            "occupancy": 7_200 / 32_400,
            "utilisation": 7_200 / 32_400,
            "logged_in_time": 32_400,
            "available_share": 25_200 / 32_400,
            "break_share": 0.0,
        }
    )
    assert table.total["occupancy"].value == pytest.approx(19_800 / 60_600)


def test_by_group_an_agent_in_two_groups_is_in_both_rows_and_once_in_the_total(states):
    table = measure(["occupancy", "logged_in_time"], period=TWO_DAYS, by="group")

    one, two = states.group.pk, states.other_group.pk
    assert set(table.rows) == {(None, one), (None, two)}
    # 热线一组: A alone (agent2, its other member, never logged in)
    assert values(table, (None, one)) == pytest.approx(
        {"occupancy": 12_600 / 28_200, "logged_in_time": 28_200}
    )
    # 热线二组: A and B
    assert values(table, (None, two)) == pytest.approx(
        {"occupancy": 19_800 / 60_600, "logged_in_time": 60_600}
    )
    # The total counts A once: 60,600, not 28,200 + 60,600
    assert values(table) == pytest.approx({"occupancy": 19_800 / 60_600, "logged_in_time": 60_600})


def test_by_day_a_saturday_login_is_handled_time_without_paid_time(states):
    table = measure(["occupancy", "utilisation", "logged_in_time"], period=TWO_DAYS, grain=Grain.DAY)

    friday, saturday = aware(2026, 11, FRI, 0, 0), aware(2026, 11, SAT, 0, 0)  # local midnights
    assert set(table.rows) == {(friday, None), (saturday, None)}
    # Friday: handle 7,200 + 7,200 = 14,400; logged in 22,800 + 32,400 = 55,200; paid 2 × 32,400
    assert values(table, (friday, None)) == pytest.approx(
        {"occupancy": 14_400 / 55_200, "utilisation": 14_400 / 64_800, "logged_in_time": 55_200}
    )
    # Saturday: A handles 5,400 of 5,400 logged-in seconds; no paid time → utilisation has no value
    assert values(table, (saturday, None)) == pytest.approx(
        {"occupancy": 1.0, "utilisation": None, "logged_in_time": 5_400}
    )


def test_hours_split_paid_time_by_the_calendar_and_add_up_to_the_day(states):
    friday = Period.day(date(2026, 11, FRI))
    table = measure(["utilisation", "logged_in_time"], period=friday, grain=Grain.HOUR, by="agent")
    b = states.other_agent.pk

    # 08:00–09:00: B available 3,600 s, before opening: no paid time
    assert values(table, (aware(2026, 11, FRI, 8, 0), b)) == {"utilisation": None, "logged_in_time": 3_600}
    # 10:00–11:00: B on contact all hour, paid the whole working hour: 3,600 ÷ 3,600
    assert values(table, (aware(2026, 11, FRI, 10, 0), b))["utilisation"] == 1.0
    # 17:00–18:00: B logged out, still paid (a working hour of a day they worked): 0 ÷ 3,600
    assert values(table, (aware(2026, 11, FRI, 17, 0), b)) == {"utilisation": 0.0, "logged_in_time": None}
    # The hours add up to the day: Σ paid = 2 × 32,400, Σ handle = 14,400
    day = measure(["utilisation"], period=friday)
    assert (
        table.total["utilisation"].value == day.total["utilisation"].value == pytest.approx(14_400 / 64_800)
    )


def test_scope_by_agents_and_by_groups(states):
    only_b = measure(["occupancy"], period=TWO_DAYS, scope=Scope(agents=(states.other_agent.pk,)))
    assert only_b.total["occupancy"].value == pytest.approx(7_200 / 32_400)

    group_one = measure(["utilisation"], period=TWO_DAYS, scope=Scope(groups=(states.group.pk,)))
    assert group_one.total["utilisation"].value == pytest.approx(12_600 / 32_400)  # A alone


def test_an_empty_period_has_no_values(states):
    table = measure(FIGURES, period=Period.day(date(2026, 11, 30)))  # the Monday after: nobody logged in

    assert values(table) == dict.fromkeys(FIGURES)  # "—" on a page, never 0
    assert values(table, (None, None)) == dict.fromkeys(FIGURES)


def test_an_unknown_occupancy_base_is_refused_by_name(states):
    with pytest.raises(ValidationError) as refused:
        measure(["occupancy"], period=TWO_DAYS, options={"occupancy_base": "busy"})

    assert list(refused.value.errors) == ["occupancy_base"]


def test_a_number_drills_down_to_the_agents_state_changes_behind_it(states):
    from kefu.reports.dashboard import drill_rows, read_query

    query = read_query({"from": "2026-11-28", "to": "2026-11-28", "figures": "occupancy", "by": "agent"})
    found = drill_rows(query, "occupancy", bucket=None, key=str(states.agent.pk))

    # A's Saturday: 10:00 on contact, 11:00 wrap-up, 11:30 logged out (newest first)
    assert [(e.state, e.at) for e in found] == [
        ("logged_out", at(SAT, "11:30")),
        ("wrap_up", at(SAT, "11:00")),
        ("on_contact", at(SAT, "10:00")),
    ]


def test_a_bad_occupancy_base_in_a_dashboard_request_is_refused_by_name(states):
    from kefu.reports.dashboard import read_query

    with pytest.raises(ValidationError) as refused:
        read_query({"from": "2026-11-27", "to": "2026-11-28", "figures": "occupancy", "occupancy_base": "x"})

    assert list(refused.value.errors) == ["occupancy_base"]


def test_by_week_and_month_the_days_fall_in_the_bucket_of_their_local_monday_and_first(states):
    week = measure(["utilisation"], period=TWO_DAYS, grain=Grain.WEEK)
    month = measure(["utilisation"], period=TWO_DAYS, grain=Grain.MONTH)

    # Friday and Saturday 27–28 November: the ISO week of Monday the 23rd, the month of the 1st
    assert set(week.rows) == {(aware(2026, 11, 23, 0, 0), None)}
    assert set(month.rows) == {(aware(2026, 11, 1, 0, 0), None)}
    assert week.rows[(aware(2026, 11, 23, 0, 0), None)]["utilisation"].value == pytest.approx(19_800 / 64_800)


def test_a_login_across_midnight_is_split_at_shanghai_midnight_not_utc(org):
    now = aware(2026, 12, 3, 12, 0)
    for day, hhmm, state in ((FRI, "23:00", "available"), (SAT, "01:00", "logged_out")):
        agent_state_record(agent=org.agent2, state=state, source="cti", by=None, at=at(day, hhmm), now=now)

    table = measure(["logged_in_time"], period=TWO_DAYS, grain=Grain.DAY)

    # 23:00–24:00 Friday and 00:00–01:00 Saturday, local time (in UTC both hours are on Friday)
    assert values(table, (aware(2026, 11, FRI, 0, 0), None)) == {"logged_in_time": 3_600}
    assert values(table, (aware(2026, 11, SAT, 0, 0), None)) == {"logged_in_time": 3_600}
