"""Receivers on the work-order timeline: every new TicketEvent may call for webhooks and an SMS.

Both leave after the event's transaction commits, through the worker (Huey).
"""

import logging

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from kefu.notify import notices, webhooks
from kefu.tickets.models import TicketEvent
from kefu.tickets.signals import events_recorded

log = logging.getLogger(__name__)


@receiver(post_save, sender=TicketEvent, dispatch_uid="kefu.notify.ticket_event")
def on_ticket_event(sender, instance: TicketEvent, created: bool, raw: bool = False, **kwargs) -> None:
    if not created or raw:
        return
    webhooks.webhooks_enqueue(event=instance)
    _automatic_notice(instance)


@receiver(events_recorded, dispatch_uid="kefu.notify.ticket_events")
def on_ticket_events(sender, events: list[TicketEvent], **kwargs) -> None:
    """Events written in bulk (the SLA sweep's breaches and escalations) send no post_save."""
    webhooks.webhooks_enqueue_many(events=events)
    for event in events:
        _automatic_notice(event)


def _automatic_notice(instance: TicketEvent) -> None:
    kind = notices.wanted_for_event(instance)
    if kind:
        event_id, number = instance.pk, instance.ticket.number

        def send():
            from kefu.notify.tasks import send_event_notice

            # After the commit the work order exists whatever happens here: a queue that fails
            # (SqliteHuey's own database locked, Redis unreachable) must not turn its creation into
            # a 500, nor lose the notice silently. customer_notices_sweep sends it later.
            try:
                send_event_notice(event_id, kind)
            except Exception:
                log.exception("%s notice of %s not queued; the notice sweep will send it", kind, number)

        transaction.on_commit(send)
