"""The work-order timeline (处理记录): its one writer, used by every app.

Whatever records something on a work order — a transition, a note, a dispatch, a callback's
outcome, a portal addition, a sweep's breaches — writes it through `record_event` (one event) or
`record_events` (a batch made with `new_event`). A fast path that inserted the rows itself (the
bulk transition's INSERT ... SELECT) hands them to `announce`.

Every event written reaches its listeners through one signal, `kefu.tickets.signals.events_recorded`,
whichever path wrote it. The apps above tickets derive their side effects from the event's kind
there, inside the event's transaction: kefu.notify tells staff, messages the customer and calls
webhooks; kefu.callbacks sends the survey of a resolved work order. Tickets itself knows none of
them, so a new side effect is a receiver, not another call in a service.
"""

from collections.abc import Sequence
from datetime import datetime

from django.utils import timezone

from kefu.accounts.models import User
from kefu.core.rows import build, insert_many, save_new
from kefu.tickets.models import Ticket, TicketEvent
from kefu.tickets.signals import events_recorded

Kind = TicketEvent.Kind


def new_event(
    *,
    ticket: Ticket,
    kind: str,
    by: User | None,
    now: datetime | None = None,
    action: str = "",
    from_status: str = "",
    to_status: str = "",
    note: str = "",
    data: dict | None = None,
) -> TicketEvent:
    """An unsaved event, for `record_events` (a batch). `by=None` is the system."""
    return build(
        TicketEvent,
        ticket=ticket,
        kind=kind,
        actor=by,
        created_at=now or timezone.now(),
        action=action,
        from_status=from_status,
        to_status=to_status,
        note=note,
        data=data or {},
    )


def record_event(
    *,
    ticket: Ticket,
    kind: str,
    by: User | None,
    now: datetime | None = None,
    action: str = "",
    from_status: str = "",
    to_status: str = "",
    note: str = "",
    data: dict | None = None,
) -> TicketEvent:
    """Write one event on `ticket`'s timeline and announce it; returns the saved event.

    Call it inside the transaction of the change it records: the listeners' side effects leave
    only after that transaction commits.
    """
    event = new_event(
        ticket=ticket, kind=kind, by=by, now=now, action=action, from_status=from_status,
        to_status=to_status, note=note, data=data,
    )  # fmt: skip
    save_new(event)  # a plain INSERT: a new work order's event is on the hot path (kefu.core.rows)
    announce([event])
    return event


def record_events(events: Sequence[TicketEvent]) -> Sequence[TicketEvent]:
    """Write a batch of events made with `new_event` (one INSERT, COPY on PostgreSQL) and announce them."""
    if not events:
        return events
    insert_many(events)
    announce(events)
    return events


def announce(events: Sequence[TicketEvent]) -> None:
    """Tell the listeners about events already written (by record_event(s), or by a fast path's own
    INSERT that returned their ids). Each event must carry its work order (`event.ticket`)."""
    if events:
        events_recorded.send(sender=TicketEvent, events=list(events))
