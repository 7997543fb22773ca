"""What the customer sees on the tracking page: friendly status words, the promise, the conversation."""

from datetime import datetime

from django.db.models import Q
from django.utils.translation import pgettext_lazy

from kefu.tickets.models import Message, Status, Ticket
from kefu.tickets.services import sla

#: Internal states in the customer's words (a customer never sees "dispatched" or "department replied").
CUSTOMER_STATUS = {
    Status.NEW: pgettext_lazy("portal status", "Received"),  # 已受理
    Status.ACCEPTED: pgettext_lazy("portal status", "Received"),
    Status.IN_PROGRESS: pgettext_lazy("portal status", "Being handled"),  # 处理中
    Status.DISPATCHED: pgettext_lazy("portal status", "Being handled"),
    Status.DEPARTMENT_REPLIED: pgettext_lazy("portal status", "Being handled"),
    Status.WAITING_CUSTOMER: pgettext_lazy("portal status", "Waiting for your information"),  # 待您补充
    Status.RESOLVED: pgettext_lazy("portal status", "Resolved"),  # 已办结
    Status.AWAITING_CALLBACK: pgettext_lazy("portal status", "Resolved"),
    Status.CLOSED: pgettext_lazy("portal status", "Completed"),  # 已完结
    Status.MERGED: pgettext_lazy("portal status", "Merged with another work order"),
    Status.CANCELLED: pgettext_lazy("portal status", "Withdrawn"),
}
DONE = (Status.RESOLVED, Status.AWAITING_CALLBACK, Status.CLOSED)


def customer_status(ticket: Ticket) -> str:
    return str(CUSTOMER_STATUS.get(ticket.status, CUSTOMER_STATUS[Status.IN_PROGRESS]))


def promised_at(ticket: Ticket) -> datetime | None:
    """When we promised to answer: the work order's one promise (tickets.services.sla.reply_by)."""
    return sla.reply_by(ticket)


def conversation(ticket: Ticket):
    """What the customer wrote and what we answered; replies show once their channel delivered them.

    Internal notes and department replies are timeline events, never messages, so they cannot appear.
    """
    return (
        ticket.messages.filter(
            Q(direction=Message.Direction.INBOUND)
            | Q(
                direction=Message.Direction.OUTBOUND,
                delivery__in=[Message.Delivery.SENT, Message.Delivery.RECORDED],
            )
        )
        .prefetch_related("attachments")
        .order_by("created_at", "id")
    )
