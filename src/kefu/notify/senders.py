"""Channel senders for kefu.tickets' messages: SMS through the SMS backend, and a plain email
sender used only when no email channel app has registered a richer one."""

from django.core.mail import EmailMessage
from django.core.mail.message import make_msgid

from kefu.notify.sms import send_sms
from kefu.tickets.models import Message


def deliver_sms(message: Message) -> dict:
    """Send one outbound SMS; the facts (segments, provider id) are kept on the message."""
    data = message.data or {}
    return send_sms(
        to=message.address,
        text=message.body_text,
        template=data.get("notice", ""),
        params=data.get("params") or {},
    )


def deliver_email(message: Message) -> dict:
    """Send one outbound email through Django's email backend."""
    if not message.address:
        raise ValueError("the work order has no customer email")
    ticket = message.ticket
    msgid = make_msgid(domain="kefu")
    mail = EmailMessage(
        subject=message.subject or f"[{ticket.number}] {ticket.title}",
        body=message.body_text,
        to=[message.address],
        headers={"Message-ID": msgid},
    )
    mail.send(fail_silently=False)
    return {"external_id": msgid}
