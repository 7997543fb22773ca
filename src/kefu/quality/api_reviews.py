"""API of review and appeal under /api/quality/inspections/{id}/... (thin: parse, call one service).

Refusals come back in the one error shape of kefu.api (403 permission_denied, 404 not_found,
409 transition_not_allowed, 422 validation_error with `details` naming the field)."""

from datetime import datetime
from decimal import Decimal

from ninja import Field, Schema

from kefu.accounts.api import Id, user_of
from kefu.quality import review_selectors as selectors
from kefu.quality.api import EvidenceOut, router
from kefu.quality.services import reviews


class InspectionOut(Schema):
    id: int
    state: str
    agent_id: int | None
    reviewer_id: int | None
    auto_score: Decimal
    final_score: Decimal | None
    reviewed_at: datetime | None
    review_comment: str


class FindingOut(Schema):
    """One rubric item found in the inspection, with its evidence (kefu.quality.api.EvidenceOut);
    confirmed or rejected as a whole."""

    id: int
    item_id: int
    source: str
    status: str
    evidence: list[EvidenceOut]
    points: Decimal
    severity: str
    comment: str


class EventOut(Schema):
    at: datetime
    by_id: int | None
    action: str
    from_state: str
    to_state: str
    comment: str
    details: dict


class ReviewOut(InspectionOut):
    findings: list[FindingOut]
    events: list[EventOut]


class AppealOut(Schema):
    id: int
    inspection_id: int
    reason: str
    reasons: list[dict]
    outcome: str
    score_before: Decimal | None
    score_after: Decimal | None


class CommentIn(Schema):
    comment: str = Field("", max_length=2000)


class FindingAddIn(Schema):
    item: Id
    sentence: int | None = Field(None, ge=0)
    comment: str = Field(..., max_length=2000)


class AppealIn(Schema):
    reason: str = Field("", max_length=2000)
    reasons: dict[str, str] = Field(default_factory=dict, description="{finding id: reason}")


class DecideIn(Schema):
    outcome: str = Field(..., description="upheld or changed")
    comment: str = Field(..., max_length=2000)
    reject_findings: list[Id] = Field(
        default_factory=list, description="for `changed`: the findings rejected"
    )


def _inspection(request, inspection_id: int):
    return selectors.inspection_for(user_of(request), inspection_id)


def _review(inspection) -> dict:
    return {
        **InspectionOut.from_orm(inspection).dict(),
        "findings": selectors.findings_of(inspection),
        "events": selectors.timeline_of(inspection),
    }


@router.get(
    "/inspections/{inspection_id}/review",
    response=ReviewOut,
    summary="An inspection with its findings and timeline",
)
def review_get(request, inspection_id: Id):
    return _review(_inspection(request, inspection_id))


@router.post(
    "/inspections/{inspection_id}/claim",
    response=InspectionOut,
    summary="Claim a sampled inspection for review",
)
def review_claim(request, inspection_id: Id):
    return reviews.review_claim(inspection=_inspection(request, inspection_id), by=user_of(request))


@router.post(
    "/inspections/{inspection_id}/release", response=InspectionOut, summary="Give a claimed inspection back"
)
def review_release(request, inspection_id: Id, payload: CommentIn):
    return reviews.review_release(
        inspection=_inspection(request, inspection_id), by=user_of(request), comment=payload.comment
    )


@router.post(
    "/inspections/{inspection_id}/findings/{finding_id}/confirm",
    response=FindingOut,
    summary="Confirm an automatic finding",
)
def finding_confirm(request, inspection_id: Id, finding_id: Id, payload: CommentIn):
    return reviews.finding_review(
        inspection=_inspection(request, inspection_id),
        finding_id=finding_id,
        by=user_of(request),
        confirm=True,
        comment=payload.comment,
    )


@router.post(
    "/inspections/{inspection_id}/findings/{finding_id}/reject",
    response=FindingOut,
    summary="Reject an automatic finding (comment required)",
)
def finding_reject(request, inspection_id: Id, finding_id: Id, payload: CommentIn):
    return reviews.finding_review(
        inspection=_inspection(request, inspection_id),
        finding_id=finding_id,
        by=user_of(request),
        confirm=False,
        comment=payload.comment,
    )


@router.post(
    "/inspections/{inspection_id}/findings", response={201: FindingOut}, summary="Add a manual finding"
)
def finding_add(request, inspection_id: Id, payload: FindingAddIn):
    finding = reviews.finding_add(
        inspection=_inspection(request, inspection_id),
        by=user_of(request),
        item_id=payload.item,
        sentence=payload.sentence,
        comment=payload.comment,
    )
    return 201, finding


@router.post(
    "/inspections/{inspection_id}/submit",
    response=InspectionOut,
    summary="Submit the review and its final score",
)
def review_submit(request, inspection_id: Id, payload: CommentIn):
    return reviews.review_submit(
        inspection=_inspection(request, inspection_id), by=user_of(request), comment=payload.comment
    )


@router.post(
    "/inspections/{inspection_id}/appeal", response={201: AppealOut}, summary="Appeal a review (the agent)"
)
def appeal_file(request, inspection_id: Id, payload: AppealIn):
    appeal = reviews.appeal_file(
        inspection=_inspection(request, inspection_id),
        by=user_of(request),
        reason=payload.reason,
        reasons=payload.reasons,
    )
    return 201, appeal


@router.post(
    "/inspections/{inspection_id}/decide", response=AppealOut, summary="Decide an appeal (a second reviewer)"
)
def appeal_decide(request, inspection_id: Id, payload: DecideIn):
    return reviews.appeal_decide(
        inspection=_inspection(request, inspection_id),
        by=user_of(request),
        outcome=payload.outcome,
        comment=payload.comment,
        reject_finding_ids=payload.reject_findings,
    )
