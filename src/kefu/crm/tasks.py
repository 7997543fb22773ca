"""Background work of kefu.crm; each task calls one service and is safe to run twice.

Huey's crontab counts in UTC; the care day and the night are the center's (Asia/Shanghai), so the
tasks run hourly and read the local clock.
"""

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from kefu.crm import care, handover

#: The local hour of the nightly hand-over check.
CHECK_HOUR = 2


@db_periodic_task(crontab(minute="5"))
@lock_task("crm-care-run")
def care_run_task():
    """Hourly: record and send the day's greetings and reminders (the first run of a local day does
    the work; the others find nothing new)."""
    return care.care_run().created


@db_periodic_task(crontab(minute="*/5"))
@lock_task("crm-care-send")
def care_send_task():
    """Every five minutes: send the care messages whose time has come (send time, end of quiet hours)."""
    return care.care_touches_send()


@db_periodic_task(crontab(minute="30"))
@lock_task("crm-handover-check")
def handover_check_task():
    """Nightly (02:30 local): list anything still held by an inactive colleague (log and administrators)."""
    if timezone.localtime().hour != CHECK_HOUR:
        return None
    return len(handover.leftovers_check())
