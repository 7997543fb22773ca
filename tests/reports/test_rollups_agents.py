"""Agent time in the interval rollups gives the raw figures: every grain and grouping, states across
midnight, late changes (which change the time until the agent's next change), an import's batch, an
edited calendar; and `state_slices` cuts `state_seconds` into quarter hours without losing a second."""

import random
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from kefu.callcenter.agent_states import (
    COUNTED,
    SLICE_SECONDS,
    StateRow,
    agent_state_record,
    agent_states_store,
    state_seconds,
    state_slices,
)
from kefu.callcenter.models import AgentStateEvent
from kefu.core.models import CalendarOverride
from kefu.reports import rollups
from kefu.reports.metrics import FIGURES, Grain, Period, Scope, measure
from kefu.reports.models import Rollup, RollupDay
from tests.factories import AgentGroupFactory, UserFactory
from tests.reports.rollup_checks import assert_same, both

SH = ZoneInfo("Asia/Shanghai")
FIRST, LAST = date(2026, 3, 2), date(2026, 3, 8)  # Monday to Sunday
WEEK = Period.from_dates(FIRST, LAST)
NOW = datetime(2026, 3, 20, 12, tzinfo=SH)
CODES = [code for code, figure in FIGURES.items() if figure.family.code == "agent_time"]


def family():
    return {f.code: f for f in rollups.rolled_up()}["agent_time"]


def local(day: date, seconds: int) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=SH) + timedelta(seconds=seconds)


@pytest.fixture
def center(db):
    """Three agents (one in two groups) over a week: shifts of contacts, wrap-ups and breaks at odd
    seconds, one agent working across midnight into the next day, a Saturday shift."""
    rng = random.Random(2026)
    agents = [UserFactory(role="agent") for _ in range(3)]
    AgentGroupFactory(name="一组").members.add(agents[0], agents[1])
    AgentGroupFactory(name="二组").members.add(agents[1], agents[2])
    rows, n = [], 0
    for day_number in range(6):  # Monday to Saturday
        day = FIRST + timedelta(days=day_number)
        for index, agent in enumerate(agents):
            start = {0: 8 * 3600 + 17, 1: 9 * 3600 - 31, 2: 18 * 3600 + 5}[index]  # agent 2: evenings
            t = start + rng.randrange(0, 600)
            end = t + rng.randrange(6, 9) * 3600
            while t < end:
                for state, length in (("available", rng.randrange(5, 400)), ("on_contact", rng.randrange(30, 900)),
                                      ("wrap_up", rng.randrange(0, 90))):  # fmt: skip
                    n += 1
                    rows.append(StateRow(f"s{n}", agent.pk, state, local(day, t)))
                    t += length
                if rng.random() < 0.05:
                    n += 1
                    rows.append(StateRow(f"s{n}", agent.pk, "break", local(day, t), "lunch"))
                    t += rng.randrange(600, 3600)
            n += 1
            rows.append(StateRow(f"s{n}", agent.pk, "logged_out", local(day, t)))
    agent_states_store(source="cti", states=rows, now=NOW)
    return agents


GROUPINGS = [
    (None, None), (Grain.MIN15, None), (Grain.MIN30, None), (Grain.HOUR, None), (Grain.DAY, None),
    (Grain.DAY, "agent"), (Grain.WEEK, "group"), (Grain.MONTH, None), (None, "agent"), (None, "group"),
    (Grain.WEEK_SLOT30, None),
]  # fmt: skip


@pytest.mark.parametrize(("grain", "by"), GROUPINGS)
def test_rollups_give_the_raw_figures_for_every_grain_and_grouping(center, settings, grain, by):
    assert rollups.rebuild(family(), first=FIRST, last=LAST) > 0
    options = family().clean_options({})
    read = rollups.read(family(), period=WEEK, scope=Scope(), grain=grain, by=by, options=options)
    assert read is not None  # the rollups answered, not the fallback
    rolled, raw = both(settings, CODES, period=WEEK, grain=grain, by=by)
    assert_same(rolled, raw)
    assert raw[1]["occupancy"] and raw[1]["utilisation"]


def test_a_scope_reads_the_same_from_rollups(center, settings):
    rollups.rebuild(family(), first=FIRST, last=LAST)
    group = center[0].agent_groups.first().pk
    for scope in (Scope(agents=(center[1].pk,)), Scope(groups=(group,))):
        options = family().clean_options({})
        assert rollups.read(family(), period=WEEK, scope=scope, grain=Grain.DAY, by=None, options=options)
        assert_same(*both(settings, CODES, period=WEEK, scope=scope, grain=Grain.DAY))


def test_the_whole_center_reads_one_row_per_quarter_hour(center):
    """Agent time has a `center` cube: a month by half hour reads the center's quarter hours, not
    every agent's."""
    rollups.rebuild(family(), first=FIRST, last=LAST)
    center_rows = Rollup.objects.filter(family="agent_time", cube="center", grain="15min")
    assert center_rows.count() == center_rows.values("bucket").distinct().count()
    assert not Rollup.objects.filter(family="agent_time", cube="agent", grain="15min").exists()
    # The evening agent's shift runs past midnight: its time falls on both local days.
    tuesday_night = center_rows.filter(
        bucket__gte=local(FIRST, 86400 + 23 * 3600), bucket__lt=local(FIRST, 2 * 86400 + 3600)
    )
    assert {row.bucket.astimezone(SH).date() for row in tuesday_night} == {date(2026, 3, 3), date(2026, 3, 4)}


def test_a_late_change_makes_the_days_until_the_agents_next_change_stale(center, settings):
    rollups.rebuild(family(), first=FIRST, last=LAST)
    agent = center[0]
    # Tuesday's shift starts with a change nobody recorded: a break at 07:00, a long time before the
    # agent's next change (Tuesday about 08:00). Only Tuesday is stale.
    agent_state_record(
        agent=agent, state="break", source="cti", by=None, at=local(date(2026, 3, 3), 7 * 3600), now=NOW
    )
    stale = set(RollupDay.objects.filter(family="agent_time", fresh=False).values_list("day", flat=True))
    assert stale == {date(2026, 3, 3)}
    assert_same(*both(settings, CODES, period=WEEK, grain=Grain.HOUR, by=None))
    # Monday evening the agent logs in again and never logs out: every day after it changes.
    agent_state_record(
        agent=agent, state="available", source="cti", by=None, at=local(FIRST, 22 * 3600), now=NOW
    )
    stale = set(RollupDay.objects.filter(family="agent_time", fresh=False).values_list("day", flat=True))
    assert stale == {FIRST, date(2026, 3, 3)}  # … until Tuesday 07:00, the break recorded above
    assert_same(*both(settings, CODES, period=WEEK, grain=Grain.DAY, by="agent"))
    rollups.refresh(family())
    assert RollupDay.objects.filter(family="agent_time", fresh=True).count() == 7
    assert_same(*both(settings, CODES, period=WEEK, grain=Grain.MIN30, by=None))


def test_a_change_with_no_later_one_makes_every_day_after_it_stale(center, settings):
    rollups.rebuild(family(), first=FIRST, last=LAST)
    saturday_evening = local(date(2026, 3, 7), 23 * 3600)
    last_change = AgentStateEvent.objects.filter(agent=center[1]).latest("at").at
    assert last_change < saturday_evening
    agent_state_record(
        agent=center[1], state="available", source="cti", by=None, at=saturday_evening, now=NOW
    )
    stale = set(RollupDay.objects.filter(family="agent_time", fresh=False).values_list("day", flat=True))
    assert stale == {date(2026, 3, 7), date(2026, 3, 8)}  # Sunday: available all day, never logged out
    assert_same(*both(settings, CODES, period=WEEK, grain=Grain.DAY, by=None))


def test_an_imported_batch_keeps_the_rollups_current(center, settings, django_capture_on_commit_callbacks):
    """A batch (an import's queue_log member events) marks the days it changed stale; the worker
    (inline in tests) rebuilds them once the import commits."""
    rollups.rebuild(family(), first=FIRST, last=LAST)
    wednesday = date(2026, 3, 4)
    late = [
        StateRow("late1", center[2].pk, "break", local(wednesday, 3600)),  # inside Tuesday's evening shift
        StateRow("late2", center[2].pk, "available", local(wednesday, 3600 + 900)),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        assert agent_states_store(source="queue_log", states=late, now=NOW) == 2
    assert RollupDay.objects.filter(family="agent_time", fresh=True).count() == 7  # rebuilt
    assert_same(*both(settings, CODES, period=WEEK, grain=Grain.MIN15, by=None))


def test_an_edited_calendar_makes_every_day_stale(center, settings):
    """Paid time is the calendar's working time: a make-up holiday on Wednesday changes utilisation."""
    rollups.rebuild(family(), first=FIRST, last=LAST)
    before = measure(["utilisation"], period=WEEK).total["utilisation"].value
    CalendarOverride.objects.create(date=date(2026, 3, 4), kind=CalendarOverride.Kind.HOLIDAY, name="停电")
    assert not RollupDay.objects.filter(family="agent_time", fresh=True).exists()
    rolled, raw = both(settings, CODES, period=WEEK, grain=Grain.DAY, by=None)
    assert_same(rolled, raw)
    assert rolled[1]["utilisation"] != pytest.approx(before)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (local(FIRST, 0), local(LAST, 86400)),
        (local(FIRST, 8 * 3600 + 123), local(date(2026, 3, 3), 19 * 3600 + 7)),  # odd edges, mid-slice
    ],
)
def test_state_slices_add_up_to_state_seconds(center, start, end):
    seconds = state_seconds(start=start, end=end)
    slices = state_slices(start=start, end=end)
    summed: dict[int, dict[str, float]] = {}
    for (slot, agent), states in slices.items():
        assert start.timestamp() - SLICE_SECONDS < slot * SLICE_SECONDS < end.timestamp()
        assert sum(states.values()) <= SLICE_SECONDS + 0.001
        for state in COUNTED:
            summed.setdefault(agent, dict.fromkeys(COUNTED, 0.0))[state] += states[state]
    assert summed.keys() == seconds.keys()
    for agent, states in seconds.items():
        assert summed[agent] == pytest.approx(states, abs=0.01)


def test_occupancy_over_staffed_time_still_reads_the_rollups(center, settings):
    """The occupancy base only changes the formula, not the components the rollups hold."""
    rollups.rebuild(family(), first=FIRST, last=LAST)
    staffed = family().clean_options({"occupancy_base": "staffed"})
    assert rollups.read(family(), period=WEEK, scope=Scope(), grain=Grain.DAY, by=None, options=staffed)
    rolled, raw = both(settings, CODES, period=WEEK, grain=Grain.DAY, options={"occupancy_base": "staffed"})
    assert_same(rolled, raw)
    default = measure(["occupancy"], period=WEEK).total["occupancy"].value
    assert rolled[1]["occupancy"] > default  # breaks left out of the base: a larger share
