"""Value tiers drive work orders: the SLA policy of the customer's tier, and the routing priority."""

import pytest

from kefu.customers.models import TierLevel
from kefu.customers.tiers import tiers_recompute
from kefu.tickets.models import Priority
from tests.factories import CustomerFactory, SlaPolicyFactory
from tests.tickets.helpers import MONDAY_9, default_calendar, new_ticket


def test_a_customer_the_recompute_places_on_a_gets_the_a_policy(org):
    SlaPolicyFactory(name="A 类投诉", ticket_type="complaint", customer_tier="A", calendar=default_calendar(),
                     first_response_minutes=10)  # fmt: skip
    customer = CustomerFactory(name="刘总", phone="13911112222", flags=["deputy"])
    before = new_ticket(org, customer_phone="13911112222")
    assert before.sla_policy.name == "默认"  # still C: the ladder has not run
    tiers_recompute(now=MONDAY_9)
    customer.refresh_from_db()
    assert customer.tier_id == "A"
    after = new_ticket(org, customer_phone="13911112222")
    assert after.sla_policy.name == "A 类投诉"


@pytest.mark.parametrize(
    ("tier", "chosen", "expected"),
    [
        ("A", Priority.NORMAL, Priority.HIGH),  # the seed ladder: A +1
        ("A", Priority.URGENT, Priority.URGENT),  # never beyond urgent
        ("C", Priority.NORMAL, Priority.NORMAL),  # C +0
    ],
)
def test_the_tier_routing_priority_raises_a_new_work_order(org, tier, chosen, expected):
    assert TierLevel.objects.get(code="A").routing_priority == 1
    CustomerFactory(name="刘总", phone="13911112222", tier_id=tier)
    ticket = new_ticket(org, customer_phone="13911112222", priority=chosen)
    assert ticket.priority == expected


def test_a_lowered_rung_lowers_but_never_below_low(org):
    TierLevel.objects.filter(code="C").update(routing_priority=-3)
    from kefu.core.refcache import clear_all

    clear_all()  # a bulk update sends no signal
    CustomerFactory(name="某客户", phone="13911112222")
    assert new_ticket(org, customer_phone="13911112222", priority=Priority.HIGH).priority == Priority.LOW
