"""A dispatch deadline after the work order's own resolution deadline is accepted with a warning,
recorded on the timeline and listed on the supervisor board.

The default policy of tests.org gives 24 working hours to resolve on weekdays 09:00–18:00: a
complaint recorded Monday 2026-11-23 09:00 is due Wednesday 11-25 15:00.
"""

from datetime import timedelta

from django.utils.dateparse import parse_datetime

from kefu.tickets import selectors
from kefu.tickets.models import Status, TicketEvent
from kefu.tickets.services import dispatch_reply, ticket_dispatch
from kefu.tickets.services.dispatch import dispatch_warnings, resolution_due
from tests.factories import aware
from tests.tickets.helpers import MONDAY_9, ticket_in

DUE = aware(2026, 11, 25, 15, 0)


def dispatched(org, deadline, department=None):
    ticket = ticket_in(org, Status.IN_PROGRESS)
    [sent] = ticket_dispatch(
        ticket=ticket,
        by=org.agent,
        department_ids=[(department or org.logistics).pk],
        deadline=deadline,
        now=MONDAY_9 + timedelta(minutes=5),
    )
    return ticket, sent


def test_the_resolution_deadline_is_the_running_clock(org):
    ticket = ticket_in(org, Status.IN_PROGRESS)

    assert resolution_due(ticket) == DUE


def test_a_deadline_after_the_work_orders_own_is_accepted_with_a_warning(org):
    ticket, sent = dispatched(org, DUE + timedelta(days=1))

    assert ticket.dispatches.count() == 1
    [warning] = dispatch_warnings(sent)
    assert warning["code"] == "deadline_after_resolution"
    assert "2026-11-25 15:00" in warning["message"] and "2026-11-26 15:00" in warning["message"]
    event = ticket.events.get(kind=TicketEvent.Kind.TRANSITION, action="dispatch")
    assert parse_datetime(event.data["late_for_resolution"]) == DUE


def test_a_deadline_before_the_work_orders_own_warns_nothing(org):
    ticket, sent = dispatched(org, DUE - timedelta(hours=1))

    assert dispatch_warnings(sent) == []
    event = ticket.events.get(kind=TicketEvent.Kind.TRANSITION, action="dispatch")
    assert "late_for_resolution" not in event.data


def test_the_board_lists_waiting_dispatches_due_after_their_work_order(org):
    late_ticket, late = dispatched(org, DUE + timedelta(days=1))
    dispatched(org, DUE - timedelta(hours=1), department=org.store)

    rows = selectors.supervisor_board(user=org.supervisor)["late_dispatches"]

    assert [(d.pk, d.resolution_due) for d in rows] == [(late.pk, DUE)]
    # answered, it is no longer a worry
    dispatch_reply(dispatch=late, by=org.logistics_staff, reply="已处理", now=MONDAY_9 + timedelta(hours=2))
    assert selectors.supervisor_board(user=org.supervisor)["late_dispatches"] == []
    assert dispatch_warnings(late_ticket.dispatches.get()) == []
