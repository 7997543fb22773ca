"""Channel facts on the work-order page and the supervisor board."""

from datetime import date

from django import template
from django.utils import timezone

from kefu.intake.manual.facts import FACTS
from kefu.tickets import permissions
from kefu.tickets.models import OPEN_STATUSES, Channel, Status, Ticket

register = template.Library()

BOARD_ROWS = 50


@register.inclusion_tag("intake_manual/_facts.html", takes_context=True)
def channel_facts(context, ticket: Ticket) -> dict:
    """The channel's facts as label/value rows; a regulator's deadline is flagged when near or past."""
    details = ticket.channel_details or {}
    request = context.get("request")
    editable = (
        ticket.channel in FACTS
        and request is not None
        and permissions.can_edit(request.user, ticket)
        and ticket.status not in (Status.CLOSED, Status.MERGED, Status.CANCELLED)
    )
    rows = [
        (fact.label, details[fact.name]) for fact in FACTS.get(ticket.channel, ()) if fact.name in details
    ]
    answer_by = _answer_by(ticket)
    days_left = (answer_by - timezone.localdate()).days if answer_by else None
    return {
        "rows": rows,
        "answer_by": answer_by,
        "days_left": days_left,
        "ticket": ticket,
        "editable": editable,
    }


def _answer_by(ticket: Ticket) -> date | None:
    raw = (ticket.channel_details or {}).get("answer_by") if ticket.channel == Channel.REGULATOR else None
    try:
        return date.fromisoformat(raw) if raw else None
    except (TypeError, ValueError):
        return None


@register.inclusion_tag("intake_manual/_board_regulator.html", takes_context=True)
def regulator_deadlines(context) -> dict:
    """Open regulator referrals (消协/监管转办) the lead may see, the nearest deadline to answer first."""
    user = context["request"].user
    rows = list(
        permissions.visible_tickets(user)
        .filter(
            channel=Channel.REGULATOR, status__in=[*OPEN_STATUSES, Status.RESOLVED, Status.AWAITING_CALLBACK]
        )
        .only("number", "title", "status", "channel", "channel_details", "customer_name")[:500]
    )
    for row in rows:
        row.answer_by = _answer_by(row)
    rows.sort(key=lambda t: (t.answer_by is None, t.answer_by or date.max))
    today = timezone.localdate()
    for row in rows:
        row.days_left = (row.answer_by - today).days if row.answer_by else None
    return {"rows": rows[:BOARD_ROWS]}


@register.inclusion_tag("intake_manual/_channel_links.html")
def manual_channel_links() -> dict:
    """Links from the quick capture to the manual channels' own capture pages."""
    return {"manual_channel_links": [(key, Channel(key).label) for key in FACTS]}
