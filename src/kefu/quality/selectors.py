"""Reads of quality inspection that other apps need.

`quality_scores` is THE one place the KPI and performance work reads quality scores: it returns
plain rows and applies the figures' single definition in kefu.quality.reports (current inspections
only; the final score when reviewed, else the automatic one).
"""

from datetime import datetime

from kefu.quality import reports
from kefu.quality.reports import ScoreRow


def quality_scores(
    *, start: datetime, end: datetime, by: str = "agent", period: str | None = None
) -> list[ScoreRow]:
    """Mean quality scores of conversations in [start, end), every inspection (no person's scope).

    `by`: "agent" (key: username), "group" (accounts.AgentGroup name; an agent in two groups counts in
    both), "queue" or "channel"; `period`: "week" (ISO week, Monday), "month" or None (the whole range).
    Each row: ScoreRow(key, label, period_start, inspections, mean_score), a NamedTuple; mean_score
    rounded to 2 places. Raises ValueError for another `by` or `period`.
    """
    rows = reports.inspections(start=start, end=end)
    return reports.average_scores(rows, by=by, period=period)
