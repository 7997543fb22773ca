"""Dispatch (转办): sending a work order to departments, their deadline, their replies and returns.

Holiday dates from chinese-calendar 1.11 for 2026: National Day is 10-01..10-07 (Thursday to
Wednesday) with Saturday 10-10 a make-up workday; 11-20..11-25 is an ordinary week.
"""

from datetime import timedelta

import pytest

from kefu.core.errors import PermissionDenied, TransitionNotAllowed, ValidationError
from kefu.tickets import permissions, selectors
from kefu.tickets.models import Dispatch, SlaClock, SlaPolicy, SlaTarget, Status, TicketEvent
from kefu.tickets.services import dispatch_reply, dispatch_return, ticket_dispatch
from tests.factories import SlaPolicyFactory, aware
from tests.tickets.helpers import MONDAY_9, default_calendar, new_ticket, notifications, stock, ticket_in

LATER = MONDAY_9 + timedelta(hours=1)


def dispatch(org, ticket, *departments, now=MONDAY_9, **kwargs) -> list[Dispatch]:
    return ticket_dispatch(
        ticket=ticket, by=org.agent, department_ids=[d.pk for d in departments], instructions="请核实物流轨迹",
        now=now, **kwargs,
    )  # fmt: skip


def status_of(ticket) -> str:
    ticket.refresh_from_db()
    return ticket.status


# --- sending ---------------------------------------------------------------------------------------


def test_dispatch_to_two_departments_makes_it_dispatched(org):
    ticket = ticket_in(org, Status.IN_PROGRESS)

    sent = dispatch(org, ticket, org.logistics, org.store)

    assert status_of(ticket) == Status.DISPATCHED
    assert [(d.department, d.state, d.instructions) for d in sent] == [
        (org.logistics, Dispatch.State.PENDING, "请核实物流轨迹"),
        (org.store, Dispatch.State.PENDING, "请核实物流轨迹"),
    ]
    clocks = SlaClock.objects.filter(ticket=ticket, target=SlaTarget.DEPARTMENT_REPLY)
    assert {(c.dispatch_id, c.due_at) for c in clocks} == {(d.pk, d.deadline) for d in sent}
    event = ticket.events.filter(kind=TicketEvent.Kind.TRANSITION, action="dispatch").get()
    assert event.data["departments"] == [org.logistics.pk, org.store.pk]


def give_a_long_resolution_target():
    """Twenty working days to resolve, so the three-working-day default is not capped by it."""
    SlaPolicy.objects.update(resolution_minutes=20 * 9 * 60)


def test_default_deadline_is_three_working_days_over_a_weekend(org):
    # given Friday 2026-11-20 10:00: Monday, Tuesday and Wednesday are the three working days
    give_a_long_resolution_target()
    friday = aware(2026, 11, 20, 10, 0)
    ticket = ticket_in(org, Status.IN_PROGRESS, now=friday)

    [sent] = dispatch(org, ticket, org.logistics, now=friday)

    assert sent.deadline == aware(2026, 11, 25, 18, 0)


def test_default_deadline_skips_national_day_and_counts_the_make_up_saturday(org):
    # given Wednesday 2026-09-30, the eve of the 10-01..10-07 holiday: Thu 10-08, Fri 10-09 and the
    # make-up Saturday 10-10 are the three working days
    give_a_long_resolution_target()
    eve = aware(2026, 9, 30, 10, 0)
    ticket = ticket_in(org, Status.IN_PROGRESS, now=eve)

    [sent] = dispatch(org, ticket, org.logistics, now=eve)

    assert sent.deadline == aware(2026, 10, 10, 18, 0)


def test_default_deadline_is_never_after_the_work_orders_own_deadline(org):
    # given a 24-working-hour complaint recorded on Friday 10:00: due Tuesday 16:00, before the
    # three working days (Wednesday 18:00) a department would otherwise get
    friday = aware(2026, 11, 20, 10, 0)
    ticket = ticket_in(org, Status.IN_PROGRESS, now=friday)

    [sent] = dispatch(org, ticket, org.logistics, now=friday)

    assert sent.deadline == aware(2026, 11, 24, 16, 0)
    assert not sent.ticket.events.filter(
        kind=TicketEvent.Kind.DISPATCH, data__has_key="late_for_resolution"
    ).exists()


def test_policy_department_reply_target_sets_the_deadline(org):
    # given a complaint policy that gives departments four working hours
    SlaPolicyFactory(ticket_type="complaint", calendar=default_calendar(), department_reply_minutes=240)
    ticket = ticket_in(org, Status.IN_PROGRESS, now=aware(2026, 11, 23, 16, 0))

    [sent] = dispatch(org, ticket, org.logistics, now=aware(2026, 11, 23, 16, 0))

    # Monday 16:00–18:00, then Tuesday 09:00–11:00
    assert sent.deadline == aware(2026, 11, 24, 11, 0)


def test_given_deadline_is_kept(org):
    ticket = ticket_in(org, Status.IN_PROGRESS)
    deadline = aware(2026, 11, 24, 12, 0)
    [sent] = dispatch(org, ticket, org.logistics, deadline=deadline)
    assert sent.deadline == deadline
    clock = SlaClock.objects.get(dispatch=sent)
    assert clock.due_at == deadline
    assert clock.budget_seconds == 12 * 3600  # Monday 09:00–18:00 and Tuesday 09:00–12:00


@pytest.mark.parametrize("offset", [timedelta(0), -timedelta(minutes=1), -timedelta(days=3)])
def test_deadline_that_is_not_in_the_future_is_refused(org, offset):
    ticket = ticket_in(org, Status.IN_PROGRESS)
    before = stock(ticket)
    with pytest.raises(ValidationError) as refused:
        dispatch(org, ticket, org.logistics, deadline=MONDAY_9 + offset)
    assert "deadline" in refused.value.errors
    assert stock(ticket) == before


def test_naive_deadline_is_refused(org):
    ticket = ticket_in(org, Status.IN_PROGRESS)
    before = stock(ticket)
    with pytest.raises(ValidationError) as refused:
        dispatch(org, ticket, org.logistics, deadline=MONDAY_9.replace(tzinfo=None) + timedelta(days=1))
    assert "deadline" in refused.value.errors
    assert stock(ticket) == before


@pytest.mark.parametrize("department_ids", [[], [999999]], ids=["none", "unknown"])
def test_missing_or_unknown_department_is_refused(org, department_ids):
    ticket = ticket_in(org, Status.IN_PROGRESS)
    before = stock(ticket)
    with pytest.raises(ValidationError) as refused:
        ticket_dispatch(ticket=ticket, by=org.agent, department_ids=department_ids, now=LATER)
    assert "department_ids" in refused.value.errors
    assert stock(ticket) == before


def test_department_already_waiting_on_it_is_refused(org):
    ticket = ticket_in(org, Status.DISPATCHED)  # pending at logistics
    before = stock(ticket)
    with pytest.raises(ValidationError) as refused:
        dispatch(org, ticket, org.logistics, now=LATER)
    assert org.logistics.name in refused.value.errors["department_ids"][0]
    assert stock(ticket) == before


def test_agent_who_is_not_the_owner_cannot_dispatch(org):
    ticket = ticket_in(org, Status.IN_PROGRESS)
    before = stock(ticket)
    with pytest.raises(PermissionDenied):
        ticket_dispatch(ticket=ticket, by=org.agent2, department_ids=[org.logistics.pk], now=LATER)
    assert stock(ticket) == before


def test_departments_are_told_of_the_dispatch(org):
    ticket = ticket_in(org, Status.IN_PROGRESS)
    dispatch(org, ticket, org.logistics)
    assert notifications(org.logistics_staff, "dispatch").filter(ticket=ticket).count() == 1
    assert notifications(org.logistics_head, "dispatch").filter(ticket=ticket).count() == 1
    assert not notifications(org.store_staff).exists()


def test_owner_stays_owner_after_dispatch(org):
    # 首问负责制: the agent who took the contact keeps it while departments work on it
    ticket = ticket_in(org, Status.IN_PROGRESS)
    [sent] = dispatch(org, ticket, org.logistics)
    dispatch_reply(dispatch=sent, by=org.logistics_staff, reply="已补发", now=LATER)
    ticket.refresh_from_db()
    assert ticket.owner == org.agent


# --- who sees it -----------------------------------------------------------------------------------


def test_department_staff_see_only_what_was_dispatched_to_their_department(org):
    # given one work order at logistics, one at the store, one not dispatched at all
    at_logistics = ticket_in(org, Status.IN_PROGRESS)
    at_store = ticket_in(org, Status.IN_PROGRESS)
    at_center = ticket_in(org, Status.IN_PROGRESS)
    [to_logistics] = dispatch(org, at_logistics, org.logistics)
    [to_store] = dispatch(org, at_store, org.store)

    # then each department sees its own, in its list and in its inbox
    assert list(permissions.visible_tickets(org.logistics_staff)) == [at_logistics]
    assert list(permissions.visible_tickets(org.store_staff)) == [at_store]
    assert list(selectors.department_inbox(user=org.logistics_staff)) == [to_logistics]
    assert list(selectors.department_inbox(user=org.store_staff)) == [to_store]
    assert not permissions.can_view(org.logistics_staff, at_center)
    assert not permissions.can_view(org.logistics_staff, at_store)


def test_answered_dispatch_leaves_the_pending_inbox(org):
    ticket = ticket_in(org, Status.IN_PROGRESS)
    [sent] = dispatch(org, ticket, org.logistics)
    dispatch_reply(dispatch=sent, by=org.logistics_staff, reply="已补发", now=LATER)
    assert list(selectors.department_inbox(user=org.logistics_staff)) == []
    assert list(selectors.department_inbox(user=org.logistics_staff, state="replied")) == [sent]


# --- answers ---------------------------------------------------------------------------------------


def test_one_of_two_departments_replies_and_it_stays_dispatched(org):
    ticket = ticket_in(org, Status.IN_PROGRESS)
    to_logistics, _to_store = dispatch(org, ticket, org.logistics, org.store)

    dispatch_reply(dispatch=to_logistics, by=org.logistics_staff, reply="已补发", now=LATER)

    assert status_of(ticket) == Status.DISPATCHED
    to_logistics.refresh_from_db()
    assert (to_logistics.state, to_logistics.reply, to_logistics.answered_by, to_logistics.answered_at) == (
        Dispatch.State.REPLIED,
        "已补发",
        org.logistics_staff,
        LATER,
    )


def test_second_reply_makes_it_department_replied(org):
    ticket = ticket_in(org, Status.IN_PROGRESS)
    to_logistics, to_store = dispatch(org, ticket, org.logistics, org.store)
    dispatch_reply(dispatch=to_logistics, by=org.logistics_staff, reply="已补发", now=LATER)

    dispatch_reply(dispatch=to_store, by=org.store_staff, reply="门店已致歉", now=LATER + timedelta(hours=1))

    assert status_of(ticket) == Status.DEPARTMENT_REPLIED
    event = ticket.events.filter(kind=TicketEvent.Kind.TRANSITION).last()
    assert (event.action, event.actor, event.from_status) == (
        "department_reply",
        org.store_staff,
        Status.DISPATCHED,
    )


def test_return_by_the_only_department_sends_it_back_to_in_progress(org):
    ticket = ticket_in(org, Status.IN_PROGRESS)
    [sent] = dispatch(org, ticket, org.logistics)

    dispatch_return(dispatch=sent, by=org.logistics_staff, reason="不属于物流部，请转门店", now=LATER)

    assert status_of(ticket) == Status.IN_PROGRESS
    sent.refresh_from_db()
    assert (sent.state, sent.return_reason) == (Dispatch.State.RETURNED, "不属于物流部，请转门店")


def test_reply_by_one_and_return_by_the_other_is_department_replied(org):
    ticket = ticket_in(org, Status.IN_PROGRESS)
    to_logistics, to_store = dispatch(org, ticket, org.logistics, org.store)
    dispatch_reply(dispatch=to_logistics, by=org.logistics_staff, reply="已补发", now=LATER)
    dispatch_return(dispatch=to_store, by=org.store_staff, reason="门店无此订单", now=LATER)
    assert status_of(ticket) == Status.DEPARTMENT_REPLIED


def test_owner_is_told_of_each_reply_and_return(org):
    ticket = ticket_in(org, Status.IN_PROGRESS)
    to_logistics, to_store = dispatch(org, ticket, org.logistics, org.store)

    dispatch_reply(dispatch=to_logistics, by=org.logistics_staff, reply="已补发", now=LATER)
    dispatch_return(dispatch=to_store, by=org.store_staff, reason="门店无此订单", now=LATER)

    replies = notifications(org.agent, "department_reply").filter(ticket=ticket)
    returns = notifications(org.agent, "department_return").filter(ticket=ticket)
    assert [(n.body, org.logistics.name in n.title) for n in replies] == [("已补发", True)]
    assert [(n.body, org.store.name in n.title) for n in returns] == [("门店无此订单", True)]


def test_reply_stops_only_that_departments_clock(org):
    ticket = ticket_in(org, Status.IN_PROGRESS)
    to_logistics, to_store = dispatch(org, ticket, org.logistics, org.store)
    dispatch_reply(dispatch=to_logistics, by=org.logistics_staff, reply="已补发", now=LATER)
    states = dict(SlaClock.objects.filter(dispatch__isnull=False).values_list("dispatch_id", "state"))
    assert states == {to_logistics.pk: SlaClock.State.STOPPED, to_store.pk: SlaClock.State.RUNNING}


def test_reply_by_another_departments_staff_is_refused(org):
    ticket = ticket_in(org, Status.IN_PROGRESS)
    [sent] = dispatch(org, ticket, org.logistics)
    before = stock(ticket)
    with pytest.raises(PermissionDenied) as refused:
        dispatch_reply(dispatch=sent, by=org.store_staff, reply="我们来答", now=LATER)
    assert org.logistics.name in refused.value.message
    assert stock(ticket) == before


@pytest.mark.parametrize("reply", ["", "   "])
def test_empty_reply_is_refused(org, reply):
    ticket = ticket_in(org, Status.IN_PROGRESS)
    [sent] = dispatch(org, ticket, org.logistics)
    before = stock(ticket)
    with pytest.raises(ValidationError) as refused:
        dispatch_reply(dispatch=sent, by=org.logistics_staff, reply=reply, now=LATER)
    assert "reply" in refused.value.errors
    assert stock(ticket) == before
    assert not notifications(org.agent, "department_reply").exists()


def test_answered_dispatch_cannot_be_answered_again(org):
    ticket = ticket_in(org, Status.IN_PROGRESS)
    to_logistics, _to_store = dispatch(org, ticket, org.logistics, org.store)
    dispatch_reply(dispatch=to_logistics, by=org.logistics_staff, reply="已补发", now=LATER)
    before = stock(ticket)
    with pytest.raises(ValidationError) as refused:
        dispatch_return(dispatch=to_logistics, by=org.logistics_staff, reason="改主意了", now=LATER)
    assert "dispatch" in refused.value.errors
    assert stock(ticket) == before


def test_a_new_ticket_cannot_be_dispatched_before_it_is_accepted(org):
    ticket = new_ticket(org)
    before = stock(ticket)
    with pytest.raises(TransitionNotAllowed):
        dispatch(org, ticket, org.logistics)
    assert stock(ticket) == before
