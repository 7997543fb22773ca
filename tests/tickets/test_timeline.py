"""The timeline's one writer: every app's events reach the same listeners, and staff notifications
are derived from the event kinds (kefu.notify.staff), not called by the ticket services."""

from kefu.notify.models import Notification
from kefu.notify.staff import STAFF_NOTICES
from kefu.tickets.models import Status, TicketEvent
from kefu.tickets.services import message_receive
from kefu.tickets.signals import events_recorded
from kefu.tickets.timeline import new_event, record_event, record_events
from tests.tickets.helpers import MONDAY_9, new_ticket, ticket_in


def heard(events_seen):
    def listen(sender, events, **kwargs):
        events_seen.extend(events)

    return listen


def test_one_event_and_a_batch_both_reach_the_listeners_once(org):
    ticket = new_ticket(org)
    seen: list[TicketEvent] = []
    listener = heard(seen)
    events_recorded.connect(listener)
    try:
        one = record_event(ticket=ticket, kind=TicketEvent.Kind.NOTE, by=org.agent, note="客户来电催办")
        batch = record_events(
            [new_event(ticket=ticket, kind=TicketEvent.Kind.NOTE, by=None, note=f"第{i}次") for i in (1, 2)]
        )
    finally:
        events_recorded.disconnect(listener)
    assert [e.pk for e in seen] == [one.pk, *(e.pk for e in batch)]
    assert all(e.pk for e in seen)
    assert ticket.events.filter(kind=TicketEvent.Kind.NOTE).count() == 3


def test_a_staff_notification_comes_from_the_event_kind_whoever_wrote_the_event(org):
    """A reopen written straight to the timeline notifies the owner as the transition service would."""
    ticket = ticket_in(org, Status.RESOLVED)
    record_event(
        ticket=ticket, kind=TicketEvent.Kind.TRANSITION, by=org.supervisor, action="reopen",
        from_status=Status.RESOLVED, to_status=Status.IN_PROGRESS, note="客户不满意",
    )  # fmt: skip
    notice = Notification.objects.get(user=org.agent, kind="reopened")
    assert notice.ticket_id == ticket.pk and notice.body == "客户不满意"


def test_an_event_kind_without_a_row_in_the_table_notifies_nobody(org):
    ticket = new_ticket(org)
    assert (TicketEvent.Kind.NOTE, "") not in STAFF_NOTICES
    before = Notification.objects.count()
    record_event(ticket=ticket, kind=TicketEvent.Kind.NOTE, by=org.agent, note="内部备注")
    assert Notification.objects.count() == before


def test_a_customer_answer_to_a_work_order_waiting_on_them_tells_the_owner(org):
    """The answer wakes the work order (its clocks run again) and its owner hears of it."""
    ticket = ticket_in(org, Status.WAITING_CUSTOMER)
    message_receive(ticket=ticket, channel="email", body_text="发票抬头是杭州某公司", now=MONDAY_9)
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
    assert Notification.objects.filter(user=org.agent, kind="customer_message", ticket=ticket).exists()
