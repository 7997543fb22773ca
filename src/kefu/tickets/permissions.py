"""Who may see and touch which work order. Services call these; views never decide alone.

The checks that need a person's agent groups take an optional `access` (an `Access` snapshot of
those groups, built once for a request that asks many times); without it they read the groups.
"""

import copy
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from kefu.accounts.models import OVERSIGHT_ROLES, AgentGroup, Role, User
from kefu.core.refcache import RefCache


def is_recused(ticket, user: User | None) -> bool:
    """回避: the person a complaint is about neither sees nor handles it (not even as a lead or the
    head of the department it is sent to); the one above them receives it instead."""
    return user is not None and ticket.subject_person_id is not None and ticket.subject_person_id == user.pk


def recusal_filter(user: User) -> Q:
    """The work orders `user` is not recused from, as a Q on Ticket (is_recused for a query)."""
    return ~Q(subject_person_id=user.pk)


def is_owner_or_lead(ticket, user: User | None) -> bool:
    if is_recused(ticket, user):
        return False
    return user is not None and (user.is_lead or (ticket.owner_id is not None and ticket.owner_id == user.pk))


@dataclass(frozen=True)
class Access:
    """One person's agent groups, read once and passed explicitly to the checks of one request
    (the workspace asks six queues of one person; recording through the API asks the new work
    order's group and the actions its answer offers). Build it with `Access.of`."""

    user_id: int
    groups: tuple[AgentGroup, ...]

    @property
    def group_ids(self) -> list[int]:
        return [g.pk for g in self.groups]

    @classmethod
    def of(cls, user: User, *, cached: bool = False) -> "Access":
        """`user`'s groups now, lowest id first. `cached`: from the per-process snapshot of
        memberships (at most refcache.CACHE_SECONDS old in another process than the one that
        changed them) instead of a query."""
        if cached:
            groups = tuple(copy.copy(g) for g in memberships.get().get(user.pk, ()))
        else:
            groups = tuple(user.agent_groups.order_by("id"))
        return cls(user_id=user.pk, groups=groups)

    def of_user(self, user: User) -> "Access | None":
        """Itself if it is `user`'s snapshot; None (read the groups) for anyone else."""
        return self if user.pk == self.user_id else None


def _mine(access: Access | None, user: User) -> Access | None:
    return access.of_user(user) if access is not None else None


def in_ticket_group(ticket, user: User, access: Access | None = None) -> bool:
    if ticket.group_id is None:
        return True  # not routed to a group yet: any agent may take it
    access = _mine(access, user)
    if access is not None:
        return ticket.group_id in access.group_ids
    return user.agent_groups.filter(pk=ticket.group_id).exists()


def is_department_member_for(ticket, user: User) -> bool:
    """Department staff (or the head) of a department this work order was dispatched to."""
    if user.department_id is None or is_recused(ticket, user):
        return False
    return ticket.dispatches.filter(department_id=user.department_id).exists()


def agent_group_ids(user: User, access: Access | None = None) -> list[int]:
    """The user's agent groups: from `access` if given, else read."""
    access = _mine(access, user)
    if access is not None:
        return access.group_ids
    return list(user.agent_groups.values_list("pk", flat=True))


def _load_memberships() -> dict[int, list[AgentGroup]]:
    groups = {g.pk: g for g in AgentGroup.objects.all()}
    members: dict[int, list[AgentGroup]] = {}
    rows = AgentGroup.members.through.objects.order_by("agentgroup_id").values_list(
        "user_id", "agentgroup_id"
    )
    for user_id, group_id in rows:
        if group_id in groups:  # a group created between the two reads comes with the next load
            members.setdefault(user_id, []).append(groups[group_id])
    return members


# Who is in which agent group, for recording work orders through the API (the group a new work
# order goes to, and the actions its answer offers): kept per process (kefu.core.refcache).
memberships = (
    RefCache("accounts.agent_group_members", _load_memberships)
    .watch(AgentGroup)
    .watch_m2m(AgentGroup.members.through)
)


def first_agent_group(user: User, access: Access | None = None):
    """The user's first agent group (lowest id), where their new work orders go; None if none."""
    access = _mine(access, user)
    if access is not None:
        return copy.copy(access.groups[0]) if access.groups else None
    return user.agent_groups.order_by("id").first()


def visibility_filter(user: User, access: Access | None = None) -> Q:
    """The rows a user may see, as a Q on Ticket. An agent sees their own, their groups' and
    unrouted work; department staff see only what was dispatched to their department; nobody sees
    a complaint about themselves (is_recused)."""
    if not user.is_active:
        return Q(pk__in=[])
    if user.is_superuser or user.role in OVERSIGHT_ROLES:
        return recusal_filter(user)
    if user.role == Role.DEPARTMENT_STAFF:
        if user.department_id is None:
            return Q(pk__in=[])
        return Q(dispatches__department_id=user.department_id) & recusal_filter(user)
    group_ids = agent_group_ids(user, access)
    mine = Q(owner=user) | Q(group_id__in=group_ids) | Q(group__isnull=True) | Q(escalated_to=user)
    return mine & recusal_filter(user)


def visible_tickets(user: User, queryset: QuerySet | None = None, access: Access | None = None) -> QuerySet:
    from kefu.tickets.models import Ticket

    qs = Ticket.objects.all() if queryset is None else queryset
    q = visibility_filter(user, access)
    if user.role == Role.DEPARTMENT_STAFF:
        # A join on dispatches can repeat a row; filter through a subquery instead.
        from kefu.tickets.models import Dispatch

        return qs.filter(
            recusal_filter(user),
            pk__in=Dispatch.objects.filter(department_id=user.department_id).values("ticket_id"),
        )
    return qs.filter(q)


def can_view(user: User, ticket, access: Access | None = None) -> bool:
    if not user.is_active or is_recused(ticket, user):
        return False
    if user.is_superuser or user.role in OVERSIGHT_ROLES:
        return True
    if user.role == Role.DEPARTMENT_STAFF:
        return is_department_member_for(ticket, user)
    return (
        ticket.owner_id == user.pk
        or ticket.escalated_to_id == user.pk
        or in_ticket_group(ticket, user, access)
    )


def can_edit(user: User, ticket, access: Access | None = None) -> bool:
    """Edit the register's fields: the owner, or a lead; an unowned ticket by agents of its group."""
    if not user.is_active or not user.is_center_staff or is_recused(ticket, user):
        return False
    if user.is_lead or ticket.owner_id == user.pk:
        return True
    return ticket.owner_id is None and in_ticket_group(ticket, user, access)
