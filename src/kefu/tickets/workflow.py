"""The work-order state machine (工单流转): one table, consulted by every service.

    new → accepted → in progress ⇄ waiting on customer
                     in progress → dispatched ⇄ department replied
    accepted / in progress / department replied → resolved → awaiting callback → closed
    resolved / awaiting callback / closed → in progress  (reopen: customer not satisfied)
    open states → merged (duplicate) or cancelled

Each transition names its role guard. `actor=None` means the system (a sweep, a callback, a survey);
only transitions marked `system_ok` accept it.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from kefu.accounts.models import User
from kefu.core.errors import PermissionDenied, TransitionNotAllowed
from kefu.tickets import permissions
from kefu.tickets.models import Status

Guard = Callable[[object, User], bool]


def center_agent(ticket, user: User) -> bool:
    """Any service-center agent of the work order's group, or a lead."""
    return user.is_center_staff and (user.is_lead or permissions.in_ticket_group(ticket, user))


def owner_or_lead(ticket, user: User) -> bool:
    return user.is_center_staff and permissions.is_owner_or_lead(ticket, user)


def lead(ticket, user: User) -> bool:
    return user.is_lead


def dispatched_department(ticket, user: User) -> bool:
    return permissions.is_department_member_for(ticket, user) or user.is_lead


def close_guard(ticket, user: User) -> bool:
    """A complaint is finished when the customer says so: only a lead may close it without a callback."""
    if ticket.is_complaint and ticket.status == Status.RESOLVED:
        return user.is_lead
    return owner_or_lead(ticket, user)


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


OPEN_FOR_CHANGE = (
    Status.NEW,
    Status.ACCEPTED,
    Status.IN_PROGRESS,
    Status.WAITING_CUSTOMER,
    Status.DEPARTMENT_REPLIED,
)

TRANSITIONS: tuple[Transition, ...] = (
    Transition("accept", (Status.NEW,), Status.ACCEPTED, center_agent, _("Accept")),
    Transition("start", (Status.ACCEPTED,), Status.IN_PROGRESS, owner_or_lead, _("Start handling")),
    Transition(
        "wait_customer",
        (Status.IN_PROGRESS,),
        Status.WAITING_CUSTOMER,
        owner_or_lead,
        _("Wait for the customer"),
        note_required=True,
    ),
    Transition(
        "customer_replied",
        (Status.WAITING_CUSTOMER,),
        Status.IN_PROGRESS,
        owner_or_lead,
        _("Customer replied"),
        system_ok=True,
    ),
    Transition(
        "dispatch",
        (Status.ACCEPTED, Status.IN_PROGRESS, Status.DEPARTMENT_REPLIED, Status.DISPATCHED),
        Status.DISPATCHED,
        owner_or_lead,
        _("Dispatch to departments"),
    ),
    Transition(
        "department_reply",
        (Status.DISPATCHED,),
        Status.DEPARTMENT_REPLIED,
        dispatched_department,
        _("Department replied"),
        internal=True,
    ),
    Transition(
        "department_return",
        (Status.DISPATCHED,),
        Status.IN_PROGRESS,
        dispatched_department,
        _("Sent back by the department"),
        note_required=True,
        internal=True,
    ),
    Transition(
        "resolve",
        (Status.ACCEPTED, Status.IN_PROGRESS, Status.DEPARTMENT_REPLIED),
        Status.RESOLVED,
        owner_or_lead,
        _("Resolve"),
        note_required=True,
    ),
    Transition(
        "request_callback",
        (Status.RESOLVED,),
        Status.AWAITING_CALLBACK,
        owner_or_lead,
        _("Send to callback"),
        system_ok=True,
    ),
    Transition(
        "close",
        (Status.RESOLVED, Status.AWAITING_CALLBACK),
        Status.CLOSED,
        close_guard,
        _("Close"),
        system_ok=True,
    ),
    Transition(
        "reopen",
        (Status.RESOLVED, Status.AWAITING_CALLBACK, Status.CLOSED),
        Status.IN_PROGRESS,
        owner_or_lead,
        _("Reopen (customer not satisfied)"),
        note_required=True,
        system_ok=True,
    ),
    Transition(
        "merge",
        OPEN_FOR_CHANGE,
        Status.MERGED,
        owner_or_lead,
        _("Merge into another work order"),
        note_required=False,
    ),
    Transition(
        "cancel",
        (Status.NEW, Status.ACCEPTED, Status.IN_PROGRESS, Status.WAITING_CUSTOMER),
        Status.CANCELLED,
        owner_or_lead,
        _("Cancel"),
        note_required=True,
    ),
)

BY_KEY: dict[tuple[str, str], Transition] = {(s, t.action): t for t in TRANSITIONS for s in t.sources}
ACTIONS = sorted({t.action for t in TRANSITIONS})


def find(status: str, action: str) -> Transition:
    """The transition for `action` from `status`, or TransitionNotAllowed naming both."""
    transition = BY_KEY.get((status, action))
    if transition is None:
        if action not in ACTIONS:
            raise TransitionNotAllowed(_("Unknown action “%(action)s”.") % {"action": action})
        raise TransitionNotAllowed(
            _("“%(action)s” is not allowed while the work order is “%(status)s”.")
            % {"action": action, "status": Status(status).label}
        )
    return transition


def check(ticket, action: str, actor: User | None) -> Transition:
    """Refuse unless `actor` may perform `action` on `ticket` now; return the transition."""
    transition = find(ticket.status, action)
    if actor is None:
        if not transition.system_ok:
            raise PermissionDenied(_("This action needs a person, not the system."))
        return transition
    if not actor.is_active or not transition.guard(ticket, actor):
        raise PermissionDenied(_("You may not “%(action)s” this work order.") % {"action": transition.label})
    return transition


def available(ticket, actor: User) -> list[Transition]:
    """The buttons to show: transitions allowed from the current state for this person."""
    result = []
    for transition in TRANSITIONS:
        if ticket.status in transition.sources and not transition.internal and actor.is_active:
            if transition.guard(ticket, actor):
                result.append(transition)
    return result
