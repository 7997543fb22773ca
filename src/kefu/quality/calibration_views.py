"""Calibration pages (校准) under /quality/calibration/: the sessions (and a new one), scoring one
conversation blind, the results with the agreement once a session is closed."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from kefu.accounts.models import OVERSIGHT_ROLES, User
from kefu.core.errors import DomainError
from kefu.core.params import int_or
from kefu.quality.models import CalibrationSession, Rubric, RubricVersion, Transcript
from kefu.quality.services import calibration as services


def _refuse(exc: DomainError):
    if exc.http_status == 403:
        raise DjangoPermissionDenied(exc.message) from exc


def _ids(values) -> list[int]:
    return [i for i in (int_or(v) for v in values) if i is not None]


@login_required
def sessions(request):
    """The calibration sessions I take part in; leads and inspectors open a new one here."""
    can_create = services.can_create(request.user)
    errors: dict = {}
    if request.method == "POST":
        if not can_create:
            raise DjangoPermissionDenied(
                _("Only QA inspectors, supervisors and managers run calibration sessions.")
            )
        try:
            session = services.calibration_create(
                name=request.POST.get("name", ""),
                version=RubricVersion.objects.filter(pk=int_or(request.POST.get("version"))).first(),
                transcripts=Transcript.objects.filter(pk__in=_ids(request.POST.getlist("transcripts"))),
                inspectors=User.objects.filter(pk__in=_ids(request.POST.getlist("inspectors"))),
                by=request.user,
            )
            messages.success(request, _("Calibration session opened."))
            return redirect("quality:calibration_session", pk=session.pk)
        except DomainError as exc:
            _refuse(exc)
            errors = exc.errors
            messages.error(request, exc.message)
    context = {
        "sessions": services.sessions_for(request.user)[:100],
        "can_create": can_create,
        "errors": errors,
        "by_rubric": [
            (rubric, a)
            for rubric in Rubric.objects.filter(
                versions__calibration_sessions__state=CalibrationSession.State.CLOSED
            ).distinct()
            if (a := services.rubric_agreement(rubric=rubric, user=request.user)).scores
        ],
    }
    if can_create:
        context.update(
            versions=RubricVersion.objects.exclude(state=RubricVersion.State.DRAFT).select_related("rubric"),
            transcripts=Transcript.objects.order_by("-started_at")[:100],
            inspectors=User.objects.filter(is_active=True, role__in=OVERSIGHT_ROLES).order_by("username"),
            posted=request.POST,
        )
    return render(request, "quality/calibration/sessions.html", context, status=422 if errors else 200)


@login_required
def session(request, pk: int):
    """One session: its conversations and who has scored; once closed, every score and the agreement."""
    row = get_object_or_404(CalibrationSession.objects.select_related("version__rubric", "created_by"), pk=pk)
    if not services.can_view_session(request.user, row):
        raise DjangoPermissionDenied(_("You are not part of this calibration session."))
    if request.method == "POST" and request.POST.get("action") == "close":
        try:
            services.calibration_close(session=row, by=request.user)
            messages.success(request, _("Session closed: every score is now visible."))
        except DomainError as exc:
            _refuse(exc)
            messages.error(request, exc.message)
        return redirect("quality:calibration_session", pk=row.pk)
    visible = list(services.calibration_visible_scores(row, request.user))
    mine = {s.transcript_id for s in visible if s.inspector_id == request.user.pk}
    scored = {}
    for transcript_id, inspector_id in row.scores.values_list("transcript_id", "inspector_id"):
        scored.setdefault(transcript_id, set()).add(inspector_id)
    inspectors = list(row.inspectors.order_by("username"))
    transcripts = [
        {"transcript": t, "mine": t.pk in mine, "done": len(scored.get(t.pk, ()))}
        for t in row.transcripts.order_by("started_at", "pk")
    ]
    result = None
    if not row.is_open:
        result = services.calibration_agreement(session=row, user=request.user)
    return render(
        request,
        "quality/calibration/session.html",
        {
            "session": row,
            "transcripts": transcripts,
            "inspectors": inspectors,
            "invited": any(u.pk == request.user.pk for u in inspectors),
            "can_close": row.is_open and services.can_close(request.user, row),
            "agreement": result,
            "items": list(row.version.items.order_by("position", "pk")),
        },
    )


@login_required
def score(request, pk: int, transcript_pk: int):
    """Score one conversation blind: the dialogue and a found / not found box per item. Only my own
    earlier score is shown while the session is open."""
    row = get_object_or_404(CalibrationSession.objects.select_related("version__rubric"), pk=pk)
    transcript = get_object_or_404(row.transcripts, pk=transcript_pk)
    if not row.inspectors.filter(pk=request.user.pk).exists():
        raise DjangoPermissionDenied(_("Only the inspectors invited to this session score in it."))
    errors: dict = {}
    if request.method == "POST":
        try:
            services.calibration_score(
                session=row,
                transcript=transcript,
                found=request.POST.getlist("found"),
                comment=request.POST.get("comment", ""),
                by=request.user,
            )
            messages.success(request, _("Score saved."))
            return redirect("quality:calibration_session", pk=row.pk)
        except DomainError as exc:
            _refuse(exc)
            errors = exc.errors
            messages.error(request, exc.message)
    own = row.scores.filter(inspector=request.user, transcript=transcript).first()
    found = {code for code, hit in (own.verdicts if own else {}).items() if hit}
    return render(
        request,
        "quality/calibration/score.html",
        {
            "session": row,
            "transcript": transcript,
            "sentences": transcript.sentences or [],
            "items": row.version.items.order_by("position", "pk"),
            "found": found,
            "own": own,
            "errors": errors,
        },
        status=422 if errors else 200,
    )
