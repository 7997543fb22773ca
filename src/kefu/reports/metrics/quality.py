"""The quality score (质检得分), as kefu.quality.reports defines it: current inspections of the
conversations of the period (conversation_at), the final score when reviewed, else the automatic
one. The records and the score come from there; only the sum is taken here."""

from django.db.models import Count, FloatField, Sum
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _

from kefu.quality import reports
from kefu.reports.metrics.base import Better, Family, Period, Scope, Unit, figure, ratio
from kefu.reports.metrics.common import scoped

QUALITY_FILTERS = {"agent": "agent_id", "group": "@agent_id", "queue": "queue", "channel": "channel"}


def _inspection_rows(period: Period, scope: Scope, options):
    """kefu.quality.reports.inspections: current inspections of conversations in the period."""
    return scoped(reports.inspections(start=period.start, end=period.end), scope, QUALITY_FILTERS)


INSPECTIONS = Family(
    code="inspections",
    name=_("Quality inspections"),
    rows=_inspection_rows,
    time_field="conversation_at",
    dimensions={"agent": "agent_id", "group": "agent__agent_groups", "queue": "queue", "channel": "channel"},
    components=lambda options: {
        "inspections": Count("id"),
        "score_sum": Sum(Cast(reports.SCORE, FloatField())),
    },
)


@figure("quality_score", _("Quality score"), unit=Unit.SCORE, better=Better.HIGHER, family=INSPECTIONS)
def quality_score(c, options):
    """Quality score (质检得分) = Σ score / inspections, over the current (not superseded) inspections
    of conversations in the period; score = the final score when a person reviewed it, else the
    automatic one (kefu.quality.reports.SCORE)."""
    return ratio(c["score_sum"], c["inspections"])
