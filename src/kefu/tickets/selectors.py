"""Reads shared by pages and the API: the agent's queues, the boards, the department inbox, search."""

from datetime import datetime, timedelta

from django.db.models import F, OuterRef, QuerySet, Subquery
from django.utils import timezone

from kefu.accounts.models import Role, User
from kefu.core import search
from kefu.customers.phones import phone_key
from kefu.customers.selectors import customer_by_contact
from kefu.tickets import permissions
from kefu.tickets.models import (
    OPEN_STATUSES,
    TERMINAL_STATUSES,
    Dispatch,
    Escalation,
    SlaClock,
    SlaTarget,
    Status,
    Ticket,
    TicketType,
)
from kefu.tickets.permissions import Access, agent_group_ids, visible_tickets

QUEUES = ("mine", "group", "unassigned", "breaching", "escalated", "all")

LIST_RELATED = ("customer", "owner", "category", "group")


def _implied_by_visibility(user: User) -> bool:
    """Whether "mine", "my groups'" and "escalated to me" are within what `user` may see anyway.

    True for service-center staff: visibility_filter grants them their own, their groups' and what
    was escalated to them. Saying so lets those queues use their own partial index instead of the
    four-way OR of the visibility filter (1.4 s → under a millisecond at a million work orders).
    Department staff see only dispatched work, so their queues keep the filter.
    """
    return user.is_active and user.role != Role.DEPARTMENT_STAFF


def ticket_queue(
    *, user: User, queue: str = "mine", now: datetime | None = None, access: Access | None = None
) -> QuerySet:
    """The agent's queues: mine, my groups', unassigned, about to breach within the hour, escalated to me.

    Always within what `user` may see; newest first (unassigned: oldest first; breaching: soonest
    due first). "Breaching" is work whose running clock runs out in the coming hour; work already
    overdue is on the supervisor board and marked overdue in every queue. `access`: the person's
    agent groups, when the caller asks several queues (permissions.Access).
    """
    now = now or timezone.now()
    visible = visible_tickets(user, access=access)
    own_scope = (
        Ticket.objects.filter(permissions.recusal_filter(user)) if _implied_by_visibility(user) else visible
    )
    if queue == "mine":
        qs = own_scope.filter(status__in=OPEN_STATUSES, owner=user).order_by("-created_at")
    elif queue == "group":
        qs = own_scope.filter(status__in=OPEN_STATUSES, group_id__in=agent_group_ids(user, access)).order_by(
            "-created_at"
        )
    elif queue == "unassigned":
        qs = visible.filter(status__in=OPEN_STATUSES, owner__isnull=True).order_by("created_at")
    elif queue == "breaching":
        # Read in the order of the running clocks' due times (their partial index) and stop at a
        # page: a work order with two clocks running out within the hour is listed once per clock.
        qs = visible.filter(
            sla_clocks__state=SlaClock.State.RUNNING,
            sla_clocks__due_at__gte=now,
            sla_clocks__due_at__lte=now + timedelta(hours=1),
        ).order_by("sla_clocks__due_at", "pk")
    elif queue == "escalated":
        qs = own_scope.filter(escalated_to=user).exclude(status__in=TERMINAL_STATUSES).order_by("-updated_at")
    else:
        qs = visible.order_by("-created_at")
    return qs.select_related(*LIST_RELATED)


def count_capped(qs: QuerySet, cap: int) -> tuple[int, bool]:
    """(count, more): the count up to `cap`, and whether there are more than `cap` rows.

    Reads at most cap + 1 rows, so a queue of 60,000 costs what one of `cap` does. Only the ids are
    selected, so an annotation (a search's rank) is not computed for rows that are only counted.
    A bounded search's results are counted already (`search.candidate_count`): no statement."""
    n = search.candidate_count(qs)
    if n is None:
        n = qs.order_by().values("pk")[: cap + 1].count()
    return min(n, cap), n > cap


def ticket_list(
    *,
    user: User,
    status: str = "",
    ticket_type: str = "",
    channel: str = "",
    severity: str = "",
    owner_id=None,
    customer_id=None,
    query: str = "",
    queue: str = "",
) -> QuerySet:
    """Filtered, permission-limited list for the search page and the API."""
    from kefu.tickets.search import search_tickets

    qs = (
        ticket_queue(user=user, queue=queue) if queue else visible_tickets(user).select_related(*LIST_RELATED)
    )
    if status:
        qs = qs.filter(status__in=status.split(","))
    if ticket_type:
        qs = qs.filter(ticket_type=ticket_type)
    if channel:
        qs = qs.filter(channel=channel)
    if severity:
        qs = qs.filter(severity=severity)
    if owner_id:
        qs = qs.filter(owner_id=owner_id)
    if customer_id:
        qs = qs.filter(customer_id=customer_id)
    if query.strip():
        return search_tickets(qs, query)
    return qs if queue else qs.order_by("-created_at")


def supervisor_board(*, user: User, now: datetime | None = None) -> dict:
    """Breaches and escalations for leads: running clocks past due, major complaints, escalations to me."""
    now = now or timezone.now()
    breached = (
        SlaClock.objects.filter(state=SlaClock.State.RUNNING, due_at__lt=now)
        .filter(ticket__in=visible_tickets(user))
        .select_related("ticket", "ticket__owner", "dispatch__department")
        .order_by("due_at")[:100]
    )
    escalations = (
        Escalation.objects.filter(ticket__in=visible_tickets(user))
        .exclude(ticket__status__in=[Status.CLOSED, Status.MERGED, Status.CANCELLED])
        .select_related("ticket", "to_user", "ticket__owner")
        .order_by("-created_at")[:100]
    )
    mine = [e for e in escalations if e.to_user_id == user.pk]
    major = (
        visible_tickets(user)
        .filter(ticket_type=TicketType.COMPLAINT, severity="major", status__in=OPEN_STATUSES)
        .select_related(*LIST_RELATED)
        .order_by("-created_at")[:50]
    )
    return {
        "breached": list(breached),
        "escalations": list(escalations),
        "mine": mine,
        "major": list(major),
        "late_dispatches": late_dispatches(user=user),
    }


def with_resolution_due(dispatches: QuerySet) -> QuerySet:
    """Dispatches annotated with `resolution_due`: when their work order's own resolution clock runs
    out (None when none runs), for services.dispatch.dispatch_warnings without a query per row."""
    due = SlaClock.objects.filter(
        ticket_id=OuterRef("ticket_id"), target=SlaTarget.RESOLUTION, state=SlaClock.State.RUNNING
    ).order_by("due_at")
    return dispatches.annotate(resolution_due=Subquery(due.values("due_at")[:1]))


def late_dispatches(*, user: User, limit: int = 50) -> list[Dispatch]:
    """Dispatches still waiting whose deadline is after their work order's own resolution deadline
    (the board marks them: the department's reply will come too late), soonest work order first."""
    rows = (
        with_resolution_due(
            Dispatch.objects.filter(state=Dispatch.State.PENDING, ticket__in=visible_tickets(user))
        )
        .filter(deadline__gt=F("resolution_due"))
        .select_related("ticket", "department")
        .order_by("resolution_due", "pk")
    )
    return list(rows[:limit])


def department_inbox(*, user: User, state: str = "pending") -> QuerySet:
    """What was dispatched to the user's department (but a complaint about themselves: recusal);
    leads may pass any department's id in the API."""
    if user.department_id is None:
        return Dispatch.objects.none()
    qs = Dispatch.objects.filter(department_id=user.department_id).exclude(ticket__subject_person=user)
    qs = qs.select_related("ticket", "department", "created_by")
    if state:
        qs = qs.filter(state=state)
    return qs.order_by("deadline") if state == Dispatch.State.PENDING else qs.order_by("-created_at")


def customer_history(*, user: User, customer_id: int, limit: int = 20) -> QuerySet:
    return (
        visible_tickets(user)
        .filter(customer_id=customer_id)
        .select_related(*LIST_RELATED)
        .order_by("-created_at")[:limit]
    )


def customer_card(*, user: User, phone: str) -> dict:
    """The customer card beside a capture form: the customer with this phone (once five digits or more
    are typed) and their work orders `user` may see, as template context; nothing for a number that is
    not valid (customers/phones.py)."""
    phone = phone_key(phone)
    if not phone:
        return {"lookup_phone": phone, "customer": None, "history": []}
    customer = customer_by_contact(phone=phone)
    history = customer_history(user=user, customer_id=customer.pk) if customer else []
    return {"lookup_phone": phone, "customer": customer, "history": history}


# PostgreSQL plans a query by searching the orders of its joins, and that search grows steeply with
# their number: the work order with its nine relations joined took ~9 ms to plan for a 0.8 ms run
# (docs/benchmarks.md, "Where PostgreSQL's time went"). So one work order is read with the few
# relations that are tables of their own, and the people it names come in one query on users
# (`with_people`); the rare ones (merged into, department complained about) load when shown.
TICKET_PAGE_RELATED = ("customer", "category__parent", "group", "sla_policy")
TICKET_PEOPLE = ("owner", "created_by", "escalated_to", "subject_person")


def with_people(tickets: list[Ticket], fields: tuple[str, ...] = TICKET_PEOPLE) -> list[Ticket]:
    """Fill the people the work orders name (owner, creator, ...) from one query on users."""
    ids = {getattr(t, f"{name}_id") for t in tickets for name in fields} - {None}
    people = User.objects.in_bulk(ids) if ids else {}
    for ticket in tickets:
        for name in fields:
            person = people.get(getattr(ticket, f"{name}_id"))
            if person is not None:
                Ticket._meta.get_field(name).set_cached_value(ticket, person)
    return tickets


def visible_ticket(*, user: User, number: str) -> Ticket | None:
    """The work order with this number, with what its page shows, if `user` may see it; else None
    (pages answer 404 either way, so its existence is not revealed)."""
    ticket = Ticket.objects.select_related(*TICKET_PAGE_RELATED).filter(number=number).first()
    if ticket is None or not permissions.can_view(user, ticket):
        return None
    return with_people([ticket])[0]


def is_department_user(user: User) -> bool:
    return user.role == Role.DEPARTMENT_STAFF
