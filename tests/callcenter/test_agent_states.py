"""坐席状态: recording state changes and state_seconds, the time in each state in a period."""

import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from kefu.callcenter.agent_states import agent_state_record, state_seconds
from kefu.callcenter.models import AgentStateEvent
from kefu.core.errors import PermissionDenied, ValidationError

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 2, 9, 0, tzinfo=SHANGHAI)


def at(hhmm: str, day: int = 1) -> datetime:
    hour, minute = map(int, hhmm.split(":"))
    return datetime(2026, 12, day, hour, minute, tzinfo=SHANGHAI)


def record(agent, state: str, when: datetime, reason: str = "", external_id: str = "", source: str = "cti"):
    return agent_state_record(
        agent=agent,
        state=state,
        source=source,
        by=None,
        at=when,
        reason=reason,
        external_id=external_id,
        now=NOW,
    )


# Agent A's morning (period 09:00–12:00 Shanghai), events before, inside and after the period.
MORNING = [
    ("08:50", "available", ""),  # before the period: its state continues from 09:00
    ("09:10", "on_contact", ""),
    ("09:15", "wrap_up", ""),
    ("09:16", "available", ""),
    ("10:00", "break", "用餐"),
    ("10:30", "available", ""),
    ("11:50", "on_contact", ""),  # still on the call at 12:00: counts up to the end
    ("12:30", "logged_out", ""),  # after the period: no part of it
]


def test_state_seconds_of_a_hand_worked_morning_clipped_at_both_ends_for_two_agents(org):
    a, b = org.agent, org.agent2
    # A's events arrive shuffled (late and out of order): each is placed by its time.
    shuffled = list(enumerate(MORNING))
    random.Random(7).shuffle(shuffled)
    for n, (hhmm, state, reason) in shuffled:
        record(a, state, at(hhmm), reason, external_id=f"a-{n}")
    # B logged out before the period, works 11:00–11:30 and from 11:45 on (that event arrives first).
    record(b, "available", at("11:45"), external_id="b-4")
    record(b, "available", at("07:00"), external_id="b-1")
    record(b, "logged_out", at("08:00"), external_id="b-2")
    record(b, "available", at("11:00"), external_id="b-3")
    record(b, "logged_out", at("11:30"), external_id="b-5")

    seconds = state_seconds(start=at("09:00"), end=at("12:00"))

    assert seconds[a.pk] == {
        # 09:00–09:10 (from 09:00, not 08:50) + 09:16–10:00 + 10:30–11:50 = 600 + 2640 + 4800
        "available": 8040.0,
        # 09:10–09:15 + 11:50–12:00 (clipped at the end) = 300 + 600
        "on_contact": 900.0,
        "wrap_up": 60.0,  # 09:15–09:16
        "break": 1800.0,  # 10:00–10:30 用餐
    }
    assert sum(seconds[a.pk].values()) == 3 * 3600  # logged in the whole period
    # B: logged out from 08:00 (not counted), 11:00–11:30 + 11:45–12:00 = 1800 + 900
    assert seconds[b.pk] == {"available": 2700.0, "on_contact": 0.0, "wrap_up": 0.0, "break": 0.0}
    assert set(seconds) == {a.pk, b.pk}  # agents without time in a counted state are left out


def test_duplicate_events_are_stored_once_and_change_nothing(org):
    first, created = record(org.agent, "available", at("09:00"), external_id="pbx-1")
    again, created_again = record(org.agent, "break", at("09:30"), external_id="pbx-1")
    assert created and not created_again
    assert again.pk == first.pk and again.state == "available"
    assert AgentStateEvent.objects.count() == 1
    # 09:00–10:00 available: the duplicate's break at 09:30 was not taken.
    assert state_seconds(start=at("09:00"), end=at("10:00"))[org.agent.pk]["available"] == 3600.0


def test_asked_agents_each_get_every_state_and_others_are_left_out(org):
    record(org.agent, "available", at("09:00"))
    record(org.agent2, "break", at("09:00"), reason="培训")
    seconds = state_seconds(start=at("09:00"), end=at("09:30"), agents=[org.agent, org.other_agent.pk])
    assert seconds == {
        org.agent.pk: {"available": 1800.0, "on_contact": 0.0, "wrap_up": 0.0, "break": 0.0},
        org.other_agent.pk: {"available": 0.0, "on_contact": 0.0, "wrap_up": 0.0, "break": 0.0},
    }


def test_the_day_is_cut_at_shanghai_midnight_not_utc(org):
    # Available from 23:00 on Dec 1 to 01:00 on Dec 2 (Shanghai): 1 h on each Shanghai day.
    record(org.agent, "available", at("23:00"))
    record(org.agent, "logged_out", at("01:00", day=2))
    day1 = state_seconds(start=at("00:00"), end=at("00:00", day=2))
    assert day1[org.agent.pk]["available"] == 3600.0  # 23:00–24:00; a UTC day would hold both hours


def test_a_time_a_few_seconds_ahead_is_taken_as_now_and_further_is_refused(org, settings):
    settings.KEFU_CALL_SKEW_SECONDS = 5
    event, _created = record(org.agent, "available", NOW + timedelta(seconds=3))
    assert event.at == NOW
    with pytest.raises(ValidationError) as refused:
        record(org.agent, "available", NOW + timedelta(seconds=60))
    assert "60 s in the future" in str(refused.value.errors["at"][0])


def test_unknown_state_naive_time_and_reversed_period_are_refused_by_field(org):
    with pytest.raises(ValidationError) as refused:
        record(org.agent, "lunch", at("09:00"))
    assert list(refused.value.errors) == ["state"]
    with pytest.raises(ValidationError) as refused:
        record(org.agent, "available", datetime(2026, 12, 1, 9, 0))  # noqa: DTZ001 (the naive time refused)
    assert list(refused.value.errors) == ["at"]
    with pytest.raises(ValidationError) as refused:
        state_seconds(start=at("10:00"), end=at("09:00"))
    assert list(refused.value.errors) == ["end"]
    assert AgentStateEvent.objects.count() == 0


def test_an_agent_sets_their_own_state_and_only_a_supervisor_sets_anothers(org):
    agent_state_record(agent=org.agent, state="break", source="manual", by=org.agent, at=at("09:00"), now=NOW)
    agent_state_record(
        agent=org.agent, state="available", source="manual", by=org.supervisor, at=at("09:10"), now=NOW
    )
    with pytest.raises(PermissionDenied):
        agent_state_record(agent=org.agent, state="break", source="manual", by=org.agent2, now=NOW)
    with pytest.raises(PermissionDenied):
        agent_state_record(
            agent=org.logistics_staff, state="break", source="manual", by=org.logistics_staff, now=NOW
        )
    assert AgentStateEvent.objects.count() == 2


def test_the_chat_consoles_presence_is_recorded_as_the_agents_states(org):
    from kefu.intake.chat.services import agent_set_status

    agent_set_status(agent=org.agent, status="online", now=at("09:00"))
    agent_set_status(agent=org.agent, status="online", now=at("09:30"))  # no change: no event
    agent_set_status(agent=org.agent, status="away", now=at("10:00"))
    agent_set_status(agent=org.agent, status="online", now=at("10:15"))
    agent_set_status(agent=org.agent, status="offline", now=at("12:00"))

    events = AgentStateEvent.objects.filter(agent=org.agent).order_by("at")
    assert [(e.state, e.reason, e.source) for e in events] == [
        ("available", "", "chat"),
        ("break", "away", "chat"),
        ("available", "", "chat"),
        ("logged_out", "", "chat"),
    ]
    assert state_seconds(start=at("09:00"), end=at("13:00"))[org.agent.pk] == {
        "available": 9900.0,  # 09:00–10:00 + 10:15–12:00 = 3600 + 6300
        "on_contact": 0.0,
        "wrap_up": 0.0,
        "break": 900.0,  # 10:00–10:15 away
    }  # 12:00–13:00 offline: not counted


def test_two_changes_at_the_same_moment_the_one_recorded_last_holds(org):
    record(org.agent, "available", at("09:00"))
    record(org.agent, "break", at("09:00"), reason="小休")  # the PBX corrected itself within the second
    seconds = state_seconds(start=at("09:00"), end=at("09:10"))[org.agent.pk]
    assert (seconds["available"], seconds["break"]) == (0.0, 600.0)  # 09:00–09:10 on break


STATES = ["logged_out", "available", "on_contact", "wrap_up", "break"]


@hyp_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    events=st.lists(st.tuples(st.integers(0, 600), st.sampled_from(STATES)), min_size=1, max_size=12),
    bounds=st.lists(st.integers(-30, 630), min_size=3, max_size=3, unique=True).map(sorted),
)
def test_a_period_split_in_two_adds_up_to_the_whole_and_never_exceeds_its_length(org, events, bounds):
    """Whatever the events: [start, middle) + [middle, end) = [start, end) in every state, and the
    counted time of an agent never exceeds the period."""
    AgentStateEvent.objects.all().delete()
    base = at("08:00")
    for minute, state in events:
        record(org.agent, state, base + timedelta(minutes=minute))
    start, middle, end = (base + timedelta(minutes=m) for m in bounds)
    whole = state_seconds(start=start, end=end, agents=[org.agent])[org.agent.pk]
    first = state_seconds(start=start, end=middle, agents=[org.agent])[org.agent.pk]
    second = state_seconds(start=middle, end=end, agents=[org.agent])[org.agent.pk]
    for state in whole:
        assert abs(first[state] + second[state] - whole[state]) < 0.01, state
    assert sum(whole.values()) <= (end - start).total_seconds() + 0.01


def test_current_counts_give_every_state_by_the_latest_event_at_the_moment(org):
    from kefu.callcenter.agent_states import current_counts

    a, b = org.agent, org.agent2
    record(a, "available", at("09:00"))
    record(a, "on_contact", at("09:30"))
    record(a, "wrap_up", at("10:00"))  # after the moment asked: not yet
    record(b, "available", at("08:00"))
    record(b, "logged_out", at("09:40"))
    gone = org.other_agent
    record(gone, "available", at("09:00"))
    gone.is_active = False  # left the center while logged in: not on the board
    gone.save(update_fields=["is_active"])
    # org.supervisor and the others have no event at all: in no state, not counted

    assert current_counts(at=at("09:45")) == [
        ("logged_out", "Logged out (签出)", 1),  # b, since 09:40
        ("available", "Available (空闲)", 0),
        ("on_contact", "On a contact (服务中)", 1),  # a, since 09:30
        ("wrap_up", "Wrap-up (话后处理)", 0),
        ("break", "Break (休息)", 0),
    ]
    # At 10:00 exactly a's wrap-up has begun (an event holds from its own moment on)
    assert dict((code, n) for code, _label, n in current_counts(at=at("10:00")))["wrap_up"] == 1
