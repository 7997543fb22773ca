"""API of quality reports and calibration: /api/quality/reports/... and /api/quality/calibration/...

Every figure comes from kefu.quality.reports (one definition); every write from a service. Who sees
what: kefu.quality.permissions.scope_filter (reports) and the blind rule of calibration
(kefu.quality.services.calibration.calibration_visible_scores).
"""

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from kefu.accounts.api import Id, LocalMoment, user_of
from kefu.accounts.models import CENTER_ROLES, OVERSIGHT_ROLES, User
from kefu.core.errors import FieldCode, PermissionDenied, ValidationError
from kefu.quality import reports
from kefu.quality.models import CalibrationSession, Channel, Inspection, Rubric, RubricVersion, Transcript
from kefu.quality.services import calibration as calibration_services
from kefu.quality.services.cases import inspection_promote_to_case


class Endpoints:
    """Operations declared in this module and mounted on the quality router (`mount`), under a path
    prefix. Not nested ninja Routers: a nested router loses the slash between /api and quality/ in
    the OpenAPI paths ninja writes (/apiquality/...), though the URLs themselves work."""

    def __init__(self, prefix: str):
        self.prefix = prefix
        self.operations: list[tuple[str, str, dict, object]] = []

    def get(self, path: str, **options):
        return self._add("get", path, options)

    def post(self, path: str, **options):
        return self._add("post", path, options)

    def _add(self, method: str, path: str, options: dict):
        def declare(view):
            self.operations.append((method, path, options, view))
            return view

        return declare

    def mount(self, router: Router) -> None:
        for method, path, options, view in self.operations:
            getattr(router, method)(self.prefix + path, **options)(view)


reports_router = Endpoints("/reports")
calibration_router = Endpoints("/calibration")


def _staff(user) -> None:
    if not (user.is_superuser or user.role in CENTER_ROLES | OVERSIGHT_ROLES):
        raise PermissionDenied(_("Quality reports are for the service center's staff."))


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and timezone.is_naive(value):
        return timezone.make_aware(value)  # a time without offset is the center's local time
    return value


# --- reports ------------------------------------------------------------------------------------


class ScoreFilters(Schema):
    start: LocalMoment | None = Field(None, description="Default: 28 days before `end`.")
    end: LocalMoment | None = Field(None, description="Default: now.")
    by: str = Field("agent", description="agent, group, queue or channel.")
    period: str | None = Field(None, description="week, month, or empty for the whole range.")
    rubric: int | None = Field(None, ge=1, le=2**63 - 1, description="Only this rubric (any version).")
    channel: str = Field("", description="Only this channel (phone, chat, email).")


class ScoreRowOut(Schema):
    key: str
    label: str
    period_start: date | None
    inspections: int
    mean_score: float | None


class ScoresOut(Schema):
    start: datetime
    end: datetime
    by: str
    period: str | None
    rows: list[ScoreRowOut]


class FailedItemOut(Schema):
    code: str
    name: str
    findings: int
    inspections: int
    share: float


class BucketOut(Schema):
    label: str
    low: float | None
    high: float | None
    count: int
    share: float


class TrendOut(Schema):
    period_start: date
    inspections: int
    mean_score: float | None
    reviewed: int


class CoverageOut(Schema):
    conversations: int
    inspected: int
    reviewed: int
    coverage: float
    review_rate: float


class SummaryOut(ScoresOut):
    total: ScoreRowOut | None
    failed_items: list[FailedItemOut]
    distribution: list[BucketOut]
    trend: list[TrendOut]
    coverage: CoverageOut


def _read(filters: ScoreFilters) -> dict:
    if filters.by not in reports.GROUPINGS:
        message = _("One of: %(values)s") % {"values": ", ".join(reports.GROUPINGS)}
        raise ValidationError.for_field("by", message, FieldCode.INVALID_CHOICE)
    period = filters.period or None
    if period is not None and period not in reports.PERIODS:
        message = _("One of: %(values)s") % {"values": ", ".join(reports.PERIODS)}
        raise ValidationError.for_field("period", message, FieldCode.INVALID_CHOICE)
    end = _aware(filters.end) or timezone.now()
    start = _aware(filters.start) or end - timedelta(days=28)
    if start >= end:
        raise ValidationError.for_field("start", _("Must be before end."), FieldCode.OUT_OF_RANGE)
    if filters.channel and filters.channel not in Channel.values:
        message = _("One of: %(values)s") % {"values": ", ".join(Channel.values)}
        raise ValidationError.for_field("channel", message, FieldCode.INVALID_CHOICE)
    rubric = None
    if filters.rubric is not None:
        rubric = Rubric.objects.filter(pk=filters.rubric).first()
        if rubric is None:
            raise ValidationError.for_field("rubric", _("No such rubric."), FieldCode.NOT_FOUND)
    return {"start": start, "end": end, "by": filters.by, "period": period, "rubric": rubric,
            "channel": filters.channel}  # fmt: skip


def _row(r: reports.ScoreRow) -> dict:
    return r._asdict()


@reports_router.get("/scores", response=ScoresOut, summary="Mean quality scores")
def scores(request, filters: Query[ScoreFilters]):
    """Mean score (final when reviewed, else automatic; current inspections only) by agent, group,
    queue or channel, per week or month. An agent sees only their own; an inspector their queues."""
    user = user_of(request)
    _staff(user)
    f = _read(filters)
    rows = reports.inspections(
        start=f["start"], end=f["end"], user=user, rubric=f["rubric"], channel=f["channel"]
    )
    data = reports.average_scores(rows, by=f["by"], period=f["period"])
    return {
        "start": f["start"],
        "end": f["end"],
        "by": f["by"],
        "period": f["period"],
        "rows": [_row(r) for r in data],
    }


@reports_router.get("/summary", response=SummaryOut, summary="The whole quality report")
def summary(request, filters: Query[ScoreFilters]):
    """Every table of /quality/reports/: mean scores, the overall mean, the most failed items, the
    score distribution, the trend and coverage, with the same scope."""
    user = user_of(request)
    _staff(user)
    f = _read(filters)
    data = reports.quality_report(user=user, **f)
    c = data.coverage
    return {
        "start": data.start,
        "end": data.end,
        "by": data.by,
        "period": data.period,
        "rows": [_row(r) for r in data.scores],
        "total": _row(data.totals) if data.totals else None,
        "failed_items": [vars(i) for i in data.failed],
        "distribution": [vars(b) for b in data.buckets],
        "trend": [t._asdict() for t in data.trend],
        "coverage": {
            "conversations": c.conversations,
            "inspected": c.inspected,
            "reviewed": c.reviewed,
            "coverage": c.coverage,
            "review_rate": c.review_rate,
        },  # fmt: skip
    }


class PromoteIn(Schema):
    verdict: str = Field(..., description="good or bad")
    title: str = ""
    notes: str = ""


class CaseOut(Schema):
    id: int
    title: str
    verdict: str
    notes: str


@reports_router.post(
    "/inspections/{inspection_id}/case", response={201: CaseOut}, summary="Promote to a case"
)
def promote(request, inspection_id: Id, payload: PromoteIn):
    """Add the inspected conversation to the case library as a good or bad example, its findings quoted.
    QA inspectors, supervisors and managers (knowledge.permissions.can_edit_cases)."""
    inspection = get_object_or_404(Inspection.objects.select_related("transcript"), pk=inspection_id)
    case = inspection_promote_to_case(
        inspection=inspection, verdict=payload.verdict, title=payload.title, notes=payload.notes,
        by=user_of(request),
    )  # fmt: skip
    return 201, case


# --- calibration --------------------------------------------------------------------------------


class SessionIn(Schema):
    name: str
    version: Id
    transcripts: list[Id]
    inspectors: list[Id]


class SessionOut(Schema):
    id: int
    name: str
    version: int
    rubric: str
    state: str
    transcripts: list[int]
    inspectors: list[str]
    created_at: datetime
    closed_at: datetime | None


class ScoreIn(Schema):
    transcript: Id
    found: list[str] = Field(default_factory=list, description="Codes of the items found; the rest were not.")
    comment: str = ""


class ScoreOut(Schema):
    transcript: int
    inspector: str
    verdicts: dict[str, bool]
    total: Decimal
    comment: str
    scored_at: datetime


class SessionDetailOut(SessionOut):
    scores: list[ScoreOut]


class SpreadOut(Schema):
    session: int
    transcript: int
    count: int
    minimum: float
    maximum: float
    mean: float
    stdev: float


class ItemAgreementOut(Schema):
    code: str
    units: int
    item_agreement: float | None


class AgreementOut(Schema):
    scores: int
    inspectors: int
    units: int
    mean_stdev: float | None
    mean_range: float | None
    item_agreement: float | None
    alpha: float | None
    kappa: float | None
    conversations: list[SpreadOut]
    by_item: list[ItemAgreementOut]


def _session_out(s: CalibrationSession) -> dict:
    return {
        "id": s.pk,
        "name": s.name,
        "version": s.version.number,
        "rubric": s.version.rubric.name,
        "state": s.state,
        "transcripts": sorted(s.transcripts.values_list("pk", flat=True)),
        "inspectors": sorted(s.inspectors.values_list("username", flat=True)),
        "created_at": s.created_at,
        "closed_at": s.closed_at,
    }


def _score_out(s) -> dict:
    return {"transcript": s.transcript_id, "inspector": s.inspector.username, "verdicts": s.verdicts,
            "total": s.total, "comment": s.comment, "scored_at": s.scored_at}  # fmt: skip


def _session(request, session_id: int) -> CalibrationSession:
    session = get_object_or_404(CalibrationSession.objects.select_related("version__rubric"), pk=session_id)
    if not calibration_services.can_view_session(user_of(request), session):
        raise PermissionDenied(_("You are not part of this calibration session."))
    return session


def _agreement_out(a: calibration_services.Agreement) -> dict:
    out = {k: getattr(a, k) for k in ("scores", "inspectors", "units", "mean_stdev", "mean_range",
                                      "item_agreement", "alpha", "kappa", "by_item")}  # fmt: skip
    out["conversations"] = [
        {"session": c.session_id, "transcript": c.transcript.pk, **{k: getattr(c.spread, k) for k in ("count", "minimum", "maximum", "mean", "stdev")}}
        for c in a.conversations
        if c.spread is not None
    ]  # fmt: skip
    return out


@calibration_router.get("/sessions", response=list[SessionOut], summary="Calibration sessions")
def session_list(request):
    """The sessions I take part in (every session for a lead), newest first."""
    return [_session_out(s) for s in calibration_services.sessions_for(user_of(request))[:200]]


@calibration_router.post("/sessions", response={201: SessionOut}, summary="Open a calibration session")
def session_create(request, payload: SessionIn):
    """Open a session: the conversations every invited inspector scores blind against one version."""
    version = RubricVersion.objects.filter(pk=payload.version).select_related("rubric").first()
    if version is None:
        raise ValidationError.for_field("version", _("No such rubric version."), FieldCode.NOT_FOUND)
    transcripts = list(Transcript.objects.filter(pk__in=payload.transcripts))
    missing = sorted(set(payload.transcripts) - {t.pk for t in transcripts})
    if missing:
        message = _("No such conversation: %(ids)s") % {"ids": ", ".join(map(str, missing))}
        raise ValidationError.for_field("transcripts", message, FieldCode.NOT_FOUND)
    inspectors = list(User.objects.filter(pk__in=payload.inspectors))
    missing = sorted(set(payload.inspectors) - {u.pk for u in inspectors})
    if missing:
        message = _("No such user: %(ids)s") % {"ids": ", ".join(map(str, missing))}
        raise ValidationError.for_field("inspectors", message, FieldCode.NOT_FOUND)
    session = calibration_services.calibration_create(
        name=payload.name,
        version=version,
        transcripts=transcripts,
        inspectors=inspectors,
        by=user_of(request),
    )
    return 201, _session_out(session)


@calibration_router.get("/sessions/{session_id}", response=SessionDetailOut, summary="A calibration session")
def session_detail(request, session_id: Id):
    """The session and the scores I may see: only my own while it is open (blind), all once closed."""
    session = _session(request, session_id)
    scores = calibration_services.calibration_visible_scores(session, user_of(request))
    return {**_session_out(session), "scores": [_score_out(s) for s in scores]}


@calibration_router.post(
    "/sessions/{session_id}/scores", response=ScoreOut, summary="Score a conversation blind"
)
def session_score(request, session_id: Id, payload: ScoreIn):
    """Record (or replace, while open) my verdicts on every item for one conversation of the session."""
    session = _session(request, session_id)
    transcript = Transcript.objects.filter(pk=payload.transcript).first()
    if transcript is None:
        raise ValidationError.for_field("transcript", _("No such conversation."), FieldCode.NOT_FOUND)
    score = calibration_services.calibration_score(
        session=session,
        transcript=transcript,
        found=payload.found,
        comment=payload.comment,
        by=user_of(request),
    )
    return _score_out(score)


@calibration_router.post(
    "/sessions/{session_id}/close", response=SessionOut, summary="Close a calibration session"
)
def session_close(request, session_id: Id):
    """Close the session; every score and the agreement become visible."""
    session = calibration_services.calibration_close(
        session=_session(request, session_id), by=user_of(request)
    )
    return _session_out(session)


@calibration_router.get(
    "/sessions/{session_id}/agreement", response=AgreementOut, summary="Agreement of a session"
)
def session_agreement(request, session_id: Id):
    """Score spread, item agreement, Krippendorff's alpha and Fleiss' kappa; 409 while the session is open."""
    session = _session(request, session_id)
    return _agreement_out(calibration_services.calibration_agreement(session=session, user=user_of(request)))


@calibration_router.get(
    "/rubrics/{rubric_id}/agreement", response=AgreementOut, summary="Agreement of a rubric"
)
def rubric_agreement(request, rubric_id: Id):
    """The agreement over every closed session of the rubric's versions that I may see."""
    user = user_of(request)
    if not calibration_services.can_create(user):
        raise PermissionDenied(_("Only QA inspectors, supervisors and managers run calibration sessions."))
    rubric = get_object_or_404(Rubric, pk=rubric_id)
    return _agreement_out(calibration_services.rubric_agreement(rubric=rubric, user=user))
