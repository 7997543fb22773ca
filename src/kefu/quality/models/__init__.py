"""Quality inspection models, one module per part (transcripts, rubrics and rules, inspections and
reviews); this package re-exports them so Django and callers see `kefu.quality.models`."""

from kefu.quality.models.transcripts import Channel, Role, Transcript

__all__ = ["Channel", "Role", "Transcript"]
