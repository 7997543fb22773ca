"""Callback plans (回访计划) create callback tasks; the periodic sweep runs `callback_plan_generate`.

Idempotent by construction: one task per (plan, work order or customer, period), enforced by a
unique constraint, so the sweep may run twice, late, or on two workers.
"""

from datetime import date, datetime, time, timedelta

from django.db import connection, transaction
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from kefu.callbacks.models import CallbackPlan, CallbackTask, Contract, Satisfaction, Trigger
from kefu.callbacks.selectors import NOT_SATISFIED
from kefu.core.calendars import add_business_time, load_calendar
from kefu.core.rows import insert_rows
from kefu.customers.models import Customer, CustomerPhone
from kefu.customers.rfm import current_segment_members_sql
from kefu.tickets.models import Status, Ticket

#: How far back the sweep looks for resolved work orders (a sweep missed for days still catches up).
LOOKBACK = timedelta(days=30)
RESOLVED_STATES = (Status.RESOLVED, Status.AWAITING_CALLBACK)
BATCH = 2000


def due_for(plan: CallbackPlan, start: datetime) -> datetime:
    """`start` plus the plan's due time in working minutes on its business calendar."""
    return add_business_time(load_calendar(plan.calendar_id), start, timedelta(minutes=plan.due_minutes))


def care_period(plan: CallbackPlan, now: datetime) -> str:
    """The care period `now` falls in: p<n>, counting periods of `period_days` from 2000-01-01."""
    days = (timezone.localtime(now).date() - date(2000, 1, 1)).days
    return f"p{days // max(1, plan.period_days)}"


def _resolved_plan(plan: CallbackPlan, now: datetime) -> int:
    """Tasks in batches (INSERT ... ON CONFLICT DO NOTHING through bulk_create), each batch's work
    orders moved to "awaiting callback" by the ticket services' bulk transition in the same
    transaction. A work order being edited at that moment is skipped and met again next run."""
    # Resolved by `now`: a sweep run for a moment in the past (kefu.demo replays a month) sees only
    # what was resolved by then.
    tickets = Ticket.objects.filter(
        status__in=RESOLVED_STATES, resolved_at__gte=now - LOOKBACK, resolved_at__lte=now
    ).exclude(customer_phone="")
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
    rows = tickets.annotate(
        round_=Coalesce(Subquery(rounds.annotate(n=Count("id")).values("n")), 0)
    ).values_list("pk", "customer_id", "customer_phone", "customer_name", "resolved_at", "status", "round_")
    made = 0
    batch: list[tuple] = []  # (ticket id, customer id, subject key, period, round, phone, name, due)
    to_move: list[int] = []
    for pk, customer_id, phone, name, resolved_at, status, round_ in rows.iterator(chunk_size=BATCH):
        key, period = f"t{pk}", f"r{round_}"
        found = existing.get((key, period))
        if found is not None:
            task_pk, state = found
            if state == CallbackTask.State.WAITING_FIX:
                # The follow-up after a "not satisfied": the fix is resolved, now it is due.
                made += CallbackTask.objects.filter(pk=task_pk, state=CallbackTask.State.WAITING_FIX).update(
                    state=CallbackTask.State.OPEN, due_at=due_for(plan, resolved_at), next_attempt_at=None
                )
                state = CallbackTask.State.OPEN
            if state == CallbackTask.State.OPEN and status == Status.RESOLVED:
                to_move.append(pk)  # its task is due but the work order has not moved yet
            continue
        batch.append((pk, customer_id, key, period, round_, phone, name, due_for(plan, resolved_at)))
        if status == Status.RESOLVED:
            to_move.append(pk)
        if len(batch) >= BATCH or len(to_move) >= BATCH:
            made += _write_batch(plan, batch, to_move, now)
            batch, to_move = [], []
    if batch or to_move:
        made += _write_batch(plan, batch, to_move, now)
    return made


@transaction.atomic
def _write_batch(plan: CallbackPlan, batch: list[tuple], to_move: list[int], now: datetime) -> int:
    """One batch's tasks, and its resolved work orders moved to "awaiting callback", together.

    A work order someone holds locked at this moment (saving an edit) is left out of both: the task
    row's reference to it would wait for that lock, and the next sweep meets it again anyway.
    """
    from kefu.core.rows import pk_in
    from kefu.tickets.services import tickets_transition_bulk

    wanted = sorted({row[0] for row in batch} | set(to_move))
    locking = Ticket.objects.select_for_update(skip_locked=True, of=("self",))
    free = set(locking.filter(pk_in(locking, wanted)).values_list("pk", flat=True))
    made = _insert(plan, [row for row in batch if row[0] in free], now)
    tickets_transition_bulk(
        ticket_ids=[pk for pk in to_move if pk in free], action="request_callback", by=None, now=now
    )
    return made


def _insert(plan: CallbackPlan, batch: list[tuple], now: datetime) -> int:
    """Insert the batch's tasks in one statement, skipping those another sweep already wrote (the
    unique plan × subject × period); returns how many were new.

    Plain tuples, not model instances: Django's per-field preparation of a few thousand rows costs
    more than the database's work (kefu.core.rows.insert_rows).
    """
    return insert_rows(
        CallbackTask,
        columns=["ticket_id", "customer_id", "subject_key", "period", "round", "phone", "name", "due_at"],
        rows=batch,
        fixed={
            "plan_id": plan.pk,
            "state": CallbackTask.State.OPEN.value,
            "attempt_count": 0,
            "outcome": "",
            "created_at": now,
        },
        unique=["plan_id", "subject_key", "period"],
    )


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


#: Each customer's first recorded phone, grouped once (portable SQL): cheaper than a MIN() subquery
#: per customer.
FIRST_PHONES = "SELECT customer_id, MIN(id) AS id FROM {phone} GROUP BY customer_id"


def _care_plan(plan: CallbackPlan, now: datetime) -> int:
    """One task per customer of the plan's tiers (with a phone: the first one recorded) and period.

    A plan naming RFM segments takes the customers whose current segment (the latest RFM snapshot,
    kefu.customers.rfm) is one of them; naming tiers and segments, the customers in both. A plan
    naming neither calls nobody.

    One INSERT ... SELECT ... ON CONFLICT DO NOTHING (SQLite and PostgreSQL): a million customers
    never pass through Python, and the unique (plan, subject_key, period) makes a rerun a no-op.
    The customers already called this period are left out before the insert (NOT EXISTS), so the
    rerun every few minutes reads the index instead of attempting a million conflicting inserts.
    """
    tiers = list(plan.customer_tiers or [])
    segments = list(plan.rfm_segments or [])
    if not (tiers or segments):
        return 0
    who, who_params = [], []
    if tiers:
        who.append(f"c.tier IN ({', '.join(['%s'] * len(tiers))})")
        who_params.extend(tiers)
    if segments:
        members, members_params = current_segment_members_sql(segments)
        who.append(f"c.id IN ({members})")
        who_params.extend(members_params)
    period = care_period(plan, now)
    due = due_for(plan, now)
    task = CallbackTask._meta.db_table
    customer = Customer._meta.db_table
    phone = CustomerPhone._meta.db_table
    ops = connection.ops
    sql = f"""
        INSERT INTO {task} (plan_id, customer_id, subject_key, period, round, state, phone, name, due_at,
                            attempt_count, outcome, created_at)
        SELECT %s, c.id, 'c' || CAST(c.id AS TEXT), %s, 0, %s, p.number, c.name, %s, 0, '', %s
        FROM {customer} c
        JOIN ({FIRST_PHONES.format(phone=phone)}) fp ON fp.customer_id = c.id
        JOIN {phone} p ON p.id = fp.id
        WHERE {" AND ".join(who)}
          AND NOT EXISTS (SELECT 1 FROM {task} t WHERE t.plan_id = %s AND t.period = %s
                          AND t.subject_key = 'c' || CAST(c.id AS TEXT))
        ON CONFLICT (plan_id, subject_key, period) DO NOTHING
    """
    params = [
        plan.pk,
        period,
        CallbackTask.State.OPEN,
        ops.adapt_datetimefield_value(due),
        ops.adapt_datetimefield_value(now),
        *who_params,
        plan.pk,
        period,
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return max(cursor.rowcount, 0)


def _expiry_plan(plan: CallbackPlan, now: datetime) -> int:
    """Before a contract or service expires: one call per active contract and end date, once the end
    date is `days_before` days away (the customer's tiers filtered by the plan's, when it names any).

    Due `due_minutes` working minutes after the window opened (or after now, for a plan switched on
    late), and never after the contract's last day. A renewed contract (a new end date) gets a new
    call; an expired one, none.
    """
    today = timezone.localdate(now)
    first_phone = (
        CustomerPhone.objects.filter(customer=OuterRef("customer_id")).order_by("id").values("number")
    )
    contracts = Contract.objects.filter(
        is_active=True, expires_on__gte=today, expires_on__lte=today + timedelta(days=plan.days_before)
    ).annotate(first_phone=Subquery(first_phone[:1]))
    if plan.customer_tiers:
        contracts = contracts.filter(customer__tier__in=plan.customer_tiers)
    rows = contracts.values_list("pk", "customer_id", "customer__name", "phone", "first_phone", "expires_on")
    existing = CallbackTask.objects.filter(plan=plan)
    before = existing.count()
    batch: list[CallbackTask] = []
    for pk, customer_id, name, phone, first, expires_on in rows.iterator(chunk_size=BATCH):
        if not (phone or first):
            continue  # nobody to call
        opens = _local_midnight(expires_on - timedelta(days=plan.days_before))
        due = min(due_for(plan, max(opens, now)), _local_midnight(expires_on + timedelta(days=1)))
        batch.append(
            CallbackTask(
                plan=plan, customer_id=customer_id, contract_id=pk, subject_key=f"k{pk}",
                period=f"e{expires_on:%Y-%m-%d}", phone=phone or first, name=name, due_at=due, created_at=now,
            )
        )  # fmt: skip
        if len(batch) >= BATCH:
            CallbackTask.objects.bulk_create(batch, ignore_conflicts=True)
            batch = []
    if batch:
        CallbackTask.objects.bulk_create(batch, ignore_conflicts=True)
    return existing.count() - before


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def callback_plan_generate(*, plan: CallbackPlan, now: datetime | None = None) -> int:
    """Create the plan's due callback tasks (生成回访任务); returns how many were created or released.

    After resolution: one task per resolved work order and round, due `due_minutes` working minutes
    after it was resolved on the plan's calendar; the work order moves to "awaiting callback".
    A follow-up waiting for a fix becomes due once the work order is resolved again.
    After a service: a first call, then one per period (`visits` in all), per work order.
    Periodic care: one task per customer of the plan's tiers (or RFM segments) and period.
    Before an expiry: one task per contract and end date, from `days_before` days before it.
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
    if plan.trigger == Trigger.EXPIRY:
        return _expiry_plan(plan, now)
    return 0


def callback_plans_generate(*, now: datetime | None = None) -> int:
    """Every active plan, one after another (the periodic task)."""
    return sum(callback_plan_generate(plan=p, now=now) for p in CallbackPlan.objects.filter(is_active=True))
