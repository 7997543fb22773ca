"""What the callbacks app does when other apps report: a portal rating is a verdict; a resolved work
order gets its survey link (after commit, by the worker)."""

import logging

from django.db import transaction
from django.dispatch import receiver

from kefu.core.errors import DomainError
from kefu.intake.portal.signals import rating_given
from kefu.tickets.models import TicketEvent
from kefu.tickets.signals import events_recorded

log = logging.getLogger(__name__)


@receiver(rating_given)
def on_portal_rating(sender, rating, **kwargs):
    """The portal's 满意/基本满意/不满意 is the customer's verdict on the contact, like any other."""
    from kefu.callbacks.models import Satisfaction
    from kefu.callbacks.services.outcome import satisfaction_record

    try:
        satisfaction_record(
            ticket=rating.ticket, score=rating.score, comment=rating.comment,
            source=Satisfaction.Source.PORTAL, by=None, now=rating.created_at,
        )  # fmt: skip
    except DomainError as exc:  # already answered by another source; the portal row stays as given
        log.info("portal rating of %s not recorded: %s", rating.ticket_id, exc.message)


@receiver(events_recorded, dispatch_uid="kefu.callbacks.on_resolved")
def on_resolved(sender, events: list[TicketEvent], **kwargs):
    """A resolved work order gets its survey link, after the resolution commits."""
    for event in events:
        if event.kind == TicketEvent.Kind.TRANSITION and event.action == "resolve":
            from kefu.callbacks.tasks import send_survey

            ticket_id = event.ticket_id
            transaction.on_commit(lambda ticket_id=ticket_id: send_survey(ticket_id))
