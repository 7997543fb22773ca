"""Reads of the callbacks app: the team's queue, the review queue, the weekly listening report and
the callback and satisfaction measures."""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, F, Q
from django.utils import timezone

from kefu.accounts.models import User
from kefu.callbacks.models import Attempt, CallbackTask, Factor, Reason, Review, Satisfaction, Score
from kefu.tickets.models import Channel, TicketType

NOT_SATISFIED = Q(score=Score.DISSATISFIED) | Q(solved=False)
#: A callback done by its due time (回访及时): THE rule, for callback_measures and the KPI catalogue.
DONE_IN_TIME = Q(state=CallbackTask.State.DONE, completed_at__lte=F("due_at"))
FINISHED = (CallbackTask.State.DONE, CallbackTask.State.UNREACHABLE, CallbackTask.State.CANCELLED)


def callback_queue(user: User, *, now: datetime | None = None):
    """Open callback tasks of the user's teams (every team for a lead): retries due first, then by due time."""
    rows = CallbackTask.objects.filter(state=CallbackTask.State.OPEN).select_related("plan__team", "ticket")
    if not user.is_lead:
        rows = rows.filter(plan__team__members=user)
    return rows.order_by("next_attempt_at", "due_at", "id")


def review_queue():
    """Every "not satisfied" contact not yet reviewed, oldest first."""
    return (
        Satisfaction.objects.filter(NOT_SATISFIED, review__isnull=True)
        .select_related("ticket", "agent", "group")
        .order_by("created_at", "id")
    )


def iso_week_bounds(year: int, week: int) -> tuple[datetime, datetime]:
    """Monday 00:00 to the next Monday 00:00, local time, of ISO week `year`-W`week`."""
    monday = date.fromisocalendar(year, week, 1)
    tz = timezone.get_current_timezone()
    start = datetime(monday.year, monday.month, monday.day, tzinfo=tz)
    return start, start + timedelta(days=7)


def parse_week(text: str) -> tuple[int, int]:
    """'2026-W48' → (2026, 48); ValueError otherwise."""
    year, _sep, week = (text or "").upper().partition("-W")
    result = int(year), int(week)
    date.fromisocalendar(result[0], result[1], 1)
    return result


@dataclass
class ReasonRow:
    reason: str
    factor: str
    count: int
    share: float  # of the tags of its factor
    contact_share: float  # of the contacts reviewed


@dataclass
class GroupRow:
    name: str
    reviewed: int = 0
    agent_factor: int = 0
    other_factor: int = 0
    reasons: Counter = field(default_factory=Counter)

    @property
    def top_reason(self) -> str:
        return self.reasons.most_common(1)[0][0] if self.reasons else ""


@dataclass
class WeeklyReport:
    year: int
    week: int
    reviewed: int
    with_agent: int
    with_other: int
    reasons: list[ReasonRow]
    top_agent: list[tuple[ReasonRow, float]]  # (row, cumulative share)
    by_agent: list[GroupRow]
    by_team: list[GroupRow]

    @property
    def label(self) -> str:
        return f"{self.year}-W{self.week:02d}"


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def weekly_report(*, year: int, week: int) -> WeeklyReport:
    """The weekly listening report (每周听音报告) for the "not satisfied" contacts of ISO week
    `year`-W`week` (by when the customer answered) that were reviewed.

    A contact with both kinds of reasons counts in both `with_agent` and `with_other`. A reason's
    `share` is its count over all tags of its factor (agent reasons add up to 100 % of the agent
    tags); `contact_share` is its count over the contacts reviewed. The top five agent reasons carry
    their cumulative share of the agent tags.
    """
    start, end = iso_week_bounds(year, week)
    reviews = list(
        Review.objects.filter(satisfaction__created_at__gte=start, satisfaction__created_at__lt=end)
        .select_related("satisfaction__agent", "satisfaction__group")
        .prefetch_related("reasons")
    )
    counts: Counter = Counter()
    factor_of: dict[str, str] = {r.name: r.factor for r in Reason.objects.all()}
    with_agent = with_other = 0
    agents: dict[str, GroupRow] = {}
    teams: dict[str, GroupRow] = {}
    for review in reviews:
        names = [r.name for r in review.reasons.all()]
        factors = {factor_of[n] for n in names}
        counts.update(names)
        with_agent += Factor.AGENT in factors
        with_other += Factor.OTHER in factors
        s = review.satisfaction
        for bucket, key in (
            (agents, s.agent.label if s.agent else "—"),
            (teams, s.group.name if s.group else "—"),
        ):
            row = bucket.setdefault(key, GroupRow(name=key))
            row.reviewed += 1
            row.agent_factor += Factor.AGENT in factors
            row.other_factor += Factor.OTHER in factors
            row.reasons.update(n for n in names if factor_of[n] == Factor.AGENT)
    tags = {f: sum(c for n, c in counts.items() if factor_of[n] == f) for f in Factor.values}
    rows = [
        ReasonRow(
            reason=name,
            factor=factor_of[name],
            count=count,
            share=_share(count, tags[factor_of[name]]),
            contact_share=_share(count, len(reviews)),
        )
        for name, count in sorted(counts.items(), key=lambda kv: (factor_of[kv[0]], -kv[1], kv[0]))
    ]
    top, cumulative = [], 0.0
    for row in sorted((r for r in rows if r.factor == Factor.AGENT), key=lambda r: (-r.count, r.reason))[:5]:
        cumulative += row.share
        top.append((row, cumulative))
    return WeeklyReport(
        year=year,
        week=week,
        reviewed=len(reviews),
        with_agent=with_agent,
        with_other=with_other,
        reasons=rows,
        top_agent=top,
        by_agent=sorted(agents.values(), key=lambda r: (-r.reviewed, r.name)),
        by_team=sorted(teams.values(), key=lambda r: (-r.reviewed, r.name)),
    )


def weekly_report_xlsx(report: WeeklyReport) -> bytes:
    """The report as an xlsx workbook: summary, reasons, top five, by agent, by team."""
    from io import BytesIO

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "summary"
    sheet.append(["week", report.label])
    sheet.append(["contacts reviewed", report.reviewed])
    sheet.append(["with agent factors", report.with_agent])
    sheet.append(["with non-agent factors", report.with_other])
    reasons = book.create_sheet("reasons")
    reasons.append(["reason", "factor", "count", "share of factor", "share of contacts"])
    for r in report.reasons:
        reasons.append([r.reason, r.factor, r.count, round(r.share, 4), round(r.contact_share, 4)])
    top = book.create_sheet("top agent reasons")
    top.append(["reason", "count", "share", "cumulative share"])
    for r, cumulative in report.top_agent:
        top.append([r.reason, r.count, round(r.share, 4), round(cumulative, 4)])
    for title, rows in (("by agent", report.by_agent), ("by team", report.by_team)):
        ws = book.create_sheet(title)
        ws.append(["name", "reviewed", "with agent factors", "with non-agent factors", "top agent reason"])
        for g in rows:
            ws.append([g.name, g.reviewed, g.agent_factor, g.other_factor, g.top_reason])
    out = BytesIO()
    book.save(out)
    return out.getvalue()


# --- measures ------------------------------------------------------------------------------------

DIMENSIONS = ("ticket_type", "channel", "department", "agent", "week")


def satisfaction_rates(*, start: datetime, end: datetime, by: str) -> list[dict]:
    """满意率 by `by` (one of DIMENSIONS): answers, satisfied, fairly, not satisfied, and the rate
    (satisfied + fairly satisfied, and not "not solved", over all answers).

    Each row's `key` is the stable code (a type, a channel, a username) and `label` what a person
    reads (the type's or channel's name in the current language, the agent's name)."""
    if by not in DIMENSIONS:
        raise ValueError(by)
    rows = Satisfaction.objects.filter(created_at__gte=start, created_at__lt=end)
    keys = {
        "ticket_type": "ticket_type",
        "channel": "channel",
        "department": "group__department__name",
        "agent": "agent__username",
    }
    result: dict[str, Counter] = defaultdict(Counter)
    if by == "week":
        for created, score, solved in rows.values_list("created_at", "score", "solved"):
            y, w, _d = timezone.localtime(created).isocalendar()
            c = result[f"{y}-W{w:02d}"]
            c["answers"] += 1
            c["good" if score != Score.DISSATISFIED and solved is not False else "bad"] += 1
    else:
        grouped = rows.values(keys[by]).annotate(
            answers=Count("id"),
            bad=Count("id", filter=NOT_SATISFIED),
        )
        for g in grouped:
            key = g[keys[by]] or "—"
            result[key]["answers"] += g["answers"]
            result[key]["bad"] += g["bad"]
            result[key]["good"] += g["answers"] - g["bad"]
    labels = _dimension_labels(by, list(result))
    return [
        {
            "key": key,
            "label": labels.get(key, key),
            "answers": c["answers"],
            "not_satisfied": c["bad"],
            "rate": _share(c["good"], c["answers"]),
        }
        for key, c in sorted(result.items())
    ]


def _dimension_labels(by: str, keys: list[str]) -> dict[str, str]:
    """What people read for the codes of a dimension (the rest are shown as they are)."""
    if by == "ticket_type":
        return {k: str(TicketType(k).label) for k in keys if k in TicketType.values}
    if by == "channel":
        return {k: str(Channel(k).label) for k in keys if k in Channel.values}
    if by == "agent":
        return {u.username: u.label for u in User.objects.filter(username__in=keys)}
    return {}


def callback_measures(*, start: datetime, end: datetime) -> dict:
    """Callback completion within target, callback reach rate (回访接通率) and pass rate (回访合格率) of
    the tasks that were due in [start, end).

    completed_in_time: done before the due time / tasks due. reach_rate (the callback reach rate, not
    the call answer rate 接通率 of incoming calls): tasks that reached the customer / finished tasks. pass_rate: callbacks whose customer was satisfied or fairly satisfied
    and whose problem was not "not solved" / callbacks that reached the customer.
    """
    due = CallbackTask.objects.filter(due_at__gte=start, due_at__lt=end)
    total = due.count()
    finished = due.filter(state__in=FINISHED).exclude(
        state=CallbackTask.State.CANCELLED, attempts__isnull=True
    )
    finished_n = finished.distinct().count()
    reached = due.filter(attempts__result=Attempt.Result.REACHED).distinct()
    reached_n = reached.count()
    in_time = due.filter(DONE_IN_TIME).count()
    passed = reached.filter(outcome__in=[Score.SATISFIED, Score.FAIRLY]).exclude(solved=False).count()
    return {
        "tasks": total,
        "finished": finished_n,
        "reached": reached_n,
        "completed_in_time": in_time,
        "completion_in_time_rate": _share(in_time, total),
        "reach_rate": _share(reached_n, finished_n),
        "pass_rate": _share(passed, reached_n),
        "unreachable": due.filter(state=CallbackTask.State.UNREACHABLE).count(),
    }
