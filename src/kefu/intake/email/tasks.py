"""Periodic mail polling; safe to run twice (the inbound log makes every step idempotent)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from kefu.intake.email.imap import mailboxes_poll


@db_periodic_task(crontab(minute="*"))
@lock_task("email-poll")
def poll_mailboxes():
    """Every minute: fetch new mail of every enabled mailbox."""
    return mailboxes_poll()
