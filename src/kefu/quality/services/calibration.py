"""Calibration (校准) services: open a session, score blind, close it, and measure the agreement.

Blind rule: while a session is open an inspector sees only their own scores; nobody (a lead or
the session's creator included) sees another inspector's scores or the agreement until it is
closed. `calibration_visible_scores` is the one place that decides, for pages and the API.
"""

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.models import OVERSIGHT_ROLES
from kefu.core.errors import FieldCode, PermissionDenied, TransitionNotAllowed, ValidationError
from kefu.quality import agreement, permissions
from kefu.quality.models import (
    CalibrationScore,
    CalibrationSession,
    Rubric,
    RubricVersion,
    Transcript,
)

# --- who may ------------------------------------------------------------------------------------


def can_create(user) -> bool:
    """Leads and QA inspectors run calibration sessions."""
    return permissions.can_manage_rubrics(user)


def can_view_session(user, session: CalibrationSession) -> bool:
    """The invited inspectors, the session's creator and the leads."""
    if permissions.is_lead(user):
        return True
    if not (user is not None and user.is_authenticated):
        return False
    return session.created_by_id == user.pk or session.inspectors.filter(pk=user.pk).exists()


def can_close(user, session: CalibrationSession) -> bool:
    return permissions.is_lead(user) or (
        permissions.can_manage_rubrics(user) and session.created_by_id == getattr(user, "pk", None)
    )


def sessions_for(user):
    """The sessions `user` may open, newest first."""
    rows = CalibrationSession.objects.select_related("version__rubric", "created_by")
    if permissions.is_lead(user):
        return rows
    if not (user is not None and user.is_authenticated):
        return rows.none()
    from django.db.models import Q

    return rows.filter(Q(inspectors=user) | Q(created_by=user)).distinct()


# --- writes -------------------------------------------------------------------------------------


@transaction.atomic
def calibration_create(
    *, name: str, version: RubricVersion, transcripts, inspectors, by
) -> CalibrationSession:
    """Open a calibration session (校准会): `transcripts` scored by every one of `inspectors` (at
    least two, each a QA inspector or a lead) against `version`. Refuses a draft version, an
    empty name, no transcript."""
    if not can_create(by):
        raise PermissionDenied(_("Only QA inspectors, supervisors and managers run calibration sessions."))
    name = (name or "").strip()
    if not name:
        raise ValidationError.for_field("name", _("A session needs a name."), FieldCode.REQUIRED)
    if version is None:
        raise ValidationError.for_field("version", _("Choose a rubric version."), FieldCode.REQUIRED)
    if version.state == RubricVersion.State.DRAFT:
        raise ValidationError.for_field("version", _("Calibrate against a published version, not a draft."))
    transcripts = list(transcripts)
    inspectors = list({u.pk: u for u in inspectors}.values())
    if not transcripts:
        raise ValidationError.for_field(
            "transcripts", _("Choose at least one conversation."), FieldCode.REQUIRED
        )
    if len(inspectors) < 2:
        raise ValidationError.for_field(
            "inspectors", _("Invite at least two inspectors."), FieldCode.TOO_SHORT
        )
    for user in inspectors:
        if not (user.is_active and (user.is_superuser or user.role in OVERSIGHT_ROLES)):
            raise ValidationError.for_field(
                "inspectors",
                _("%(name)s is not a QA inspector or a lead.") % {"name": user.get_username()},
            )
    session = CalibrationSession.objects.create(name=name[:200], version=version, created_by=by)
    session.transcripts.set(transcripts)
    session.inspectors.set(inspectors)
    return session


def total_for(version: RubricVersion, found: set[str]) -> Decimal:
    """The score that the items found give under `version`, by the one definition of a score
    (kefu.quality.engine.scoring.score): start ± the found items' points, clamped to [floor,
    ceiling]; a found fatal item → floor. Each found item counts once."""
    from kefu.quality.engine.scoring import ItemSpec, score

    items = {
        item.code: ItemSpec(
            key=item.code, points=item.points, direction=item.direction, severity=item.severity
        )
        for item in version.items.all()
    }
    result = score(
        start=float(version.start_score),
        floor=float(version.floor_score),
        ceiling=float(version.ceiling_score),
        items=items,
        fired=dict.fromkeys(found, 1),
    )
    return Decimal(str(result.score)).quantize(Decimal("0.01"))


@transaction.atomic
def calibration_score(
    *, session: CalibrationSession, transcript: Transcript, found, by, comment: str = "", now=None
) -> CalibrationScore:
    """Record (or, while the session is open, replace) `by`'s blind score of `transcript`: the item
    codes in `found` were found, every other item of the version was not. Refuses a closed
    session, someone not invited, a conversation outside the session, an unknown item code."""
    # Lock the session row: closing it and a last score must not cross.
    session = CalibrationSession.objects.select_for_update().get(pk=session.pk)
    if not session.inspectors.filter(pk=getattr(by, "pk", None)).exists():
        raise PermissionDenied(_("Only the inspectors invited to this session score in it."))
    if not session.is_open:
        raise TransitionNotAllowed(_("The session is closed; scores can no longer change."))
    if not session.transcripts.filter(pk=transcript.pk).exists():
        raise ValidationError.for_field(
            "transcript", _("This conversation is not part of the session."), FieldCode.NOT_FOUND
        )
    codes = set(session.version.items.values_list("code", flat=True))
    found = {str(code) for code in (found or [])}
    unknown = sorted(found - codes)
    if unknown:
        raise ValidationError.for_field(
            "found",
            _("Not an item of this rubric version: %(codes)s") % {"codes": ", ".join(unknown)},
            FieldCode.INVALID_CHOICE,
        )
    verdicts = {code: code in found for code in sorted(codes)}
    score, _created = CalibrationScore.objects.update_or_create(
        session=session,
        inspector=by,
        transcript=transcript,
        defaults={
            "verdicts": verdicts,
            "total": total_for(session.version, found),
            "comment": (comment or "").strip(),
            "scored_at": now or timezone.now(),
        },
    )
    return score


@transaction.atomic
def calibration_close(*, session: CalibrationSession, by, now=None) -> CalibrationSession:
    """Close the session: scores are final and everyone invited now sees them all and the agreement.
    Only its creator or a lead closes it; closing twice is refused."""
    locked = CalibrationSession.objects.select_for_update().get(pk=session.pk)
    if not can_close(by, locked):
        raise PermissionDenied(_("Only the session's creator or a lead may close it."))
    if not locked.is_open:
        raise TransitionNotAllowed(_("The session is already closed."))
    locked.state = CalibrationSession.State.CLOSED
    locked.closed_at = now or timezone.now()
    locked.save(update_fields=["state", "closed_at"])
    # The caller's instance says what is now true, so what it shows next is not stale.
    session.state, session.closed_at = locked.state, locked.closed_at
    return session


# --- reads --------------------------------------------------------------------------------------


def calibration_visible_scores(session: CalibrationSession, user):
    """The scores of `session` that `user` may see: all of them once closed (for whoever may view the
    session), only their own while it is open (blind scoring)."""
    rows = session.scores.select_related("inspector", "transcript")
    if not can_view_session(user, session):
        return rows.none()
    if session.is_open:
        return rows.filter(inspector=user)
    return rows


@dataclass
class ConversationSpread:
    session_id: int
    transcript: Transcript
    spread: agreement.Spread | None
    scores: list[CalibrationScore] = field(default_factory=list)


@dataclass
class Agreement:
    """校准一致性 of a set of blind scores.

    - per conversation: the spread of the totals (min, max, range, σ);
    - mean_stdev / mean_range: the mean over conversations scored at least twice;
    - item_agreement: unanimous items / items scored at least twice (an item of a conversation is one unit);
    - alpha: Krippendorff's alpha (nominal) on the found / not-found verdicts of those units;
    - kappa: Fleiss' kappa on the same units, when every unit has the same number of raters.
    """

    conversations: list[ConversationSpread]
    scores: int
    inspectors: int
    units: int
    mean_stdev: float | None
    mean_range: float | None
    item_agreement: float | None
    alpha: float | None
    kappa: float | None
    by_item: list[dict] = field(default_factory=list)


def _measure(scores: list[CalibrationScore], conversations: list[tuple[int, Transcript]]) -> Agreement:
    """`conversations`: (session id, transcript) pairs; a transcript calibrated in two sessions is two
    conversations, each with its own spread."""
    by_pair: dict[tuple[int, int], list[CalibrationScore]] = defaultdict(list)
    for s in scores:
        by_pair[(s.session_id, s.transcript_id)].append(s)
    spreads = [
        ConversationSpread(
            sid, t, agreement.spread([s.total for s in by_pair[(sid, t.pk)]]), by_pair[(sid, t.pk)]
        )
        for sid, t in conversations
    ]
    multi = [c.spread for c in spreads if c.spread is not None and c.spread.count >= 2]
    # One unit per (session, conversation, item); its values are the inspectors' verdicts.
    units: dict[tuple, list] = defaultdict(list)
    for s in scores:
        for code, found in s.verdicts.items():
            units[(s.session_id, s.transcript_id, code)].append(bool(found))
    values = list(units.values())
    per_item: dict[str, list] = defaultdict(list)
    for (_session, _transcript, code), verdicts in units.items():
        per_item[code].append(verdicts)
    by_item = [
        {"code": code, "units": len(v), "item_agreement": agreement.item_agreement(v)}
        for code, v in sorted(per_item.items())
    ]
    return Agreement(
        conversations=spreads,
        scores=len(scores),
        inspectors=len({s.inspector_id for s in scores}),
        units=sum(len(v) >= 2 for v in values),
        mean_stdev=statistics.fmean(s.stdev for s in multi) if multi else None,
        mean_range=statistics.fmean(s.range for s in multi) if multi else None,
        item_agreement=agreement.item_agreement(values),
        alpha=agreement.krippendorff_alpha_nominal(values),
        kappa=agreement.fleiss_kappa(values),
        by_item=by_item,
    )


def calibration_agreement(*, session: CalibrationSession, user) -> Agreement:
    """The agreement of a closed session. Refuses while it is open (the figures would unblind it) and
    to anyone who may not view the session."""
    if not can_view_session(user, session):
        raise PermissionDenied(_("You are not part of this calibration session."))
    if session.is_open:
        raise TransitionNotAllowed(_("The agreement is shown once the session is closed."))
    scores = list(session.scores.select_related("inspector", "transcript"))
    return _measure(scores, [(session.pk, t) for t in session.transcripts.order_by("started_at", "pk")])


def rubric_agreement(*, rubric: Rubric, user) -> Agreement:
    """The agreement over every closed session of any version of `rubric` that `user` may view."""
    sessions = [
        s
        for s in CalibrationSession.objects.filter(
            version__rubric=rubric, state=CalibrationSession.State.CLOSED
        )
        if can_view_session(user, s)
    ]
    scores = list(
        CalibrationScore.objects.filter(session__in=sessions).select_related("inspector", "transcript")
    )
    conversations = [(s.pk, t) for s in sessions for t in s.transcripts.order_by("started_at", "pk")]
    return _measure(scores, conversations)
