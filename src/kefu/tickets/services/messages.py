"""Correspondence with the customer on a work order (沟通记录), whatever the channel.

One mechanism for every channel:
- `message_receive` records what the customer sent (an email, a portal addition, a chat line, an SMS).
  It is idempotent on the channel's own id (`external_id`), wakes a work order that was waiting on the
  customer (the paused SLA clocks run again) and tells the owner.
- `message_reply` records what staff send back and hands it to the channel's sender after the
  transaction commits. Channels register a sender in their AppConfig.ready() with
  `SENDERS.register(deliver, key=channel)`; a channel
  without one (a reply given by phone, in person or by letter) is simply recorded.
- `message_deliver` is what the worker runs: it calls the sender and notes sent or failed. Safe to run
  twice: a message already sent is not sent again.
"""

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.models import User
from kefu.core.errors import FieldCode, PermissionDenied, ValidationError
from kefu.core.html import sanitize, to_text
from kefu.core.registry import Registry
from kefu.core.tasks import run_later
from kefu.tickets import permissions, workflow
from kefu.tickets.models import Channel, Message, Status, Ticket, TicketEvent
from kefu.tickets.timeline import record_event

log = logging.getLogger(__name__)

#: channel → deliver(message) -> dict of delivery facts (stored in message.data["delivery"]).
#: A sender raises to report a failure; its text is kept on the message.
Sender = Callable[[Message], dict | None]
SENDERS: Registry[Sender] = Registry("tickets.senders")
CLOSED_FOR_REPLIES = (Status.MERGED, Status.CANCELLED)
MAX_ATTEMPTS = 5
#: A pending reply nobody claimed for this long lost its delivery task: the retry sends it.
UNCLAIMED_AFTER = timedelta(minutes=5)


def _message_event(ticket: Ticket, kind: str, by: User | None, message: Message, **data) -> None:
    record_event(
        ticket=ticket,
        kind=kind,
        by=by,
        now=message.created_at,
        note=message.body_text[:2000],
        data={"message": message.pk, "channel": message.channel, **data},
    )


@transaction.atomic
def message_receive(
    *,
    ticket: Ticket,
    channel: str,
    body_text: str = "",
    body_html: str = "",
    author_name: str = "",
    address: str = "",
    subject: str = "",
    external_id: str = "",
    in_reply_to: str = "",
    data: dict | None = None,
    notify_owner: bool = True,
    now: datetime | None = None,
) -> tuple[Message, bool]:
    """Record a message from the customer; returns (message, created).

    The same `external_id` on the same channel returns the stored message and changes nothing.
    `notify_owner=False` for a live conversation the owner is already taking part in (chat).
    Refuses an empty message and an unknown channel.
    """
    now = now or timezone.now()
    if channel not in Channel.values:
        message = _("Unknown channel “%(channel)s”.") % {"channel": channel}
        raise ValidationError.for_field("channel", message, FieldCode.INVALID_CHOICE)
    external_id = (external_id or "").strip()[:255]
    if external_id:
        # The partial unique index's own condition (external_id <> ""): without it SQLite scans the table.
        existing = (
            Message.objects.filter(channel=channel, external_id=external_id).exclude(external_id="").first()
        )
        if existing is not None:
            return existing, False
    body_html = sanitize(body_html)
    body_text = (body_text or "").strip() or to_text(body_html)
    if not body_text and not (data or {}).get("attachments"):
        raise ValidationError.for_field("body_text", _("The message is empty."), FieldCode.REQUIRED)
    try:
        with transaction.atomic():  # a concurrent receiver of the same message wins; we return theirs
            message = Message.objects.create(
                ticket=ticket,
                direction=Message.Direction.INBOUND,
                channel=channel,
                author_name=author_name[:200],
                address=address[:254],
                subject=subject[:255],
                body_text=body_text,
                body_html=body_html,
                external_id=external_id,
                in_reply_to=(in_reply_to or "")[:255],
                delivery=Message.Delivery.RECEIVED,
                data=data or {},
                created_at=now,
            )
    except IntegrityError:
        return Message.objects.get(channel=channel, external_id=external_id), False
    # "live": a chat line in a conversation the owner takes part in; kefu.notify tells the owner
    # of the others (kefu.notify.staff).
    _message_event(
        ticket, TicketEvent.Kind.MESSAGE_IN, None, message, **({} if notify_owner else {"live": True})
    )
    if ticket.status == Status.WAITING_CUSTOMER:
        from kefu.tickets.services.tickets import ticket_transition

        ticket_transition(ticket=ticket, action="customer_replied", by=None, now=now)
    return message, True


def can_reply(user: User, ticket: Ticket) -> bool:
    """Service-center staff who may work on the work order; departments answer through dispatch."""
    return ticket.status not in CLOSED_FOR_REPLIES and workflow.center_agent(ticket, user)


@transaction.atomic
def message_reply(
    *,
    ticket: Ticket,
    by: User | None,
    body_text: str,
    channel: str | None = None,
    subject: str = "",
    body_html: str = "",
    data: dict | None = None,
    now: datetime | None = None,
    queue: bool = True,
) -> Message:
    """Answer the customer on `channel` (default: the one they used).

    Refuses staff who may not work on the work order, merged or cancelled work orders, an empty
    text and an unknown channel. The message leaves after the transaction commits; `queue=False`
    when the caller hands it to the worker itself, after the commit too (the mail intake queues
    a batch's acknowledgements as one task).
    """
    now = now or timezone.now()
    if by is not None and not can_reply(by, ticket):
        if not permissions.can_view(by, ticket):
            raise PermissionDenied(_("You may not see this work order."))
        raise PermissionDenied(
            _("You may not answer the customer on %(number)s.") % {"number": ticket.number}
        )
    if by is None and ticket.status in CLOSED_FOR_REPLIES:
        raise PermissionDenied(_("%(number)s is closed for replies.") % {"number": ticket.number})
    channel = channel or ticket.channel
    if channel not in Channel.values:
        message = _("Unknown channel “%(channel)s”.") % {"channel": channel}
        raise ValidationError.for_field("channel", message, FieldCode.INVALID_CHOICE)
    body_html = sanitize(body_html)
    body_text = (body_text or "").strip() or to_text(body_html)
    if not body_text:
        raise ValidationError.for_field("body_text", _("Write the reply first."), FieldCode.REQUIRED)
    sender = SENDERS.get(channel, None)
    message = Message.objects.create(
        ticket=ticket,
        direction=Message.Direction.OUTBOUND,
        channel=channel,
        author=by,
        author_name=by.label if by is not None else "",
        address=_customer_address(ticket, channel),
        subject=subject[:255],
        body_text=body_text,
        body_html=body_html,
        delivery=Message.Delivery.PENDING if sender else Message.Delivery.RECORDED,
        data=data or {},
        created_at=now,
    )
    _message_event(ticket, TicketEvent.Kind.MESSAGE_OUT, by, message)
    if sender is not None and queue:
        run_later(message_deliver, message_id=message.pk)
    return message


def _customer_address(ticket: Ticket, channel: str) -> str:
    if channel == Channel.EMAIL:
        return ticket.customer_email
    if channel in (Channel.SMS, Channel.PHONE):
        return ticket.customer_phone
    return ""


def message_deliver_many(*, message_ids: list[int]) -> None:
    """Send many replies in one background job (the acknowledgements of a batch of mail)."""
    for message_id in message_ids:
        message_deliver(message_id=message_id)


def message_deliver(*, message_id: int, now: datetime | None = None) -> Message.Delivery | None:
    """Send one pending outbound message through its channel's sender; returns the new state.

    Not in one transaction with the sending: the row is claimed first (attempts+1, under a row lock),
    so two workers never send the same message, and a crash after sending leaves it visible as
    pending for a person to check rather than silently sending it twice.
    """
    now = now or timezone.now()
    with transaction.atomic():
        message = Message.objects.select_for_update().filter(pk=message_id).first()
        if message is None or message.delivery not in (Message.Delivery.PENDING, Message.Delivery.FAILED):
            return None
        sender = SENDERS.get(message.channel, None)
        if sender is None:
            return None
        message.attempts += 1
        message.save(update_fields=["attempts"])
    try:
        facts = sender(message) or {}
    except Exception as exc:  # the channel's own failure: kept on the message, shown to staff
        log.warning("delivery of message %s by %s failed: %s", message.pk, message.channel, exc)
        message.delivery = Message.Delivery.FAILED
        message.delivery_error = str(exc)[:2000]
        message.save(update_fields=["delivery", "delivery_error"])
        return message.delivery
    message.delivery = Message.Delivery.SENT
    message.delivery_error = ""
    message.sent_at = now
    message.data = {**message.data, "delivery": facts}
    update = ["delivery", "delivery_error", "sent_at", "data"]
    if facts.get("external_id"):
        message.external_id = str(facts["external_id"])[:255]
        update.append("external_id")
    message.save(update_fields=update)
    return message.delivery


def retry_candidates(*, now: datetime | None = None) -> list[int]:
    """Failed replies that have attempts left, and pending ones whose delivery task never ran
    (lost when queued, or failed before claiming them), oldest first. A pending message that was
    claimed (attempts > 0) is left for a person: it may have left already."""
    now = now or timezone.now()
    failed = Q(delivery=Message.Delivery.FAILED, attempts__lt=MAX_ATTEMPTS)
    never_tried = Q(delivery=Message.Delivery.PENDING, attempts=0, created_at__lt=now - UNCLAIMED_AFTER)
    return list(
        Message.objects.filter(failed | never_tried, direction=Message.Direction.OUTBOUND)
        .order_by("id")
        .values_list("pk", flat=True)[:500]
    )
