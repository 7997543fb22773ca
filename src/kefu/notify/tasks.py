"""Background work of kefu.notify; each task calls one service and is safe to run twice."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from kefu.notify import notices, webhooks


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


@db_periodic_task(crontab(minute="*"))
@lock_task("notify-webhook-sweep")
def webhook_sweep_task():
    """Every minute: retry the webhook deliveries whose back-off has passed."""
    return webhooks.webhook_sweep()
