"""Periodic work of the reports app: rollups rebuilt where records arrived (CTI events, chats)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from kefu.reports import rollups


@db_periodic_task(crontab(minute="*"))
@lock_task("reports-rollups-refresh")
def refresh_rollups():
    """Every minute: rebuild the stale days of the rollups (idempotent; a day with nothing stale
    costs one small query)."""
    return rollups.refresh_all()
