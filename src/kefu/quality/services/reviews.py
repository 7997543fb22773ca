"""Review (复核) and appeal (申诉) of inspections: every write, each checked by kefu.quality.workflow
and recorded on the inspection's timeline.

An inspector claims a sampled inspection (one reviewer at a time), confirms or rejects each
automatic finding — one per rubric item, with all its evidence (复核 per 质检项) — adds manual
findings, and submits a final score computed from the findings that count (confirmed and manual)
by the engine's scoring function, beside the automatic score. The agent may appeal within
KEFU_QUALITY_APPEAL_DAYS working days; a second reviewer decides.
"""

from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.models import User
from kefu.core.errors import FieldCode, FieldError, NotFound, ValidationError
from kefu.quality import workflow
from kefu.quality.error_codes import ReviewErrorCode
from kefu.quality.models import Appeal, Finding, Inspection, RubricItem

COMMENT_MAX = 2000


def _locked(inspection: Inspection) -> Inspection:
    # Lock the row: two inspectors may click "claim" at once, and an appeal may race a decision;
    # the second waits and then sees the state the first left.
    try:
        return (
            Inspection.objects.select_for_update(of=("self",))
            .select_related("version", "transcript")
            .get(pk=inspection.pk)
        )
    except Inspection.DoesNotExist:
        raise NotFound(_("No such inspection.")) from None


def _text(value, field: str, *, required: bool = False, limit: int = COMMENT_MAX) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationError.for_field(field, FieldError(_("This field is required."), FieldCode.REQUIRED))
    if len(text) > limit:
        raise ValidationError.for_field(
            field,
            FieldError(_("At most %(limit)d characters.") % {"limit": limit}, FieldCode.TOO_LONG),
        )
    return text


def counting_findings(inspection: Inspection):
    """The findings that count for a score: all but the rejected ones — pending (not reviewed yet:
    the automatic score counts them), confirmed, and manual ones (confirmed when added). Once a
    review is submitted none is pending."""
    return inspection.findings.exclude(status=Finding.Status.REJECTED)


def final_score(inspection: Inspection) -> Decimal:
    """最终得分: the rubric version's start score with every counting finding applied, clamped to
    [floor, ceiling]; any counting fatal finding → the floor — by kefu.quality.engine.scoring.score,
    the one definition of a score, as the automatic score was: each item fired as many times as
    its counting findings' occurrences (the distinct sentences of their evidence), counted once
    unless the item counts every occurrence. With one finding per item that is start + Σ the
    counting findings' points, clamped; rejecting a finding takes exactly its points away."""
    from kefu.quality.engine.scoring import ItemSpec, score

    version = inspection.version
    fired: dict[int, int] = {}
    for finding in counting_findings(inspection).only("item_id", "evidence"):
        fired[finding.item_id] = fired.get(finding.item_id, 0) + finding.occurrences
    items = {
        item.pk: ItemSpec(
            key=item.pk,
            points=item.points,
            direction=item.direction,
            severity=item.severity,
            once=not item.per_occurrence,
        )
        for item in RubricItem.objects.filter(pk__in=fired)
    }
    result = score(
        start=version.start_score,
        floor=version.floor_score,
        ceiling=version.ceiling_score,
        items=items,
        fired=fired,
    )
    return Decimal(str(result.score)).quantize(Decimal("0.01"))


def _notify(users, title, body: str = "") -> None:
    from kefu.notify.services import notify

    notify(users=[u for u in users if u is not None], kind="quality", title=title, body=body)


def _label(inspection: Inspection) -> str:
    return f"#{inspection.pk} {inspection.conversation_at:%Y-%m-%d %H:%M}"


# --- review ---------------------------------------------------------------------------------------


@transaction.atomic
def review_claim(*, inspection: Inspection, by: User, now: datetime | None = None) -> Inspection:
    """Claim a sampled inspection for review (认领): the claimant becomes its reviewer. Refuses an
    inspection already claimed (or not sampled), one outside the inspector's scope, and the
    agent's own conversation."""
    now = now or timezone.now()
    inspection = _locked(inspection)
    transition = workflow.check(inspection, "claim", by, now=now)
    inspection.reviewer = by
    workflow.apply(inspection, transition, by=by, now=now, fields=("reviewer",))
    return inspection


@transaction.atomic
def review_release(
    *, inspection: Inspection, by: User, comment: str = "", now: datetime | None = None
) -> Inspection:
    """Give a claimed inspection back to the queue (the claimant, or a lead). The findings already
    confirmed or rejected stay as they are for the next reviewer."""
    now = now or timezone.now()
    comment = _text(comment, "comment")
    inspection = _locked(inspection)
    transition = workflow.check(inspection, "release", by, now=now)
    released = inspection.reviewer_id
    inspection.reviewer = None
    workflow.apply(
        inspection,
        transition,
        by=by,
        now=now,
        comment=comment,
        details={"reviewer": released},
        fields=("reviewer",),
    )
    return inspection


def _finding_of(inspection: Inspection, finding_id) -> Finding:
    finding = (
        Finding.objects.filter(pk=finding_id, inspection=inspection).first()
        if str(finding_id).isdigit()
        else None
    )
    if finding is None:
        raise NotFound(_("No such finding in this inspection."))
    return finding


@transaction.atomic
def finding_review(
    *,
    inspection: Inspection,
    finding_id: int,
    by: User,
    confirm: bool,
    comment: str = "",
    now: datetime | None = None,
) -> Finding:
    """Confirm or reject one finding of a claimed inspection — one rubric item with all its
    evidence — with a comment (required to reject). A finding may be judged again until the review
    is submitted."""
    now = now or timezone.now()
    action = "confirm_finding" if confirm else "reject_finding"
    comment = _text(comment, "comment", required=not confirm)
    inspection = _locked(inspection)
    transition = workflow.check(inspection, action, by, now=now)
    finding = _finding_of(inspection, finding_id)
    before = finding.status
    finding.status = Finding.Status.CONFIRMED if confirm else Finding.Status.REJECTED
    finding.comment, finding.by = comment, by
    finding.save(update_fields=["status", "comment", "by"])
    workflow.apply(
        inspection,
        transition,
        by=by,
        now=now,
        comment=comment,
        details={"finding": finding.pk, "item": finding.item_id, "from": before, "to": finding.status},
    )
    return finding


@transaction.atomic
def finding_add(
    *,
    inspection: Inspection,
    by: User,
    item_id,
    comment: str,
    sentence: int | None = None,
    now: datetime | None = None,
) -> Finding:
    """Add a manual finding (人工补充): an item of the inspection's own rubric version, optionally
    at one sentence of the transcript (its one piece of evidence), with the inspector's comment.
    It counts at once, for the item's signed points."""
    now = now or timezone.now()
    comment = _text(comment, "comment", required=True)
    inspection = _locked(inspection)
    transition = workflow.check(inspection, "add_finding", by, now=now)
    item = (
        RubricItem.objects.filter(pk=item_id, version_id=inspection.version_id).first()
        if str(item_id).isdigit()
        else None
    )
    if item is None:
        raise ValidationError.for_field(
            "item",
            FieldError(_("Choose an item of this inspection's rubric version."), ReviewErrorCode.WRONG_ITEM),
        )
    sentences = inspection.transcript.sentences or []
    evidence = []
    if sentence is not None and sentence != "":
        if not str(sentence).isdigit() or int(sentence) >= len(sentences):
            raise ValidationError.for_field(
                "sentence",
                FieldError(
                    _("No sentence %(n)s: the conversation has %(count)d.")
                    % {"n": sentence, "count": len(sentences)},
                    ReviewErrorCode.NO_SENTENCE,
                ),
            )
        sentence = int(sentence)
        quote = str((sentences[sentence] or {}).get("text", ""))[:300]
        evidence = [{"sentence": sentence, "start": 0, "end": 0, "quote": quote, "note": "", "rule": None}]
    else:
        sentence = None
    sign = Decimal(1) if item.direction == "add" else Decimal(-1)
    finding = Finding.objects.create(
        inspection=inspection,
        item=item,
        source=Finding.Source.MANUAL,
        status=Finding.Status.CONFIRMED,
        sentence=sentence,
        evidence=evidence,
        points=sign * item.points,
        severity=item.severity,
        comment=comment,
        by=by,
    )
    workflow.apply(
        inspection,
        transition,
        by=by,
        now=now,
        comment=comment,
        details={"finding": finding.pk, "item": item.pk, "sentence": sentence},
    )
    return finding


@transaction.atomic
def review_submit(
    *, inspection: Inspection, by: User, comment: str = "", now: datetime | None = None
) -> Inspection:
    """Submit the review (提交复核): the final score, computed from the confirmed and manual findings,
    stands beside the automatic one; the agent is told. Refuses while an automatic finding is
    neither confirmed nor rejected."""
    now = now or timezone.now()
    comment = _text(comment, "comment")
    inspection = _locked(inspection)
    transition = workflow.check(inspection, "submit", by, now=now)
    pending = inspection.findings.filter(status=Finding.Status.PENDING).count()
    if pending:
        message = _("Confirm or reject every automatic finding first (%(count)d left).") % {"count": pending}
        raise ValidationError(
            message, errors={"findings": [FieldError(message, ReviewErrorCode.FINDINGS_PENDING)]}
        )
    inspection.final_score = final_score(inspection)
    inspection.reviewed_at = now
    inspection.review_comment = comment
    workflow.apply(
        inspection,
        transition,
        by=by,
        now=now,
        comment=comment,
        details={"auto_score": str(inspection.auto_score), "final_score": str(inspection.final_score)},
        fields=("final_score", "reviewed_at", "review_comment"),
    )
    agent = inspection.agent
    _notify(
        [agent],
        _("Your conversation %(label)s was reviewed: %(score)s")
        % {"label": _label(inspection), "score": inspection.final_score},
        comment,
    )
    return inspection


# --- appeal ---------------------------------------------------------------------------------------


@transaction.atomic
def appeal_file(
    *,
    inspection: Inspection,
    by: User,
    reason: str = "",
    reasons: dict | None = None,
    now: datetime | None = None,
) -> Appeal:
    """The agent appeals a reviewed inspection (申诉), with an overall reason and/or a reason per
    finding ({finding id: reason}), within KEFU_QUALITY_APPEAL_DAYS working days of the review.
    Refuses anyone but the agent, a second appeal, an appeal after the window and one without
    any reason."""
    now = now or timezone.now()
    reason = _text(reason, "reason")
    inspection = _locked(inspection)
    transition = workflow.check(inspection, "appeal", by, now=now)
    per_finding = []
    known = set(inspection.findings.values_list("pk", flat=True))
    for key, text in (reasons or {}).items():
        text = _text(text, f"reasons.{key}")
        if not text:
            continue
        if not str(key).isdigit() or int(key) not in known:
            raise ValidationError.for_field(
                f"reasons.{key}", FieldError(_("No such finding in this inspection."), FieldCode.NOT_FOUND)
            )
        per_finding.append({"finding": int(key), "reason": text})
    if not reason and not per_finding:
        message = _("Give a reason: overall or for a finding.")
        raise ValidationError(message, errors={"reason": [FieldError(message, ReviewErrorCode.APPEAL_EMPTY)]})
    appeal = Appeal.objects.create(
        inspection=inspection,
        by=by,
        reason=reason,
        reasons=per_finding,
        created_at=now,
        score_before=inspection.final_score,
    )
    workflow.apply(inspection, transition, by=by, now=now, comment=reason, details={"reasons": per_finding})
    reviewer = inspection.reviewer
    lead = by.superior if by.superior_id else None
    _notify(
        [reviewer, lead],
        _("An appeal against the review of %(label)s") % {"label": _label(inspection)},
        reason,
    )
    return appeal


@transaction.atomic
def appeal_decide(
    *,
    inspection: Inspection,
    by: User,
    outcome: str,
    comment: str = "",
    reject_finding_ids=(),
    now: datetime | None = None,
) -> Appeal:
    """A second reviewer (not the agent, not the first reviewer; a lead or an in-scope inspector)
    decides the appeal: `upheld` leaves the score; `changed` rejects the listed findings that
    counted and recomputes the final score. The agent and the first reviewer are told."""
    now = now or timezone.now()
    comment = _text(comment, "comment", required=True)
    if outcome not in Appeal.Outcome.values:
        raise ValidationError.for_field(
            "outcome",
            FieldError(
                _("One of: %(values)s") % {"values": ", ".join(Appeal.Outcome.values)},
                FieldCode.INVALID_CHOICE,
            ),
        )
    inspection = _locked(inspection)
    transition = workflow.check(inspection, "decide", by, now=now)
    appeal = Appeal.objects.select_for_update().get(inspection=inspection)
    rejected: list[int] = []
    if outcome == Appeal.Outcome.CHANGED:
        raw = [str(i) for i in reject_finding_ids]
        ids = {int(i) for i in raw if i.isdigit()}
        if not ids or len(ids) != len(set(raw)):
            message = _("Name the findings the decision rejects.")
            raise ValidationError(message, errors={"findings": [FieldError(message, FieldCode.REQUIRED)]})
        found = list(counting_findings(inspection).filter(pk__in=ids))
        if len(found) != len(ids):
            message = _("Only findings that count (confirmed or manual) can be rejected.")
            raise ValidationError(
                message, errors={"findings": [FieldError(message, ReviewErrorCode.FINDING_NOT_CONFIRMED)]}
            )
        for finding in found:
            finding.status = Finding.Status.REJECTED
            finding.save(update_fields=["status"])
            rejected.append(finding.pk)
        inspection.final_score = final_score(inspection)
    appeal.outcome, appeal.decided_by, appeal.decided_at = outcome, by, now
    appeal.decision_comment, appeal.score_after = comment, inspection.final_score
    appeal.save(update_fields=["outcome", "decided_by", "decided_at", "decision_comment", "score_after"])
    workflow.apply(
        inspection,
        transition,
        by=by,
        now=now,
        comment=comment,
        details={
            "outcome": outcome,
            "rejected": sorted(rejected),
            "score_before": str(appeal.score_before),
            "score_after": str(inspection.final_score),
        },
        fields=("final_score",),
    )
    _notify(
        [inspection.agent, inspection.reviewer],
        _("Appeal of %(label)s decided: %(outcome)s, score %(score)s")
        % {
            "label": _label(inspection),
            "outcome": Appeal.Outcome(outcome).label,
            "score": inspection.final_score,
        },
        comment,
    )
    return appeal
