"""Portal writes: submit a contact, add information, rate the service; and the portal's reply sender.

Customers are not users: these services take no `by` (the work order records no actor). The views
have already proved that the customer may act on the work order (its number and phone, or a signed link)
and applied the rate limits.
"""

from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.core.errors import ValidationError
from kefu.core.uploads import read_head, refusal, sniff
from kefu.intake.portal.models import Rating
from kefu.intake.portal.signals import rating_given
from kefu.tickets.models import Channel, Message, Status, Ticket, TicketEvent, TicketType
from kefu.tickets.services import message_receive, ticket_attach, ticket_create
from kefu.tickets.timeline import record_event

PORTAL_TYPES = (TicketType.CONSULTATION, TicketType.COMPLAINT, TicketType.SUGGESTION)
RATEABLE = (Status.RESOLVED, Status.AWAITING_CALLBACK, Status.CLOSED)
CLOSED_FOR_ADDITIONS = (Status.CLOSED, Status.MERGED, Status.CANCELLED)
MAX_COMMENT = 1000


def attachment_errors(files) -> list[str]:
    """What is wrong with the customer's files (count, size, kind by content), one message per problem."""
    problems = []
    files = list(files or [])
    if len(files) > settings.KEFU_PORTAL_MAX_FILES:
        problems.append(_("At most %(n)s files.") % {"n": settings.KEFU_PORTAL_MAX_FILES})
    limit = settings.KEFU_MAX_ATTACHMENT_BYTES
    for uploaded in files:
        if uploaded.size > limit:
            problems.append(
                _("“%(name)s” is larger than %(mb)s MB.")
                % {"name": uploaded.name, "mb": limit // (1024 * 1024)}
            )
        kind = sniff(read_head(uploaded), uploaded.name)
        if not kind.accepted:
            problems.append(refusal(uploaded.name, kind))
    return problems


@transaction.atomic
def portal_submit(
    *,
    ticket_type: str,
    customer_name: str,
    customer_phone: str,
    content: str,
    customer_email: str = "",
    demands: str = "",
    location: str = "",
    files=(),
    now: datetime | None = None,
) -> Ticket:
    """A consultation, complaint or suggestion from the portal becomes a new, unowned work order.

    Refuses other types, a missing name, phone or content, and files over the limits; nothing is
    saved unless the work order and all its files are.
    """
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    if ticket_type not in PORTAL_TYPES:
        errors["ticket_type"] = [_("Choose consultation, complaint or suggestion.")]
    for field, value, message in (
        ("customer_name", customer_name, _("Tell us your name.")),
        ("customer_phone", customer_phone, _("Tell us a phone number to reach you.")),
        ("content", content, _("Describe what happened.")),
    ):
        if not (value or "").strip():
            errors[field] = [message]
    problems = attachment_errors(files)
    if problems:
        errors["attachments"] = problems
    if errors:
        raise ValidationError(_("Please correct: %(fields)s") % {"fields": ", ".join(errors)}, errors=errors)
    ticket = ticket_create(
        by=None,
        ticket_type=ticket_type,
        channel=Channel.PORTAL,
        content=content,
        customer_name=customer_name,
        customer_phone=customer_phone,
        customer_email=customer_email,
        demands=demands,
        location=location,
        now=now,
    ).ticket
    for uploaded in files:
        ticket_attach(ticket=ticket, by=None, uploaded_file=uploaded, now=now)
    return ticket


@transaction.atomic
def portal_add_info(*, ticket: Ticket, body_text: str, files=(), now: datetime | None = None) -> Message:
    """The customer adds information (补充材料): a portal message, with its files, on the work order.

    Wakes a work order waiting on the customer (message_receive does). Refuses an empty addition,
    files over the limits, and closed, merged or cancelled work orders.
    """
    now = now or timezone.now()
    if ticket.status in CLOSED_FOR_ADDITIONS:
        raise ValidationError.for_field("body_text", _("This work order is closed. Please submit a new one."))
    problems = attachment_errors(files)
    if problems:
        raise ValidationError(" ".join(problems), errors={"attachments": problems})
    files = list(files or [])
    message, _created = message_receive(
        ticket=ticket,
        channel=Channel.PORTAL,
        body_text=body_text,
        author_name=ticket.customer_name,
        address=ticket.customer_phone,
        data={"attachments": [f.name for f in files]} if files else None,
        now=now,
    )
    for uploaded in files:
        attachment = ticket_attach(ticket=ticket, by=None, uploaded_file=uploaded, now=now)
        attachment.message = message
        attachment.save(update_fields=["message"])
    return message


@transaction.atomic
def portal_rate(*, ticket: Ticket, score: str, comment: str = "", now: datetime | None = None) -> Rating:
    """The customer rates the service (满意度评价) once the work order is resolved.

    Records the rating and a note on the timeline so staff see it; never reopens the work order (the
    callbacks app listens to `signals.rating_given`). Refuses a second rating, an unknown score, an
    over-long comment, and work orders not yet resolved.
    """
    now = now or timezone.now()
    # Lock the work order so two submissions of the rating form cannot both pass the check below.
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if Rating.objects.filter(ticket=ticket).exists():
        raise ValidationError.for_field("score", _("You have already rated this work order."))
    if ticket.status not in RATEABLE:
        raise ValidationError.for_field(
            "score", _("You can rate the service once the work order is resolved.")
        )
    if score not in Rating.Score.values:
        raise ValidationError.for_field("score", _("Choose one of the ratings."))
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise ValidationError.for_field(
            "comment", _("At most %(limit)s characters.") % {"limit": MAX_COMMENT}
        )
    try:
        with transaction.atomic():
            rating = Rating.objects.create(ticket=ticket, score=score, comment=comment, created_at=now)
    except IntegrityError:
        raise ValidationError.for_field("score", _("You have already rated this work order.")) from None
    record_event(
        ticket=ticket,
        kind=TicketEvent.Kind.NOTE,
        by=None,
        now=now,
        note=comment,  # the customer's own words
        code="portal.rating",
        params={"score": score},
        data={"portal_rating": score, "rating": rating.pk},
    )
    transaction.on_commit(lambda: rating_given.send(sender=Rating, rating=rating))
    return rating


def rating_text(params: dict) -> str:
    """The timeline's sentence for a portal rating (code "portal.rating"), in the reader's language."""
    score = params.get("score", "")
    label = Rating.Score(score).label if score in Rating.Score.values else score
    return _("The customer rated the service on the portal: %(score)s") % {"score": label}


def deliver_portal_reply(message: Message) -> dict:
    """The portal's sender: nothing leaves; once "sent", the reply shows on the tracking page."""
    return {}
