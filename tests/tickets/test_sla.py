"""SLA clocks on business calendars: which policy, when due, pauses, breaches and the sweep.

Every `now` is given, so nothing depends on the wall clock. Holiday dates from chinese-calendar
1.11 for 2026: National Day 10-01..10-07 (Thursday to Wednesday), Saturday 10-10 a make-up
workday; 11-16..11-27 are ordinary weeks. The default calendar works 09:00–18:00 (9 h a day).
"""

from datetime import time

import pytest

from kefu.tickets.models import Escalation, SlaClock, SlaTarget, Status, TicketEvent
from kefu.tickets.services import sla_sweep, ticket_transition
from kefu.tickets.services.sla import clock_status, reply_by
from tests.factories import CalendarFactory, CustomerFactory, SlaPolicyFactory, aware
from tests.tickets.helpers import MONDAY_9, default_calendar, new_ticket, notifications

FIRST, RESOLUTION = SlaTarget.FIRST_RESPONSE, SlaTarget.RESOLUTION


def clock(ticket, target) -> SlaClock:
    return SlaClock.objects.filter(ticket=ticket, target=target, dispatch__isnull=True).latest(
        "started_at", "id"
    )


def escalations(ticket) -> list:
    return list(
        Escalation.objects.filter(ticket=ticket)
        .order_by("created_at", "id")
        .values_list("to_user__username", "step")
    )


def timeline(ticket) -> int:
    return TicketEvent.objects.filter(ticket=ticket).count()


# --- which policy ----------------------------------------------------------------------------------


def test_clocks_start_on_create_from_the_policy(org):
    ticket = new_ticket(org, now=MONDAY_9)

    first, resolution = clock(ticket, FIRST), clock(ticket, RESOLUTION)
    assert (first.state, first.started_at, first.budget_seconds, first.due_at) == (
        SlaClock.State.RUNNING, MONDAY_9, 30 * 60, aware(2026, 11, 23, 9, 30),
    )  # fmt: skip
    # 24 working hours: Monday 9 h, Tuesday 9 h, Wednesday 6 h
    assert (resolution.budget_seconds, resolution.due_at) == (24 * 3600, aware(2026, 11, 25, 15, 0))
    assert not SlaClock.objects.filter(ticket=ticket, target=SlaTarget.CALLBACK).exists()
    assert ticket.sla_policy.name == "默认"


@pytest.fixture
def policies(org):
    """Any type (build_org's 默认, 30 min); complaint; complaint × major; complaint × major × VIP;
    consultation × VIP; and an inactive one that would otherwise win."""
    calendar = default_calendar()
    return {
        "complaint": SlaPolicyFactory(name="投诉", ticket_type="complaint", calendar=calendar, first_response_minutes=60),
        "major": SlaPolicyFactory(
            name="重大投诉", ticket_type="complaint", severity="major", calendar=calendar, first_response_minutes=15
        ),
        "major_vip": SlaPolicyFactory(
            name="贵宾重大投诉", ticket_type="complaint", severity="major", customer_tier="A", calendar=calendar,
            first_response_minutes=5,
        ),
        "consultation_vip": SlaPolicyFactory(
            name="贵宾咨询", ticket_type="consultation", customer_tier="A", calendar=calendar, first_response_minutes=20
        ),
        "inactive": SlaPolicyFactory(
            name="停用", ticket_type="complaint", severity="general", customer_tier="C", calendar=calendar,
            first_response_minutes=1, is_active=False,
        ),
    }  # fmt: skip


@pytest.mark.parametrize(
    ("ticket_type", "severity", "tier", "policy", "minutes"),
    [
        ("complaint", "general", "C", "投诉", 60),
        ("complaint", "major", "C", "重大投诉", 15),
        ("complaint", "major", "A", "贵宾重大投诉", 5),
        ("complaint", "general", "A", "投诉", 60),
        ("consultation", "general", "A", "贵宾咨询", 20),
        ("consultation", "general", "C", "默认", 30),
        ("repair", "major", "A", "默认", 30),
    ],
)
def test_most_specific_matching_policy_starts_the_clocks(
    org, policies, ticket_type, severity, tier, policy, minutes
):
    # given a customer of `tier`
    CustomerFactory(name="王先生", tier_id=tier, phone="13911112222")

    ticket = new_ticket(org, ticket_type=ticket_type, severity=severity, customer_phone="13911112222")

    assert ticket.sla_policy.name == policy
    assert clock(ticket, FIRST).budget_seconds == minutes * 60


def test_without_any_policy_no_clock_runs(db):
    from tests.org import build_org

    org = build_org(with_policy=False)
    ticket = new_ticket(org)
    assert ticket.sla_policy is None
    assert not SlaClock.objects.filter(ticket=ticket).exists()


# --- due dates on the calendar ---------------------------------------------------------------------


@pytest.fixture
def complaint_24h(org):
    """A complaint target of 24 working hours on the default calendar."""
    return SlaPolicyFactory(
        name="投诉24小时", ticket_type="complaint", calendar=default_calendar(), resolution_minutes=24 * 60
    )


@pytest.mark.parametrize(
    ("recorded", "due"),
    [
        # Friday 10:00: Fri 8 h, Mon 9 h, Tue 7 h
        (aware(2026, 11, 20, 10, 0), aware(2026, 11, 24, 16, 0)),
        # Wednesday before Golden Week: Wed 8 h, 10-01..10-07 off, Thu 10-08 9 h, Fri 10-09 7 h
        (aware(2026, 9, 30, 10, 0), aware(2026, 10, 9, 16, 0)),
        # Friday 10-09: Fri 8 h, make-up Saturday 10-10 9 h, Sunday off, Mon 10-12 7 h
        (aware(2026, 10, 9, 10, 0), aware(2026, 10, 12, 16, 0)),
        # recorded on a Sunday evening: counting starts Monday 09:00
        (aware(2026, 11, 22, 20, 0), aware(2026, 11, 25, 15, 0)),
    ],
    ids=["weekend", "golden-week", "make-up-workday", "outside-hours"],
)
def test_24_working_hour_complaint_target(org, complaint_24h, recorded, due):
    ticket = new_ticket(org, now=recorded)
    assert clock(ticket, RESOLUTION).due_at == due


def test_overlapping_day_and_evening_shifts_count_once_for_a_late_contact(org):
    # given a calendar with a 09:00–16:30 day shift and a 16:00–22:30 evening shift (13.5 h a day)
    two_shifts = CalendarFactory(
        name="两班",
        is_default=False,
        shifts=[("白班", time(9), time(16, 30)), ("晚班", time(16), time(22, 30))],
    )
    SlaPolicyFactory(name="热线", ticket_type="complaint", calendar=two_shifts, resolution_minutes=24 * 60)

    # when a contact arrives on Monday at 22:20
    ticket = new_ticket(org, now=aware(2026, 11, 23, 22, 20))

    # then 10 minutes count on Monday and the first response is due Tuesday 09:20
    assert clock(ticket, FIRST).due_at == aware(2026, 11, 24, 9, 20)
    # and 24 h = Monday 10 min + Tuesday 13 h 30 min + Wednesday 10 h 20 min
    assert clock(ticket, RESOLUTION).due_at == aware(2026, 11, 25, 19, 20)


# --- pause, resume, stop ---------------------------------------------------------------------------


def test_waiting_on_the_customer_pauses_the_clocks(org):
    ticket = new_ticket(org, now=MONDAY_9, accept=True)
    ticket_transition(ticket=ticket, action="start", by=org.agent, now=MONDAY_9)

    ticket_transition(
        ticket=ticket,
        action="wait_customer",
        by=org.agent,
        note="等顾客提供订单号",
        now=aware(2026, 11, 23, 11, 0),
    )

    resolution = clock(ticket, RESOLUTION)
    assert (resolution.state, resolution.consumed_seconds, resolution.due_at, resolution.next_action_at) == (
        SlaClock.State.PAUSED, 2 * 3600, None, None,
    )  # fmt: skip
    assert clock_status(resolution, aware(2026, 11, 30, 9, 0)) == {"state": "paused", "seconds": 22 * 3600}


def test_resuming_extends_due_at_by_the_paused_working_time(org):
    # given a complaint due Wednesday 15:00, waiting on the customer from Monday 11:00
    ticket = new_ticket(org, now=MONDAY_9, accept=True)
    assert clock(ticket, RESOLUTION).due_at == aware(2026, 11, 25, 15, 0)
    ticket_transition(ticket=ticket, action="start", by=org.agent, now=MONDAY_9)
    ticket_transition(
        ticket=ticket,
        action="wait_customer",
        by=org.agent,
        note="等顾客提供订单号",
        now=aware(2026, 11, 23, 11, 0),
    )

    # when the customer answers on Tuesday at 11:00 (Monday 11–18 and Tuesday 9–11 paused: 9 working hours)
    ticket_transition(ticket=ticket, action="customer_replied", by=None, now=aware(2026, 11, 24, 11, 0))

    # then the clock runs again and is due 9 working hours later than before: Thursday 15:00
    resolution = clock(ticket, RESOLUTION)
    assert (resolution.state, resolution.due_at, resolution.next_action_at) == (
        SlaClock.State.RUNNING, aware(2026, 11, 26, 15, 0), aware(2026, 11, 26, 15, 0),
    )  # fmt: skip


def test_accept_stops_the_first_response_clock(org):
    ticket = new_ticket(org, now=MONDAY_9)
    accepted_at = aware(2026, 11, 23, 9, 10)

    ticket_transition(ticket=ticket, action="accept", by=org.agent, now=accepted_at)

    first = clock(ticket, FIRST)
    assert (first.state, first.stopped_at, first.next_action_at, first.breached_at) == (
        SlaClock.State.STOPPED, accepted_at, None, None,
    )  # fmt: skip
    assert clock_status(first, accepted_at) == {"state": "met", "seconds": 0}
    assert clock(ticket, RESOLUTION).state == SlaClock.State.RUNNING


def test_resolve_stops_the_resolution_clock(org):
    ticket = new_ticket(org, now=MONDAY_9, accept=True)
    ticket_transition(
        ticket=ticket,
        action="resolve",
        by=org.agent,
        customer_reply="已为您处理完毕。",
        note="已补发",
        now=aware(2026, 11, 23, 12, 0),
    )
    assert not SlaClock.objects.filter(ticket=ticket).exclude(state=SlaClock.State.STOPPED).exists()


# --- clock status ----------------------------------------------------------------------------------


def test_clock_status_shows_seconds_left(org):
    ticket = new_ticket(org, now=MONDAY_9)
    assert clock_status(clock(ticket, FIRST), aware(2026, 11, 23, 9, 10)) == {
        "state": "running",
        "seconds": 20 * 60,
    }


def test_clock_status_shows_seconds_overdue(org):
    ticket = new_ticket(org, now=MONDAY_9)
    assert clock_status(clock(ticket, FIRST), aware(2026, 11, 23, 10, 0)) == {
        "state": "overdue",
        "seconds": -30 * 60,
    }


def test_clock_status_of_a_breached_clock_that_was_stopped_is_missed(org):
    ticket = new_ticket(org, now=MONDAY_9)
    sla_sweep(now=aware(2026, 11, 23, 10, 0))
    ticket_transition(ticket=ticket, action="accept", by=org.agent, now=aware(2026, 11, 23, 10, 5))
    assert clock_status(clock(ticket, FIRST), aware(2026, 11, 23, 11, 0)) == {"state": "missed", "seconds": 0}


# --- the sweep -------------------------------------------------------------------------------------


def test_sweep_before_anything_is_due_does_nothing(org):
    ticket = new_ticket(org, now=MONDAY_9)
    events = timeline(ticket)
    assert sla_sweep(now=aware(2026, 11, 23, 9, 29)) == {"breached": 0, "escalated": 0}
    assert (clock(ticket, FIRST).breached_at, timeline(ticket), escalations(ticket)) == (None, events, [])


def test_sweep_marks_a_due_clock_breached_and_escalates_it(org):
    # given a contact nobody accepted; its first response was due at 09:30
    ticket = new_ticket(org, now=MONDAY_9)

    result = sla_sweep(now=aware(2026, 11, 23, 10, 0))

    assert result == {"breached": 1, "escalated": 1}
    first = clock(ticket, FIRST)
    assert (first.breached_at, first.escalation_steps) == (aware(2026, 11, 23, 9, 30), 1)
    breach = ticket.events.get(kind=TicketEvent.Kind.SLA_BREACH)
    assert (breach.actor, breach.data["target"], breach.created_at) == (
        None,
        FIRST,
        aware(2026, 11, 23, 10, 0),
    )
    assert escalations(ticket) == [("supervisor", 1)]
    ticket.refresh_from_db()
    assert (ticket.escalated_to, ticket.escalation_level) == (org.supervisor, 2)


def test_breach_tells_the_owner(org):
    ticket = new_ticket(org, now=MONDAY_9)
    sla_sweep(now=aware(2026, 11, 23, 10, 0))
    assert notifications(org.agent, "sla_breach").filter(ticket=ticket).count() == 1


def test_running_the_sweep_twice_escalates_nothing_twice(org):
    ticket = new_ticket(org, now=MONDAY_9)
    sla_sweep(now=aware(2026, 11, 23, 10, 0))
    events, escalated = timeline(ticket), escalations(ticket)

    again = sla_sweep(now=aware(2026, 11, 23, 10, 0))
    later = sla_sweep(now=aware(2026, 11, 23, 10, 1))

    assert again == later == {"breached": 0, "escalated": 0}
    assert (timeline(ticket), escalations(ticket)) == (events, escalated)
    assert Escalation.objects.count() == 1


def test_two_clocks_of_one_work_order_due_in_one_sweep_climb_two_steps(org):
    # given a policy whose first response and resolution both run out within the same working hour
    SlaPolicyFactory(
        name="投诉", ticket_type="complaint", calendar=default_calendar(), first_response_minutes=30,
        resolution_minutes=40,
    )  # fmt: skip
    ticket = new_ticket(org, now=MONDAY_9)

    result = sla_sweep(now=aware(2026, 11, 23, 10, 0))

    assert result == {"breached": 2, "escalated": 2}
    ticket.refresh_from_db()
    # the second clock saw the first's step: the agent's supervisor, then the one above them
    assert escalations(ticket) == [("supervisor", 1), ("manager", 1)]
    assert (ticket.escalated_to, ticket.escalation_level, ticket.version) == (org.manager, 3, 3)


@pytest.mark.parametrize("batch_size", [1, 2, 500])
def test_the_sweep_does_the_same_whatever_its_batch_size(org, batch_size):
    tickets = [new_ticket(org, now=MONDAY_9, customer_phone=f"1380013800{i}") for i in range(3)]

    result = sla_sweep(now=aware(2026, 11, 23, 10, 0), batch_size=batch_size)

    assert result == {"breached": 3, "escalated": 3}
    assert [escalations(t) for t in tickets] == [[("supervisor", 1)]] * 3
    assert notifications(org.agent, "sla_breach").count() == 3
    assert sla_sweep(now=aware(2026, 11, 23, 10, 0), batch_size=batch_size) == {"breached": 0, "escalated": 0}


def test_repeat_escalation_climbs_one_step_per_interval_up_to_the_policys_highest_step(org):
    # given a complaint policy that climbs every working hour overdue, at most to the manager (step 2)
    SlaPolicyFactory(
        name="投诉", ticket_type="complaint", calendar=default_calendar(), repeat_escalation_minutes=60,
        max_escalation_level=2,
    )  # fmt: skip
    ticket = new_ticket(org, now=MONDAY_9)  # first response due 09:30

    sla_sweep(now=aware(2026, 11, 23, 9, 30))
    sla_sweep(now=aware(2026, 11, 23, 10, 29))  # not yet an hour overdue
    assert escalations(ticket) == [("supervisor", 1)]

    sla_sweep(now=aware(2026, 11, 23, 10, 30))
    sla_sweep(now=aware(2026, 11, 23, 10, 30))
    assert escalations(ticket) == [("supervisor", 1), ("manager", 2)]

    sla_sweep(now=aware(2026, 11, 23, 11, 30))
    sla_sweep(now=aware(2026, 11, 23, 17, 0))
    assert escalations(ticket) == [("supervisor", 1), ("manager", 2)]
    assert clock(ticket, FIRST).next_action_at is None


def test_repeat_escalation_reaches_the_general_manager_at_the_default_highest_step(org):
    SlaPolicyFactory(
        name="投诉", ticket_type="complaint", calendar=default_calendar(), repeat_escalation_minutes=60
    )
    ticket = new_ticket(org, now=MONDAY_9)
    for hour, minute in [(9, 30), (10, 30), (11, 30), (12, 30), (13, 30)]:
        sla_sweep(now=aware(2026, 11, 23, hour, minute))
    assert escalations(ticket) == [("supervisor", 1), ("manager", 2), ("gm", 3)]


def test_policy_without_escalation_only_marks_the_breach(org):
    SlaPolicyFactory(
        name="投诉", ticket_type="complaint", calendar=default_calendar(), escalate_on_breach=False
    )
    ticket = new_ticket(org, now=MONDAY_9)
    assert sla_sweep(now=aware(2026, 11, 23, 10, 0)) == {"breached": 1, "escalated": 0}
    assert escalations(ticket) == []
    assert sla_sweep(now=aware(2026, 11, 23, 11, 0)) == {"breached": 0, "escalated": 0}


def test_paused_clock_is_not_breached(org):
    # given a complaint waiting on the customer since Monday 10:00, its resolution due Wednesday
    ticket = new_ticket(org, now=MONDAY_9, accept=True)
    ticket_transition(ticket=ticket, action="start", by=org.agent, now=MONDAY_9)
    ticket_transition(
        ticket=ticket, action="wait_customer", by=org.agent, note="等照片", now=aware(2026, 11, 23, 10)
    )

    # when the sweep runs a week later
    result = sla_sweep(now=aware(2026, 11, 30, 10, 0))

    assert result == {"breached": 0, "escalated": 0}
    resolution = clock(ticket, RESOLUTION)
    assert (resolution.state, resolution.breached_at) == (SlaClock.State.PAUSED, None)
    assert escalations(ticket) == []


def test_stopped_clock_is_not_breached(org):
    ticket = new_ticket(org, now=MONDAY_9)
    ticket_transition(ticket=ticket, action="accept", by=org.agent, now=aware(2026, 11, 23, 9, 29))
    assert sla_sweep(now=aware(2026, 11, 23, 10, 0)) == {"breached": 0, "escalated": 0}
    assert clock(ticket, FIRST).breached_at is None


def test_a_closed_ticket_is_never_swept(org):
    ticket = new_ticket(org, now=MONDAY_9, ticket_type="consultation", accept=True)
    ticket_transition(
        ticket=ticket,
        action="resolve",
        by=org.agent,
        customer_reply="已为您处理完毕。",
        note="已答复",
        now=aware(2026, 11, 23, 9, 5),
    )
    ticket_transition(ticket=ticket, action="close", by=org.agent, now=aware(2026, 11, 23, 9, 6))
    assert sla_sweep(now=aware(2026, 12, 31, 10, 0)) == {"breached": 0, "escalated": 0}
    assert ticket.events.filter(kind=TicketEvent.Kind.SLA_BREACH).count() == 0


def test_callback_clock_starts_when_sent_to_callback(org):
    ticket = new_ticket(org, now=MONDAY_9, accept=True)
    ticket_transition(
        ticket=ticket,
        action="resolve",
        by=org.agent,
        customer_reply="已为您处理完毕。",
        note="已补发",
        now=aware(2026, 11, 23, 10, 0),
    )
    ticket_transition(ticket=ticket, action="request_callback", by=None, now=aware(2026, 11, 23, 10, 0))
    callback = clock(ticket, SlaTarget.CALLBACK)
    assert (callback.state, callback.due_at) == (SlaClock.State.RUNNING, aware(2026, 11, 25, 16, 0))
    ticket.refresh_from_db()
    assert ticket.status == Status.AWAITING_CALLBACK


# --- the one promise to the customer (reply_by) -----------------------------------------------------


def test_the_promise_is_the_resolution_deadline_none_while_paused_and_the_fresh_one_after_a_reopen(org):
    ticket = new_ticket(org, now=MONDAY_9)
    assert reply_by(ticket) == clock(ticket, RESOLUTION).due_at != clock(ticket, FIRST).due_at
    ticket = ticket_transition(ticket=ticket, action="accept", by=org.agent, now=MONDAY_9)
    ticket = ticket_transition(ticket=ticket, action="start", by=org.agent, now=MONDAY_9)
    assert reply_by(ticket) == clock(ticket, RESOLUTION).due_at  # accepting keeps the promise
    ticket = ticket_transition(ticket=ticket, action="wait_customer", by=org.agent, note="请补充小票",
                               now=MONDAY_9)  # fmt: skip
    assert reply_by(ticket) is None  # no time is promised while we wait on the customer
    later = aware(2026, 11, 24, 10, 0)
    ticket = ticket_transition(ticket=ticket, action="customer_replied", by=org.agent, now=later)
    ticket = ticket_transition(ticket=ticket, action="resolve", by=org.agent, note="已补发",
                               customer_reply="已为您补发。", now=later)  # fmt: skip
    assert reply_by(ticket) is None  # resolved: nothing more to promise
    reopened = aware(2026, 11, 25, 10, 0)
    ticket = ticket_transition(ticket=ticket, action="reopen", by=org.agent, note="未收到", now=reopened)
    fresh = clock(ticket, RESOLUTION)
    assert fresh.started_at == reopened and reply_by(ticket) == fresh.due_at


def test_without_a_resolution_budget_the_first_response_deadline_is_the_promise(org):
    SlaPolicyFactory(
        name="只管响应", ticket_type="consultation", calendar=default_calendar(), resolution_minutes=None
    )
    ticket = new_ticket(org, ticket_type="consultation", now=MONDAY_9)
    assert not SlaClock.objects.filter(ticket=ticket, target=RESOLUTION).exists()
    assert reply_by(ticket) == clock(ticket, FIRST).due_at
