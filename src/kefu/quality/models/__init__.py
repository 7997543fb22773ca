"""Quality inspection models, one module per part (transcripts, rubrics and rules, inspections and
reviews); this package re-exports them so Django and callers see `kefu.quality.models`."""

from kefu.quality.models.alerts import LiveAlert
from kefu.quality.models.calibration import CalibrationScore, CalibrationSession, CasePromotion
from kefu.quality.models.inspections import Finding, Inspection, InspectorScope
from kefu.quality.models.reviews import Appeal, QualityEvent, Sample, SamplingPlan
from kefu.quality.models.rubrics import (
    Direction,
    ItemGroup,
    Rubric,
    RubricItem,
    RubricVersion,
    Rule,
    Severity,
)
from kefu.quality.models.transcripts import Channel, Role, Transcript

__all__ = [
    "Appeal", "CalibrationScore", "CalibrationSession", "CasePromotion", "Channel", "Direction", "Finding",
    "Inspection", "InspectorScope", "ItemGroup", "LiveAlert", "QualityEvent", "Role", "Rubric", "RubricItem",
    "RubricVersion", "Rule", "Sample", "SamplingPlan", "Severity", "Transcript",
]  # fmt: skip
