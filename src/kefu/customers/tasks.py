"""Periodic work of the customers app."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from kefu.customers import rfm


# --- RFM (issue 14, part 5) ----------------------------------------------------------------------
@db_periodic_task(crontab(hour="18", minute="40"))
@lock_task("customers-rfm-recompute")
def rfm_nightly():
    """Nightly (18:40 UTC is 02:40 in Asia/Shanghai): today's RFM snapshot over the default window;
    idempotent (a rerun replaces the day's snapshot)."""
    return rfm.rfm_recompute().scored
