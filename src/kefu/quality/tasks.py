"""Background work of quality inspection; each task calls one service and is safe to run twice."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task, lock_task

from kefu.quality.models import Transcript
from kefu.quality.services.inspection import inspect_transcript
from kefu.quality.services.sampling import sampling_plans_run


@db_task()
def inspect_conversation(transcript_id: int):
    """Inspect a conversation that has ended (idempotent: a second run finds the inspection made)."""
    transcript = Transcript.objects.filter(pk=transcript_id).first()
    if transcript is None:
        return None
    inspection = inspect_transcript(transcript=transcript)
    return inspection.pk if inspection else None


@db_periodic_task(crontab(minute="*/15"))
@lock_task("quality-sample")
def sample_inspections():
    """Every quarter hour: every active sampling plan picks what it still needs (idempotent: the
    plans top up, and an inspection is never picked twice)."""
    return sampling_plans_run()
