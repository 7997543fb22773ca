"""One lifecycle transition for many work orders at once (批量流转), for sweeps that meet thousands.

`tickets_transition_bulk` does what `ticket_transition` does for each work order — the state
machine's guard, the status, a version bump, one timeline event, the effects the transition
declares (workflow.Effects: clocks stopped and started, timestamps set or cleared, the owner) — but
a batch at a time, in a few statements per batch instead of a few per work order. It performs
every transition whose declarations allow it (workflow.BULK_ACTIONS: no note, no service of its
own, no effect that needs each work order on its own); the rest go one at a time.

A work order someone is editing at that moment (its row locked) is skipped, not waited for and not
overwritten: the caller's next run meets it again. So is one whose status changed meanwhile (the
guard refuses it). Running twice does nothing the second time: the work orders have left the
transition's source states.
"""

from collections.abc import Iterable
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from kefu.accounts.models import User
from kefu.core.errors import DomainError
from kefu.core.rows import pk_in
from kefu.tickets import permissions, workflow
from kefu.tickets.models import SlaClock, Ticket, TicketEvent
from kefu.tickets.permissions import Access
from kefu.tickets.services import sla
from kefu.tickets.timeline import announce

BATCH_SIZE = 2000


def tickets_transition_bulk(
    *,
    ticket_ids: Iterable[int],
    action: str,
    by: User | None,
    now: datetime | None = None,
    batch_size: int = BATCH_SIZE,
) -> list[int]:
    """Perform `action` on every work order of `ticket_ids` the state machine allows; return the ids moved.

    Each batch is one transaction: the rows are locked (SKIP LOCKED on PostgreSQL: a row another
    transaction holds is left for the next run), each is checked by workflow.check exactly as
    `ticket_transition` checks it, and those allowed get the new status and version with the
    declared fields (one UPDATE, in SQL so a concurrent version check stays honest), one timeline
    event each, and the declared clocks stopped and started (on each work order's business calendar).
    The timeline announces the events (kefu.tickets.timeline).

    Refuses (ValueError) an action outside workflow.BULK_ACTIONS; a work order the guard refuses is
    skipped, not an error.
    """
    if action not in workflow.BULK_ACTIONS:
        # A caller's mistake, not a person's: no translated message.
        raise ValueError(f"{action!r} cannot be performed in bulk; use ticket_transition")
    now = now or timezone.now()
    ids = sorted(set(ticket_ids))
    access = permissions.Access.of(by) if by is not None else None  # the person's groups, read once
    moved: list[int] = []
    for start in range(0, len(ids), batch_size):
        moved += _batch(ids[start : start + batch_size], action, by, access, now)
    return moved


@transaction.atomic
def _batch(ids: list[int], action: str, by: User | None, access: Access | None, now: datetime) -> list[int]:
    sources = {s for (s, a) in workflow.BY_KEY if a == action}
    locking = Ticket.objects.select_for_update(skip_locked=True, of=("self",))
    rows = list(locking.filter(pk_in(locking, ids), status__in=sources).order_by("pk"))
    allowed: list[tuple[Ticket, workflow.Transition]] = []
    for ticket in rows:
        try:
            allowed.append((ticket, workflow.check(ticket, action, by, access)))
        except DomainError:  # the guard refuses this one (not this person's work order)
            continue
    if not allowed:
        return []
    moved: list[Ticket] = []
    # Every (source, target) pair once: one UPDATE and one INSERT ... SELECT each, whatever the batch size.
    by_step: dict[tuple[str, str], list[Ticket]] = {}
    for ticket, transition in allowed:
        by_step.setdefault((ticket.status, transition.target), []).append(ticket)
    effects = workflow.BY_ACTION[action].effects
    events: list[TicketEvent] = []
    for (source, target), tickets in by_step.items():
        _update(tickets, effects, target=target, by=by, now=now)
        events += _events(
            tickets, action=action, kind=effects.event, source=source, target=target, by=by, now=now
        )
        moved += tickets
    if effects.stops:
        _stop_clocks(moved, effects.stops, now)
    for clock_target in effects.starts:
        _start_clocks(moved, clock_target, now)
    announce(events)
    return sorted(t.pk for t in moved)


def _in(pks: list[int]) -> str:
    return ", ".join(str(int(pk)) for pk in pks)


def _update(
    tickets: list[Ticket], effects: workflow.Effects, *, target: str, by: User | None, now: datetime
) -> None:
    """The new status, version and declared fields of work orders moving alike, in one UPDATE.

    In SQL (version + 1), so a person's concurrent version check stays honest; the ids inline
    (integers): a few thousand placeholders cost the driver more than the statement.
    """
    adapt = connection.ops.adapt_datetimefield_value
    assignments, params = ["status = %s", "version = version + 1", "updated_at = %s"], [target, adapt(now)]
    if effects.owner_if_unset and by is not None:
        assignments.append("owner_id = COALESCE(owner_id, %s)")
        params.append(by.pk)
    for field in effects.sets_now:
        assignments.append(f"{Ticket._meta.get_field(field).column} = %s")
        params.append(adapt(now))
    for field in effects.clears:
        assignments.append(f"{Ticket._meta.get_field(field).column} = NULL")
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Ticket._meta.db_table} SET {', '.join(assignments)} "
            f"WHERE id IN ({_in([t.pk for t in tickets])})",
            params,
        )
    for ticket in tickets:
        ticket.status, ticket.version, ticket.updated_at = target, ticket.version + 1, now
        if effects.owner_if_unset and ticket.owner_id is None and by is not None:
            ticket.owner = by
        for field in effects.sets_now:
            setattr(ticket, field, now)
        for field in effects.clears:
            setattr(ticket, field, None)


def _stop_clocks(tickets: list[Ticket], stops: tuple[str, ...], now: datetime) -> None:
    """Stop the declared clocks of every work order moved, as sla.clocks_stop does for one."""
    sql = (
        f"UPDATE {SlaClock._meta.db_table} SET state = %s, stopped_at = %s, next_action_at = NULL "
        f"WHERE ticket_id IN ({_in([t.pk for t in tickets])}) AND state <> %s"
    )
    stopped = SlaClock.State.STOPPED
    params = [stopped, connection.ops.adapt_datetimefield_value(now), stopped]
    if stops != workflow.EVERY_CLOCK:
        sql += f" AND target IN ({', '.join(['%s'] * len(stops))})"
        params += list(stops)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _events(
    tickets: list[Ticket], *, action: str, kind: str, source: str, target: str, by: User | None, now: datetime
) -> list[TicketEvent]:
    """One transition event per work order, written by one INSERT ... SELECT over their ids.

    The events come back (RETURNING, both databases) as instances with their work order attached,
    for the timeline's listeners.
    """
    table, tickets_table = TicketEvent._meta.db_table, Ticket._meta.db_table
    created_at = connection.ops.adapt_datetimefield_value(now)
    data = TicketEvent._meta.get_field("data").get_db_prep_save({}, connection)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (ticket_id, kind, action, from_status, to_status, actor_id, note, data, "
            f"created_at) SELECT id, %s, %s, %s, %s, %s, '', %s, %s FROM {tickets_table} "
            f"WHERE id IN ({_in([t.pk for t in tickets])}) RETURNING id, ticket_id",
            [kind, action, source, target, by.pk if by else None, data, created_at],
        )
        ids = dict((ticket_id, pk) for pk, ticket_id in cursor.fetchall())
    events = []
    for ticket in tickets:
        event = TicketEvent(
            id=ids[ticket.pk], ticket=ticket, kind=kind, action=action,
            from_status=source, to_status=target, actor=by, note="", data={}, created_at=now,
        )  # fmt: skip
        event._state.adding = False
        events.append(event)
    return events


def _start_clocks(tickets: list[Ticket], target: str, now: datetime) -> None:
    """The clock each work order's policy starts for `target`, as sla.clock_start starts it.

    Started at the same moment, work orders of one policy share the deadline: it is computed on the
    calendar once per policy, and the clocks of each policy are written by one INSERT ... SELECT.
    """
    by_policy: dict[int | None, list[Ticket]] = {}
    for ticket in tickets:
        by_policy.setdefault(ticket.sla_policy_id, []).append(ticket)
    table, tickets_table = SlaClock._meta.db_table, Ticket._meta.db_table
    adapt = connection.ops.adapt_datetimefield_value
    for group in by_policy.values():
        clock = sla.new_clock(ticket=group[0], target=target, now=now)
        if clock is None:  # the policy sets no budget for this target
            continue
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (ticket_id, dispatch_id, target, calendar_id, state, budget_seconds, "
                "consumed_seconds, started_at, running_since, due_at, next_action_at, stopped_at, "
                f"breached_at, escalation_steps) SELECT id, NULL, %s, %s, %s, %s, 0, %s, %s, %s, %s, NULL, "
                f"NULL, 0 FROM {tickets_table} WHERE id IN ({_in([t.pk for t in group])})",
                [
                    clock.target, clock.calendar_id, SlaClock.State.RUNNING, clock.budget_seconds,
                    adapt(now), adapt(now), adapt(clock.due_at), adapt(clock.next_action_at),
                ],
            )  # fmt: skip
