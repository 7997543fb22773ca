"""Background work of kefu.quality; each task calls one service and is safe to run twice."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from kefu.quality.services.sampling import sampling_plans_run


@db_periodic_task(crontab(minute="*/15"))
@lock_task("quality-sample")
def sample_inspections():
    """Every quarter hour: every active sampling plan picks what it still needs (idempotent: the
    plans top up, and an inspection is never picked twice)."""
    return sampling_plans_run()
