"""The work-order state machine through the services: every (status, action) pair, role guards,
notes, merge and reopen.

The table below is the issue's lifecycle written out by hand, so a change to workflow.py that
opens or closes a door fails here instead of passing silently.
"""

from datetime import timedelta

import pytest

from kefu.core.errors import PermissionDenied, TransitionNotAllowed, ValidationError
from kefu.tickets import workflow
from kefu.tickets.models import SlaClock, SlaTarget, Status, Ticket, TicketEvent
from kefu.tickets.services import ticket_merge, ticket_transition
from tests.factories import aware
from tests.tickets.helpers import (
    MONDAY_9,
    new_ticket,
    notifications,
    perform,
    stock,
    stray_dispatch,
    ticket_in,
)

S = Status
LATER = MONDAY_9 + timedelta(hours=1)

ALLOWED = {
    (S.NEW, "accept"): S.ACCEPTED,
    (S.ACCEPTED, "start"): S.IN_PROGRESS,
    (S.IN_PROGRESS, "wait_customer"): S.WAITING_CUSTOMER,
    (S.WAITING_CUSTOMER, "customer_replied"): S.IN_PROGRESS,
    (S.ACCEPTED, "dispatch"): S.DISPATCHED,
    (S.IN_PROGRESS, "dispatch"): S.DISPATCHED,
    (S.DISPATCHED, "dispatch"): S.DISPATCHED,  # a further department joins the round
    (S.DEPARTMENT_REPLIED, "dispatch"): S.DISPATCHED,
    (S.DISPATCHED, "department_reply"): S.DEPARTMENT_REPLIED,
    (S.DISPATCHED, "department_return"): S.IN_PROGRESS,
    (S.ACCEPTED, "resolve"): S.RESOLVED,
    (S.IN_PROGRESS, "resolve"): S.RESOLVED,
    (S.DEPARTMENT_REPLIED, "resolve"): S.RESOLVED,
    (S.RESOLVED, "request_callback"): S.AWAITING_CALLBACK,
    (S.RESOLVED, "close"): S.CLOSED,
    (S.AWAITING_CALLBACK, "close"): S.CLOSED,
    (S.RESOLVED, "reopen"): S.IN_PROGRESS,
    (S.AWAITING_CALLBACK, "reopen"): S.IN_PROGRESS,
    (S.CLOSED, "reopen"): S.IN_PROGRESS,
    (S.NEW, "merge"): S.MERGED,
    (S.ACCEPTED, "merge"): S.MERGED,
    (S.IN_PROGRESS, "merge"): S.MERGED,
    (S.WAITING_CUSTOMER, "merge"): S.MERGED,
    (S.DEPARTMENT_REPLIED, "merge"): S.MERGED,
    (S.NEW, "cancel"): S.CANCELLED,
    (S.ACCEPTED, "cancel"): S.CANCELLED,
    (S.IN_PROGRESS, "cancel"): S.CANCELLED,
    (S.WAITING_CUSTOMER, "cancel"): S.CANCELLED,
}
ACTIONS = (
    "accept", "start", "wait_customer", "customer_replied", "dispatch", "department_reply", "department_return",
    "resolve", "request_callback", "close", "reopen", "merge", "cancel",
)  # fmt: skip
DEPARTMENT_ACTIONS = ("department_reply", "department_return")
FORBIDDEN = [(status, action) for status in Status for action in ACTIONS if (status, action) not in ALLOWED]


def pair_id(value):
    return value.value if isinstance(value, Status) else str(value)


def last_transition(ticket: Ticket) -> TicketEvent:
    return ticket.events.filter(kind=TicketEvent.Kind.TRANSITION).order_by("created_at", "id").last()


# --- the matrix ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("status", "action"), list(ALLOWED), ids=pair_id)
def test_allowed_action_moves_the_status_and_writes_a_transition_event(org, status, action):
    # given a consultation driven to `status` by its owner
    ticket = ticket_in(org, status, ticket_type="consultation")
    actor = org.logistics_staff if action in DEPARTMENT_ACTIONS else org.agent
    version = ticket.version

    # when the action is performed
    after = perform(org, ticket, action, by=actor, now=LATER, note="已与顾客核实")

    # then the status moves and the timeline says who moved it from where to where, and why
    assert after.status == ALLOWED[(status, action)]
    assert after.version > version
    event = last_transition(after)
    assert (event.action, event.actor, event.from_status, event.to_status, event.note, event.created_at) == (
        action,
        actor,
        status,
        ALLOWED[(status, action)],
        "已与顾客核实",
        LATER,
    )


@pytest.mark.parametrize(("status", "action"), FORBIDDEN, ids=pair_id)
def test_action_outside_the_table_is_refused_and_changes_nothing(org, status, action):
    # given a consultation in `status` (and, for a department's answer, a dispatch to answer)
    ticket = ticket_in(org, status, ticket_type="consultation")
    if action in DEPARTMENT_ACTIONS and not ticket.dispatches.filter(state="pending").exists():
        stray_dispatch(org, ticket)
    before = stock(ticket)

    # when the owner (or the department) tries the action, then the state machine refuses it
    with pytest.raises(TransitionNotAllowed) as refused:
        perform(org, ticket, action, now=LATER)

    # and the message names the status it was refused in, and nothing was written
    assert str(Status(status).label) in refused.value.message
    assert stock(ticket) == before


def test_matrix_covers_every_status_and_action():
    assert len(ALLOWED) + len(FORBIDDEN) == len(Status) * len(ACTIONS)


def test_an_unknown_action_is_refused_by_name(org):
    ticket = new_ticket(org)
    before = stock(ticket)
    with pytest.raises(TransitionNotAllowed, match="teleport"):
        ticket_transition(ticket=ticket, action="teleport", by=org.agent, now=LATER)
    assert stock(ticket) == before


@pytest.mark.parametrize("action", ["merge", "dispatch", "department_reply", "department_return"])
def test_generic_transition_refuses_actions_that_have_their_own_service(org, action):
    ticket = ticket_in(org, S.IN_PROGRESS)
    before = stock(ticket)
    with pytest.raises(ValidationError) as refused:
        ticket_transition(ticket=ticket, action=action, by=org.agent, note="x", now=LATER)
    assert "action" in refused.value.errors
    assert stock(ticket) == before


# --- role guards -----------------------------------------------------------------------------------


def test_agent_of_another_group_cannot_accept(org):
    # given a self-service contact routed to group one
    ticket = new_ticket(org, by=None, channel="portal", group_id=org.group.pk)
    before = stock(ticket)
    # when an agent of group two tries to take it, then it is refused
    with pytest.raises(PermissionDenied):
        ticket_transition(ticket=ticket, action="accept", by=org.other_agent, now=LATER)
    assert stock(ticket) == before


def test_agent_of_the_group_can_accept_an_unowned_ticket(org):
    ticket = new_ticket(org, by=None, channel="portal", group_id=org.group.pk)
    ticket = ticket_transition(ticket=ticket, action="accept", by=org.agent2, now=LATER)
    assert (ticket.status, ticket.owner) == (S.ACCEPTED, org.agent2)


def test_department_staff_cannot_resolve(org):
    ticket = ticket_in(org, S.DEPARTMENT_REPLIED)
    before = stock(ticket)
    with pytest.raises(PermissionDenied):
        ticket_transition(ticket=ticket, action="resolve", by=org.logistics_staff, note="已处理", now=LATER)
    assert stock(ticket) == before


def test_agent_who_is_not_the_owner_cannot_resolve(org):
    # given agent2 shares the owner's group
    ticket = ticket_in(org, S.IN_PROGRESS)
    before = stock(ticket)
    with pytest.raises(PermissionDenied):
        ticket_transition(ticket=ticket, action="resolve", by=org.agent2, note="已处理", now=LATER)
    assert stock(ticket) == before


def test_lead_can_resolve_a_ticket_they_do_not_own(org):
    ticket = ticket_in(org, S.IN_PROGRESS)
    ticket = ticket_transition(
        ticket=ticket,
        action="resolve",
        by=org.supervisor,
        note="主管代为办结",
        customer_reply="已为您补发。",
        now=LATER,
    )
    assert ticket.status == S.RESOLVED
    assert (ticket.resolution, ticket.customer_reply) == ("主管代为办结", "已为您补发。")
    assert ticket.owner == org.agent  # the first-contact owner stays


def test_owner_cannot_close_a_resolved_complaint_without_the_callback(org):
    ticket = ticket_in(org, S.RESOLVED, ticket_type="complaint")
    before = stock(ticket)
    with pytest.raises(PermissionDenied):
        ticket_transition(ticket=ticket, action="close", by=org.agent, now=LATER)
    assert stock(ticket) == before


def test_supervisor_can_close_a_resolved_complaint(org):
    ticket = ticket_in(org, S.RESOLVED, ticket_type="complaint")
    ticket = ticket_transition(ticket=ticket, action="close", by=org.supervisor, now=LATER)
    assert (ticket.status, ticket.closed_at) == (S.CLOSED, LATER)


def test_owner_can_close_a_resolved_consultation(org):
    ticket = ticket_in(org, S.RESOLVED, ticket_type="consultation")
    ticket = ticket_transition(ticket=ticket, action="close", by=org.agent, now=LATER)
    assert ticket.status == S.CLOSED


def test_owner_can_close_a_complaint_after_the_callback(org):
    ticket = ticket_in(org, S.AWAITING_CALLBACK, ticket_type="complaint")
    ticket = ticket_transition(ticket=ticket, action="close", by=org.agent, now=LATER)
    assert ticket.status == S.CLOSED


def test_inactive_owner_cannot_act(org):
    ticket = ticket_in(org, S.ACCEPTED)
    org.agent.is_active = False
    org.agent.save()
    before = stock(ticket)
    with pytest.raises(PermissionDenied):
        ticket_transition(ticket=ticket, action="start", by=org.agent, now=LATER)
    assert stock(ticket) == before


SYSTEM_OK = {"customer_replied", "request_callback", "close", "reopen"}
CENTER_ONLY = [
    (status, action)
    for (status, action) in ALLOWED
    if action not in SYSTEM_OK and action not in ("merge", "dispatch", *DEPARTMENT_ACTIONS)
]
SYSTEM_PAIRS = [(status, action) for (status, action) in ALLOWED if action in SYSTEM_OK]


@pytest.mark.parametrize(("status", "action"), SYSTEM_PAIRS, ids=pair_id)
def test_system_may_perform_system_actions(org, status, action):
    # given a complaint: the system closes one after the callback, without a lead
    ticket = ticket_in(org, status)
    ticket = ticket_transition(ticket=ticket, action=action, by=None, note="回访：顾客不满意", now=LATER)
    assert ticket.status == ALLOWED[(status, action)]
    assert last_transition(ticket).actor is None


@pytest.mark.parametrize(("status", "action"), CENTER_ONLY, ids=pair_id)
def test_system_may_not_perform_a_persons_action(org, status, action):
    ticket = ticket_in(org, status)
    before = stock(ticket)
    with pytest.raises(PermissionDenied):
        ticket_transition(ticket=ticket, action=action, by=None, note="系统", now=LATER)
    assert stock(ticket) == before


@pytest.mark.parametrize(
    ("status", "who", "buttons"),
    [
        (S.NEW, "agent", {"accept", "merge", "cancel"}),  # the owner
        (S.NEW, "agent2", {"accept"}),  # the same group may take it, not cancel it
        (S.NEW, "other_agent", set()),  # another group: nothing
        (S.DISPATCHED, "agent", {"dispatch"}),  # the departments answer, not the owner
        (S.DISPATCHED, "logistics_staff", set()),  # answers through the dispatch, not a button
        (S.RESOLVED, "agent", {"request_callback", "reopen"}),  # a complaint: no close without callback
        (S.RESOLVED, "supervisor", {"request_callback", "close", "reopen"}),
        (S.CANCELLED, "supervisor", set()),
    ],
    ids=lambda v: v.value if isinstance(v, Status) else (v if isinstance(v, str) else None),
)
def test_buttons_offered_are_the_actions_the_person_may_take(org, status, who, buttons):
    ticket = ticket_in(org, status, group_id=org.group.pk)
    assert {t.action for t in workflow.available(ticket, getattr(org, who))} == buttons


# --- notes -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "action"),
    [(S.IN_PROGRESS, "wait_customer"), (S.IN_PROGRESS, "resolve"), (S.RESOLVED, "reopen"), (S.NEW, "cancel")],
    ids=pair_id,
)
@pytest.mark.parametrize("note", ["", "   \n"])
def test_action_that_needs_a_note_is_refused_without_one(org, status, action, note):
    ticket = ticket_in(org, status)
    before = stock(ticket)
    with pytest.raises(ValidationError) as refused:
        ticket_transition(ticket=ticket, action=action, by=org.supervisor, note=note, now=LATER)
    assert "note" in refused.value.errors
    assert "note" in refused.value.message
    assert stock(ticket) == before


def test_department_return_without_a_reason_is_refused(org):
    ticket = ticket_in(org, S.DISPATCHED)
    before = stock(ticket)
    with pytest.raises(ValidationError) as refused:
        perform(org, ticket, "department_return", note="  ", now=LATER)
    assert "return_reason" in refused.value.errors
    assert stock(ticket) == before


# --- merge -----------------------------------------------------------------------------------------


def test_ticket_cannot_be_merged_into_itself(org):
    ticket = ticket_in(org, S.ACCEPTED)
    before = stock(ticket)
    with pytest.raises(ValidationError) as refused:
        ticket_merge(ticket=ticket, into=ticket, by=org.agent, now=LATER)
    assert "into" in refused.value.errors
    assert stock(ticket) == before


def test_ticket_cannot_be_merged_into_a_closed_one(org):
    closed = ticket_in(org, S.CLOSED)
    ticket = ticket_in(org, S.ACCEPTED)
    before, closed_before = stock(ticket), stock(closed)
    with pytest.raises(ValidationError) as refused:
        ticket_merge(ticket=ticket, into=closed, by=org.agent, now=LATER)
    assert "into" in refused.value.errors
    assert closed.number in refused.value.message
    assert (stock(ticket), stock(closed)) == (before, closed_before)


def test_merged_ticket_ends_merged_and_the_target_records_it(org):
    # given a duplicate of an open work order
    target = ticket_in(org, S.IN_PROGRESS)
    duplicate = new_ticket(org, content="顾客第二次来电，说的是同一个快递", now=LATER)
    target_status = target.status

    # when the owner merges the duplicate into it
    ticket_merge(ticket=duplicate, into=target, by=org.agent, note="重复来电", now=LATER)

    # then the duplicate is merged into the target, and the target's timeline carries its words
    duplicate.refresh_from_db()
    target.refresh_from_db()
    assert (duplicate.status, duplicate.merged_into) == (S.MERGED, target)
    assert target.status == target_status
    event = target.events.get(kind=TicketEvent.Kind.MERGE)
    assert (event.actor, event.note, event.data["merged"]) == (org.agent, "重复来电", duplicate.number)
    assert "同一个快递" in event.data["content"]
    assert not SlaClock.objects.filter(ticket=duplicate).exclude(state=SlaClock.State.STOPPED).exists()


def test_merge_into_a_ticket_the_agent_cannot_see_is_refused(org):
    hidden = new_ticket(org, by="other_agent")  # group two's work
    ticket = ticket_in(org, S.ACCEPTED)
    before = stock(ticket)
    with pytest.raises(PermissionDenied):
        ticket_merge(ticket=ticket, into=hidden, by=org.agent, now=LATER)
    assert stock(ticket) == before


# --- reopen ----------------------------------------------------------------------------------------


def test_reopen_restarts_the_resolution_clock(org):
    # given a complaint resolved on Monday
    ticket = ticket_in(org, S.RESOLVED)
    assert not SlaClock.objects.filter(ticket=ticket, state=SlaClock.State.RUNNING).exists()
    tuesday_10 = aware(2026, 11, 24, 10, 0)

    # when the customer is not satisfied and it is reopened on Tuesday at 10:00
    ticket = ticket_transition(
        ticket=ticket, action="reopen", by=org.agent, note="顾客不满意", now=tuesday_10
    )

    # then a fresh 24-working-hour resolution clock runs from then: Tue 8 h + Wed 9 h + Thu 7 h
    clock = SlaClock.objects.get(ticket=ticket, target=SlaTarget.RESOLUTION, state=SlaClock.State.RUNNING)
    assert (clock.started_at, clock.due_at, clock.consumed_seconds) == (
        tuesday_10,
        aware(2026, 11, 26, 16, 0),
        0,
    )
    assert (ticket.status, ticket.resolved_at, ticket.closed_at) == (S.IN_PROGRESS, None, None)


def test_reopen_tells_the_owner(org):
    ticket = ticket_in(org, S.CLOSED)
    ticket_transition(ticket=ticket, action="reopen", by=None, note="回访不满意", now=LATER)
    assert notifications(org.agent, "reopened").filter(ticket=ticket).count() == 1
