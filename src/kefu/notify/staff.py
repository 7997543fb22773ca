"""Staff notifications derived from the work-order timeline: one table, event kind → who hears of it.

Ticket services record what happened (kefu.tickets.timeline) and know nothing of notifications;
this table says, for each kind of event (and each transition action), which notification kind it
is, who receives it, its title and whether it goes by email by default (a person's preference for
that kind wins: NotificationPreference). To notify on a new event kind, add a row here.

The rows are applied to every batch the timeline announces: one sweep's thousand breaches become
one `notify_many` call, with the people they name read in one query.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from kefu.accounts.models import Department, Role, User
from kefu.notify.models import NotificationKind
from kefu.tickets.models import SlaTarget, TicketEvent
from kefu.tickets.services.escalation import clock_label
from kefu.tickets.timeline import describe, typed_note

Kind = TicketEvent.Kind


class People:
    """The people and departments a batch of events names, each read once for the whole batch."""

    def __init__(self, events: Sequence[TicketEvent]) -> None:
        user_ids = {e.data.get("to_user") for e in events if e.kind == Kind.ESCALATION} | {
            r.get("instead") for e in events for r in e.data.get("recusals", ())
        }  # fmt: skip
        user_ids -= {None}
        self.users = User.objects.in_bulk(user_ids) if user_ids else {}
        department_ids = {
            pk for e in events if e.kind == Kind.TRANSITION and e.action == "dispatch"
            for pk in e.data.get("departments", [])
        }  # fmt: skip
        self.departments = (
            Department.objects.select_related("head").in_bulk(department_ids) if department_ids else {}
        )
        self._members: dict[int, list[User]] = {}

    def department_recipients(self, department: Department) -> list[User]:
        """A department's active staff and its head: who hears that a work order was sent to them."""
        if department.pk not in self._members:
            people = list(department.members.filter(is_active=True, role=Role.DEPARTMENT_STAFF))
            if department.head_id and department.head.is_active:
                people.append(department.head)
            self._members[department.pk] = people
        return self._members[department.pk]


#: (recipients, values for the title) for one event; an event may call for several notices.
Audience = Iterable[tuple[list[User], dict]]


def _owner(event: TicketEvent, people: People) -> Audience:
    """首问负责制: the first-contact owner hears of everything that happens to their work order."""
    if event.ticket.owner_id:
        yield [event.ticket.owner], {}


def _owner_of_a_quiet_message(event: TicketEvent, people: People) -> Audience:
    # A live chat line reaches the owner in the console already; a notification would be noise.
    if not event.data.get("live"):
        yield from _owner(event, people)


def _dispatched_departments(event: TicketEvent, people: People) -> Audience:
    """The departments' staff and heads; where the person complained about is of the department
    (回避), without them (notify_many drops them) and with whoever answers in their place."""
    instead = {
        r.get("department"): people.users.get(r.get("instead")) for r in event.data.get("recusals", ())
    }
    for pk in event.data.get("departments", []):
        department = people.departments.get(pk)
        if department is not None:
            recipients = people.department_recipients(department)
            if instead.get(pk) is not None:
                recipients = [*recipients, instead[pk]]
            yield recipients, {"department": department.name}


def _escalated_to(event: TicketEvent, people: People) -> Audience:
    to_user = people.users.get(event.data.get("to_user"))
    if to_user is None:
        return
    owner = event.ticket.owner if event.ticket.owner_id and event.ticket.owner_id != to_user.pk else None
    yield [to_user, *([owner] if owner else [])], {"name": to_user.label}


def _department_of(event: TicketEvent) -> dict:
    return {"department": event.data.get("department", "")}


def _breached_target(event: TicketEvent) -> dict:
    """Which clock: “First response”, “Department reply · Logistics” (older events: their note)."""
    params = event.data.get("params") or {}
    target = params.get("target") or event.data.get("target")
    if target in SlaTarget.values:
        return {"target": clock_label(target, params.get("department", ""))}
    return {"target": event.note}


def said(event: TicketEvent) -> str:
    """What the system says about the event (in the language of the moment), then what a person typed."""
    return "\n".join(part for part in (describe(event), typed_note(event)) if part)


def _escalation_reason(event: TicketEvent) -> dict:
    """The rule that fired, naming what it names (the person complained about, the clock, who)."""
    return {"reason": describe(event) or typed_note(event)}


def _escalation_body(event: TicketEvent) -> str:
    """The reason, the work order's title, and what a person wrote (a manual escalation's why)."""
    lines = [f"{describe(event) or typed_note(event)}: {event.ticket.title}"]
    if describe(event) and event.note:
        lines.append(event.note)
    return "\n".join(lines)


@dataclass(frozen=True)
class StaffNotice:
    """One row of the table: what an event of this kind tells whom."""

    notification: str  # NotificationKind
    title: object  # a lazy text with %(number)s and the audience's / values' names
    audience: Callable[[TicketEvent, People], Audience]
    email: bool = False  # the default a person's NotificationPreference overrides
    body: Callable[[TicketEvent], str] = lambda event: said(event)
    values: Callable[[TicketEvent], dict] = lambda event: {}


#: (event kind, transition action or "") → the notice it calls for.
STAFF_NOTICES: dict[tuple[str, str], StaffNotice] = {
    (Kind.MESSAGE_IN, ""): StaffNotice(
        NotificationKind.CUSTOMER_MESSAGE,
        _("%(number)s: the customer wrote"),
        _owner_of_a_quiet_message,
        body=lambda event: event.note[:500],
    ),
    (Kind.TRANSITION, "dispatch"): StaffNotice(
        NotificationKind.DISPATCH,
        _("%(number)s dispatched to %(department)s"),
        _dispatched_departments,
        email=True,
        body=lambda event: event.note or event.ticket.title,
    ),
    (Kind.DEPARTMENT_REPLY, ""): StaffNotice(
        NotificationKind.DEPARTMENT_REPLY,
        _("%(department)s replied on %(number)s"),
        _owner,
        email=True,
        values=_department_of,
    ),
    (Kind.DEPARTMENT_RETURN, ""): StaffNotice(
        NotificationKind.DEPARTMENT_RETURN,
        _("%(department)s sent back %(number)s"),
        _owner,
        email=True,
        values=_department_of,
    ),
    (Kind.TRANSITION, "reopen"): StaffNotice(
        NotificationKind.REOPENED, _("%(number)s reopened"), _owner, email=True
    ),
    (Kind.ESCALATION, ""): StaffNotice(
        NotificationKind.ESCALATION,
        _("%(number)s escalated to %(name)s: %(reason)s"),
        _escalated_to,
        email=True,
        body=_escalation_body,
        values=_escalation_reason,
    ),
    (Kind.SLA_BREACH, ""): StaffNotice(
        NotificationKind.SLA_BREACH,
        _("%(number)s: %(target)s overdue"),
        _owner,
        body=lambda event: event.ticket.title,
        values=_breached_target,
    ),
}

#: Whether each notification kind goes by email when the person has not said (the preferences page).
EMAIL_BY_DEFAULT: dict[str, bool] = {row.notification: row.email for row in STAFF_NOTICES.values()}


def notice_for(event: TicketEvent) -> StaffNotice | None:
    return STAFF_NOTICES.get((event.kind, event.action if event.kind == Kind.TRANSITION else ""))


def staff_notices(events: Sequence[TicketEvent]) -> list[dict]:
    """The notices (notify_many's dicts) that `events` call for, by the table."""
    wanted = [(event, row) for event in events if (row := notice_for(event)) is not None]
    if not wanted:
        return []
    people = People([event for event, _row in wanted])
    titles: dict[int, str] = {}  # each lazy title translated once per batch, not once per event
    notices = []
    for event, row in wanted:
        title = titles.get(id(row))
        if title is None:
            title = titles[id(row)] = str(row.title)
        values = {"number": event.ticket.number, **row.values(event)}
        for users, extra in row.audience(event, people):
            notices.append(
                {
                    "users": users,
                    "ticket": event.ticket,
                    "kind": row.notification,
                    "title": title % {**values, **extra},
                    "body": row.body(event),
                    "email": row.email,
                }
            )
    return notices
