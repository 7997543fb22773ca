"""Background work of kefu.customers; each task calls one service and is safe to run twice."""

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from kefu.customers import imports, rfm, tiers
from kefu.customers.loyalty import services as loyalty


@db_periodic_task(crontab(minute="10", hour="*"))
@lock_task("customers-points-expire")
def expire_points():
    """Every hour: earned points past their day expire (a second run the same day writes nothing)."""
    return loyalty.points_expire_sweep()


@db_periodic_task(crontab(minute="30", hour="*"))
@lock_task("customers-points-year-end")
def clear_points_at_year_end():
    """Hourly, acting only in the last hour of 12-31 (local time): every balance is cleared to 0
    (年终清零). Idempotent: a cleared balance is 0."""
    now = timezone.now()
    if not loyalty.year_end_due(now):
        return 0
    return loyalty.points_year_end_clear(year=timezone.localtime(now).year, now=now)


# --- RFM (issue 14, part 5) ----------------------------------------------------------------------
@db_periodic_task(crontab(hour="18", minute="40"))
@lock_task("customers-rfm-recompute")
def rfm_nightly():
    """Nightly (18:40 UTC is 02:40 in Asia/Shanghai): today's RFM snapshot over the default window;
    idempotent (a rerun replaces the day's snapshot)."""
    return rfm.rfm_recompute().scored


# --- Value tiers and order imports (issue 14, parts 3 and 4) ---------------------------------------
@db_periodic_task(crontab(hour="18", minute="20"))
@lock_task("customers-tiers-recompute")
def recompute_tiers():
    """Nightly (18:20 UTC is 02:20 in Asia/Shanghai, before the RFM snapshot): place every customer on
    the value-tier ladder (客户分级); only changes are written."""
    result = tiers.tiers_recompute(by=None)
    return {"customers": result.customers, "changed": result.changed}


@db_periodic_task(crontab(minute="*/10"))
@lock_task("customers-import-jobs")
def resume_import_jobs():
    """Every ten minutes: run again the order imports left queued or interrupted."""
    return imports.import_jobs_resume()
