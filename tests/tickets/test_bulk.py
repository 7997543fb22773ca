"""The bulk transition leaves every work order as the one-at-a-time path would, and skips what it must."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction

from kefu.tickets import workflow
from kefu.tickets.models import SlaClock, SlaTarget, Status, Ticket, TicketEvent
from kefu.tickets.services import ticket_transition, ticket_update, tickets_transition_bulk
from kefu.tickets.signals import events_recorded
from tests.org import build_org
from tests.tickets.helpers import MONDAY_9, new_ticket, perform, ticket_in

FRIDAY_17 = MONDAY_9 + timedelta(days=4, hours=8)


def end_state(ticket: Ticket) -> tuple:
    row = Ticket.objects.get(pk=ticket.pk)
    event = row.events.filter(kind=TicketEvent.Kind.TRANSITION).order_by("-id").first()
    clock = SlaClock.objects.get(ticket=row, target=SlaTarget.CALLBACK)
    return (
        row.status,
        row.version,
        row.updated_at,
        (event.action, event.from_status, event.to_status, event.actor_id, event.note, event.created_at),
        (
            clock.state,
            clock.calendar_id,
            clock.budget_seconds,
            clock.started_at,
            clock.due_at,
            clock.next_action_at,
        ),
    )


def test_bulk_leaves_the_same_end_state_as_one_at_a_time(org):
    one, many = ticket_in(org, Status.RESOLVED), ticket_in(org, Status.RESOLVED)
    ticket_transition(ticket=one, action="request_callback", by=None, now=FRIDAY_17)
    moved = tickets_transition_bulk(ticket_ids=[many.pk], action="request_callback", by=None, now=FRIDAY_17)
    assert moved == [many.pk]
    assert end_state(many) == end_state(one)
    # 24 working hours from Friday 17:00 on weekdays 09:00–18:00: Wednesday 14:00.
    assert end_state(many)[4][4] == FRIDAY_17 + timedelta(days=4, hours=21)


def test_work_order_reopened_meanwhile_is_left_alone(org):
    ticket = ticket_in(org, Status.RESOLVED)
    ticket = perform(org, ticket, "reopen")
    version = ticket.version
    assert tickets_transition_bulk(ticket_ids=[ticket.pk], action="request_callback", by=None) == []
    ticket.refresh_from_db()
    assert (ticket.status, ticket.version) == (Status.IN_PROGRESS, version)
    assert not SlaClock.objects.filter(ticket=ticket, target=SlaTarget.CALLBACK).exists()


def test_second_run_moves_nothing(org):
    ticket = ticket_in(org, Status.RESOLVED)
    assert tickets_transition_bulk(ticket_ids=[ticket.pk], action="request_callback", by=None) == [ticket.pk]
    assert tickets_transition_bulk(ticket_ids=[ticket.pk], action="request_callback", by=None) == []
    assert ticket.events.filter(action="request_callback").count() == 1
    assert SlaClock.objects.filter(ticket=ticket, target=SlaTarget.CALLBACK).count() == 1


def test_edit_saved_before_the_batch_is_kept_and_its_form_goes_stale(org):
    ticket = ticket_in(org, Status.RESOLVED)
    edited = ticket_update(ticket=ticket, by=org.agent, version=ticket.version, title="顾客补充说明")
    tickets_transition_bulk(ticket_ids=[ticket.pk], action="request_callback", by=None)
    ticket.refresh_from_db()
    assert (ticket.title, ticket.version) == ("顾客补充说明", edited.version + 1)


def test_guard_applies_to_the_person_acting(org):
    mine, theirs = ticket_in(org, Status.RESOLVED), ticket_in(org, Status.RESOLVED)
    Ticket.objects.filter(pk=theirs.pk).update(owner=org.other_agent, group=org.other_group)
    moved = tickets_transition_bulk(ticket_ids=[mine.pk, theirs.pk], action="request_callback", by=org.agent)
    assert moved == [mine.pk]
    assert Ticket.objects.get(pk=theirs.pk).status == Status.RESOLVED


def test_events_are_announced_once_with_their_ids(org):
    tickets = [ticket_in(org, Status.RESOLVED) for _ in range(3)]
    heard = []

    def listen(sender, events, **kwargs):
        heard.extend(events)

    events_recorded.connect(listen)
    try:
        tickets_transition_bulk(
            ticket_ids=[t.pk for t in tickets], action="request_callback", by=None, batch_size=2
        )
    finally:
        events_recorded.disconnect(listen)
    assert sorted(e.ticket_id for e in heard) == sorted(t.pk for t in tickets)
    assert all(e.pk and e.action == "request_callback" for e in heard)


@pytest.mark.parametrize(
    ("action", "status"),
    [
        ("reopen", Status.RESOLVED),  # needs a note
        ("customer_replied", Status.WAITING_CUSTOMER),  # resumes each clock on its own
        ("merge", Status.IN_PROGRESS),  # a service of its own
    ],
)
def test_action_without_a_bulk_path_is_refused(org, action, status):
    ticket = ticket_in(org, status)
    with pytest.raises(ValueError, match=action):
        tickets_transition_bulk(ticket_ids=[ticket.pk], action=action, by=org.agent)
    assert Ticket.objects.get(pk=ticket.pk).status == status


def test_bulk_actions_are_those_whose_declared_effects_apply_alike():
    assert workflow.BULK_ACTIONS == ["accept", "close", "request_callback", "start"]


def whole_state(ticket: Ticket) -> tuple:
    """Everything a transition may write: the row's lifecycle fields, its last event, every clock."""
    row = Ticket.objects.get(pk=ticket.pk)
    event = row.events.filter(kind=TicketEvent.Kind.TRANSITION).order_by("-id").first()
    clocks = SlaClock.objects.filter(ticket=row).order_by("target", "started_at")
    return (
        (row.status, row.version, row.updated_at, row.owner_id, row.resolution),
        (row.accepted_at, row.resolved_at, row.closed_at),
        (
            event.kind,
            event.action,
            event.from_status,
            event.to_status,
            event.actor_id,
            event.note,
            event.data,
        ),
        [
            (c.target, c.state, c.started_at, c.stopped_at, c.budget_seconds, c.due_at, c.next_action_at)
            for c in clocks
        ],
    )


def _unowned(org) -> Ticket:
    return new_ticket(org, by=None, channel="portal", ticket_type="consultation", group_id=org.group.pk)


@pytest.mark.parametrize("action", workflow.BULK_ACTIONS)
def test_every_bulk_action_leaves_what_the_single_path_leaves(org, action):
    # given two work orders alike in the action's first source status (accept: nobody owns them yet)
    source = workflow.BY_ACTION[action].sources[-1]  # close: from awaiting callback, its clock running
    if action == "accept":
        one, many = _unowned(org), _unowned(org)
    else:
        one, many = (ticket_in(org, source, ticket_type="consultation") for _ in range(2))
    # when one moves alone and the other in bulk, by the same person at the same moment
    ticket_transition(ticket=one, action=action, by=org.agent, now=FRIDAY_17)
    moved = tickets_transition_bulk(ticket_ids=[many.pk], action=action, by=org.agent, now=FRIDAY_17)
    # then both are left exactly alike, and the declared effects are there
    assert moved == [many.pk]
    assert whole_state(many) == whole_state(one)
    effects = workflow.BY_ACTION[action].effects
    row = Ticket.objects.get(pk=many.pk)
    assert all(getattr(row, field) == FRIDAY_17 for field in effects.sets_now)
    if effects.owner_if_unset:
        assert row.owner == org.agent


def test_work_order_locked_by_an_editor_is_skipped_then_moved_next_run(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite has no row locks to skip")
    org = build_org()
    busy, free = ticket_in(org, Status.RESOLVED), ticket_in(org, Status.RESOLVED)
    locked, release = threading.Event(), threading.Event()

    def edit():
        try:
            with transaction.atomic():
                Ticket.objects.select_for_update().get(pk=busy.pk)  # someone's save in progress
                locked.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    editor = threading.Thread(target=edit)
    editor.start()
    try:
        assert locked.wait(timeout=30)
        moved = tickets_transition_bulk(ticket_ids=[busy.pk, free.pk], action="request_callback", by=None)
    finally:
        release.set()
        editor.join(timeout=30)
    assert moved == [free.pk]
    assert Ticket.objects.get(pk=busy.pk).status == Status.RESOLVED
    assert tickets_transition_bulk(ticket_ids=[busy.pk, free.pk], action="request_callback", by=None) == [
        busy.pk
    ]
