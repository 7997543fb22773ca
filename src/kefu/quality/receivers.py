"""What quality inspection does when a conversation ends: inspect it, in the worker."""

from django.db import transaction
from django.dispatch import receiver

from kefu.quality.signals import transcript_ready


@receiver(transcript_ready, dispatch_uid="kefu.quality.inspect_on_ready")
def on_transcript_ready(sender, transcript, **kwargs):
    """Enqueue the inspection once the transcript is committed (at once when the sender already
    waited for the commit, as it should)."""
    from kefu.quality.tasks import inspect_conversation

    transcript_id = transcript.pk
    transaction.on_commit(lambda: inspect_conversation(transcript_id))
