"""Writes of the phone channel: CTI events (振铃/接听/挂机), screen pop, call ↔ work-order links.

The call-log importers live in kefu.callcenter.imports; they write through `store_calls` in its storage module.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from kefu.accounts.models import User
from kefu.callcenter.models import LIVE_OUTCOMES, CallRecord, Direction, Outcome, Source
from kefu.callcenter.selectors import agent_for, customer_ids_by_phone, phone_key
from kefu.core.errors import NotFound, PermissionDenied, ValidationError
from kefu.customers.models import Customer
from kefu.notify.consumers import user_group
from kefu.tickets.models import OPEN_STATUSES, Channel, Ticket

log = logging.getLogger(__name__)

# A work order recorded by phone this long after the agent's call ended still belongs to that call
# (agents often finish typing after hanging up).
LINK_AFTER_HANGUP = timedelta(minutes=15)
# ... and a call offered longer ago than this is not "the call being handled" any more.
LINK_CALL_MAX_AGE = timedelta(hours=4)

# A longer wait, talk, hold or wrap-up is a garbled value, not a call (as the importers read it).
MAX_CALL_SECONDS = 86_400

# Final outcomes a hang-up may state; without one it is answered if it was answered, else abandoned.
HANGUP_OUTCOMES = {
    Outcome.ANSWERED,
    Outcome.ABANDONED,
    Outcome.TRANSFERRED,
    Outcome.TIMED_OUT,
    Outcome.FAILED,
}


def _seconds(start: datetime | None, end: datetime | None) -> int | None:
    if start is None or end is None:
        return None
    return max(0, int((end - start).total_seconds()))


def _locked_call(call_id: str, at: datetime, now: datetime) -> tuple[CallRecord, bool]:
    """The CTI call `call_id`, locked; created (arrived at `at`) if this is its first event.

    Two events of one call may arrive at once on two web processes; the row lock serialises them,
    and the unique (source, external_id) key makes the loser of a creation race read the winner's row.
    """
    qs = CallRecord.objects.select_for_update()
    call = qs.filter(source=Source.CTI, external_id=call_id).first()
    if call is not None:
        return call, False
    try:
        with transaction.atomic():
            call = CallRecord.objects.create(
                source=Source.CTI, external_id=call_id, arrived_at=at, outcome=Outcome.RINGING, created_at=now
            )
        return call, True
    except IntegrityError:
        return qs.get(source=Source.CTI, external_id=call_id), False


@transaction.atomic
def cti_event(
    *,
    event: str,
    call_id: str,
    by: User | None,
    at: datetime | None = None,
    caller: str = "",
    called: str = "",
    agent: str = "",
    queue: str = "",
    direction: str = "",
    outcome: str = "",
    wrapup_seconds: int | None = None,
    hold_seconds: int | None = None,
    wrapup_code: str = "",
    recording_url: str = "",
    now: datetime | None = None,
) -> CallRecord:
    """Apply one PBX event (ring, answer, hangup) to the call it names; safe to repeat.

    ring: records the call, finds the caller's customer by phone and pops their card on the agent's
    workspace (once per agent). answer: sets the answer time and wait. hangup: sets the end, the talk
    time, the final outcome and the hold and wrap-up times the PBX states. Events may arrive out of order or twice; a time already recorded is
    kept. An agent Kefu cannot match is stored as the PBX names it (agent_code), with no pop.
    Refuses unknown events, naive times, outcomes a hang-up cannot have, and durations outside
    0–86400 s.
    """
    now = now or timezone.now()
    at = at or now
    if timezone.is_naive(at):
        raise ValidationError.for_field("at", _("Give the time with its UTC offset."))
    if event not in {"ring", "answer", "hangup"}:
        raise ValidationError.for_field("event", _("Unknown event; use ring, answer or hangup."))
    if outcome and (event != "hangup" or outcome not in HANGUP_OUTCOMES):
        raise ValidationError.for_field(
            "outcome",
            _("Only a hangup states an outcome: answered, abandoned, transferred, timed_out or failed."),
        )
    for name, seconds in (("wrapup_seconds", wrapup_seconds), ("hold_seconds", hold_seconds)):
        if seconds is not None and (isinstance(seconds, bool) or not 0 <= seconds <= MAX_CALL_SECONDS):
            raise ValidationError.for_field(name, _("Give a number of seconds from 0 to 86400."))
    if direction and direction not in Direction.values:
        raise ValidationError.for_field("direction", _("Use inbound, outbound or internal."))
    # An agent Kefu does not know (an IVR port, a new hire without an agent line) is kept as the PBX
    # named it: refusing the event would lose the call.
    user = agent_for(agent) if agent else None
    call, _created = _locked_call(call_id, at, now)
    changed: set[str] = set()

    def put(field: str, value) -> None:
        if getattr(call, field) != value:
            setattr(call, field, value)
            changed.add(field)

    if at < call.arrived_at and event == "ring":
        put("arrived_at", at)  # a late ring after an answer: the ring's time is the arrival
    if caller and not call.caller_number:
        put("caller_number", phone_key(caller))
        customer_id = customer_ids_by_phone([call.caller_number]).get(call.caller_number)
        if customer_id and call.customer_id is None:
            put("customer_id", customer_id)
    if called and not call.called_number:
        put("called_number", called[:40])
    if queue and not call.queue:
        put("queue", queue[:80])
    if direction:
        put("direction", direction)
    popped_to = None
    if user is not None and call.agent_id != user.pk and (event == "ring" or call.agent_id is None):
        put("agent_id", user.pk)
        put("agent_code", agent[:80])
        if event == "ring":
            popped_to = user
    elif agent and user is None and call.agent_id is None and call.agent_code != agent[:80]:
        put("agent_code", agent[:80])
    if event == "answer" and call.answered_at is None:
        put("answered_at", max(at, call.arrived_at))
        put("wait_seconds", _seconds(call.arrived_at, call.answered_at))
        if call.outcome in LIVE_OUTCOMES:
            put("outcome", Outcome.IN_PROGRESS)
    if event == "hangup" and call.ended_at is None:
        put("ended_at", max(at, call.answered_at or call.arrived_at))
        final = outcome or (Outcome.ANSWERED if call.answered_at else Outcome.ABANDONED)
        put("outcome", final)
        if call.answered_at:
            put("talk_seconds", _seconds(call.answered_at, call.ended_at))
        else:
            put("wait_seconds", _seconds(call.arrived_at, call.ended_at))
    if event == "hangup":
        if wrapup_seconds is not None:
            put("wrapup_seconds", wrapup_seconds)
        if hold_seconds is not None:
            put("hold_seconds", hold_seconds)
        if wrapup_code:
            put("wrapup_code", wrapup_code[:80])
        if recording_url:
            put("recording_url", recording_url[:500])
    if changed:
        call.save(update_fields=sorted(changed))
    if popped_to is not None:
        pop = screen_pop_payload(call=call, agent=popped_to)
        transaction.on_commit(lambda: _push(popped_to.pk, pop))
    return call


def screen_pop_payload(*, call: CallRecord, agent: User) -> dict:
    """弹屏: what the agent's workspace shows on ring — the caller's card and their open work orders."""
    from kefu.tickets.permissions import visible_tickets

    customer = Customer.objects.prefetch_related("phones").filter(pk=call.customer_id).first()
    tickets = visible_tickets(agent).filter(status__in=OPEN_STATUSES)
    if customer is not None:
        tickets = tickets.filter(customer=customer)
    elif call.caller_number:
        tickets = tickets.filter(customer_phone=call.caller_number)
    else:
        tickets = tickets.none()
    workspace = reverse("workspace:home")
    with translation.override(settings.LANGUAGE_CODE):
        return {
            "kind": "screen_pop",
            "title": _("Incoming call from %(number)s")
            % {"number": call.caller_number or _("unknown number")},
            "call": call.pk,
            "call_id": call.external_id,
            "caller": call.caller_number,
            "queue": call.queue,
            "customer": None
            if customer is None
            else {
                "id": customer.pk,
                "name": customer.name,
                "tier": customer.tier_id,
                "tier_label": customer.tier.name,
                "phones": [p.number for p in customer.phones.all()],
                "url": reverse("customers:detail", args=[customer.pk]),
            },
            "tickets": [
                {
                    "number": t.number,
                    "title": t.title,
                    "status": t.status,
                    "status_label": str(t.get_status_display()),
                    "url": f"{workspace}tickets/{t.number}/",
                }
                for t in tickets.order_by("-created_at")[:10]
            ],
            "new_ticket_url": reverse("tickets:capture") + "?" + urlencode({"phone": call.caller_number}),
            "labels": {
                "customer": _("Customer"),
                "unknown": _("Not a known customer"),
                "open_tickets": _("Open work orders"),
                "none": _("No open work orders"),
                "new_ticket": _("New work order for this caller"),
                "close": _("Close"),
            },
        }


def _push(user_id: int, payload: dict) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(user_group(user_id), {"type": "notify", "payload": payload})
    except Exception:  # a pop is best effort; the call record is the record
        log.exception("screen pop to user %s failed", user_id)


@transaction.atomic
def call_link_ticket(*, call: CallRecord, ticket: Ticket, by: User | None) -> CallRecord:
    """Record that this call is about this work order (the customer follows the work order's if unset).

    Refuses people outside the service center and a call already linked to another work order.
    """
    if by is not None and not by.is_center_staff:
        raise PermissionDenied(_("Only service-center staff link calls to work orders."))
    call = CallRecord.objects.select_for_update().get(pk=call.pk)
    if call.ticket_id == ticket.pk:
        return call
    if call.ticket_id is not None:
        raise ValidationError.for_field("ticket", _("This call is already linked to another work order."))
    call.ticket = ticket
    fields = ["ticket"]
    if call.customer_id is None and ticket.customer_id is not None:
        call.customer_id = ticket.customer_id
        fields.append("customer")
    call.save(update_fields=fields)
    return call


def call_link_new_ticket(*, ticket: Ticket, now: datetime | None = None) -> CallRecord | None:
    """Link a phone work order to the call its recorder is on (or has just finished), if any.

    The call from the work order's phone number wins; otherwise the agent's latest unlinked call.
    Runs inside ticket_create's transaction (from a post_save signal).
    """
    if ticket.channel != Channel.PHONE or ticket.created_by_id is None:
        return None
    now = now or ticket.created_at or timezone.now()
    # The agent's unlinked calls that arrived within LINK_CALL_MAX_AGE and are still on or ended
    # within LINK_AFTER_HANGUP; the one from this number first, else the latest. In SQL: every
    # phone work order asks this inside its creation, and the ORM took ten times as long to
    # build the statement as the database to answer it.
    adapt = connection.ops.adapt_datetimefield_value
    phone = phone_key(ticket.customer_phone)
    sql = (
        f"SELECT id FROM {CallRecord._meta.db_table} WHERE agent_id = %s AND ticket_id IS NULL "
        "AND arrived_at >= %s AND (ended_at IS NULL OR ended_at >= %s) ORDER BY "
        + ("CASE WHEN caller_number = %s THEN 1 ELSE 0 END DESC, " if phone else "")
        + "arrived_at DESC, id DESC LIMIT 1"
    )
    params = [ticket.created_by_id, adapt(now - LINK_CALL_MAX_AGE), adapt(now - LINK_AFTER_HANGUP)]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, phone] if phone else params)
        row = cursor.fetchone()
    if row is None:
        return None
    # Only the id: call_link_ticket reads the row again under its lock.
    return call_link_ticket(call=CallRecord(pk=row[0]), ticket=ticket, by=None)


def call_by_id(call_pk: int) -> CallRecord:
    call = CallRecord.objects.filter(pk=call_pk).first()
    if call is None:
        raise NotFound(_("No such call."))
    return call
