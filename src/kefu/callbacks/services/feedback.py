"""Praise and suggestions (表扬/建议) collected by callbacks and surveys, forwarded to the department
concerned, which replies; the reply is archived on the row and on the work order's timeline."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.models import Department, User
from kefu.callbacks.models import Feedback, Satisfaction
from kefu.core.errors import PermissionDenied, ValidationError
from kefu.tickets.models import Dispatch, Ticket, TicketEvent
from kefu.tickets.timeline import record_event

PRAISE_WORDS = ("表扬", "感谢", "谢谢", "满意", "praise", "thank")


def department_for(ticket: Ticket) -> Department | None:
    """The department concerned: the one complained about, else the last dispatched, else the center."""
    if ticket.subject_department_id:
        return ticket.subject_department
    dispatch = Dispatch.objects.filter(ticket=ticket).order_by("-created_at").first()
    if dispatch is not None:
        return dispatch.department
    if ticket.group_id and ticket.group.department_id:
        return ticket.group.department
    return Department.objects.filter(is_service_center=True).order_by("id").first()


@transaction.atomic
def feedback_forward(
    *,
    ticket: Ticket,
    text: str,
    satisfaction: Satisfaction | None = None,
    kind: str | None = None,
    now: datetime | None = None,
) -> Feedback | None:
    """Forward the customer's praise or suggestion to the department concerned and tell its head.
    Nothing for an empty text or when no department can be found."""
    from kefu.notify.services import notify

    now = now or timezone.now()
    text = (text or "").strip()
    department = department_for(ticket)
    if not text or department is None:
        return None
    if kind is None:
        lowered = text.lower()
        kind = Feedback.Kind.PRAISE if any(w in lowered for w in PRAISE_WORDS) else Feedback.Kind.SUGGESTION
    row = Feedback.objects.create(
        kind=kind, text=text[:2000], ticket=ticket, satisfaction=satisfaction, department=department,
        created_at=now,
    )  # fmt: skip
    if department.head_id:
        notify(
            users=[department.head],
            ticket=ticket,
            kind="feedback",
            title=_("%(kind)s for %(dept)s (%(number)s)")
            % {"kind": Feedback.Kind(kind).label, "dept": department.name, "number": ticket.number},
            body=text[:500],
        )
    return row


def can_reply(user: User, row: Feedback) -> bool:
    return user.is_active and (user.is_lead or user.department_id == row.department_id)


@transaction.atomic
def feedback_reply(
    *, feedback: Feedback, by: User, reply: str, send_to_customer: bool = False, now: datetime | None = None
) -> Feedback:
    """The department's reply (archived), and, when asked, sent to the customer on the work order's
    channel (by the system, in the department's name: departments answer through the center, not to
    customers directly). Refuses people outside the department and an empty reply."""
    now = now or timezone.now()
    feedback = Feedback.objects.select_for_update().get(pk=feedback.pk)
    if not can_reply(by, feedback):
        raise PermissionDenied(_("Only the department concerned may reply."))
    if not (reply or "").strip():
        raise ValidationError.for_field("reply", _("Write the reply."))
    if feedback.replied_at is not None:
        raise ValidationError.for_field("reply", _("This has already been answered."))
    feedback.reply, feedback.replied_by, feedback.replied_at = reply.strip(), by, now
    feedback.save(update_fields=["reply", "replied_by", "replied_at"])
    record_event(
        ticket=feedback.ticket, kind=TicketEvent.Kind.NOTE, by=by, now=now, note=feedback.reply,
        code="feedback.reply", params={"department": feedback.department.name, "kind": feedback.kind},
        data={"feedback": feedback.pk},
    )  # fmt: skip
    if send_to_customer:
        from kefu.tickets.services import message_reply

        message_reply(
            ticket=feedback.ticket, by=None, now=now, channel=_reply_channel(feedback.ticket),
            body_text=_("Reply from %(dept)s to your %(kind)s: %(reply)s")
            % {"dept": feedback.department.name, "kind": feedback.get_kind_display(), "reply": feedback.reply},
        )  # fmt: skip
    return feedback


def _reply_channel(ticket) -> str:
    """The work order's own channel if Kefu can send on it (email, portal, SMS), else an SMS to a
    mobile number, else an email; failing all, the channel as is (the reply is recorded for a person
    to pass on by phone)."""
    from kefu.notify.sms import is_mobile
    from kefu.tickets.models import Channel
    from kefu.tickets.services.messages import SENDERS

    if ticket.channel in SENDERS:
        return ticket.channel
    if Channel.SMS in SENDERS and is_mobile(ticket.customer_phone):
        return Channel.SMS
    if Channel.EMAIL in SENDERS and ticket.customer_email:
        return Channel.EMAIL
    return ticket.channel
