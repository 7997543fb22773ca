"""SLA clocks on business calendars: start, pause while waiting on the customer, stop, sweep.

A clock holds a budget of working seconds. While it runs, `due_at` is the moment the remaining
budget runs out on its calendar and `next_action_at` is when the sweep must next look at it
(the breach, then each further escalation step); both are indexed so a sweep over a million
open work orders reads only the clocks that are due.
"""

import logging
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from kefu.accounts.models import AgentGroup, Department, User
from kefu.core.calendars import add_business_time, business_time_between, load_calendar
from kefu.core.refcache import RefCache
from kefu.core.rows import insert_many, shallow_copy, update_each
from kefu.tickets.models import Dispatch, SlaClock, SlaPolicy, SlaTarget, Ticket

log = logging.getLogger(__name__)


# Every new work order looks up its policy: the active ones are kept per process (kefu.core.refcache).
active_policies = RefCache(
    "tickets.sla_policies", lambda: list(SlaPolicy.objects.filter(is_active=True).order_by("id"))
).watch(SlaPolicy)


def policy_for(ticket: Ticket) -> SlaPolicy | None:
    """The most specific active policy matching type × severity × customer tier (blank = any)."""
    tier = ticket.customer.tier_id if ticket.customer_id else ""
    best = None
    for policy in active_policies.get():
        if (
            policy.ticket_type in ("", ticket.ticket_type)
            and policy.severity in ("", ticket.severity)
            and policy.customer_tier in ("", tier)
            and (best is None or policy.specificity > best.specificity)
        ):
            best = policy
    return shallow_copy(best) if best is not None else None  # the caller's own, not the shared snapshot


def clock_start(
    *,
    ticket: Ticket,
    target: str,
    now: datetime,
    minutes: int | None = None,
    due_at: datetime | None = None,
    dispatch=None,
    calendar_id: int | None = None,
) -> SlaClock | None:
    """Start one clock, from a budget in working minutes or from an explicit deadline."""
    clock = new_clock(
        ticket=ticket, target=target, now=now, minutes=minutes, due_at=due_at, dispatch=dispatch,
        calendar_id=calendar_id,
    )  # fmt: skip
    if clock is not None:
        clock.save()
    return clock


def clocks_start(*, ticket: Ticket, targets: list[str], now: datetime) -> list[SlaClock]:
    """Start the policy's clocks for `targets` in one INSERT (a new work order starts two)."""
    clocks = [new_clock(ticket=ticket, target=target, now=now) for target in targets]
    return list(insert_many([c for c in clocks if c is not None]))


def new_clock(
    *,
    ticket: Ticket,
    target: str,
    now: datetime,
    minutes: int | None = None,
    due_at: datetime | None = None,
    dispatch=None,
    calendar_id: int | None = None,
) -> SlaClock | None:
    """The clock `target` starting at `now`, unsaved; None when there is no budget to run.

    Its budget: `minutes` of working time, else the time to `due_at` on the calendar, else the
    work order's policy's budget for `target`. Its calendar: `calendar_id`, else the policy's,
    else the default. Its deadline (`due_at`, `next_action_at`) is computed on that calendar.
    Callers save it (clock_start), insert a few at once (clocks_start), or copy its budget and
    deadline to many work orders of one policy started at the same moment (the bulk transition).
    """
    policy = ticket.sla_policy
    calendar_id = calendar_id or (policy.calendar_id if policy else None)
    calendar = load_calendar(calendar_id)
    if due_at is not None:
        budget = int(business_time_between(calendar, now, due_at).total_seconds())
    else:
        minutes = minutes if minutes is not None else (policy.minutes_for(target) if policy else None)
        if not minutes:
            return None
        budget = minutes * 60
        due_at = add_business_time(calendar, now, timedelta(seconds=budget))
    return SlaClock(
        ticket=ticket,
        dispatch=dispatch,
        target=target,
        calendar_id=calendar.id,
        budget_seconds=budget,
        started_at=now,
        running_since=now,
        due_at=due_at,
        next_action_at=due_at,
    )


def _running(ticket: Ticket, targets=None):
    qs = SlaClock.objects.filter(ticket=ticket).exclude(state=SlaClock.State.STOPPED)
    return qs.filter(target__in=targets) if targets else qs


def clocks_stop(*, ticket: Ticket, now: datetime, targets=None, dispatch=None) -> None:
    qs = _running(ticket, targets)
    if dispatch is not None:
        qs = qs.filter(dispatch=dispatch)
    qs.update(state=SlaClock.State.STOPPED, stopped_at=now, next_action_at=None)


def clocks_pause(*, ticket: Ticket, now: datetime) -> None:
    """Waiting on the customer: bank the working time used so far and stop the countdown."""
    for clock in _running(ticket).filter(state=SlaClock.State.RUNNING, dispatch__isnull=True):
        calendar = load_calendar(clock.calendar_id)
        used = int(business_time_between(calendar, clock.running_since, now).total_seconds())
        clock.consumed_seconds = min(clock.budget_seconds, clock.consumed_seconds + used)
        clock.state = SlaClock.State.PAUSED
        clock.running_since = None
        clock.due_at = None
        clock.next_action_at = None if clock.breached_at is None else clock.next_action_at
        clock.save(update_fields=["consumed_seconds", "state", "running_since", "due_at", "next_action_at"])


def clocks_resume(*, ticket: Ticket, now: datetime) -> None:
    for clock in _running(ticket).filter(state=SlaClock.State.PAUSED):
        calendar = load_calendar(clock.calendar_id)
        left = timedelta(seconds=max(0, clock.budget_seconds - clock.consumed_seconds))
        clock.state = SlaClock.State.RUNNING
        clock.running_since = now
        clock.due_at = add_business_time(calendar, now, left)
        if clock.breached_at is None:
            clock.next_action_at = clock.due_at
        clock.save(update_fields=["state", "running_since", "due_at", "next_action_at"])


#: The clocks whose deadline is the customer's promise, the first found wins (see reply_by).
PROMISE_TARGETS = (SlaTarget.RESOLUTION, SlaTarget.FIRST_RESPONSE)


def reply_by(ticket: Ticket, clocks: Iterable[SlaClock] | None = None) -> datetime | None:
    """承诺答复时间, "we will reply by": the one time a work order promises its customer, wherever it
    is told (the portal's confirmation and tracking page, the acknowledgement SMS and email, the
    agents' {promised_time} in scripts and templates). docs/glossary.md names it.

    It is the deadline of the work order's own resolution clock (the fresh one after a reopen): the
    customer is promised an answer to the matter, not our first call back. A policy without a
    resolution budget promises its first-response deadline instead. None ("as soon as possible")
    when neither clock runs: no policy, paused while we wait on the customer, stopped once resolved.

    `clocks`: the clocks ticket_create just started, so the caller need not read them back.
    """
    if clocks is None:
        clocks = SlaClock.objects.filter(
            ticket=ticket, dispatch__isnull=True, target__in=PROMISE_TARGETS
        ).exclude(state=SlaClock.State.STOPPED)
    live = [c for c in clocks if c.dispatch_id is None and c.state != SlaClock.State.STOPPED]
    for target in PROMISE_TARGETS:
        mine = [c for c in live if c.target == target]
        if mine:
            return max(mine, key=lambda c: (c.started_at, c.pk or 0)).due_at  # None while paused
    return None


def clock_status(clock: SlaClock, now: datetime | None = None) -> dict:
    """What the work-order page shows: time left or time overdue (wall clock), and working time left."""
    now = now or timezone.now()
    if clock.state == SlaClock.State.STOPPED:
        return {"state": "missed" if clock.missed else "met", "seconds": 0}
    if clock.state == SlaClock.State.PAUSED:
        return {"state": "paused", "seconds": clock.budget_seconds - clock.consumed_seconds}
    seconds = int((clock.due_at - now).total_seconds())
    return {"state": "running" if seconds >= 0 else "overdue", "seconds": seconds}


def sla_recompute_deadlines(*, since: date) -> int:
    """Recompute the deadlines of running clocks due on or after `since`, after working days changed
    (next year's holidays entered in December, a calendar override edited). Returns how many moved.

    A clock's budget is working time, so its deadline is where the budget left runs out on the
    calendar as it is now. Left alone: breached clocks (their escalation has happened), paused ones
    (they have no deadline until they resume) and dispatch clocks (their deadline is a date the
    agent chose, kept as given).
    """
    midnight = datetime.combine(since, datetime.min.time(), tzinfo=timezone.get_current_timezone())
    clocks = SlaClock.objects.filter(
        state=SlaClock.State.RUNNING, breached_at__isnull=True, dispatch__isnull=True, due_at__gte=midnight
    ).only("pk", "calendar_id", "running_since", "budget_seconds", "consumed_seconds", "due_at")
    rows = []
    for clock in clocks.iterator(chunk_size=2000):
        left = timedelta(seconds=max(0, clock.budget_seconds - clock.consumed_seconds))
        due_at = add_business_time(load_calendar(clock.calendar_id), clock.running_since, left)
        if due_at != clock.due_at:
            rows.append((clock.pk, due_at, due_at))
    if rows:
        update_each(SlaClock, columns=["due_at", "next_action_at"], rows=rows)
    log.info("working days changed from %s: %d SLA deadlines moved", since, len(rows))
    return len(rows)


def days_changed_receiver(sender, *, dates, **kwargs) -> None:
    """Receiver of kefu.core.holidays.days_changed (connected in tickets' AppConfig.ready)."""
    sla_recompute_deadlines(since=min(dates))


def sla_sweep(*, now: datetime | None = None, batch_size: int = 500) -> dict:
    """Mark due clocks breached and escalate them one step; safe to run twice or on two workers.

    Due clocks are claimed a batch at a time under row locks (SKIP LOCKED on PostgreSQL, so two
    workers share the work instead of waiting), handled in memory with the org chart read once per
    sweep, and written back in a few statements per batch. `next_action_at` moves on before the
    commit, so a second run finds nothing left to do; a clock that cannot climb further (top of the
    ladder, policy's highest step) leaves the sweep's view for good.
    """
    from kefu.tickets.services.escalation import Ladder, Writes, escalate_for_breach

    now = now or timezone.now()
    ladder = Ladder()
    refs = _SweepRefs()
    breached = escalated = 0
    last_pk = 0
    while True:
        with transaction.atomic():
            # Keyset pagination by pk: the index on next_action_at finds the due rows; pk order makes
            # every clock come up once per run even while rows change under us.
            clocks = list(
                SlaClock.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("ticket", "dispatch")
                .filter(state=SlaClock.State.RUNNING, next_action_at__lte=now, pk__gt=last_pk)
                .order_by("pk")[:batch_size]
            )
            if not clocks:
                break
            refs.attach(clocks)
            last_pk = clocks[-1].pk
            writes = Writes(now)
            tickets: dict[int, Ticket] = {}
            for clock in clocks:
                # Two clocks of one work order share one instance, so the second sees the first's step.
                clock.ticket = tickets.setdefault(clock.ticket_id, clock.ticket)
                if clock.breached_at is None:
                    clock.breached_at = clock.due_at
                    breached += 1
                    writes.breach(clock)
                climbed = escalate_for_breach(clock=clock, now=now, ladder=ladder, writes=writes)
                escalated += climbed
                clock.next_action_at = _next_step_at(clock) if climbed else None
            writes.flush()
            _save_sweep_fields(clocks)
    return {"breached": breached, "escalated": escalated}


def _save_sweep_fields(clocks: list[SlaClock]) -> None:
    """breached_at, escalation_steps and next_action_at of a batch, in a few statements
    (kefu.core.rows.update_each)."""
    update_each(
        SlaClock,
        columns=["breached_at", "escalation_steps", "next_action_at"],
        rows=[(c.pk, c.breached_at, c.escalation_steps, c.next_action_at) for c in clocks],
    )


class _SweepRefs:
    """What the sweep's routing reads besides the clock and its work order — policies, people,
    groups, departments — each row read once per sweep and shared by every clock that points to it.

    A batch of 500 clocks names a few dozen of them; joining them to every clock built thousands
    of model instances for the same few rows.
    """

    def __init__(self) -> None:
        self._models = {"policy": SlaPolicy, "user": User, "group": AgentGroup, "department": Department}
        self._rows: dict[str, dict] = {name: {} for name in self._models}

    def _load(self, name: str, ids: set) -> dict:
        rows = self._rows[name]
        missing = {i for i in ids if i is not None and i not in rows}
        if missing:
            rows.update(self._models[name].objects.in_bulk(missing))
        return rows

    def attach(self, clocks: list[SlaClock]) -> None:
        tickets = [c.ticket for c in clocks]
        dispatches = [c.dispatch for c in clocks if c.dispatch_id]
        policies = self._load("policy", {t.sla_policy_id for t in tickets})
        groups = self._load("group", {t.group_id for t in tickets})
        departments = self._load("department", {d.department_id for d in dispatches})
        users = self._load(
            "user",
            {t.owner_id for t in tickets}
            | {t.escalated_to_id for t in tickets}
            | {g.leader_id for g in groups.values()}
            | {d.head_id for d in departments.values()},
        )
        for group in groups.values():
            if group.leader_id is not None:
                _GROUP_LEADER.set_cached_value(group, users.get(group.leader_id))
        for department in departments.values():
            if department.head_id is not None:
                _DEPARTMENT_HEAD.set_cached_value(department, users.get(department.head_id))
        for ticket in tickets:
            for field, rows, pk in (
                (_TICKET_POLICY, policies, ticket.sla_policy_id),
                (_TICKET_OWNER, users, ticket.owner_id),
                (_TICKET_ESCALATED_TO, users, ticket.escalated_to_id),
                (_TICKET_GROUP, groups, ticket.group_id),
            ):
                if pk is not None:
                    field.set_cached_value(ticket, rows.get(pk))
        for dispatch in dispatches:
            _DISPATCH_DEPARTMENT.set_cached_value(dispatch, departments.get(dispatch.department_id))


def _field(model, name: str):
    return model._meta.get_field(name)


_TICKET_POLICY = _field(Ticket, "sla_policy")
_TICKET_OWNER = _field(Ticket, "owner")
_TICKET_ESCALATED_TO = _field(Ticket, "escalated_to")
_TICKET_GROUP = _field(Ticket, "group")
_DISPATCH_DEPARTMENT = _field(Dispatch, "department")
_GROUP_LEADER = _field(AgentGroup, "leader")
_DEPARTMENT_HEAD = _field(Department, "head")


def _next_step_at(clock: SlaClock) -> datetime | None:
    policy = clock.ticket.sla_policy
    if policy is None or not policy.escalate_on_breach or not policy.repeat_escalation_minutes:
        return None
    if clock.escalation_steps >= policy.max_escalation_level:
        return None
    calendar = load_calendar(clock.calendar_id)
    overdue = timedelta(minutes=policy.repeat_escalation_minutes * max(1, clock.escalation_steps))
    return add_business_time(calendar, clock.due_at, overdue)
