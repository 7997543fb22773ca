"""The work-order state machine (工单流转): one table, consulted by every service.

    new → accepted → in progress ⇄ waiting on customer
                     in progress → dispatched ⇄ department replied
    accepted / in progress / department replied → resolved → awaiting callback → closed
    resolved / awaiting callback / closed → in progress  (reopen: customer not satisfied)
    open states → merged (duplicate) or cancelled

Each transition names its role guard and declares what it does besides moving the status
(`Effects`: the SLA clocks it starts, stops, pauses or resumes, the timestamps it sets or clears,
the event it records). The single-row service (services/tickets.py) and the bulk path
(services/bulk.py) both read those declarations; neither keeps its own list.

`actor=None` means the system (a sweep, a callback, a survey); only transitions marked
`system_ok` accept it. Editing the register and escalating by hand are not transitions (the status
stays); `may_edit` and `may_escalate` decide them here, beside the table, for the services, the
API and the pages alike.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from kefu.accounts.models import User
from kefu.core.errors import FieldError, PermissionDenied, TransitionNotAllowed, ValidationError
from kefu.tickets import permissions
from kefu.tickets.error_codes import TicketErrorCode
from kefu.tickets.models import OPEN_STATUSES, TERMINAL_STATUSES, SlaTarget, Status, TicketEvent
from kefu.tickets.permissions import Access

#: guard(ticket, user, access): may this person do it? `access` is the person's snapshot of agent
#: groups for this request (permissions.Access), or None to read them.
Guard = Callable[[object, User, Access | None], bool]


def center_agent(ticket, user: User, access: Access | None = None) -> bool:
    """Any service-center agent of the work order's group, or a lead."""
    return user.is_center_staff and (user.is_lead or permissions.in_ticket_group(ticket, user, access))


def owner_or_lead(ticket, user: User, access: Access | None = None) -> bool:
    return user.is_center_staff and permissions.is_owner_or_lead(ticket, user)


def lead(ticket, user: User, access: Access | None = None) -> bool:
    return user.is_lead


def dispatched_department(ticket, user: User, access: Access | None = None) -> bool:
    return permissions.is_department_member_for(ticket, user) or user.is_lead


def close_guard(ticket, user: User, access: Access | None = None) -> bool:
    """A complaint is finished when the customer says so: only a lead may close it without a callback."""
    if ticket.is_complaint and ticket.status == Status.RESOLVED:
        return user.is_lead
    return owner_or_lead(ticket, user, access)


#: `Effects.stops`: every clock still running or paused, whatever its target (departments' too).
EVERY_CLOCK = ("*",)


@dataclass(frozen=True)
class Effects:
    """What a transition does besides moving the status, as data both interpreters read.

    Applied in this order: stop, pause, resume, start (a reopen stops every clock, then starts a
    fresh resolution clock), then the work order's fields.
    """

    #: SLA targets whose clock the work order's policy starts (none if the policy sets no budget).
    starts: tuple[str, ...] = ()
    #: SLA targets whose clocks stop; EVERY_CLOCK for all of them.
    stops: tuple[str, ...] = ()
    #: Waiting on the customer: the running clocks bank their time and stop counting.
    pauses: bool = False
    #: The paused clocks count again from now.
    resumes: bool = False
    #: Timestamp fields set to the moment of the transition.
    sets_now: tuple[str, ...] = ()
    #: Fields emptied (set to NULL).
    clears: tuple[str, ...] = ()
    #: The transition's note becomes the work order's resolution (internal: staff pages, timeline).
    resolution_from_note: bool = False
    #: The transition asks for a reply to the customer besides the note, and keeps it in
    #: Ticket.customer_reply: the only text of it that SMS, email, the portal and the survey show.
    #: Required: an internal note never stands in for it.
    customer_reply: bool = False
    #: The person acting becomes the first-contact owner (首问负责人) if it has none.
    owner_if_unset: bool = False
    #: The kind of the timeline event recorded.
    event: str = TicketEvent.Kind.TRANSITION

    @property
    def fields(self) -> list[str]:
        """The work order's fields these effects write (besides status, version, updated_at)."""
        return [
            *(["owner"] if self.owner_if_unset else []),
            *(["resolution"] if self.resolution_from_note else []),
            *(["customer_reply"] if self.customer_reply else []),
            *self.sets_now,
            *self.clears,
        ]

    @property
    def per_row(self) -> bool:
        """Whether applying them needs each work order on its own: pausing and resuming compute
        each clock's remaining working time, and a resolution and a reply to the customer come from
        each one's own texts."""
        return self.pauses or self.resumes or self.resolution_from_note or self.customer_reply


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[str, ...]
    target: str
    guard: Guard
    label: object
    note_required: bool = False
    system_ok: bool = False
    #: Performed only as the consequence of another service (a department's reply), not as a button.
    internal: bool = False
    #: Performed by a service of its own that needs more than a note (dispatch, merge, the
    #: department's answers); the generic ticket_transition refuses it.
    dedicated: bool = False
    effects: Effects = Effects()

    @property
    def asks_customer_reply(self) -> bool:
        """Whether the form for it asks for a reply to the customer beside the note (Effects.customer_reply)."""
        return self.effects.customer_reply

    @property
    def bulk_ok(self) -> bool:
        """Whether tickets_transition_bulk may perform it: a plain action (no note, no service of
        its own) whose effects apply to many work orders alike."""
        return not (self.note_required or self.dedicated or self.internal or self.effects.per_row)


OPEN_FOR_CHANGE = (
    Status.NEW,
    Status.ACCEPTED,
    Status.IN_PROGRESS,
    Status.WAITING_CUSTOMER,
    Status.DEPARTMENT_REPLIED,
)

TRANSITIONS: tuple[Transition, ...] = (
    Transition(
        "accept",
        (Status.NEW,),
        Status.ACCEPTED,
        center_agent,
        _("Accept"),
        effects=Effects(stops=(SlaTarget.FIRST_RESPONSE,), sets_now=("accepted_at",), owner_if_unset=True),
    ),
    Transition("start", (Status.ACCEPTED,), Status.IN_PROGRESS, owner_or_lead, _("Start handling")),
    Transition(
        "wait_customer",
        (Status.IN_PROGRESS,),
        Status.WAITING_CUSTOMER,
        owner_or_lead,
        _("Wait for the customer"),
        note_required=True,
        effects=Effects(pauses=True),
    ),
    Transition(
        "customer_replied",
        (Status.WAITING_CUSTOMER,),
        Status.IN_PROGRESS,
        owner_or_lead,
        _("Customer replied"),
        system_ok=True,
        effects=Effects(resumes=True),
    ),
    Transition(
        "dispatch",
        (Status.ACCEPTED, Status.IN_PROGRESS, Status.DEPARTMENT_REPLIED, Status.DISPATCHED),
        Status.DISPATCHED,
        owner_or_lead,
        _("Dispatch to departments"),
        dedicated=True,  # its department-reply clocks run to the deadline given with each dispatch
    ),
    Transition(
        "department_reply",
        (Status.DISPATCHED,),
        Status.DEPARTMENT_REPLIED,
        dispatched_department,
        _("Department replied"),
        internal=True,
        dedicated=True,
    ),
    Transition(
        "department_return",
        (Status.DISPATCHED,),
        Status.IN_PROGRESS,
        dispatched_department,
        _("Sent back by the department"),
        note_required=True,
        internal=True,
        dedicated=True,
    ),
    Transition(
        "resolve",
        (Status.ACCEPTED, Status.IN_PROGRESS, Status.DEPARTMENT_REPLIED),
        Status.RESOLVED,
        owner_or_lead,
        _("Resolve"),
        note_required=True,
        effects=Effects(
            stops=(SlaTarget.RESOLUTION, SlaTarget.FIRST_RESPONSE),
            sets_now=("resolved_at",),
            resolution_from_note=True,
            customer_reply=True,
        ),
    ),
    Transition(
        "request_callback",
        (Status.RESOLVED,),
        Status.AWAITING_CALLBACK,
        owner_or_lead,
        _("Send to callback"),
        system_ok=True,
        effects=Effects(starts=(SlaTarget.CALLBACK,)),
    ),
    Transition(
        "close",
        (Status.RESOLVED, Status.AWAITING_CALLBACK),
        Status.CLOSED,
        close_guard,
        _("Close"),
        system_ok=True,
        effects=Effects(stops=EVERY_CLOCK, sets_now=("closed_at",)),
    ),
    Transition(
        "reopen",
        (Status.RESOLVED, Status.AWAITING_CALLBACK, Status.CLOSED),
        Status.IN_PROGRESS,
        owner_or_lead,
        _("Reopen (customer not satisfied)"),
        note_required=True,
        system_ok=True,
        effects=Effects(
            stops=EVERY_CLOCK, starts=(SlaTarget.RESOLUTION,), clears=("resolved_at", "closed_at")
        ),
    ),
    Transition(
        "merge",
        OPEN_FOR_CHANGE,
        Status.MERGED,
        owner_or_lead,
        _("Merge into another work order"),
        note_required=False,
        dedicated=True,
        effects=Effects(stops=EVERY_CLOCK),
    ),
    Transition(
        "cancel",
        (Status.NEW, Status.ACCEPTED, Status.IN_PROGRESS, Status.WAITING_CUSTOMER),
        Status.CANCELLED,
        owner_or_lead,
        _("Cancel"),
        note_required=True,
        effects=Effects(stops=EVERY_CLOCK),
    ),
)

BY_KEY: dict[tuple[str, str], Transition] = {(s, t.action): t for t in TRANSITIONS for s in t.sources}
BY_ACTION: dict[str, Transition] = {t.action: t for t in TRANSITIONS}
ACTIONS = sorted(BY_ACTION)
#: What tickets_transition_bulk performs: derived from the declarations above.
BULK_ACTIONS = sorted(t.action for t in TRANSITIONS if t.bulk_ok)


def find(status: str, action: str) -> Transition:
    """The transition for `action` from `status`, or TransitionNotAllowed naming both."""
    transition = BY_KEY.get((status, action))
    if transition is None:
        if action not in BY_ACTION:
            raise TransitionNotAllowed(_("Unknown action “%(action)s”.") % {"action": action})
        raise TransitionNotAllowed(
            _("“%(action)s” is not allowed while the work order is “%(status)s”.")
            % {"action": action, "status": Status(status).label}
        )
    return transition


def check_not_recused(ticket, person: User | None, field: str = "ticket") -> None:
    """Refuse `person` anything on a complaint about themselves (回避, permissions.is_recused)."""
    if permissions.is_recused(ticket, person):
        message = _("%(person)s is the person this complaint is about and may not handle it (recusal).") % {
            "person": person.label
        }
        raise PermissionDenied(message, errors={field: [FieldError(message, TicketErrorCode.RECUSED)]})


def stand_in(ticket, person: User | None) -> User | None:
    """Who receives what would have gone to `person`: themselves, or, when the complaint is about
    them, the next active person above them (their superior, else their department's head)."""
    if not permissions.is_recused(ticket, person):
        return person
    for above in person.chain_above():
        if above.is_active:
            return above
    return None


def department_handlers(ticket, department) -> list[User]:
    """The people who may answer a dispatch to `department`: its active members and head, without
    the person the complaint is about."""
    people = {u.pk: u for u in department.members.filter(is_active=True)}
    if department.head_id and department.head.is_active:
        people[department.head_id] = department.head
    return [u for u in people.values() if not permissions.is_recused(ticket, u)]


def department_recusal(ticket, department) -> dict | None:
    """What recusal changes for a dispatch to `department`: None when the person complained about
    is not of it; else who is recused and who receives the dispatch in their place (the head, or
    the next one up when the head is the one complained about). Refuses (ValidationError naming
    `department_ids`) a department whose only staff is that person."""
    person = ticket.subject_person if ticket.subject_person_id else None
    if person is None or (person.department_id != department.pk and department.head_id != person.pk):
        return None
    if not department_handlers(ticket, department):
        message = _(
            "Only %(person)s could answer for %(department)s, and the complaint is about them (recusal): "
            "dispatch to another department."
        ) % {"person": person.label, "department": department.name}
        raise ValidationError(
            message, errors={"department_ids": [FieldError(message, TicketErrorCode.ONLY_RECUSED_STAFF)]}
        )
    head = department.head if department.head_id and department.head.is_active else None
    instead = stand_in(ticket, head) if head is not None else stand_in(ticket, person)
    return {
        "person": person.pk,
        "name": person.label,
        "department": department.pk,
        "department_name": department.name,
        "instead": instead.pk if instead else None,
        "instead_name": instead.label if instead else "",
    }


def check(ticket, action: str, actor: User | None, access: Access | None = None) -> Transition:
    """Refuse unless `actor` may perform `action` on `ticket` now; return the transition."""
    transition = find(ticket.status, action)
    if actor is None:
        if not transition.system_ok:
            raise PermissionDenied(_("This action needs a person, not the system."))
        return transition
    check_not_recused(ticket, actor)
    if not actor.is_active or not transition.guard(ticket, actor, access):
        raise PermissionDenied(_("You may not “%(action)s” this work order.") % {"action": transition.label})
    return transition


def available(ticket, actor: User, access: Access | None = None) -> list[Transition]:
    """The buttons to show: transitions allowed from the current state for this person."""
    result = []
    if permissions.is_recused(ticket, actor):
        return result
    for transition in TRANSITIONS:
        if ticket.status in transition.sources and not transition.internal and actor.is_active:
            if transition.guard(ticket, actor, access):
                result.append(transition)
    return result


# --- what is not a transition: editing and escalating by hand ----------------------------------

#: The register may be edited until the work order is finished (a resolved one too: the customer
#: may still add to it before the callback).
EDITABLE_STATUSES = tuple(s for s in Status if s not in TERMINAL_STATUSES)
#: Escalating by hand raises work that is still being handled; resolved work goes to the callback
#: (and is reopened if the customer is not satisfied), finished work goes nowhere.
ESCALATABLE_STATUSES = tuple(OPEN_STATUSES)


def check_edit(ticket, user: User, access: Access | None = None) -> None:
    """Refuse unless `user` may edit the register of `ticket` now: PermissionDenied for the person,
    ValidationError for a finished work order (its register is the record of what happened)."""
    check_not_recused(ticket, user)
    if not permissions.can_edit(user, ticket, access):
        raise PermissionDenied(_("You may not edit this work order."))
    if ticket.status not in EDITABLE_STATUSES:
        message = _("A closed, merged or cancelled work order cannot be edited.")
        raise ValidationError(
            message, errors={"status": [FieldError(message, TicketErrorCode.NOT_EDITABLE_IN_STATUS)]}
        )


def check_escalate(ticket, user: User, access: Access | None = None) -> None:
    """Refuse unless `user` may escalate `ticket` by hand now.

    Escalation is a check beside the table, not a transition: it keeps the status and moves the
    work order's holder (escalated_to), writes an Escalation row and an "escalation" event, and the
    SLA sweep escalates the same way without a person. As a transition from a status to itself it
    would record a second, "transition" event, and the bulk path would offer it.
    """
    if ticket.status not in ESCALATABLE_STATUSES:
        raise TransitionNotAllowed(
            _("A work order that is “%(status)s” cannot be escalated.")
            % {"status": Status(ticket.status).label}
        )
    check_not_recused(ticket, user)
    if not owner_or_lead(ticket, user, access):
        raise PermissionDenied(_("Only the owner or a lead may escalate this work order."))


def _allowed(check_fn, *args) -> bool:
    try:
        check_fn(*args)
    except (PermissionDenied, TransitionNotAllowed, ValidationError):
        return False
    return True


def may_edit(ticket, user: User, access: Access | None = None) -> bool:
    """Whether `user` may edit the register of `ticket` now (check_edit without the error)."""
    return _allowed(check_edit, ticket, user, access)


def may_escalate(ticket, user: User, access: Access | None = None) -> bool:
    """Whether `user` may escalate `ticket` by hand now (check_escalate without the error)."""
    return _allowed(check_escalate, ticket, user, access)


def allows(ticket, action: str, user: User, access: Access | None = None) -> bool:
    """The table's answer for any action a person can ask for: a transition, "edit" or "escalate"."""
    if action == "edit":
        return may_edit(ticket, user, access)
    if action == "escalate":
        return may_escalate(ticket, user, access)
    return _allowed(check, ticket, action, user, access)
