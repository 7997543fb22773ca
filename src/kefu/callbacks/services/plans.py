"""Callback plans (回访计划) create callback tasks; the periodic sweep runs `callback_plan_generate`.

Idempotent by construction: one task per (plan, work order or customer, period), enforced by a
unique constraint, so the sweep may run twice, late, or on two workers.
"""

from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from kefu.callbacks.models import CallbackPlan, CallbackTask, Satisfaction, Trigger
from kefu.callbacks.selectors import NOT_SATISFIED
from kefu.core.calendars import add_business_time, load_calendar
from kefu.customers.models import Customer
from kefu.tickets.models import Status, Ticket

#: How far back the sweep looks for resolved work orders (a sweep missed for days still catches up).
LOOKBACK = timedelta(days=30)
RESOLVED_STATES = (Status.RESOLVED, Status.AWAITING_CALLBACK)


def due_for(plan: CallbackPlan, start: datetime) -> datetime:
    """`start` plus the plan's due time in working minutes on its business calendar."""
    return add_business_time(load_calendar(plan.calendar_id), start, timedelta(minutes=plan.due_minutes))


def care_period(plan: CallbackPlan, now: datetime) -> str:
    """The care period `now` falls in: p<n>, counting periods of `period_days` from 2000-01-01."""
    days = (timezone.localtime(now).date() - date(2000, 1, 1)).days
    return f"p{days // max(1, plan.period_days)}"


def _resolved_plan(plan: CallbackPlan, now: datetime) -> int:
    from kefu.tickets.services import ticket_transition

    tickets = Ticket.objects.filter(status__in=RESOLVED_STATES, resolved_at__gte=now - LOOKBACK).exclude(
        customer_phone=""
    )
    if plan.ticket_types:
        tickets = tickets.filter(ticket_type__in=plan.ticket_types)
    existing = {
        (key, period): (pk, state)
        for key, period, pk, state in CallbackTask.objects.filter(
            plan=plan, ticket__in=tickets.values("pk")
        ).values_list("subject_key", "period", "pk", "state")
    }
    # The round of each work order (see outcome.current_round) in the same query, not one per row.
    rounds = Satisfaction.objects.filter(NOT_SATISFIED, ticket=OuterRef("pk")).values("ticket")
    tickets = tickets.annotate(round_=Coalesce(Subquery(rounds.annotate(n=Count("id")).values("n")), 0))
    made = 0
    for ticket in tickets.iterator(chunk_size=2000):
        round_ = ticket.round_
        key, period = f"t{ticket.pk}", f"r{round_}"
        found = existing.get((key, period))
        due = due_for(plan, ticket.resolved_at)
        if found is not None:
            pk, state = found
            if state == CallbackTask.State.WAITING_FIX:
                # The follow-up after a "not satisfied": the fix is resolved, now it is due.
                CallbackTask.objects.filter(pk=pk, state=CallbackTask.State.WAITING_FIX).update(
                    state=CallbackTask.State.OPEN, due_at=due, next_attempt_at=None
                )
                made += 1
            continue
        with transaction.atomic():
            _task, created = CallbackTask.objects.get_or_create(
                plan=plan,
                subject_key=key,
                period=period,
                defaults={
                    "ticket": ticket,
                    "customer_id": ticket.customer_id,
                    "round": round_,
                    "phone": ticket.customer_phone,
                    "name": ticket.customer_name,
                    "due_at": due,
                    "created_at": now,
                },
            )
            if created:
                made += 1
                if ticket.status == Status.RESOLVED:
                    ticket_transition(ticket=ticket, action="request_callback", by=None, now=now)
    return made


def _service_plan(plan: CallbackPlan, now: datetime) -> int:
    """After an order or a service: the first call due `due_minutes` after it was resolved, then one
    call every `period_days` days, `visits` calls in all. The work order's state is left alone."""
    span = timedelta(days=plan.period_days * max(0, plan.visits - 1))
    tickets = (
        Ticket.objects.filter(resolved_at__gte=now - LOOKBACK - span)
        .exclude(status__in=(Status.MERGED, Status.CANCELLED))
        .exclude(customer_phone="")
    )
    if plan.ticket_types:
        tickets = tickets.filter(ticket_type__in=plan.ticket_types)
    existing = CallbackTask.objects.filter(plan=plan)
    before = existing.count()
    batch: list[CallbackTask] = []
    rows = tickets.values_list("pk", "customer_id", "customer_phone", "customer_name", "resolved_at")
    for pk, customer_id, phone, name, resolved_at in rows.iterator(chunk_size=2000):
        for visit in range(plan.visits):
            start = resolved_at + timedelta(days=plan.period_days * visit)
            if start > now:
                break
            batch.append(
                CallbackTask(
                    plan=plan, ticket_id=pk, customer_id=customer_id, subject_key=f"t{pk}", period=f"v{visit}",
                    phone=phone, name=name, due_at=due_for(plan, start), created_at=now,
                )
            )  # fmt: skip
        if len(batch) >= 2000:
            CallbackTask.objects.bulk_create(batch, ignore_conflicts=True)
            batch = []
    if batch:
        CallbackTask.objects.bulk_create(batch, ignore_conflicts=True)
    return existing.count() - before


def _care_plan(plan: CallbackPlan, now: datetime) -> int:
    period = care_period(plan, now)
    due = due_for(plan, now)
    customers = Customer.objects.filter(tier__in=plan.customer_tiers or ["__none__"])
    existing = CallbackTask.objects.filter(plan=plan, period=period)
    before = existing.count()
    batch: list[CallbackTask] = []
    for customer in customers.prefetch_related("phones").iterator(chunk_size=2000):
        phone = customer.primary_phone
        if not phone:
            continue
        batch.append(
            CallbackTask(
                plan=plan, customer=customer, subject_key=f"c{customer.pk}", period=period, phone=phone,
                name=customer.name, due_at=due, created_at=now,
            )
        )  # fmt: skip
        if len(batch) >= 2000:
            CallbackTask.objects.bulk_create(batch, ignore_conflicts=True)
            batch = []
    if batch:
        # ignore_conflicts: the unique (plan, customer, period) keeps a second sweep from doubling.
        CallbackTask.objects.bulk_create(batch, ignore_conflicts=True)
    return existing.count() - before


def callback_plan_generate(*, plan: CallbackPlan, now: datetime | None = None) -> int:
    """Create the plan's due callback tasks (生成回访任务); returns how many were created or released.

    After resolution: one task per resolved work order and round, due `due_minutes` working minutes
    after it was resolved on the plan's calendar; the work order moves to "awaiting callback".
    A follow-up waiting for a fix becomes due once the work order is resolved again.
    After a service: a first call, then one per period (`visits` in all), per work order.
    Periodic care: one task per customer of the plan's tiers and period.
    """
    now = now or timezone.now()
    if not plan.is_active:
        return 0
    if plan.trigger == Trigger.RESOLVED:
        return _resolved_plan(plan, now)
    if plan.trigger == Trigger.SERVICE:
        return _service_plan(plan, now)
    if plan.trigger == Trigger.CARE:
        return _care_plan(plan, now)
    return 0


def callback_plans_generate(*, now: datetime | None = None) -> int:
    """Every active plan, one after another (the periodic task)."""
    return sum(callback_plan_generate(plan=p, now=now) for p in CallbackPlan.objects.filter(is_active=True))
