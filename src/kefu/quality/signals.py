"""Signals of quality inspection.

transcript_ready(sender=Transcript, transcript=...): a conversation has ended and its transcript is
stored (a chat ended, a mail thread's work order resolved, a speech-recognition result arrived);
automatic inspection listens. Sent after the transaction commits.
"""

from django.dispatch import Signal

transcript_ready = Signal()
