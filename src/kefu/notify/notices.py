"""Notices to the customer (客户通知): acknowledgement (受理回执), result notice (办结通知) and
survey link (满意度调查), rendered from the managers' templates and sent by SMS or email.

- `customer_notice_send` renders the template for a work order and records it as an outbound
  Message (kefu.tickets.services.messages), which the channel's sender delivers after commit.
  SMS during quiet hours (KEFU_SMS_QUIET_HOURS, e.g. 21:00-08:00) is held until they end.
- `customer_notice_for_event` is what the worker runs after a work order is created or resolved:
  one notice per (event, kind), so running it twice sends once.
- `customer_notices_release` sends the held notices that are due (a periodic task).
- `customer_notices_sweep` sends the automatic notices that are due but missing: the one path that
  does not depend on a task having been queued after the commit (a periodic task).
"""

import logging
from collections.abc import Callable
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.core.errors import DomainError, PermissionDenied, ValidationError
from kefu.core.registry import Registry
from kefu.notify.models import CustomerNotice, MessageTemplate, TemplateChannel, TemplateKind
from kefu.notify.sms import is_mobile
from kefu.notify.templating import render
from kefu.tickets.models import Channel, Ticket, TicketEvent
from kefu.tickets.services import sla

log = logging.getLogger(__name__)

# Channels that acknowledge by themselves: the email channel answers by mail, chat in the window.
NO_SMS_ACKNOWLEDGEMENT = (Channel.EMAIL, Channel.CHAT)


# --- quiet hours -------------------------------------------------------------------------------


def quiet_window() -> tuple[time, time] | None:
    """KEFU_SMS_QUIET_HOURS as (start, end) local times, or None when switched off ("")."""
    spec = (getattr(settings, "KEFU_SMS_QUIET_HOURS", "") or "").strip()
    if not spec:
        return None
    try:
        start, end = (time.fromisoformat(part.strip()) for part in spec.split("-", 1))
    except ValueError as exc:
        raise ValueError(f"KEFU_SMS_QUIET_HOURS must look like 21:00-08:00, not {spec!r}") from exc
    return (start, end) if start != end else None


def quiet_until(now: datetime) -> datetime | None:
    """When the quiet hours around `now` end (local time), or None if `now` is not quiet."""
    window = quiet_window()
    if window is None:
        return None
    start, end = window
    local = timezone.localtime(now)
    clock = local.time()
    if start < end:  # a window inside one day, e.g. 12:00-14:00
        quiet = start <= clock < end
        day = local.date()
    else:  # across midnight, e.g. 21:00-08:00
        quiet = clock >= start or clock < end
        day = local.date() + timedelta(days=1) if clock >= start else local.date()
    if not quiet:
        return None
    return datetime.combine(day, end, tzinfo=local.tzinfo)


# --- rendering ---------------------------------------------------------------------------------


def _plain_survey_url(ticket: Ticket) -> str:
    survey = getattr(settings, "KEFU_SURVEY_URL", "") or "{site_url}/survey/{ticket_no}/"
    return survey.replace("{site_url}", settings.SITE_URL.rstrip("/")).replace("{ticket_no}", ticket.number)


#: Builds {survey_url} for a work order; kefu.callbacks registers its signed, expiring link.
SURVEY_URL: Registry[Callable[[Ticket], str]] = Registry("notify.survey_url", default=_plain_survey_url)


def notice_values(ticket: Ticket, by=None) -> dict:
    """The template variables for `ticket`."""
    due = sla.reply_by(ticket)
    agent = by or ticket.owner
    return {
        "customer_name": ticket.customer_name or _("customer"),
        "ticket_no": ticket.number,
        "promised_time": timezone.localtime(due).strftime("%Y-%m-%d %H:%M")
        if due
        else _("as soon as possible"),
        "result": ticket.customer_reply,  # never the internal note (Ticket.resolution)
        "survey_url": SURVEY_URL.get()(ticket),
        "agent_no": agent.username if agent is not None else "",
    }


def template_for(kind: str, channel: str) -> MessageTemplate:
    template = (
        MessageTemplate.objects.filter(kind=kind, channel=channel, is_active=True).order_by("id").first()
    )
    if template is None:
        raise ValidationError.for_field(
            "kind",
            _("There is no active %(channel)s template for “%(kind)s”.")
            % {"channel": TemplateChannel(channel).label, "kind": TemplateKind(kind).label},
        )
    return template


def customer_channel(ticket: Ticket) -> str:
    """The customer's channel for notices: SMS when there is a mobile number, else email."""
    if is_mobile(ticket.customer_phone):
        return TemplateChannel.SMS
    if ticket.customer_email:
        return TemplateChannel.EMAIL
    raise ValidationError.for_field(
        "customer_phone",
        _("%(number)s has neither a mobile number nor an email.") % {"number": ticket.number},
    )


# --- sending -----------------------------------------------------------------------------------


@transaction.atomic
def customer_notice_send(
    *,
    ticket: Ticket,
    kind: str,
    by=None,
    now: datetime | None = None,
    event: TicketEvent | None = None,
    channel: str | None = None,
) -> CustomerNotice:
    """Render the `kind` template for `ticket` and send it by the customer's channel (SMS when there
    is a mobile number, email when only an email); recorded as an outbound Message.

    SMS inside quiet hours is held until they end. With an `event`, a second call for the same
    event and kind returns the first notice and sends nothing. Refuses an unknown kind, a customer
    without a number or email, a missing template, and staff who may not answer on the work order.
    """
    from kefu.tickets.services.messages import can_reply

    now = now or timezone.now()
    if by is not None and not can_reply(by, ticket):  # checked here too: a held notice is sent later
        raise PermissionDenied(
            _("You may not write to the customer of %(number)s.") % {"number": ticket.number}
        )
    if kind not in TemplateKind.values:
        raise ValidationError.for_field("kind", _("Unknown notice “%(kind)s”.") % {"kind": kind})
    if event is not None:
        existing = CustomerNotice.objects.filter(event=event, kind=kind).first()
        if existing is not None:
            return existing
    channel = channel or customer_channel(ticket)
    if channel == TemplateChannel.SMS and not is_mobile(ticket.customer_phone):
        raise ValidationError.for_field(
            "customer_phone", _("%(number)s has no mobile number.") % {"number": ticket.number}
        )
    template = template_for(kind, channel)
    values = notice_values(ticket, by)
    held = quiet_until(now) if channel == TemplateChannel.SMS else None
    notice = CustomerNotice(
        ticket=ticket,
        event=event,
        kind=kind,
        channel=channel,
        address=ticket.customer_phone if channel == TemplateChannel.SMS else ticket.customer_email,
        subject=render(template.subject, values)[:255],
        body=render(template.body, values),
        state=CustomerNotice.State.HELD if held else CustomerNotice.State.SENT,
        hold_until=held,
        created_by=by,
        created_at=now,
    )
    try:
        with transaction.atomic():  # two workers on the same event: the first one's notice stands
            notice.save()
    except IntegrityError:
        return CustomerNotice.objects.get(event=event, kind=kind)
    if not held:
        _hand_over(notice, by=by, now=now)
    return notice


def _hand_over(notice: CustomerNotice, *, by, now: datetime) -> None:
    from kefu.tickets.services.messages import message_reply

    message = message_reply(
        ticket=notice.ticket,
        by=by,
        channel=notice.channel,
        subject=notice.subject,
        body_text=notice.body,
        data={"notice": notice.kind, "notice_id": notice.pk, "params": notice_values(notice.ticket, by)},
        now=now,
    )
    notice.message = message
    notice.state = CustomerNotice.State.SENT
    notice.save(update_fields=["message", "state"])


def wanted_for_event(event: TicketEvent) -> str | None:
    """Which automatic notice (if any) `event` calls for, by the settings."""
    ticket = event.ticket
    if not is_mobile(ticket.customer_phone):
        return None
    if event.kind == TicketEvent.Kind.CREATED:
        if settings.KEFU_SMS_ACKNOWLEDGE and ticket.channel not in NO_SMS_ACKNOWLEDGEMENT:
            return TemplateKind.ACKNOWLEDGEMENT
    elif event.kind == TicketEvent.Kind.TRANSITION and event.action == "resolve":
        if settings.KEFU_SMS_RESULT_NOTICE:
            return TemplateKind.RESULT
    return None


def customer_notice_for_event(
    *, event_id: int, kind: str, now: datetime | None = None
) -> CustomerNotice | None:
    """The worker's step after a work order was created or resolved: send the automatic SMS once.

    Does nothing for an event that is gone, or if the settings or the customer no longer call for it;
    a missing template or a work order cancelled meanwhile is logged, not raised (nobody is waiting
    on the worker).
    """
    event = TicketEvent.objects.select_related("ticket").filter(pk=event_id).first()
    if event is None or wanted_for_event(event) != kind:
        return None
    try:
        return customer_notice_send(
            ticket=event.ticket, kind=kind, by=None, now=now, event=event, channel=TemplateChannel.SMS
        )
    except DomainError as exc:  # no template, or the work order was cancelled meanwhile
        log.warning("no %s notice for %s: %s", kind, event.ticket.number, exc.message)
        return None


def customer_notices_release(*, now: datetime | None = None, limit: int = 500) -> int:
    """Send the held notices whose quiet hours are over; returns how many were sent. Idempotent."""
    now = now or timezone.now()
    due = list(
        CustomerNotice.objects.filter(state=CustomerNotice.State.HELD, hold_until__lte=now)
        .order_by("hold_until", "id")
        .values_list("pk", flat=True)[:limit]
    )
    sent = 0
    for pk in due:
        with transaction.atomic():
            # Claimed under a row lock so two workers never release the same notice.
            notice = (
                CustomerNotice.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(pk=pk, state=CustomerNotice.State.HELD)
                .select_related("ticket")
                .first()
            )
            if notice is None:
                continue
            try:
                _hand_over(notice, by=None, now=now)
            except Exception as exc:  # e.g. the work order was cancelled meanwhile
                notice.state = CustomerNotice.State.SKIPPED
                notice.note = str(exc)[:255]
                notice.save(update_fields=["state", "note"])
                continue
            sent += 1
    return sent


#: How far back the sweep looks, and how long it leaves the worker to send a notice first.
SWEEP_WINDOW = timedelta(days=1)
SWEEP_GRACE = timedelta(minutes=5)


def customer_notices_sweep(*, now: datetime | None = None, limit: int = 500) -> int:
    """Send the automatic notices (受理回执, 办结通知) that are due but were never sent; returns how many.

    After a work order is created or resolved, its notice is queued for the worker once the
    transaction commits. Queuing can fail after the commit (the task queue's own database locked,
    Redis unreachable) and the task can fail in the worker (SQLite's lock, a crash); either way
    nothing would try again. This sweep finds the events of the last day, older than a few minutes,
    that call for a notice and have none, and sends it, with a log line naming the work order.
    Idempotent: one notice per (event, kind).
    """
    now = now or timezone.now()
    kinds = {
        kind
        for kind, wanted in (
            (TemplateKind.ACKNOWLEDGEMENT, settings.KEFU_SMS_ACKNOWLEDGE),
            (TemplateKind.RESULT, settings.KEFU_SMS_RESULT_NOTICE),
        )
        if wanted
        and MessageTemplate.objects.filter(kind=kind, channel=TemplateChannel.SMS, is_active=True).exists()
    }  # without a template there is nothing to send: no warning per event and minute
    if not kinds:
        return 0
    due = Q()
    if TemplateKind.ACKNOWLEDGEMENT in kinds:
        due |= Q(kind=TicketEvent.Kind.CREATED)
    if TemplateKind.RESULT in kinds:
        due |= Q(kind=TicketEvent.Kind.TRANSITION, action="resolve")
    events = (
        TicketEvent.objects.filter(due, created_at__gt=now - SWEEP_WINDOW, created_at__lte=now - SWEEP_GRACE)
        .exclude(Exists(CustomerNotice.objects.filter(event=OuterRef("pk"))))
        .select_related("ticket")
        .order_by("id")[:limit]
    )
    sent = 0
    for event in events:
        kind = wanted_for_event(event)
        if kind not in kinds:
            continue
        log.warning(
            "%s notice of %s was never sent (its task was lost); the sweep sends it now",
            kind,
            event.ticket.number,
        )
        if customer_notice_for_event(event_id=event.pk, kind=kind, now=now) is not None:
            sent += 1
    return sent
