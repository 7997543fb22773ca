"""Quality reports (质检报表): every figure, defined once, with its formula in its docstring.

Pages (/quality/reports/), the xlsx export, the API (/api/quality/reports/...) and the KPI selector
(kefu.quality.selectors.quality_scores) all call these functions; none computes a figure itself.

Common ground for every figure:
- Only current inspections count: `superseded` ones (re-inspected against a newer version) never do.
- A conversation belongs to the period in which it took place (`conversation_at`, in the center's
  time zone); periods are half-open [start, end).
- The score of an inspection is its final score when a person reviewed it, else the automatic one
  (`SCORE`, the same rule as Inspection.score).
- Who sees what: kefu.quality.permissions.scope_filter (an agent sees only themselves, an inspector
  the queues given to them, leads everything); `user=None` is the system (the KPI selector).
"""

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import NamedTuple

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.models import AgentGroup, User
from kefu.quality.models import Channel, Direction, Finding, Inspection, Transcript
from kefu.quality.permissions import scope_filter

GROUPINGS = ("agent", "group", "queue", "channel")
PERIODS = ("week", "month")
# Lower edges of the score distribution's buckets: <60, 60–70, 70–80, 80–90, ≥90.
BUCKET_EDGES = (60, 70, 80, 90)
NONE_KEY = "—"

SCORE = Coalesce("final_score", "auto_score")
"""The score that counts (计分): final_score when reviewed, else auto_score."""


class ScoreRow(NamedTuple):
    """One row of mean scores: the group's stable `key` (username, group name, queue, channel code;
    "—" for none), what people read (`label`), the period's first day (None: the whole range), the
    number of inspections and their mean score."""

    key: str
    label: str
    period_start: date | None
    inspections: int
    mean_score: float | None


def inspections(
    *, start: datetime, end: datetime, user=None, rubric=None, channel: str = "", queue: str = ""
) -> QuerySet:
    """The current inspections of conversations in [start, end) that `user` may see (user None: all),
    optionally of one rubric (any of its versions), channel and queue."""
    rows = Inspection.objects.filter(superseded=False, conversation_at__gte=start, conversation_at__lt=end)
    if user is not None:
        rows = rows.filter(scope_filter(user))
    if rubric:
        rows = rows.filter(version__rubric=rubric)
    if channel:
        rows = rows.filter(channel=channel)
    if queue:
        rows = rows.filter(queue=queue)
    return rows


def period_start(moment: datetime, period: str | None) -> date | None:
    """The first day of the period holding `moment` in the center's time zone: the ISO week's Monday
    ("week"), the month's first day ("month"); None when not split by period."""
    if period is None:
        return None
    day = timezone.localtime(moment).date()
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    raise ValueError(period)


def _mean(values: list[Decimal]) -> float | None:
    return round(float(statistics.fmean(values)), 2) if values else None


def _groups_of(agent_ids: set[int]) -> dict[int, list[str]]:
    members = AgentGroup.members.through.objects.filter(user_id__in=agent_ids)
    out: dict[int, list[str]] = defaultdict(list)
    for user_id, name in members.values_list("user_id", "agentgroup__name"):
        out[user_id].append(name)
    return out


def _labels(by: str | None, keys) -> dict[str, str]:
    if by == "agent":
        return {u.username: u.label for u in User.objects.filter(username__in=keys)}
    if by == "channel":
        return {k: str(Channel(k).label) for k in keys if k in Channel.values}
    return {}


def average_scores(rows: QuerySet, *, by: str | None, period: str | None = None) -> list[ScoreRow]:
    """平均分 by `by` (agent, group, queue, channel; None: all together) and `period` (week, month, None).

        mean score(key, period) = Σ score(i) / n   over the n current inspections i of that key in that period

    where score(i) = final score if reviewed else automatic score. By group: an inspection counts in
    every agent group (accounts.AgentGroup) its agent belongs to, and under "—" when the agent has
    none; so group rows may add up to more than the total. Rows are sorted by key, then period.
    """
    if by is not None and by not in GROUPINGS:
        raise ValueError(by)
    if period is not None and period not in PERIODS:
        raise ValueError(period)
    fields = {"agent": "agent__username", "queue": "queue", "channel": "channel", "group": "agent_id"}
    values = rows.annotate(counted=SCORE).values_list(fields.get(by, "pk"), "conversation_at", "counted")
    buckets: dict[tuple[str, date | None], list[Decimal]] = defaultdict(list)
    if by == "group":
        values = list(values)
        groups = _groups_of({agent for agent, _at, _s in values if agent is not None})
        for agent, at, score in values:
            for name in groups.get(agent) or [NONE_KEY]:
                buckets[(name, period_start(at, period))].append(score)
    else:
        for key, at, score in values:
            key = "" if by is None else (key or NONE_KEY)
            buckets[(key, period_start(at, period))].append(score)
    labels = _labels(by, {k for k, _p in buckets})
    return [
        ScoreRow(key, labels.get(key, key), start, len(scores), _mean(scores))
        for (key, start), scores in sorted(buckets.items(), key=lambda kv: (kv[0][0], kv[0][1] or date.min))
    ]


@dataclass(frozen=True)
class FailedItem:
    code: str
    name: str
    findings: int
    inspections: int
    share: float


def failed_items(rows: QuerySet, *, limit: int = 10) -> list[FailedItem]:
    """最常扣分项: the items most often failed, followed by item code across rubric versions.

    A failure is a finding of a "subtract" item that a reviewer did not reject — one per item per
    inspection however many sentences showed it (its evidence), plus any the inspector added by
    hand. For each code:

        findings(code)    = such findings
        inspections(code) = current inspections with at least one such finding
        share(code)       = inspections(code) / all current inspections in `rows`

    Sorted by inspections, then findings, then code; the name shown is the newest version's.
    """
    total = rows.count()
    found = (
        Finding.objects.filter(inspection__in=rows, item__direction=Direction.SUBTRACT)
        .exclude(status=Finding.Status.REJECTED)
        .values("item__code")
        .annotate(findings=Count("pk"), inspections=Count("inspection", distinct=True))
        .order_by("-inspections", "-findings", "item__code")[:limit]
    )
    found = list(found)
    names: dict[str, str] = {}
    codes = [f["item__code"] for f in found]
    for code, name in (
        Finding.objects.filter(item__code__in=codes)
        .order_by("item__version__number", "item__pk")
        .values_list("item__code", "item__name")
    ):
        names[code] = name  # the last one read is the newest version's
    return [
        FailedItem(
            code=f["item__code"],
            name=names.get(f["item__code"], f["item__code"]),
            findings=f["findings"],
            inspections=f["inspections"],
            share=f["inspections"] / total if total else 0.0,
        )
        for f in found
    ]


@dataclass(frozen=True)
class Bucket:
    label: str
    low: float | None  # inclusive; None: no lower edge
    high: float | None  # exclusive; None: no upper edge
    count: int
    share: float


def distribution(rows: QuerySet, *, edges: tuple[int, ...] = BUCKET_EDGES) -> list[Bucket]:
    """分数分布: how many current inspections score in each bucket.

    With edges e1 < e2 < … < ek the buckets are [−∞, e1), [e1, e2), …, [ek, +∞) (a score on an edge
    goes to the higher bucket); share = count / all current inspections in `rows`.
    """
    scores = [float(s) for s in rows.annotate(counted=SCORE).values_list("counted", flat=True)]
    bounds = [None, *edges, None]
    total = len(scores)
    out = []
    for low, high in zip(bounds, bounds[1:], strict=False):
        n = sum((low is None or s >= low) and (high is None or s < high) for s in scores)
        if low is None:
            label = f"<{high}"
        elif high is None:
            label = f"≥{low}"
        else:
            label = f"{low}–{high}"
        out.append(Bucket(label, low, high, n, n / total if total else 0.0))
    return out


class TrendRow(NamedTuple):
    period_start: date
    inspections: int
    mean_score: float | None
    reviewed: int


def trend(rows: QuerySet, *, period: str = "week") -> list[TrendRow]:
    """趋势: per period (week or month), the number of current inspections, their mean score
    (as average_scores with every inspection together) and how many of them were reviewed
    (reviewed: a final score was given)."""
    reviewed: dict[date, int] = defaultdict(int)
    for at in rows.filter(final_score__isnull=False).values_list("conversation_at", flat=True):
        reviewed[period_start(at, period)] += 1
    return [
        TrendRow(r.period_start, r.inspections, r.mean_score, reviewed.get(r.period_start, 0))
        for r in average_scores(rows, by=None, period=period)
    ]


@dataclass(frozen=True)
class Coverage:
    """质检覆盖率.

        conversations = transcripts of conversations in [start, end) the user may see
        inspected     = those with at least one current inspection (of the rubric, when one is chosen)
        reviewed      = those with a current inspection that has a final score
        coverage      = inspected / conversations
        review_rate   = reviewed / inspected
    (a rate over nothing is 0).
    """

    conversations: int
    inspected: int
    reviewed: int

    @property
    def coverage(self) -> float:
        return self.inspected / self.conversations if self.conversations else 0.0

    @property
    def review_rate(self) -> float:
        return self.reviewed / self.inspected if self.inspected else 0.0


def coverage(*, start: datetime, end: datetime, user=None, rubric=None, channel: str = "") -> Coverage:
    """Coverage over the transcripts of [start, end) (see Coverage for the formulas). The scope
    filter applies to transcripts as to inspections: both carry agent, channel and queue."""
    transcripts = Transcript.objects.filter(started_at__gte=start, started_at__lt=end)
    if user is not None:
        transcripts = transcripts.filter(scope_filter(user))
    if channel:
        transcripts = transcripts.filter(channel=channel)
    current = Q(inspections__superseded=False)
    if rubric:
        current &= Q(inspections__version__rubric=rubric)
    counts = transcripts.aggregate(
        conversations=Count("pk", distinct=True),
        inspected=Count("pk", filter=current, distinct=True),
        reviewed=Count("pk", filter=current & Q(inspections__final_score__isnull=False), distinct=True),
    )
    return Coverage(**counts)


@dataclass
class Report:
    """Every table of the report page, for one set of filters."""

    start: datetime
    end: datetime
    by: str
    period: str | None
    scores: list[ScoreRow]
    totals: ScoreRow | None
    failed: list[FailedItem]
    buckets: list[Bucket]
    trend: list[TrendRow]
    coverage: Coverage
    filters: dict = field(default_factory=dict)


def quality_report(
    *, user, start: datetime, end: datetime, by: str = "agent", period: str | None = None, rubric=None,
    channel: str = "",
) -> Report:  # fmt: skip
    """The whole report for `user` (scope applied): mean scores by `by` (and `period`), the overall
    mean, the most failed items, the distribution, the trend (by week unless `period` is month) and
    coverage."""
    rows = inspections(start=start, end=end, user=user, rubric=rubric, channel=channel)
    overall = average_scores(rows, by=None)
    return Report(
        start=start,
        end=end,
        by=by,
        period=period,
        scores=average_scores(rows, by=by, period=period),
        totals=overall[0] if overall else None,
        failed=failed_items(rows),
        buckets=distribution(rows),
        trend=trend(rows, period=period or "week"),
        coverage=coverage(start=start, end=end, user=user, rubric=rubric, channel=channel),
        filters={"rubric": getattr(rubric, "pk", rubric), "channel": channel},
    )


def report_xlsx(report: Report) -> bytes:
    """The report's tables as an xlsx workbook, one sheet each, with the same numbers as the page."""
    from io import BytesIO

    from openpyxl import Workbook

    book = Workbook()
    summary = book.active
    summary.title = "summary"
    local = timezone.localtime
    summary.append([_("From"), local(report.start).strftime("%Y-%m-%d %H:%M")])
    summary.append([_("Until"), local(report.end).strftime("%Y-%m-%d %H:%M")])
    summary.append([_("Inspections"), report.totals.inspections if report.totals else 0])
    summary.append([_("Mean score"), report.totals.mean_score if report.totals else None])
    summary.append([_("Conversations"), report.coverage.conversations])
    summary.append([_("Inspected"), report.coverage.inspected])
    summary.append([_("Reviewed"), report.coverage.reviewed])
    summary.append([_("Coverage"), round(report.coverage.coverage, 4)])
    summary.append([_("Review rate"), round(report.coverage.review_rate, 4)])
    scores = book.create_sheet("scores")
    grouping = {"agent": _("Agent"), "group": _("Group"), "queue": _("Queue"), "channel": _("Channel")}
    scores.append([_("Key"), grouping.get(report.by, ""), _("Period"), _("Inspections"), _("Mean score")])
    for r in report.scores:
        scores.append([r.key, r.label, r.period_start, r.inspections, r.mean_score])
    failed = book.create_sheet("failed items")
    failed.append([_("Item code"), _("Item"), _("Findings"), _("Inspections"), _("Share of inspections")])
    for f in report.failed:
        failed.append([f.code, f.name, f.findings, f.inspections, round(f.share, 4)])
    dist = book.create_sheet("distribution")
    dist.append([_("Score"), _("Inspections"), _("Share")])
    for b in report.buckets:
        dist.append([b.label, b.count, round(b.share, 4)])
    trend_sheet = book.create_sheet("trend")
    trend_sheet.append([_("Period"), _("Inspections"), _("Mean score"), _("Reviewed")])
    for t in report.trend:
        trend_sheet.append([t.period_start, t.inspections, t.mean_score, t.reviewed])
    out = BytesIO()
    book.save(out)
    return out.getvalue()
