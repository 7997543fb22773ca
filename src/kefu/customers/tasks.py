"""Background work of kefu.customers; each task calls one service and is safe to run twice."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from kefu.customers import imports, tiers


@db_periodic_task(crontab(hour="2", minute="40"))
@lock_task("customers-tiers-recompute")
def recompute_tiers():
    """Nightly: place every customer on the value-tier ladder (客户分级); only changes are written."""
    result = tiers.tiers_recompute(by=None)
    return {"customers": result.customers, "changed": result.changed}


@db_periodic_task(crontab(minute="*/10"))
@lock_task("customers-import-jobs")
def resume_import_jobs():
    """Every ten minutes: run again the order imports left queued or interrupted."""
    return imports.import_jobs_resume()
