"""What the timeline's events call for: staff notifications, the automatic customer message, webhooks.

Every event reaches this one receiver through `events_recorded` (kefu.tickets.timeline), whichever
path wrote it: a single transition, a sweep's batch of breaches, a bulk transition. The rows are
written inside the event's transaction; pushes, emails, SMS and webhook calls leave after it commits.
"""

from django.dispatch import receiver

from kefu.core.tasks import run_later
from kefu.notify import notices, services, staff, webhooks
from kefu.tickets.models import TicketEvent
from kefu.tickets.signals import events_recorded


@receiver(events_recorded, dispatch_uid="kefu.notify.ticket_events")
def on_ticket_events(sender, events: list[TicketEvent], **kwargs) -> None:
    webhooks.webhooks_enqueue_many(events=events)
    for event in events:
        _automatic_notice(event)
    services.notify_many(staff.staff_notices(events))


def _automatic_notice(instance: TicketEvent) -> None:
    kind = notices.wanted_for_event(instance)
    if kind:
        run_later(notices.customer_notice_for_event, retries=True, event_id=instance.pk, kind=kind)
