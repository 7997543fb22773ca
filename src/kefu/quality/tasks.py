"""Background work of quality inspection; each task calls one service and is safe to run twice."""

from huey.contrib.djhuey import db_task

from kefu.quality.models import Transcript
from kefu.quality.services.inspection import inspect_transcript


@db_task()
def inspect_conversation(transcript_id: int):
    """Inspect a conversation that has ended (idempotent: a second run finds the inspection made)."""
    transcript = Transcript.objects.filter(pk=transcript_id).first()
    if transcript is None:
        return None
    inspection = inspect_transcript(transcript=transcript)
    return inspection.pk if inspection else None
