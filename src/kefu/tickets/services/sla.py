"""SLA clocks on business calendars: start, pause while waiting on the customer, stop, sweep.

A clock holds a budget of working seconds. While it runs, `due_at` is the moment the remaining
budget runs out on its calendar and `next_action_at` is when the sweep must next look at it
(the breach, then each further escalation step); both are indexed so a sweep over a million
open work orders reads only the clocks that are due.
"""

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.core.calendars import add_business_time, business_time_between, load_calendar
from kefu.tickets.models import SlaClock, SlaPolicy, SlaTarget, Ticket, TicketEvent

log = logging.getLogger(__name__)


def policy_for(ticket: Ticket) -> SlaPolicy | None:
    """The most specific active policy matching type × severity × customer tier (blank = any)."""
    tier = ticket.customer.tier if ticket.customer_id else ""
    candidates = SlaPolicy.objects.filter(is_active=True).filter(
        Q(ticket_type="") | Q(ticket_type=ticket.ticket_type),
        Q(severity="") | Q(severity=ticket.severity),
        Q(customer_tier="") | Q(customer_tier=tier),
    )
    best = None
    for policy in candidates.order_by("id"):
        if best is None or policy.specificity > best.specificity:
            best = policy
    return best


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
    return SlaClock.objects.create(
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


def clock_status(clock: SlaClock, now: datetime | None = None) -> dict:
    """What the work-order page shows: time left or time overdue (wall clock), and working time left."""
    now = now or timezone.now()
    if clock.state == SlaClock.State.STOPPED:
        return {"state": "met" if clock.breached_at is None else "missed", "seconds": 0}
    if clock.state == SlaClock.State.PAUSED:
        return {"state": "paused", "seconds": clock.budget_seconds - clock.consumed_seconds}
    seconds = int((clock.due_at - now).total_seconds())
    return {"state": "running" if seconds >= 0 else "overdue", "seconds": seconds}


def sla_sweep(*, now: datetime | None = None, batch_size: int = 500) -> dict:
    """Mark due clocks breached and escalate them one step; safe to run twice or on two workers.

    Each clock is handled at most once per run, in its own transaction under a row lock (SKIP
    LOCKED on PostgreSQL), and `next_action_at` moves on before the commit, so a second run finds
    nothing left to do. A clock that cannot climb further (top of the ladder, policy's highest
    step) leaves the sweep's view for good.
    """
    from kefu.tickets.services.escalation import escalate_for_breach

    now = now or timezone.now()
    breached = escalated = 0
    last_pk = 0
    while True:
        # Keyset pagination by pk: the index on next_action_at finds the due rows; pk order makes
        # every clock come up once per run even while rows change under us.
        ids = list(
            SlaClock.objects.filter(state=SlaClock.State.RUNNING, next_action_at__lte=now, pk__gt=last_pk)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            break
        last_pk = ids[-1]
        for clock_id in ids:
            with transaction.atomic():
                clock = (
                    SlaClock.objects.select_for_update(skip_locked=True, of=("self",))
                    .select_related("ticket", "ticket__sla_policy", "dispatch__department")
                    .filter(pk=clock_id, state=SlaClock.State.RUNNING, next_action_at__lte=now)
                    .first()
                )
                if clock is None:
                    continue  # answered meanwhile, or another worker holds it
                if clock.breached_at is None:
                    clock.breached_at = clock.due_at
                    breached += 1
                    _record_breach(clock, now)
                climbed = escalate_for_breach(clock=clock, now=now)
                escalated += climbed
                clock.next_action_at = _next_step_at(clock) if climbed else None
                clock.save(update_fields=["breached_at", "escalation_steps", "next_action_at"])
    return {"breached": breached, "escalated": escalated}


def _record_breach(clock: SlaClock, now: datetime) -> None:
    from kefu.notify.services import notify

    ticket = clock.ticket
    TicketEvent.objects.create(
        ticket=ticket,
        kind=TicketEvent.Kind.SLA_BREACH,
        actor=None,
        created_at=now,
        note=SlaTarget(clock.target).label,
        data={"target": clock.target, "due_at": clock.due_at.isoformat()},
    )
    # 首问负责制: the owner hears of every breach, including a department's late reply.
    if ticket.owner_id:
        notify(
            users=[ticket.owner],
            ticket=ticket,
            kind="sla_breach",
            title=_("%(number)s: %(target)s overdue")
            % {"number": ticket.number, "target": SlaTarget(clock.target).label},
            body=ticket.title,
        )


def _next_step_at(clock: SlaClock) -> datetime | None:
    policy = clock.ticket.sla_policy
    if policy is None or not policy.escalate_on_breach or not policy.repeat_escalation_minutes:
        return None
    if clock.escalation_steps >= policy.max_escalation_level:
        return None
    calendar = load_calendar(clock.calendar_id)
    overdue = timedelta(minutes=policy.repeat_escalation_minutes * max(1, clock.escalation_steps))
    return add_business_time(calendar, clock.due_at, overdue)
