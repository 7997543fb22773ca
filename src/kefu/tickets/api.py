"""API for work orders (工单) and their dispatches (转办).

Work orders are addressed by their number (TS-20261122-0001). Every read is limited to what the
caller may see (tickets/permissions.py): a work order outside it answers 404, exactly like one that
does not exist. Every write is a service call; the service checks the state machine and the
caller's rights and refuses with a domain error (409 transition_not_allowed / stale_version,
403 permission_denied, 422 validation_error).
"""

from datetime import datetime
from typing import Any, Literal

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, File, Header, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import paginate
from ninja.responses import Status as HttpStatus
from pydantic import field_validator

from kefu.accounts.api import DepartmentRef, GroupRef, Id, Moment, Pages, UserRef, user_of
from kefu.core import idempotency
from kefu.core.errors import FieldCode, NotFound, ValidationError
from kefu.tickets import permissions, selectors, services, timeline, workflow
from kefu.tickets.models import (
    Channel,
    Dispatch,
    Escalation,
    Message,
    Priority,
    Severity,
    Status,
    Ticket,
    TicketEvent,
    TicketType,
)
from kefu.tickets.services import escalation, sla
from kefu.tickets.services.dispatch import dispatch_warnings
from kefu.tickets.services.tickets import Created, category_of, running_clocks

# Joined with the work order; its people come from selectors.with_people (why: TICKET_PAGE_RELATED).
DETAIL_RELATED = ("customer", "category", "group")
DISPATCH_RELATED = ("ticket", "department", "created_by", "answered_by")


# --- reads shared by the endpoints ----------------------------------------------------------------


def visible_ticket(request, number: str) -> Ticket:
    """The work order `number` if the caller may see it; otherwise 404, whether it exists or not."""
    if "\x00" in number:
        raise NotFound(_("Work order not found."))
    ticket = (
        permissions.visible_tickets(user_of(request))
        .select_related(*DETAIL_RELATED)
        .filter(number=number)
        .first()
    )
    if ticket is None:
        raise NotFound(_("Work order %(number)s not found.") % {"number": number})
    return selectors.with_people([ticket])[0]


def reread(ticket: Ticket) -> Ticket:
    """The row as the service left it, with what the detail shows."""
    return selectors.with_people([Ticket.objects.select_related(*DETAIL_RELATED).get(pk=ticket.pk)])[0]


def visible_dispatch(request, dispatch_id: int) -> Dispatch:
    dispatch = (
        Dispatch.objects.select_related("ticket", "department")
        .filter(pk=dispatch_id, ticket__in=permissions.visible_tickets(user_of(request)))
        .first()
    )
    if dispatch is None:
        raise NotFound(_("Dispatch %(id)s not found.") % {"id": dispatch_id})
    return dispatch


# --- output schemas -------------------------------------------------------------------------------


class CategoryRef(Schema):
    id: int
    path: str


class CustomerRef(Schema):
    id: int
    name: str
    tier: str = Field(..., description="The code of the customer's value tier (客户分级).")

    @staticmethod
    def resolve_tier(obj) -> str:
        return obj.tier_id


class TicketRef(Schema):
    number: str
    status: Status
    version: int


class TicketListOut(Schema):
    number: str
    ticket_type: TicketType
    channel: Channel
    status: Status
    severity: Severity
    priority: Priority
    title: str
    customer_name: str
    customer: CustomerRef | None
    category: CategoryRef | None
    owner: UserRef | None
    group: GroupRef | None
    escalation_level: int
    version: int
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_category(obj):
        return category_of(obj)  # its path from the cached tree, not a query per parent


class ClockOut(Schema):
    id: int
    target: str
    state: Literal["running", "overdue", "paused", "met", "missed"]
    due_at: datetime | None
    seconds_left: int = Field(
        ...,
        description="Running: wall-clock seconds until due (negative: overdue). Paused: working seconds left.",
    )
    breached_at: datetime | None
    department: DepartmentRef | None = Field(None, description="For a department-reply clock: whose reply.")


class ActionOut(Schema):
    action: str
    label: str
    note_required: bool
    customer_reply_required: bool = Field(
        False, description="Whether it needs `customer_reply`, the text the customer is told."
    )


class TicketOut(TicketListOut):
    content: str
    demands: str
    location: str
    customer_phone: str
    customer_email: str
    subject_person: UserRef | None
    subject_department: DepartmentRef | None
    subject_product: str
    resolution: str = Field(..., description="The internal result note (staff only).")
    customer_reply: str = Field(..., description="The result as the customer is told it.")
    channel_details: dict = Field(default_factory=dict, description="The channel's own facts.")
    created_by: UserRef | None
    escalated_to: UserRef | None
    merged_into: str | None = Field(None, description="Number of the work order this one was merged into.")
    accepted_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    sla: list[ClockOut] = Field(..., description="SLA clocks, in the order they started.")
    actions: list[ActionOut] = Field(
        ..., description="What the caller may do now; `dispatch` and `merge` have their own endpoints."
    )
    can_edit: bool = Field(..., description="Whether the caller may edit the register now (PATCH).")
    can_escalate: bool = Field(..., description="Whether the caller may escalate it by hand now.")

    @staticmethod
    def resolve_merged_into(obj: Ticket) -> str | None:
        return obj.merged_into.number if obj.merged_into_id else None

    @staticmethod
    def resolve_sla(obj: Ticket) -> list[dict]:
        now = timezone.now()
        result = []
        for clock in obj.clocks if isinstance(obj, Recorded) else running_clocks(obj):
            status = sla.clock_status(clock, now)
            result.append(
                {
                    "id": clock.pk,
                    "target": clock.target,
                    "state": status["state"],
                    "due_at": clock.due_at,
                    "seconds_left": status["seconds"],
                    "breached_at": clock.breached_at,
                    "department": clock.dispatch.department if clock.dispatch_id else None,
                }
            )
        return result

    @staticmethod
    def resolve_can_edit(obj: Ticket, context) -> bool:
        ticket, access = _unwrapped(obj)
        return workflow.may_edit(ticket, user_of(context["request"]), access)

    @staticmethod
    def resolve_can_escalate(obj: Ticket, context) -> bool:
        ticket, access = _unwrapped(obj)
        return workflow.may_escalate(ticket, user_of(context["request"]), access)

    @staticmethod
    def resolve_actions(obj: Ticket, context) -> list[dict]:
        ticket, access = _unwrapped(obj)
        available = workflow.available(ticket, user_of(context["request"]), access)
        return [
            {
                "action": t.action,
                "label": str(t.label),
                "note_required": t.note_required,
                "customer_reply_required": t.asks_customer_reply,
            }
            for t in available
        ]


class Recorded:
    """A new work order as the create endpoint answers it: the work order's fields, the clocks
    ticket_create started, and the caller's agent groups for the actions it offers (None: read
    them), so that nothing is read back."""

    def __init__(self, created: Created, access: permissions.Access | None) -> None:
        self.ticket, self.clocks, self.access = created.ticket, created.clocks, access

    def __getattr__(self, name: str):
        return getattr(self.ticket, name)


def _unwrapped(obj: Ticket | Recorded) -> tuple[Ticket, permissions.Access | None]:
    return (obj.ticket, obj.access) if isinstance(obj, Recorded) else (obj, None)


class EventOut(Schema):
    id: int
    kind: TicketEvent.Kind
    action: str
    from_status: str
    to_status: str
    actor: UserRef | None
    text: str = Field(description="What the system says about the event, in the request's language.")
    note: str = Field(description="What a person typed (an agent's note, a customer's comment).")
    data: dict = Field(description="The event's facts; `code` and `params` are what `text` renders.")
    created_at: datetime

    @staticmethod
    def resolve_text(obj: TicketEvent) -> str:
        return timeline.describe(obj)


class AttachmentOut(Schema):
    id: int
    name: str
    size: int
    content_type: str = Field(description="The kind read from the file's content, not from its name.")
    created_at: datetime


class MessageOut(Schema):
    id: int
    direction: Message.Direction
    channel: Channel
    author: UserRef | None
    author_name: str
    address: str
    subject: str
    body_text: str
    body_html: str
    delivery: Message.Delivery
    delivery_error: str
    created_at: datetime
    sent_at: datetime | None


class WarningOut(Schema):
    code: str
    message: str


class DispatchOut(Schema):
    id: int
    ticket: TicketRef
    department: DepartmentRef
    state: Dispatch.State
    instructions: str
    deadline: datetime
    created_by: UserRef | None
    created_at: datetime
    reply: str
    return_reason: str
    answered_by: UserRef | None
    answered_at: datetime | None
    warnings: list[WarningOut] = Field(
        ...,
        description="Accepted, but worth a second look: `deadline_after_resolution` while the dispatch "
        "waits and its deadline is after the work order's own resolution deadline.",
    )

    @staticmethod
    def resolve_warnings(obj: Dispatch) -> list[dict]:
        return dispatch_warnings(obj)


class EscalationOut(Schema):
    id: int
    ticket: TicketRef
    to_user: UserRef
    level: int
    reason: Escalation.Reason
    details: dict = Field(description="What the reason names: person, clock (target), by.")
    reason_text: str = Field(description="The reason in the request's language, naming what it names.")
    created_at: datetime

    @staticmethod
    def resolve_reason_text(obj: Escalation) -> str:
        return escalation.reason_text(obj.reason, obj.details)


# --- input schemas --------------------------------------------------------------------------------


def _blank_is_none(value):
    return None if value == "" else value


def _blank_allowed(schema: dict) -> None:
    """Declare in the OpenAPI schema that an empty value is accepted (it means "any")."""
    options = schema.setdefault("anyOf", [])
    options.append({"type": "string", "enum": [""]})


class TicketFilters(Schema):
    status: str = Field("", description="Comma-separated statuses, e.g. `new,accepted`.")
    # An empty value means "any", as a search form sends it (_blank_is_none); the schema says so too.
    type: TicketType | None = Field(None, json_schema_extra=_blank_allowed)
    channel: Channel | None = Field(None, json_schema_extra=_blank_allowed)
    severity: Severity | None = Field(None, json_schema_extra=_blank_allowed)
    owner: Id | None = Field(None, description="Owner's user id.", json_schema_extra=_blank_allowed)
    customer: Id | None = Field(None, description="Customer id.", json_schema_extra=_blank_allowed)
    queue: Literal["mine", "group", "unassigned", "breaching", "escalated"] | None = Field(
        None, json_schema_extra=_blank_allowed
    )
    q: str = Field("", max_length=200, description="Full-text search (Chinese words segmented by jieba).")

    _blank = field_validator("type", "channel", "severity", "owner", "customer", "queue", mode="before")(
        _blank_is_none
    )

    @field_validator("status")
    @classmethod
    def _statuses(cls, value: str) -> str:
        wanted = [s.strip() for s in value.split(",") if s.strip()]
        unknown = [s for s in wanted if s not in Status.values]
        if unknown:
            raise ValueError(_("Unknown status: %(values)s") % {"values": ", ".join(unknown)})
        return ",".join(wanted)


class TicketCreateIn(Schema):
    """The register's fields, as ticket_create takes them."""

    ticket_type: TicketType
    channel: Channel
    content: str = Field(..., max_length=20000, description="The customer's own words.")
    title: str = Field("", max_length=200, description="Empty: the first line of the content.")
    customer_name: str = Field("", max_length=100)
    customer_phone: str = Field("", max_length=30)
    customer_email: str = Field("", max_length=254)
    category_id: Id | None = None
    severity: Severity = Severity.GENERAL
    priority: Priority = Priority.NORMAL
    location: str = Field("", max_length=100)
    demands: str = Field("", max_length=20000)
    subject_person_id: Id | None = None
    subject_department_id: Id | None = None
    subject_product: str = Field("", max_length=200)
    group_id: Id | None = None
    accept: bool = Field(False, description="Accept it at once: the caller becomes the first-contact owner.")
    channel_details: dict = Field(
        default_factory=dict,
        description="The channel's own facts (walk_in, letter, media, regulator, transfer); see docs/guide.md.",
    )


class TicketUpdateIn(Schema):
    """Only the fields sent are changed; `null` clears a reference (category, subject, group)."""

    version: int = Field(..., description="The version you read; a newer one on the server answers 409.")
    # Text fields default to None only to tell "not sent" apart; an explicit null is refused.
    title: str = Field(None, min_length=1, max_length=200)
    content: str = Field(None, max_length=20000)
    demands: str = Field(None, max_length=20000)
    location: str = Field(None, max_length=100)
    subject_product: str = Field(None, max_length=200)
    customer_name: str = Field(None, max_length=100)
    customer_phone: str = Field(None, max_length=30)
    customer_email: str = Field(None, max_length=254)
    severity: Severity = None
    priority: Priority = None
    category_id: Id | None = None
    subject_person_id: Id | None = None
    subject_department_id: Id | None = None
    group_id: Id | None = None
    channel_details: dict = Field(
        None, description="Facts to change; the others are kept, and null clears an optional one."
    )


class TransitionIn(Schema):
    action: str = Field(
        ...,
        max_length=30,
        description="accept, start, wait_customer, customer_replied, resolve, request_callback, close, reopen, cancel",
    )
    note: str = Field("", max_length=20000, description="Internal: the timeline; never sent to the customer.")
    customer_reply: str = Field(
        "",
        max_length=20000,
        description="What the customer is told (SMS, email, portal, survey); required by `resolve`, "
        "ignored by the other actions. GET /api/knowledge/reply-draft drafts it from a script.",
    )
    version: int | None = Field(None, description="Give it to refuse the change if someone else acted first.")


class MergeIn(Schema):
    into: str = Field(..., max_length=32, description="Number of the work order to keep.")
    note: str = Field("", max_length=20000)
    version: int | None = None


class DispatchIn(Schema):
    department_ids: list[Id] = Field(..., max_length=100)
    instructions: str = Field("", max_length=20000)
    deadline: Moment | None = Field(
        None, description="With a time zone; empty: the policy's target or 3 working days."
    )
    version: int | None = None


class NoteIn(Schema):
    note: str = Field(..., max_length=20000)


class ReplyIn(Schema):
    reply: str = Field(..., max_length=20000)


class MessageIn(Schema):
    body_text: str = Field(..., max_length=50000)
    channel: Channel | None = None
    subject: str = Field("", max_length=255)


class ReturnIn(Schema):
    reason: str = Field(..., max_length=20000)


class InboxFilters(Schema):
    state: Literal["pending", "replied", "returned", "withdrawn", "all"] = "pending"


# --- work orders ----------------------------------------------------------------------------------

tickets_router = Router(tags=["tickets"])


class TicketPages(Pages):
    """Pages of work orders. With `q`, a search ranks the newest RANK_CANDIDATES matches
    (kefu.tickets.search): `count` then stops there and `more` says that more work orders matched."""

    class Output(Schema):
        items: list[Any]
        count: int
        more: bool = Field(False, description="More work orders matched `q` than `count` (500) says.")

    def paginate_queryset(self, queryset, pagination, request, **params):
        if not (request.GET.get("q") or "").strip():
            return super().paginate_queryset(queryset, pagination, request, **params)
        from kefu.tickets.search import RANK_CANDIDATES

        page_size = self._get_page_size(pagination.page_size)
        offset = (pagination.page - 1) * page_size
        count, more = selectors.count_capped(queryset, RANK_CANDIDATES)
        items = queryset[offset : max(offset, min(offset + page_size, count))]  # never past `count`
        return {"items": items, "count": count, "more": more}


@tickets_router.get("", response=list[TicketListOut], summary="List work orders")
@paginate(TicketPages)
def ticket_list(request, filters: Query[TicketFilters]) -> QuerySet:
    """The work orders the caller may see, newest first, filtered; `q` searches the text."""
    return selectors.ticket_list(
        user=user_of(request),
        status=filters.status,
        ticket_type=filters.type or "",
        channel=filters.channel or "",
        severity=filters.severity or "",
        owner_id=filters.owner,
        customer_id=filters.customer,
        query=filters.q,
        queue=filters.queue or "",
    )


@tickets_router.post("", response={201: TicketOut}, summary="Record a work order")
def ticket_create(
    request,
    payload: TicketCreateIn,
    response: HttpResponse,
    idempotency_key: str = Header(
        "",
        alias=idempotency.HEADER,
        max_length=idempotency.MAX_KEY,
        description="Send the same key again (within 24 h) to get the first answer instead of a second work order.",
    ),
):
    """Record a work order; with an `Idempotency-Key`, once per key (docs/api.md, Idempotency)."""
    # The service's answer already holds what the detail shows (customer, category, group, the
    # clocks it started). The caller's groups, from the per-process snapshot, give the new work
    # order's group and the answer's actions; not when it is accepted at once, a permission check
    # of its own, which reads them fresh.
    user = user_of(request)
    data = payload.dict()
    access = None if data.get("accept") else permissions.Access.of(user, cached=True)
    created: list[Created] = []

    def record() -> dict:
        created.append(services.ticket_create(by=user, access=access, **data))
        return {"number": created[0].ticket.number}

    result, replayed = idempotency.run_once(
        scope="api:tickets.create", owner=f"user:{user.pk}", key=idempotency.clean_key(idempotency_key),
        work=record, body_print=idempotency.fingerprint(data),
    )  # fmt: skip
    if replayed:
        response[idempotency.REPLAYED_HEADER] = "true"
        return HttpStatus(201, visible_ticket(request, result["number"]))
    return HttpStatus(201, Recorded(created[0], access))


@tickets_router.get("/{number}", response=TicketOut, summary="One work order")
def ticket_detail(request, number: str):
    return visible_ticket(request, number)


@tickets_router.patch("/{number}", response=TicketOut, summary="Edit the register's fields")
def ticket_update(request, number: str, payload: TicketUpdateIn):
    ticket = visible_ticket(request, number)
    changes = payload.dict(exclude_unset=True)
    version = changes.pop("version")
    ticket = services.ticket_update(ticket=ticket, by=user_of(request), version=version, **changes)
    return reread(ticket)


@tickets_router.post("/{number}/transitions", response=TicketOut, summary="Move the work order on")
def ticket_transition(request, number: str, payload: TransitionIn):
    ticket = visible_ticket(request, number)
    ticket = services.ticket_transition(
        ticket=ticket,
        action=payload.action,
        by=user_of(request),
        note=payload.note,
        customer_reply=payload.customer_reply,
        version=payload.version,
    )
    return reread(ticket)


@tickets_router.post(
    "/{number}/merge", response=TicketOut, summary="Merge a duplicate into another work order"
)
def ticket_merge(request, number: str, payload: MergeIn):
    ticket = visible_ticket(request, number)
    into = permissions.visible_tickets(user_of(request)).filter(number=payload.into.strip()).first()
    if into is None:
        message = _("No work order %(number)s.") % {"number": payload.into}
        raise ValidationError.for_field("into", message, FieldCode.NOT_FOUND)
    ticket = services.ticket_merge(
        ticket=ticket, into=into, by=user_of(request), note=payload.note, version=payload.version
    )
    return reread(ticket)


@tickets_router.post(
    "/{number}/dispatches", response={201: list[DispatchOut]}, summary="Dispatch to departments"
)
def ticket_dispatch(request, number: str, payload: DispatchIn):
    ticket = visible_ticket(request, number)
    dispatches = services.ticket_dispatch(
        ticket=ticket,
        by=user_of(request),
        department_ids=payload.department_ids,
        instructions=payload.instructions,
        deadline=payload.deadline,
        version=payload.version,
    )
    sent = Dispatch.objects.filter(pk__in=[d.pk for d in dispatches]).select_related(*DISPATCH_RELATED)
    return HttpStatus(201, selectors.with_resolution_due(sent))


@tickets_router.get("/{number}/dispatches", response=list[DispatchOut], summary="The work order's dispatches")
def ticket_dispatches(request, number: str):
    ticket = visible_ticket(request, number)
    return selectors.with_resolution_due(ticket.dispatches.select_related(*DISPATCH_RELATED)).order_by(
        "created_at", "id"
    )


@tickets_router.get("/{number}/events", response=list[EventOut], summary="Timeline")
def ticket_events(request, number: str):
    ticket = visible_ticket(request, number)
    return ticket.events.select_related("actor").order_by("created_at", "id")


@tickets_router.post("/{number}/attachments", response={201: AttachmentOut}, summary="Attach a file")
def ticket_attach(request, number: str, file: File[UploadedFile]):
    """multipart/form-data with one `file`; refused (422, field `attachment`) when its content is not
    an accepted kind (an .exe renamed .pdf), in plain words naming the file."""
    ticket = visible_ticket(request, number)
    return HttpStatus(201, services.ticket_attach(ticket=ticket, by=user_of(request), uploaded_file=file))


@tickets_router.post("/{number}/notes", response={201: EventOut}, summary="Add an internal note")
def ticket_note(request, number: str, payload: NoteIn):
    ticket = visible_ticket(request, number)
    return HttpStatus(201, services.ticket_add_note(ticket=ticket, by=user_of(request), note=payload.note))


@tickets_router.get(
    "/{number}/messages", response=list[MessageOut], summary="Correspondence with the customer"
)
def ticket_messages(request, number: str):
    ticket = visible_ticket(request, number)
    return ticket.messages.select_related("author").order_by("created_at", "id")


@tickets_router.post("/{number}/messages", response={201: MessageOut}, summary="Answer the customer")
def ticket_message_reply(request, number: str, payload: MessageIn):
    """Sent by the chosen channel (default: the one the customer used) after the request succeeds."""
    ticket = visible_ticket(request, number)
    message = services.message_reply(
        ticket=ticket,
        by=user_of(request),
        body_text=payload.body_text,
        channel=payload.channel,
        subject=payload.subject,
    )
    return HttpStatus(201, message)


@tickets_router.post("/{number}/escalate", response={201: EscalationOut}, summary="Escalate one step by hand")
def ticket_escalate(request, number: str, payload: NoteIn):
    ticket = visible_ticket(request, number)
    raised = services.ticket_escalate_manually(ticket=ticket, by=user_of(request), note=payload.note)
    return HttpStatus(201, Escalation.objects.select_related("ticket", "to_user").get(pk=raised.pk))


# --- dispatch answers (the department's inbox) ----------------------------------------------------

dispatches_router = Router(tags=["dispatches"])


@dispatches_router.get("", response=list[DispatchOut], summary="My department's dispatches")
@paginate(Pages)
def dispatch_inbox(request, filters: Query[InboxFilters]) -> QuerySet:
    """Work orders dispatched to the caller's department; pending ones soonest deadline first."""
    state = "" if filters.state == "all" else filters.state
    return selectors.with_resolution_due(
        selectors.department_inbox(user=user_of(request), state=state).select_related(*DISPATCH_RELATED)
    )


@dispatches_router.post("/{dispatch_id}/reply", response=DispatchOut, summary="Reply with the result")
def dispatch_reply(request, dispatch_id: Id, payload: ReplyIn):
    dispatch = visible_dispatch(request, dispatch_id)
    dispatch = services.dispatch_reply(dispatch=dispatch, by=user_of(request), reply=payload.reply)
    return Dispatch.objects.select_related(*DISPATCH_RELATED).get(pk=dispatch.pk)


@dispatches_router.post("/{dispatch_id}/return", response=DispatchOut, summary="Send the work order back")
def dispatch_return(request, dispatch_id: Id, payload: ReturnIn):
    dispatch = visible_dispatch(request, dispatch_id)
    dispatch = services.dispatch_return(dispatch=dispatch, by=user_of(request), reason=payload.reason)
    return Dispatch.objects.select_related(*DISPATCH_RELATED).get(pk=dispatch.pk)
