"""Periodic work of the reports app: rollups rebuilt where records arrived (CTI events), and the
service reports emailed to their subscribers when their period ends."""

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from kefu.reports import rollups, service_reports


@db_periodic_task(crontab(minute="*"))
@lock_task("reports-rollups-refresh")
def refresh_rollups():
    """Every minute: rebuild the stale days of the rollups (idempotent; a day with nothing stale
    costs one small query)."""
    return rollups.refresh_all()


@db_periodic_task(crontab(minute="30"))
@lock_task("reports-deliver")
def deliver_reports():
    """Hourly (Huey's schedule runs in UTC): from 07:00 in the center's time zone, yesterday's
    complaint record, and on Monday, the 1st and 1 January the weekly, monthly and yearly reports, to
    their subscribers; each report once per period and person."""
    if timezone.localtime().hour < service_reports.DELIVERY_HOUR:
        return 0
    return service_reports.deliver_due()
