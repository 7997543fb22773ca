"""Backstop sweep of chat timeouts (the waiting visitor's consumer sweeps its own chat every second)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from kefu.intake.chat import services


@db_periodic_task(crontab(minute="*"))
@lock_task("chat-sweep")
def chat_sweep_task():
    """Every minute: expire unanswered offers, invite long waiters to leave a message, offer again
    (the sweep routes the queue itself after it commits)."""
    return services.chat_sweep()
