"""A periodic-care callback plan may target RFM segments (kefu.customers.rfm): it calls the customers
whose current segment is one of them, and with tiers named too, only those in both."""

from datetime import timedelta

from kefu.callbacks.models import CallbackPlan, CallbackTask, Trigger
from kefu.callbacks.services import callback_plan_generate
from kefu.customers import rfm
from kefu.customers.models import CustomerPhone
from kefu.customers.models import RfmSegment as S
from tests.customers.rfm_set import AS_OF, add_order, build_hand_worked
from tests.factories import aware


def _plan(org, **targets) -> CallbackPlan:
    return CallbackPlan.objects.create(
        name="重要挽留客户关怀",
        trigger=Trigger.CARE,
        period_days=30,
        script=org.plan.script,
        team=org.team,
        **targets,
    )


def test_care_plan_calls_the_customers_currently_in_its_segments(org):
    customers = build_hand_worked()
    for i, customer in enumerate(customers.values()):
        CustomerPhone.objects.create(customer=customer, number=f"1390000{i:04d}")
    rfm.rfm_recompute(as_of=AS_OF)
    plan = _plan(org, rfm_segments=[S.IMPORTANT_WIN_BACK, S.IMPORTANT_KEEP])
    # On 30 June: 重要挽留 c7; 重要保持 c6 and c11.
    assert callback_plan_generate(plan=plan, now=aware(2026, 7, 1, 9, 0)) == 3
    assert sorted(CallbackTask.objects.filter(plan=plan).values_list("name", flat=True)) == [
        "c11",
        "c6",
        "c7",
    ]
    assert callback_plan_generate(plan=plan, now=aware(2026, 7, 2, 9, 0)) == 0  # once per period

    # A month later c7 buys again: no longer to win back; the next period calls the current members.
    add_order(customers["c7"], aware(2026, 7, 29, 15, 0), 800)
    rfm.rfm_recompute(as_of=AS_OF + timedelta(days=30))
    assert rfm.customer_score(customers["c7"].pk).segment not in (S.IMPORTANT_WIN_BACK, S.IMPORTANT_KEEP)
    later = aware(2026, 7, 31, 9, 0) + timedelta(days=30)
    current = set(rfm.customers_in_segment(S.IMPORTANT_WIN_BACK).values_list("name", flat=True)) | set(
        rfm.customers_in_segment(S.IMPORTANT_KEEP).values_list("name", flat=True)
    )
    created = callback_plan_generate(plan=plan, now=later)
    names = set(CallbackTask.objects.filter(plan=plan, created_at=later).values_list("name", flat=True))
    assert created == len(current) and names == current and "c7" not in names


def test_tiers_and_segments_together_take_the_customers_in_both(org):
    customers = build_hand_worked()
    for i, customer in enumerate(customers.values()):
        CustomerPhone.objects.create(customer=customer, number=f"1390000{i:04d}")
    customers["c6"].tier_id = "A"
    customers["c6"].save(update_fields=["tier"])
    rfm.rfm_recompute(as_of=AS_OF)
    plan = _plan(org, customer_tiers=["A"], rfm_segments=[S.IMPORTANT_KEEP])
    # 重要保持 is c6 and c11; only c6 is on tier A.
    assert callback_plan_generate(plan=plan, now=aware(2026, 7, 1, 9, 0)) == 1
    assert CallbackTask.objects.get(plan=plan).name == "c6"


def test_a_segment_plan_before_any_snapshot_calls_nobody(org):
    build_hand_worked()
    plan = _plan(org, rfm_segments=[S.IMPORTANT_VALUE])
    assert callback_plan_generate(plan=plan, now=aware(2026, 7, 1, 9, 0)) == 0
