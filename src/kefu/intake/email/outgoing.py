"""Mail out: the email channel's sender for replies and acknowledgements.

`deliver` is registered for the "email" channel (apps.py); kefu.tickets.services.messages calls it
after the reply's transaction commits and retries it when it raises. The mail goes from the
mailbox the customer wrote to, to the address the customer's mail asked answers to go to
(Reply-To), with the work-order number in the subject and In-Reply-To /
References built from the thread's stored Message-IDs, so the customer's answer threads back.
"""

from __future__ import annotations

import re
from email.utils import formataddr, make_msgid

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.utils.translation import gettext as _

from kefu.intake.email.models import Mailbox
from kefu.tickets.models import Channel, Message, Ticket

_REPLY_PREFIX = re.compile(r"^\s*((re|fw|fwd|aw|sv|回复|答复|回覆|转发)\s*[:：]\s*)+", re.IGNORECASE)


def mailbox_for(ticket: Ticket, message: Message | None = None) -> Mailbox | None:
    """The mailbox a reply leaves from: the one named on the message, else the one the customer wrote to."""
    wanted = (message.data or {}).get("mailbox") if message is not None else None
    if wanted:
        mailbox = Mailbox.objects.filter(pk=wanted).first()
        if mailbox is not None:
            return mailbox
    inbound = (
        Message.objects.filter(ticket=ticket, channel=Channel.EMAIL, direction=Message.Direction.INBOUND)
        .order_by("-created_at", "-id")
        .values_list("data", flat=True)
    )
    for data in inbound[:20]:
        mailbox_id = ((data or {}).get("email") or {}).get("mailbox")
        if mailbox_id:
            mailbox = Mailbox.objects.filter(pk=mailbox_id).first()
            if mailbox is not None:
                return mailbox
    return Mailbox.objects.filter(enabled=True).order_by("id").first()


def reply_subject(ticket: Ticket, message: Message) -> str:
    """ "Re: <the customer's subject> [number]" unless the reply has its own subject."""
    if message.subject:
        subject = message.subject
    else:
        first = (
            Message.objects.filter(ticket=ticket, channel=Channel.EMAIL, direction=Message.Direction.INBOUND)
            .exclude(subject="")
            .order_by("created_at", "id")
            .values_list("subject", flat=True)
            .first()
        )
        subject = "Re: " + _REPLY_PREFIX.sub("", first or ticket.title)
    if ticket.number not in subject:
        subject = f"{subject} [{ticket.number}]"
    return subject


def thread_headers(ticket: Ticket, message: Message) -> dict[str, str]:
    """In-Reply-To (the customer's latest mail) and References (the thread, oldest first)."""
    thread = list(
        Message.objects.filter(ticket=ticket, channel=Channel.EMAIL)
        .exclude(external_id="")
        .exclude(pk=message.pk)
        .order_by("created_at", "id")
        .values_list("direction", "external_id")
    )
    if not thread:
        return {}
    inbound = [external_id for direction, external_id in thread if direction == Message.Direction.INBOUND]
    in_reply_to = inbound[-1] if inbound else thread[-1][1]
    references = [external_id for _d, external_id in thread if external_id != in_reply_to][-19:]
    references.append(in_reply_to)
    return {"In-Reply-To": in_reply_to, "References": " ".join(references)}


def answer_address(ticket: Ticket, message: Message) -> str:
    """Where a reply to the customer goes: the Reply-To of the customer's latest mail on the work
    order when it asked for one (as a mail client answers), else the customer's address."""
    latest = (
        Message.objects.filter(
            ticket=ticket,
            channel=Channel.EMAIL,
            direction=Message.Direction.INBOUND,
            address__iexact=message.address,
        )
        .order_by("-created_at", "-id")
        .values_list("data", flat=True)
        .first()
    )
    return ((latest or {}).get("email") or {}).get("reply_to") or message.address


def _domain(address: str) -> str:
    return (
        address.rsplit("@", 1)[-1] if "@" in address else getattr(settings, "KEFU_EMAIL_DOMAIN", "kefu.local")
    )


def deliver(message: Message) -> dict:
    """Send one reply (or acknowledgement) by mail; returns {"external_id": its Message-ID}."""
    ticket = message.ticket
    if not message.address:
        raise ValueError(_("%(number)s has no customer email address.") % {"number": ticket.number})
    to = answer_address(ticket, message)
    mailbox = mailbox_for(ticket, message)
    from_address = mailbox.address if mailbox else settings.DEFAULT_FROM_EMAIL
    domain = getattr(settings, "KEFU_EMAIL_DOMAIN", "") or _domain(from_address)
    # The same Message-ID on every attempt, so a retry after an unclear failure is recognisably the same mail.
    message_id = (message.data or {}).get("message_id") or make_msgid(domain=domain)
    if (message.data or {}).get("message_id") != message_id:
        message.data = {**(message.data or {}), "message_id": message_id}
        Message.objects.filter(pk=message.pk).update(data=message.data)
    headers = {"Message-ID": message_id, **thread_headers(ticket, message)}
    if (message.data or {}).get("kind") == "ack":
        headers["Auto-Submitted"] = "auto-replied"
        headers["X-Auto-Response-Suppress"] = "All"
    mail = EmailMultiAlternatives(
        subject=reply_subject(ticket, message),
        body=message.body_text,
        from_email=formataddr((mailbox.name, from_address)) if mailbox else from_address,
        to=[to],
        headers=headers,
    )
    if message.body_html:
        mail.attach_alternative(message.body_html, "text/html")
    for attachment in message.attachments.all():
        with attachment.file.open("rb") as handle:
            mail.attach(attachment.name, handle.read(), attachment.content_type or None)
    mail.send(fail_silently=False)
    return {"external_id": message_id, "to": to, "from": from_address}
