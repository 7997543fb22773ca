"""Periodic mail polling; safe to run twice (the inbound log makes every step idempotent).

Tasks call services and nothing calls the tasks' module back: tasks → services → imap. The
acknowledgements of a batch are sent by the tickets app's `deliver_messages` task, which the
services queue (a lower app), so the services never import this module.
"""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from kefu.intake.email.services import mailboxes_poll


@db_periodic_task(crontab(minute="*"))
@lock_task("email-poll")
def poll_mailboxes():
    """Every minute: fetch new mail of every enabled mailbox."""
    return mailboxes_poll()
