"""Periodic work on work orders; each task only calls a service and is safe to run twice."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from kefu.tickets.services import messages, sla_sweep


@db_periodic_task(crontab(minute="*"))
@lock_task("sla-sweep")
def sla_sweep_task():
    """Every minute: breach due SLA clocks and escalate them one step."""
    return sla_sweep()


@db_periodic_task(crontab(minute="*/5"))
@lock_task("message-retry")
def retry_failed_messages():
    """Every five minutes: try failed replies again, up to MAX_ATTEMPTS in all."""
    for message_id in messages.retry_candidates():
        messages.message_deliver(message_id=message_id)
