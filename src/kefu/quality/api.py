"""API for quality inspection under /api/quality/: rubrics, their versions, items and rules (kept by
leads and QA inspectors), trying a rule, and the inspections each person may see (an agent their
own, an inspector their queues, leads all: kefu.quality.permissions)."""

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status as HttpStatus

from kefu.accounts.api import Id, LocalMoment, Pages, UserRef, user_of
from kefu.core.errors import FieldCode, ValidationError
from kefu.quality import selectors
from kefu.quality.api_reports import calibration_router, reports_router
from kefu.quality.asr import decode
from kefu.quality.engine.conversation import Conversation
from kefu.quality.models import Inspection, Rubric, RubricItem, RubricVersion, Rule
from kefu.quality.services import rubrics as rubric_services
from kefu.quality.services import rules as rule_services
from kefu.quality.services.rubrics import require_manager

router = Router(tags=["quality"])


def _payload(payload: Schema) -> dict:
    return payload.dict(exclude_unset=True)


# --- rubrics --------------------------------------------------------------------------------------


class ItemOut(Schema):
    id: int
    code: str
    group: str
    name: str
    points: float
    direction: str
    severity: str
    per_occurrence: bool
    position: int


class RuleOut(Schema):
    id: int
    item_id: int
    name: str
    condition: dict[str, Any]
    is_active: bool


class VersionOut(Schema):
    id: int
    number: int
    state: str
    start_score: float
    floor_score: float
    ceiling_score: float
    note: str
    published_at: datetime | None
    items: list[ItemOut]
    rules: list[RuleOut]

    @staticmethod
    def resolve_items(obj) -> list:
        return list(obj.items.all())

    @staticmethod
    def resolve_rules(obj) -> list:
        return list(obj.rules.all())


class RubricOut(Schema):
    id: int
    name: str
    description: str
    channels: list[str]
    queues: list[str]
    position: int
    is_active: bool


class RubricDetailOut(RubricOut):
    versions: list[VersionOut] = Field(..., description="Newest first; at most one draft and one published.")

    @staticmethod
    def resolve_versions(obj) -> list:
        return list(obj.versions.all())


class RubricIn(Schema):
    name: str = Field(..., max_length=100)
    channels: list[str] = Field(..., max_length=3, description="phone, chat, email")
    queues: list[str] = Field([], max_length=200, description="Empty: every queue of the channels.")
    position: int = Field(0, ge=0, le=1_000_000)
    description: str = Field("", max_length=5000)


class RubricPatch(Schema):
    name: str = Field(None, max_length=100)
    channels: list[str] = Field(None, max_length=3)
    queues: list[str] = Field(None, max_length=200)
    position: int = Field(None, ge=0, le=1_000_000)
    description: str = Field(None, max_length=5000)
    is_active: bool = None


def _manager(request):
    user = user_of(request)
    require_manager(user)
    return user


@router.get("/rubrics", response=list[RubricOut], summary="Rubrics (质检评分表)")
def rubric_list(request):
    _manager(request)
    return list(Rubric.objects.all())


@router.post("/rubrics", response={201: RubricDetailOut}, summary="Create a rubric (with an empty draft v1)")
def rubric_create(request, payload: RubricIn):
    rubric = rubric_services.rubric_create(by=_manager(request), **payload.dict())
    return HttpStatus(201, selectors.rubric_detail(rubric.pk))


@router.get(
    "/rubrics/{rubric_id}", response=RubricDetailOut, summary="A rubric with its versions, items and rules"
)
def rubric_detail(request, rubric_id: Id):
    _manager(request)
    return selectors.rubric_detail(rubric_id)


@router.patch("/rubrics/{rubric_id}", response=RubricDetailOut, summary="Rename or re-route a rubric")
def rubric_update(request, rubric_id: Id, payload: RubricPatch):
    user = _manager(request)
    rubric_services.rubric_update(
        rubric=get_object_or_404(Rubric, pk=rubric_id), by=user, **_payload(payload)
    )
    return selectors.rubric_detail(rubric_id)


@router.post(
    "/rubrics/{rubric_id}/drafts",
    response={200: VersionOut, 201: VersionOut},
    summary="The draft to edit (a copy of the latest version when there is none)",
)
def version_draft(request, rubric_id: Id):
    user = _manager(request)
    rubric = get_object_or_404(Rubric, pk=rubric_id)
    existed = rubric.versions.filter(state=RubricVersion.State.DRAFT).exists()
    draft = rubric_services.version_draft(rubric=rubric, by=user)
    return HttpStatus(200 if existed else 201, draft)


class VersionPatch(Schema):
    start_score: Decimal = None
    floor_score: Decimal = None
    ceiling_score: Decimal = None
    note: str = Field(None, max_length=300)


@router.patch("/versions/{version_id}", response=VersionOut, summary="Change a draft's scores or note")
def version_update(request, version_id: Id, payload: VersionPatch):
    user = _manager(request)
    version = get_object_or_404(RubricVersion, pk=version_id)
    return rubric_services.version_update(version=version, by=user, **_payload(payload))


@router.post("/versions/{version_id}/publish", response=VersionOut, summary="Publish a draft")
def version_publish(request, version_id: Id):
    user = _manager(request)
    version = get_object_or_404(RubricVersion, pk=version_id)
    return rubric_services.version_publish(version=version, by=user)


# --- items ----------------------------------------------------------------------------------------


class ItemIn(Schema):
    code: str = Field(..., max_length=40)
    name: str = Field(..., max_length=200)
    group: str
    points: Decimal
    direction: str = "subtract"
    severity: str = "normal"
    per_occurrence: bool = False
    position: int = Field(None, ge=0, le=1_000_000)


class ItemPatch(Schema):
    code: str = Field(None, max_length=40)
    name: str = Field(None, max_length=200)
    group: str = None
    points: Decimal = None
    direction: str = None
    severity: str = None
    per_occurrence: bool = None
    position: int = Field(None, ge=0, le=1_000_000)


@router.post("/versions/{version_id}/items", response={201: ItemOut}, summary="Add an item to a draft")
def item_create(request, version_id: Id, payload: ItemIn):
    user = _manager(request)
    version = get_object_or_404(RubricVersion, pk=version_id)
    return HttpStatus(201, rubric_services.item_create(version=version, by=user, **payload.dict()))


@router.patch("/items/{item_id}", response=ItemOut, summary="Change an item of a draft")
def item_update(request, item_id: Id, payload: ItemPatch):
    user = _manager(request)
    item = get_object_or_404(RubricItem.objects.select_related("version"), pk=item_id)
    return rubric_services.item_update(item=item, by=user, **_payload(payload))


@router.delete(
    "/items/{item_id}", response={204: None}, summary="Remove an item (and its rules) from a draft"
)
def item_delete(request, item_id: Id):
    user = _manager(request)
    item = get_object_or_404(RubricItem.objects.select_related("version"), pk=item_id)
    rubric_services.item_delete(item=item, by=user)
    return HttpStatus(204, None)


# --- rules ----------------------------------------------------------------------------------------


class RuleIn(Schema):
    item_id: Id
    name: str = Field(..., max_length=200)
    condition: dict[str, Any] = Field(..., description="kefu.quality.engine's conditions (docs/quality.md).")
    is_active: bool = True


class RulePatch(Schema):
    item_id: Id = None
    name: str = Field(None, max_length=200)
    condition: dict[str, Any] = None
    is_active: bool = None


def _item_field(item_id: int) -> RubricItem:
    item = RubricItem.objects.filter(pk=item_id).first()
    if item is None:
        raise ValidationError.for_field("item_id", _("No such item."), FieldCode.NOT_FOUND)
    return item


@router.post("/versions/{version_id}/rules", response={201: RuleOut}, summary="Add a rule to a draft")
def rule_create(request, version_id: Id, payload: RuleIn):
    user = _manager(request)
    version = get_object_or_404(RubricVersion, pk=version_id)
    fields = payload.dict()
    item = _item_field(fields.pop("item_id"))
    return HttpStatus(201, rule_services.rule_create(version=version, item=item, by=user, **fields))


class SentenceIn(Schema):
    role: str = Field("agent", description="agent, customer or system")
    text: str = Field(..., max_length=5000)
    speaker: str = Field("", max_length=100)
    start_ms: int | None = Field(None, ge=0)
    end_ms: int | None = Field(None, ge=0)


class TryIn(Schema):
    condition: dict[str, Any]
    transcript_id: Id | None = Field(None, description="A stored conversation to try the rule on ...")
    sentences: list[SentenceIn] | None = Field(
        None, max_length=5000, description="... or sentences typed in."
    )
    channel: str = Field("", max_length=10, description="With `sentences`: phone, chat or email.")


@router.post(
    "/rules/try", response=dict[str, Any], summary="Try a condition on a conversation (nothing is saved)"
)
def rule_try(request, payload: TryIn):
    """The engine's explanation: every leaf of the condition, whether it held and what it matched
    (sentence index and text, character span)."""
    user = _manager(request)
    if payload.transcript_id is not None:
        transcript = selectors.transcript_for(user, payload.transcript_id)
        conversation = Conversation.from_json(transcript.sentences or [], channel=transcript.channel)
    elif payload.sentences is not None:
        conversation = Conversation.from_json([s.dict() for s in payload.sentences], channel=payload.channel)
    else:
        raise ValidationError.for_field(
            "transcript_id", _("Give a transcript_id or sentences to try the rule on."), FieldCode.REQUIRED
        )
    return rule_services.rule_try(condition=payload.condition, conversation=conversation, by=user)


@router.patch("/rules/{rule_id}", response=RuleOut, summary="Change a rule of a draft")
def rule_update(request, rule_id: Id, payload: RulePatch):
    user = _manager(request)
    rule = get_object_or_404(Rule.objects.select_related("version"), pk=rule_id)
    fields = _payload(payload)
    if "item_id" in fields:
        fields["item"] = _item_field(fields.pop("item_id"))
    return rule_services.rule_update(rule=rule, by=user, **fields)


@router.delete("/rules/{rule_id}", response={204: None}, summary="Remove a rule from a draft")
def rule_delete(request, rule_id: Id):
    user = _manager(request)
    rule = get_object_or_404(Rule.objects.select_related("version"), pk=rule_id)
    rule_services.rule_delete(rule=rule, by=user)
    return HttpStatus(204, None)


# --- inspections ----------------------------------------------------------------------------------


class InspectionFiltersIn(Schema):
    agent: Id | None = None
    queue: str = Field("", max_length=80)
    channel: str = Field("", max_length=10)
    start: LocalMoment | None = Field(None, description="Conversations from this moment on.")
    end: LocalMoment | None = Field(None, description="Conversations before this moment.")
    state: Inspection.State | None = None
    min_score: Decimal | None = Field(None, ge=-10000, le=10000)
    max_score: Decimal | None = Field(None, ge=-10000, le=10000)
    rubric: Id | None = None
    include_superseded: bool = Field(False, description="Also inspections replaced by a re-inspection.")


class InspectionOut(Schema):
    id: int
    transcript_id: int
    rubric_id: int
    rubric: str
    version: int
    agent: UserRef | None
    channel: str
    queue: str
    conversation_at: datetime
    state: str
    auto_score: float
    final_score: float | None
    score: float = Field(..., description="The score that counts: the reviewed one when there is one.")
    worst_severity: str
    superseded: bool
    inspected_at: datetime

    @staticmethod
    def resolve_rubric_id(obj) -> int:
        return obj.version.rubric_id

    @staticmethod
    def resolve_rubric(obj) -> str:
        return obj.version.rubric.name

    @staticmethod
    def resolve_version(obj) -> int:
        return obj.version.number

    @staticmethod
    def resolve_agent(obj) -> dict | None:
        return {"id": obj.agent.pk, "label": obj.agent.label} if obj.agent_id else None


class EvidenceOut(Schema):
    """One piece of evidence of a finding: where the rule saw the item."""

    sentence: int | None = Field(
        None, description="Index of the sentence in the transcript; null: the conversation as a whole."
    )
    start: int = Field(0, description="Character span in that sentence's text (start == end: all of it).")
    end: int = 0
    quote: str = Field("", description="The words at that span (at most 300 characters).")
    note: str = Field("", description='What the rule measured, e.g. "reply after 40.0 s".')
    rule: int | None = Field(None, description="The rule that saw it (null for a manual finding).")


class FindingOut(Schema):
    """One rubric item found in the inspection (one per item for automatic findings), with all its
    evidence in sentence order; `points` is the item's whole signed effect on the score."""

    id: int
    item_id: int
    item_code: str
    item_name: str
    group: str
    rule_id: int | None
    source: str
    status: str
    evidence: list[EvidenceOut]
    points: float
    severity: str
    comment: str

    @staticmethod
    def resolve_item_code(obj) -> str:
        return obj.item.code

    @staticmethod
    def resolve_item_name(obj) -> str:
        return obj.item.name

    @staticmethod
    def resolve_group(obj) -> str:
        return obj.item.group


class InspectionDetailOut(InspectionOut):
    findings: list[FindingOut]

    @staticmethod
    def resolve_findings(obj) -> list:
        return list(obj.findings.all())


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and timezone.is_naive(value):
        return timezone.make_aware(value)  # a time without offset is the center's local time
    return value


@router.get("/inspections", response=list[InspectionOut], summary="Inspections the caller may see")
@paginate(Pages)
def inspection_list(request, filters: Query[InspectionFiltersIn]) -> QuerySet:
    """An agent sees their own, an inspector those of their queues, leads all; newest first."""
    start, end = _aware(filters.start), _aware(filters.end)
    if start and end and start >= end:
        raise ValidationError.for_field("start", _("Must be before end."), FieldCode.OUT_OF_RANGE)
    return selectors.inspections_visible_to(
        user_of(request),
        selectors.InspectionFilters(
            agent=filters.agent, queue=filters.queue, channel=filters.channel, start=start, end=end,
            state=filters.state or "", min_score=filters.min_score, max_score=filters.max_score,
            rubric=filters.rubric, include_superseded=filters.include_superseded,
        ),
    )  # fmt: skip


@router.get(
    "/inspections/{inspection_id}", response=InspectionDetailOut, summary="One inspection with its findings"
)
def inspection_detail(request, inspection_id: Id):
    """404 for an inspection the caller may not see, as for one that does not exist."""
    return selectors.inspection_for(user_of(request), inspection_id)


class TranscriptsRefused(ValidationError):
    """Every item of a transcripts request refused: the API's 422, with the per-item answers."""

    def __init__(self, message: str, *, errors: dict, items: list[dict]):
        super().__init__(message, errors=errors)
        self.items = items

    def as_dict(self) -> dict:
        return {**super().as_dict(), "items": self.items}


# --- transcripts (kefu.quality.services.transcripts) --------------------------------------------------

TRANSCRIPTS_BODY = {
    "requestBody": {
        "required": True,
        "description": (
            "One transcript, a JSON array of them, or JSON lines (docs/quality.md, Transcripts): Kefu's "
            "own format, or an Alibaba Cloud / Tencent Cloud sentence-level result beside `call_id`."
        ),
        "content": {
            "application/json": {
                "schema": {
                    "oneOf": [
                        {"type": "object", "additionalProperties": True},
                        {"type": "array", "items": {"type": "object", "additionalProperties": True}},
                    ]
                },
                "example": {
                    "call_id": "1732240200.42",
                    "agent": "8001",
                    "queue": "hotline",
                    "started_at": "2026-11-22T09:30:00+08:00",
                    "sentences": [
                        {"role": "agent", "text": "您好，很高兴为您服务", "start_ms": 0, "end_ms": 1800},
                        {"role": "customer", "text": "我的快递还没到", "start_ms": 2100, "end_ms": 3900},
                    ],
                },
            }
        },
    },
    "parameters": [
        {
            "in": "query",
            "name": "agent_channel",
            "required": False,
            "schema": {"type": "string", "default": "0"},
            "description": "Vendor results: the channel (or speaker id) of the agent, unless an item says.",
        }
    ],
}


@router.post(
    "/transcripts",
    summary="Send speech-recognition transcripts",
    openapi_extra=TRANSCRIPTS_BODY,
    response={200: dict},
)
def transcripts_post(request: HttpRequest):
    """Store call transcripts from a speech-recognition service (supervisors, managers, QA).

    Answers per item: `created` (with the sentences dropped for having no text, whether they were
    sorted, the overlaps kept, whether the call was linked), `existing` (sent before: nothing
    changes), or `error` with each bad field named (`sentences[3].end_ms`). 200 when at least one
    item was stored or known; 422 with the field names (prefixed `[i].` for a list) when all failed.
    """
    from kefu.quality.services.transcripts import transcripts_ingest

    user = user_of(request)
    text = decode(request.body or b"")
    agent_channel = request.GET.get("agent_channel", "0")
    outcomes = transcripts_ingest(text=text, by=user, agent_channel=agent_channel)
    items = [o.as_dict() for o in outcomes]
    counts = {
        status: sum(1 for o in outcomes if o.status == status) for status in ("created", "existing", "error")
    }
    if counts["error"] == len(outcomes):
        single = len(outcomes) == 1 and text.lstrip("\ufeff \t\r\n")[:1] != "["
        errors = {
            (name if single else f"[{o.index}].{name}"): messages
            for o in outcomes
            for name, messages in o.errors.items()
        }
        message = _("No transcript stored. Please correct: %(fields)s") % {"fields": ", ".join(errors)}
        raise TranscriptsRefused(message, errors=errors, items=items)
    return HttpStatus(
        200,
        {
            "created": counts["created"],
            "existing": counts["existing"],
            "failed": counts["error"],
            "items": items,
        },
    )


# Review and appeal (/inspections/{id}/...) register their operations on this router. One flat
# router: ninja's OpenAPI paths lose their slash under a nested router (/apiquality/...).
from kefu.quality import api_reviews  # noqa: E402, F401

reports_router.mount(router)
calibration_router.mount(router)
