"""Periodic mail polling; safe to run twice (the inbound log makes every step idempotent)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from kefu.intake.email.imap import mailboxes_poll


@db_periodic_task(crontab(minute="*"))
@lock_task("email-poll")
def poll_mailboxes():
    """Every minute: fetch new mail of every enabled mailbox."""
    return mailboxes_poll()


@db_task()
def deliver_messages(message_ids: list[int]):
    """Send the acknowledgements of one processed batch (each message at most once)."""
    from kefu.tickets.services.messages import message_deliver

    for message_id in message_ids:
        message_deliver(message_id=message_id)
