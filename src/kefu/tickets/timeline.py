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

What the system says about an event is stored as a code and its parameters (`code=`, `params=`,
kept in `data["code"]` and `data["params"]`), never as a sentence: `describe` renders it in the
reader's language when it is shown (the page, the API's `text`, notifications). `note` holds only
what a person typed (an agent's note, a customer's comment). Each code's renderer is registered in
`EVENT_TEXTS` by the app that writes it, in its `AppConfig.ready()`.
"""

from collections.abc import Callable, Sequence
from datetime import datetime

from django.utils import timezone, translation

from kefu.accounts.models import User
from kefu.core.registry import Registry
from kefu.core.rows import build, insert_many, save_new
from kefu.tickets.models import Escalation, SlaTarget, Ticket, TicketEvent
from kefu.tickets.signals import events_recorded

Kind = TicketEvent.Kind

#: The system's sentences by code: each renders an event's params in the active language.
EVENT_TEXTS: Registry[Callable[[dict], str]] = Registry("tickets.event_texts")


def describe(event: TicketEvent) -> str:
    """What the system says about `event`, in the reader's (the active) language; "" if nothing.

    Shown beside the event's note, which is what a person typed. Events written before codes
    existed say nothing here and keep their stored note (see `typed_note`).
    """
    data = event.data or {}
    code = data.get("code")
    if not code:
        return ""
    render = EVENT_TEXTS.get(code, None)
    return render(data.get("params") or {}) if render is not None else ""


def typed_note(event: TicketEvent) -> str:
    """The event's note as a person typed it. An event written before codes existed kept a breach's or
    an escalation's label there, in the language of the moment: shown in the reader's language."""
    data = event.data or {}
    if "code" in data:
        return event.note
    if event.kind == Kind.SLA_BREACH and data.get("target") in SlaTarget.values:
        return str(SlaTarget(data["target"]).label)
    if event.kind == Kind.ESCALATION and data.get("reason") in Escalation.Reason.values:
        reason = Escalation.Reason(data["reason"])
        stored = set()
        for language in ("en", "zh-hans"):
            with translation.override(language):
                stored.add(str(reason.label))
        if event.note in stored:
            return str(reason.label)
    return event.note


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
    code: str = "",
    params: dict | None = None,
) -> TicketEvent:
    """An unsaved event, for `record_events` (a batch). `by=None` is the system.

    `code` and `params`: what the system says, rendered by `describe` (a code registered in
    EVENT_TEXTS); `note`: only what a person typed."""
    if code:
        data = {**(data or {}), "code": code, "params": params or {}}
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
    code: str = "",
    params: dict | None = None,
) -> TicketEvent:
    """Write one event on `ticket`'s timeline and announce it; returns the saved event.

    Call it inside the transaction of the change it records: the listeners' side effects leave
    only after that transaction commits.
    """
    event = new_event(
        ticket=ticket, kind=kind, by=by, now=now, action=action, from_status=from_status,
        to_status=to_status, note=note, data=data, code=code, params=params,
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
