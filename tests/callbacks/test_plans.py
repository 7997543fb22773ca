"""Callback plans create tasks idempotently, due on the business calendar."""

import threading
from datetime import date, timedelta

import pytest
from django.db import connection, transaction

from kefu.callbacks.models import CallbackPlan, CallbackTask, Contract, Score, Trigger
from kefu.callbacks.services import callback_plan_generate, satisfaction_record
from kefu.customers.models import CustomerPhone
from kefu.tickets.models import SlaClock, SlaTarget, Status, Ticket
from tests.callbacks.conftest import plan_org, resolved_complaint
from tests.factories import CustomerFactory, aware
from tests.tickets.helpers import MONDAY_9, perform

FRIDAY_17 = aware(2026, 11, 27, 17, 0)


def test_resolved_complaint_gets_one_task_however_often_the_sweep_runs(org):
    ticket = resolved_complaint(org)
    assert callback_plan_generate(plan=org.plan, now=MONDAY_9 + timedelta(minutes=5)) == 1
    assert callback_plan_generate(plan=org.plan, now=MONDAY_9 + timedelta(minutes=10)) == 0
    task = CallbackTask.objects.get()
    assert (task.ticket, task.period, task.state) == (ticket, "r0", CallbackTask.State.OPEN)
    ticket.refresh_from_db()
    assert ticket.status == Status.AWAITING_CALLBACK


def test_a_sweep_for_a_past_moment_leaves_what_was_resolved_after_it(org):
    """kefu.demo replays a month of sweeps: each sees only the work orders resolved by its `now`."""
    later = resolved_complaint(org, now=MONDAY_9 + timedelta(hours=3))
    assert callback_plan_generate(plan=org.plan, now=MONDAY_9 + timedelta(hours=1)) == 0
    later.refresh_from_db()
    assert later.status == Status.RESOLVED
    assert callback_plan_generate(plan=org.plan, now=MONDAY_9 + timedelta(hours=4)) == 1


def test_due_time_counts_working_hours_only(org):
    # Resolved Friday 17:00; 24 working hours on 09:00–18:00 weekdays: 1 h Friday, 9 h Monday,
    # 9 h Tuesday, 5 h Wednesday → Wednesday 2026-12-02 14:00.
    resolved_complaint(org, now=FRIDAY_17)
    callback_plan_generate(plan=org.plan, now=FRIDAY_17)
    assert CallbackTask.objects.get().due_at == aware(2026, 12, 2, 14, 0)


def test_other_types_are_left_to_their_own_plans(org):
    resolved_complaint(org, ticket_type="consultation")
    assert callback_plan_generate(plan=org.plan, now=MONDAY_9) == 0


def test_followup_becomes_due_once_the_fix_is_resolved(org):
    ticket = resolved_complaint(org)
    callback_plan_generate(plan=org.plan, now=MONDAY_9)
    satisfaction_record(ticket=ticket, score=Score.DISSATISFIED, source="survey", by=None, now=MONDAY_9)
    callback_plan_generate(plan=org.plan, now=MONDAY_9)
    followup = CallbackTask.objects.get(period="r1")
    assert followup.state == CallbackTask.State.WAITING_FIX
    perform(org, ticket, "resolve", now=MONDAY_9 + timedelta(hours=2))
    assert callback_plan_generate(plan=org.plan, now=MONDAY_9 + timedelta(hours=2)) == 1
    followup.refresh_from_db()
    assert followup.state == CallbackTask.State.OPEN
    # 24 working hours after Monday 11:00: 7 h Monday, 9 h Tuesday, 8 h Wednesday → Wednesday 17:00.
    assert followup.due_at == aware(2026, 11, 25, 17, 0)
    assert CallbackTask.objects.count() == 2


def test_care_plan_calls_each_customer_of_the_tier_once_per_period(org):
    gold = CustomerFactory(tier_id="A")
    CustomerPhone.objects.create(customer=gold, number="13900000001")
    plain = CustomerFactory(tier_id="C")
    CustomerPhone.objects.create(customer=plain, number="13900000002")
    CustomerFactory(tier_id="A")  # no phone: nobody to call
    plan = CallbackPlan.objects.create(
        name="VIP 关怀", trigger=Trigger.CARE, customer_tiers=["A"], period_days=30,
        script=org.plan.script, team=org.team,
    )  # fmt: skip
    assert callback_plan_generate(plan=plan, now=MONDAY_9) == 1
    assert callback_plan_generate(plan=plan, now=MONDAY_9 + timedelta(days=1)) == 0
    task = CallbackTask.objects.get(plan=plan)
    assert (task.customer, task.phone, task.subject_key) == (gold, "13900000001", f"c{gold.pk}")
    later = MONDAY_9 + timedelta(days=31)
    assert callback_plan_generate(plan=plan, now=later) == 1


def test_service_plan_calls_on_the_day_then_every_period(org):
    plan = CallbackPlan.objects.create(
        name="维修回访", trigger=Trigger.SERVICE, ticket_types=["repair"], period_days=30, visits=2,
        due_minutes=4 * 60, script=org.plan.script, team=org.team,
    )  # fmt: skip
    ticket = resolved_complaint(org, ticket_type="repair")
    assert callback_plan_generate(plan=plan, now=MONDAY_9) == 1
    first = CallbackTask.objects.get(plan=plan)
    assert (first.period, first.due_at) == ("v0", aware(2026, 11, 23, 13, 0))
    assert callback_plan_generate(plan=plan, now=MONDAY_9 + timedelta(days=29)) == 0
    assert callback_plan_generate(plan=plan, now=MONDAY_9 + timedelta(days=30)) == 1
    assert callback_plan_generate(plan=plan, now=MONDAY_9 + timedelta(days=90)) == 0
    assert CallbackTask.objects.filter(plan=plan, ticket=ticket).count() == 2
    ticket.refresh_from_db()
    assert ticket.status == Status.RESOLVED


def test_resolved_plan_starts_the_callback_clock_and_writes_the_timeline(org):
    ticket = resolved_complaint(org, now=FRIDAY_17)
    callback_plan_generate(plan=org.plan, now=FRIDAY_17)
    event = ticket.events.get(action="request_callback")
    assert (event.from_status, event.to_status, event.actor) == (
        Status.RESOLVED,
        Status.AWAITING_CALLBACK,
        None,
    )
    clock = SlaClock.objects.get(ticket=ticket, target=SlaTarget.CALLBACK)
    assert clock.due_at == aware(2026, 12, 2, 14, 0)


def test_work_order_locked_during_the_sweep_is_moved_by_the_next_one(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite has no row locks to skip")
    org = plan_org(transactional_db)
    ticket = resolved_complaint(org)
    locked, release = threading.Event(), threading.Event()

    def edit():
        try:
            with transaction.atomic():
                Ticket.objects.select_for_update().get(pk=ticket.pk)
                locked.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    editor = threading.Thread(target=edit)
    editor.start()
    try:
        assert locked.wait(timeout=30)
        assert callback_plan_generate(plan=org.plan, now=MONDAY_9) == 0  # neither waits nor overwrites
    finally:
        release.set()
        editor.join(timeout=30)
    assert Ticket.objects.get(pk=ticket.pk).status == Status.RESOLVED
    assert callback_plan_generate(plan=org.plan, now=MONDAY_9) == 1
    assert Ticket.objects.get(pk=ticket.pk).status == Status.AWAITING_CALLBACK
    assert CallbackTask.objects.filter(ticket=ticket).count() == 1


def expiry_plan(org, **fields):
    values = {"name": "到期提醒", "trigger": Trigger.EXPIRY, "days_before": 7, "due_minutes": 8 * 60}
    values.update(fields)
    return CallbackPlan.objects.create(
        script=org.plan.script, team=org.team, calendar=org.plan.calendar, **values
    )


def test_contract_call_becomes_due_once_the_end_date_is_near(org):
    customer = CustomerFactory(name="李先生")
    CustomerPhone.objects.create(customer=customer, number="13900000003")
    contract = Contract.objects.create(customer=customer, name="宽带包年", expires_on=date(2026, 12, 7))
    plan = expiry_plan(org)
    # Sunday 2026-11-29: eight days before, too early.
    assert callback_plan_generate(plan=plan, now=aware(2026, 11, 29, 10, 0)) == 0
    # Monday 2026-11-30, seven days before: due after 8 working hours, counted from the sweep.
    assert callback_plan_generate(plan=plan, now=aware(2026, 11, 30, 10, 0)) == 1
    assert callback_plan_generate(plan=plan, now=aware(2026, 12, 1, 10, 0)) == 0
    task = CallbackTask.objects.get(plan=plan)
    assert (task.contract, task.customer, task.phone, task.name) == (
        contract,
        customer,
        "13900000003",
        "李先生",
    )
    assert (task.subject_key, task.period) == (f"k{contract.pk}", "e2026-12-07")
    assert task.due_at == aware(2026, 11, 30, 18, 0)


def test_due_time_skips_the_weekend_and_never_falls_after_the_end_date(org):
    customer = CustomerFactory()
    weekend = Contract.objects.create(
        customer=customer, name="保修", expires_on=date(2026, 12, 4), phone="13900000004"
    )
    soon = Contract.objects.create(
        customer=customer, name="会员", expires_on=date(2026, 11, 27), phone="13900000005"
    )
    plan = expiry_plan(org)
    # Friday 17:00: one working hour on Friday, seven on Monday → Monday 16:00 for the first; the
    # second ends that very day, so its call is due by the end of it.
    callback_plan_generate(plan=plan, now=FRIDAY_17)
    assert CallbackTask.objects.get(contract=weekend).due_at == aware(2026, 11, 30, 16, 0)
    assert CallbackTask.objects.get(contract=soon).due_at == aware(2026, 11, 28, 0, 0)


def test_renewed_contract_gets_a_new_call_and_an_expired_or_inactive_one_none(org):
    customer = CustomerFactory(tier_id="A")
    contract = Contract.objects.create(
        customer=customer, name="宽带", expires_on=date(2026, 11, 30), phone="139"
    )
    Contract.objects.create(customer=customer, name="旧合同", expires_on=date(2026, 11, 20), phone="139")
    Contract.objects.create(
        customer=customer, name="已退订", expires_on=date(2026, 11, 30), phone="139", is_active=False
    )
    Contract.objects.create(customer=CustomerFactory(), name="无电话", expires_on=date(2026, 11, 30))
    plan = expiry_plan(org)
    assert callback_plan_generate(plan=plan, now=MONDAY_9) == 1
    contract.expires_on = date(2027, 11, 30)
    contract.save()
    assert callback_plan_generate(plan=plan, now=aware(2027, 11, 25, 9, 0)) == 1
    assert sorted(CallbackTask.objects.filter(plan=plan).values_list("period", flat=True)) == [
        "e2026-11-30",
        "e2027-11-30",
    ]


def test_expiry_plan_limited_to_tiers_calls_only_those_customers(org):
    Contract.objects.create(
        customer=CustomerFactory(tier_id="A"), name="A", expires_on=date(2026, 11, 25), phone="1"
    )
    Contract.objects.create(
        customer=CustomerFactory(tier_id="C"), name="B", expires_on=date(2026, 11, 25), phone="2"
    )
    plan = expiry_plan(org, customer_tiers=["A"])
    assert callback_plan_generate(plan=plan, now=MONDAY_9) == 1
    assert CallbackTask.objects.get(plan=plan).contract.name == "A"
