"""Background work of kefu.notify; each task calls one service and is safe to run twice."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from kefu.notify import notices, services, webhooks


@db_task(retries=3, retry_delay=60)
def send_notification_emails(notification_ids: list[int]) -> int:
    return services.send_emails(notification_ids=notification_ids)


@db_task(retries=3, retry_delay=30)
def send_event_notice(event_id: int, kind: str):
    """The automatic SMS after a work order was created (受理回执) or resolved (办结通知).

    Retried (SQLite's write lock, a database restart); customer_notices_sweep catches the rest."""
    notice = notices.customer_notice_for_event(event_id=event_id, kind=kind)
    return notice.pk if notice else None


@db_periodic_task(crontab(minute="*"))
@lock_task("notify-release-held")
def release_held_notices():
    """Every minute: send the customer SMS held over the quiet hours once they are over."""
    return notices.customer_notices_release()


@db_periodic_task(crontab(minute="*/5"))
@lock_task("notify-notice-sweep")
def customer_notice_sweep():
    """Every five minutes: send the automatic notices that are due but whose task was lost."""
    return notices.customer_notices_sweep()


@db_task()
def deliver_webhook(delivery_id: int):
    """First attempt at one webhook delivery, right after the event's transaction committed."""
    return webhooks.webhook_deliver(delivery_id=delivery_id)


@db_periodic_task(crontab(minute="*"))
@lock_task("notify-webhook-sweep")
def webhook_sweep_task():
    """Every minute: retry the webhook deliveries whose back-off has passed."""
    return webhooks.webhook_sweep()
