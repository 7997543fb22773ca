"""Steps shared by the work-order service tests: record a contact, drive it to a status, take stock."""

from datetime import datetime

from kefu.notify.models import Notification
from kefu.tickets.models import Dispatch, Escalation, SlaClock, SlaPolicy, Status, Ticket, TicketEvent
from kefu.tickets.services import (
    dispatch_reply,
    dispatch_return,
    ticket_create,
    ticket_dispatch,
    ticket_merge,
    ticket_transition,
)
from tests.factories import aware

# Monday 2026-11-23, an ordinary working week in Asia/Shanghai (09:00–18:00 on the default calendar).
MONDAY_9 = aware(2026, 11, 23, 9, 0)


def new_ticket(org, *, by="agent", now: datetime = MONDAY_9, **fields) -> Ticket:
    """A complaint recorded by `by` (an Org attribute name, or None for a self-service contact)."""
    actor = getattr(org, by) if isinstance(by, str) else by
    values = {
        "ticket_type": "complaint",
        "channel": "phone",
        "content": "快递三天没有送到，客服电话也打不通",
        "customer_name": "张女士",
        "customer_phone": "13800138000",
    }
    values.update(fields)
    return ticket_create(by=actor, now=now, **values).ticket


#: The reply to the customer `perform` gives when resolving (the transitions that do not ask ignore it).
REPLY = "已为您处理完毕，感谢您的耐心等待。"


# How to reach each status from "new" with the services, as the owner (org.agent) would.
PATHS = {
    Status.NEW: [],
    Status.ACCEPTED: ["accept"],
    Status.IN_PROGRESS: ["accept", "start"],
    Status.WAITING_CUSTOMER: ["accept", "start", "wait_customer"],
    Status.DISPATCHED: ["accept", "start", "dispatch"],
    Status.DEPARTMENT_REPLIED: ["accept", "start", "dispatch", "department_reply"],
    Status.RESOLVED: ["accept", "start", "resolve"],
    Status.AWAITING_CALLBACK: ["accept", "start", "resolve", "request_callback"],
    Status.CLOSED: ["accept", "start", "resolve", "request_callback", "close"],
    Status.MERGED: ["merge"],
    Status.CANCELLED: ["cancel"],
}


def perform(
    org, ticket: Ticket, action: str, *, by=None, now: datetime = MONDAY_9, note: str = "处理说明"
) -> Ticket:
    """Do `action` through the service a person would use for it; return the work order re-read.

    `by` defaults to the owner (org.agent), or to the dispatched department's staff for its answers.
    """
    if action == "dispatch":
        pending = set(
            ticket.dispatches.filter(state=Dispatch.State.PENDING).values_list("department_id", flat=True)
        )
        department = org.store if org.logistics.pk in pending else org.logistics
        ticket_dispatch(
            ticket=ticket, by=by or org.agent, department_ids=[department.pk], instructions=note, now=now
        )
    elif action in ("department_reply", "department_return"):
        dispatch = ticket.dispatches.filter(state=Dispatch.State.PENDING).first() or stray_dispatch(
            org, ticket, now
        )
        staff = by or (org.logistics_staff if dispatch.department_id == org.logistics.pk else org.store_staff)
        if action == "department_reply":
            dispatch_reply(dispatch=dispatch, by=staff, reply=note, now=now)
        else:
            dispatch_return(dispatch=dispatch, by=staff, reason=note, now=now)
    elif action == "merge":
        target = new_ticket(org, now=now, content="同一件事，顾客又打来一次")
        ticket_merge(ticket=ticket, into=target, by=by or org.agent, note=note, now=now)
    else:
        ticket_transition(
            ticket=ticket, action=action, by=by or org.agent, note=note, customer_reply=REPLY, now=now
        )
    return Ticket.objects.get(pk=ticket.pk)


def stray_dispatch(org, ticket: Ticket, now: datetime = MONDAY_9) -> Dispatch:
    """A pending dispatch written directly, so a department can answer a work order in any status
    and the state machine, not the missing row, decides."""
    return Dispatch.objects.create(
        ticket=ticket, department=org.logistics, deadline=now, created_by=org.agent, created_at=now
    )


def ticket_in(org, status: str, *, now: datetime = MONDAY_9, **fields) -> Ticket:
    """A work order recorded by org.agent and driven to `status` with the services."""
    ticket = new_ticket(org, now=now, **fields)
    for action in PATHS[status]:
        ticket = perform(org, ticket, action, now=now)
    assert ticket.status == status
    return ticket


def stock(ticket: Ticket) -> tuple:
    """What a refused action must leave untouched: the row, its timeline, dispatches, escalations,
    notifications and SLA clocks."""
    row = Ticket.objects.get(pk=ticket.pk)
    return (
        row.status,
        row.version,
        row.owner_id,
        TicketEvent.objects.filter(ticket=row).count(),
        sorted(Dispatch.objects.filter(ticket=row).values_list("pk", "state")),
        Escalation.objects.filter(ticket=row).count(),
        Notification.objects.filter(ticket=row).count(),
        sorted(SlaClock.objects.filter(ticket=row).values_list("pk", "state", "due_at")),
    )


def default_calendar():
    """The calendar build_org() gives its default policy: weekdays 09:00–18:00, Chinese holidays."""
    return SlaPolicy.objects.get(name="默认").calendar


def notifications(user, kind: str | None = None):
    qs = Notification.objects.filter(user=user)
    return qs.filter(kind=kind) if kind else qs
