"""Value tiers (客户分级): the seed's ladder at its boundaries, the reasons, overrides, a quiet re-run."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from kefu.accounts.models import Role
from kefu.core.errors import PermissionDenied, ValidationError
from kefu.customers.models import Customer, Order, Payment, TierChange, TierLevel, TierOverride
from kefu.customers.tier_actions import (
    customer_assign_responsible,
    customers_needing_responsible,
    tier_level_update,
    tier_override_set,
)
from kefu.customers.tiers import Window, change_text, reason_text, tiers_recompute
from tests.factories import CustomerFactory, UserFactory

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
# 2026-05-20: the last 4 complete quarters are 2025 Q2 … 2026 Q1 (2025-04-01 to 2026-03-31).
NOW = datetime(2026, 5, 20, 10, 0, tzinfo=SHANGHAI)
IN_WINDOW = datetime(2025, 11, 3, 9, 0, tzinfo=SHANGHAI)


def customer(*, since=date(2025, 1, 1), **kw) -> Customer:
    return CustomerFactory(customer_since=since, **kw)


def order(c: Customer, amount, at=IN_WINDOW, n=[0]) -> Order:  # noqa: B006 (a counter for ids)
    n[0] += 1
    return Order.objects.create(
        customer=c, source="shop", external_id=f"o{n[0]}", amount=Decimal(amount), placed_at=at
    )


def placed(c: Customer) -> str:
    tiers_recompute(now=NOW)
    c.refresh_from_db()
    return c.tier_id


def test_the_window_is_the_last_four_complete_quarters_in_local_days():
    window = Window.of(date(2026, 5, 20))
    assert (window.first, window.end) == (date(2025, 4, 1), date(2026, 4, 1))
    start, end = window.bounds()
    assert start == datetime(2025, 4, 1, tzinfo=SHANGHAI) and end == datetime(2026, 4, 1, tzinfo=SHANGHAI)
    # A customer since 2025-11-15 lived in 2025 Q4 and 2026 Q1 of it: 2 quarters.
    assert window.quarters_of(date(2025, 11, 15)) == 2
    assert window.quarters_of(date(2024, 1, 1)) == 4
    assert window.quarters_of(date(2026, 4, 10)) == 1  # joined this quarter: at least one


def test_arpu_boundary_4999_99_is_b_and_5000_is_a():
    # 4 × 4,999.99 = 19,999.96 over 4 quarters → 4,999.99 a quarter: B (≥ 3,000), not A.
    below = customer()
    order(below, "19999.96")
    at = customer()
    order(at, "20000.00")  # 20,000 / 4 = 5,000: A
    tiers_recompute(now=NOW)
    below.refresh_from_db()
    at.refresh_from_db()
    assert (below.tier_id, at.tier_id) == ("B", "A")
    with translation.override("en"):
        assert change_text(at.tier_changes.get()) == "A: ARPU per quarter 5,000 ≥ 5,000"
        assert change_text(below.tier_changes.get()) == "B: ARPU per quarter 4,999.99 ≥ 3,000"


def test_refunds_count_against_revenue_and_a_short_tenure_divides_by_fewer_quarters():
    # Since 2025-11-15: two quarters of the window (Q4 2025, Q1 2026). 12,000 − 1,000 = 11,000 / 2 = 5,500 → A.
    c = customer(since=date(2025, 11, 15))
    first = order(c, "12000")
    Order.objects.create(customer=c, source="shop", external_id="r1", kind="refund", refund_of=first,
                         amount=Decimal("-1000"), placed_at=IN_WINDOW)  # fmt: skip
    order(c, "90000", at=datetime(2026, 4, 2, tzinfo=SHANGHAI))  # this quarter: not in the window
    assert placed(c) == "A"
    with translation.override("en"):
        assert change_text(c.tier_changes.get()) == "A: ARPU per quarter 5,500 ≥ 5,000"


def test_payments_per_quarter_place_on_a():
    c = customer()
    Payment.objects.create(
        customer=c, source="bank", external_id="p1", amount=Decimal("80000"), paid_at=IN_WINDOW
    )
    assert placed(c) == "A"  # 80,000 / 4 = 20,000 ≥ 20,000
    assert c.tier_changes.get().reason == {"measure": "payments_quarter", "value": "20000.00", "min": 20000}


def test_tenure_of_exactly_three_years_is_a_and_a_day_less_is_b():
    today = NOW.date()
    three = customer(since=date(2023, 5, 20))
    almost = customer(since=date(2023, 5, 21))
    tiers_recompute(now=NOW)
    three.refresh_from_db()
    almost.refresh_from_db()
    assert today == date(2026, 5, 20)
    assert (three.tier_id, almost.tier_id) == ("A", "B")  # 3 years; 2 years and 364 days → B (≥ 2)
    with translation.override("en"):
        assert change_text(three.tier_changes.get()) == "A: years as a customer 3 ≥ 3"


def test_a_year_of_tenure_is_counted_by_month_and_day_around_29_february():
    # On 2028-02-29: since 2026-02-28 is 2028 − 2026 = 2 years (B, ≥ 2); since 2026-03-01 is 2 − 1 =
    # 1 year (29 Feb is before 1 Mar): C. Since 2024-02-29: on 2026-02-28 1 year (C), on 2026-03-01 2 (B).
    on_28th, on_1st = customer(since=date(2026, 2, 28)), customer(since=date(2026, 3, 1))
    tiers_recompute(now=datetime(2028, 2, 29, 10, 0, tzinfo=SHANGHAI))
    on_28th.refresh_from_db()
    on_1st.refresh_from_db()
    assert (on_28th.tier_id, on_1st.tier_id) == ("B", "C")
    leap = customer(since=date(2024, 2, 29))
    tiers_recompute(now=datetime(2026, 2, 28, 10, 0, tzinfo=SHANGHAI))
    leap.refresh_from_db()
    assert leap.tier_id == "C"
    tiers_recompute(now=datetime(2026, 3, 1, 10, 0, tzinfo=SHANGHAI))
    leap.refresh_from_db()
    assert leap.tier_id == "B"
    assert leap.tier_changes.get().reason == {"measure": "tenure_years", "value": 2, "min": 2}


def test_three_referrals_are_a_and_two_are_b():
    three, two = customer(), customer()
    for _ in range(3):
        customer(referred_by=three)
    for _ in range(2):
        customer(referred_by=two)
    tiers_recompute(now=NOW)
    three.refresh_from_db()
    two.refresh_from_db()
    assert (three.tier_id, two.tier_id) == ("A", "B")
    with translation.override("en"):
        assert change_text(two.tier_changes.get()) == "B: referrals 2 ≥ 1"


def test_flags_place_a_deputy_on_a_and_a_welfare_enterprise_on_b():
    deputy, welfare, plain = customer(flags=["deputy"]), customer(flags=["welfare"]), customer()
    tiers_recompute(now=NOW)
    for c in (deputy, welfare, plain):
        c.refresh_from_db()
    assert (deputy.tier_id, welfare.tier_id, plain.tier_id) == ("A", "B", "C")
    with translation.override("zh-hans"):
        assert change_text(deputy.tier_changes.get()) == "A：人大代表"
    assert not plain.tier_changes.exists()  # C already: nothing changed, nothing written


def test_the_first_condition_met_is_the_reason():
    # ARPU comes before referrals on the A rung: both met, ARPU is the reason.
    c = customer()
    order(c, "24480")
    for _ in range(3):
        customer(referred_by=c)
    assert placed(c) == "A"
    with translation.override("en"):
        assert change_text(c.tier_changes.get()) == "A: ARPU per quarter 6,120 ≥ 5,000"


def test_a_second_run_changes_nothing():
    c = customer()
    order(c, "24000")
    first = tiers_recompute(now=NOW)
    second = tiers_recompute(now=NOW)
    assert first.changed >= 1 and second.changed == 0
    assert TierChange.objects.filter(customer=c).count() == 1


def test_each_change_is_written_whole_with_its_reason_moment_and_who_asked():
    # The recompute writes its changes as plain rows (COPY on PostgreSQL): read back through the ORM.
    manager = UserFactory(role=Role.MANAGER)
    rich, deputy, held = customer(), customer(flags=["deputy"]), customer()
    order(rich, "24480.04")  # 6,120.01 a quarter
    reason = '经理定级: "VIP"\t\\ 一年\n'  # quotes, a tab, a backslash, a newline: COPY's escapes
    TierOverride.objects.create(customer=held, tier_id="B", reason=reason, by=manager)
    customer()  # stays on C: nothing written
    result = tiers_recompute(by=manager, now=NOW)
    written = {
        c.customer_id: (c.from_tier, c.to_tier, c.reason, c.at, c.by) for c in TierChange.objects.all()
    }
    assert result.changed == 3
    assert written == {
        rich.pk: ("C", "A", {"measure": "arpu_quarter", "value": "6120.01", "min": 5000}, NOW, manager),
        deputy.pk: ("C", "A", {"flag": "deputy"}, NOW, manager),
        held.pk: ("C", "B", {"override": reason}, NOW, manager),
    }
    assert dict(Customer.objects.filter(pk__in=written).values_list("pk", "tier")) == {
        rich.pk: "A",
        deputy.pk: "A",
        held.pk: "B",
    }


def test_an_override_holds_until_its_expiry_day_then_the_ladder_places_again():
    manager = UserFactory(role=Role.MANAGER)
    c = customer()
    tier_override_set(
        customer=c, tier="A", reason="战略合作伙伴", expires_on=date(2026, 6, 30), by=manager, now=NOW
    )
    c.refresh_from_db()
    assert c.tier_id == "A"
    tiers_recompute(now=datetime(2026, 6, 30, 23, 0, tzinfo=SHANGHAI))  # the expiry day itself: kept
    c.refresh_from_db()
    assert c.tier_id == "A"
    tiers_recompute(now=datetime(2026, 7, 1, 0, 30, tzinfo=SHANGHAI))  # the next local day: placed again
    c.refresh_from_db()
    assert c.tier_id == "C"  # since 2025-01-01 (1 year), no orders, no flags: the others
    last = c.tier_changes.order_by("-at", "-id").first()
    assert (last.from_tier, last.to_tier, last.by) == ("A", "C", None)


def test_override_refuses_agents_unknown_tiers_and_past_expiry():
    agent, manager = UserFactory(role=Role.AGENT), UserFactory(role=Role.MANAGER)
    c = customer()
    with pytest.raises(PermissionDenied):
        tier_override_set(customer=c, tier="A", reason="x", expires_on=None, by=agent, now=NOW)
    with pytest.raises(ValidationError) as refused:
        tier_override_set(customer=c, tier="Z", reason="", expires_on=date(2026, 1, 1), by=manager, now=NOW)
    assert set(refused.value.errors) == {"tier", "reason", "expires_on"}


def test_override_reason_text():
    with translation.override("en"):
        assert reason_text("A", {"override": "原固定等级 · kept from the fixed tier"}) == (
            "A: set by hand — 原固定等级 · kept from the fixed tier"
        )
        assert reason_text("C", {"others": True}) == "C: no condition of a higher tier met"


def test_ladder_edit_checks_conditions_row_by_row():
    manager = UserFactory(role=Role.MANAGER)
    b = TierLevel.objects.get(code="B")
    with pytest.raises(ValidationError) as refused:
        tier_level_update(level=b, by=manager, name="B 类客户", rank=2, needs_responsible=False, routing_priority=0,
                          conditions=[{"measure": "arpu_quarter", "min": "abc"}, {"flag": "nope"}])  # fmt: skip
    assert set(refused.value.errors) == {"conditions.1", "conditions.2"}
    tier_level_update(level=b, by=manager, name="B 类客户", rank=2, needs_responsible=False, routing_priority=0,
                      conditions=[{"measure": "arpu_quarter", "min": "2,500"}])  # fmt: skip
    b.refresh_from_db()
    assert b.conditions == [{"measure": "arpu_quarter", "min": 2500}]
    with pytest.raises(PermissionDenied):
        tier_level_update(level=b, by=UserFactory(role=Role.SUPERVISOR), name="B", rank=2, conditions=[],
                          needs_responsible=False, routing_priority=0)  # fmt: skip


def test_a_customers_without_a_responsible_person_are_listed_until_one_is_named():
    supervisor, agent = UserFactory(role=Role.SUPERVISOR), UserFactory(role=Role.AGENT)
    a = customer(flags=["deputy"])
    owned = customer(flags=["known_brand"], owner=agent)
    b = customer(flags=["welfare"])
    tiers_recompute(now=NOW)
    assert list(customers_needing_responsible()) == [a]
    assert customer_assign_responsible(customers=[a], owner_id=agent.pk, by=supervisor) == 1
    assert not customers_needing_responsible().exists()
    agent.is_active = False
    agent.save(update_fields=["is_active"])
    assert set(customers_needing_responsible()) == {a, owned}  # their person left
    assert b not in customers_needing_responsible()


def test_a_customers_figures_read_every_measure_in_one_statement():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kefu.customers.tiers import figures_of

    c = customer(since=date(2020, 1, 1))
    order(c, "400.00")
    order(c, "-100.00")
    Payment.objects.create(
        customer=c, source="shop", external_id="p1", amount=Decimal("80.00"), paid_at=IN_WINDOW
    )
    for _ in range(2):
        CustomerFactory(referred_by=c)
    with translation.override("en"), CaptureQueriesContext(connection) as captured:
        figures = dict(figures_of(c, now=NOW))
    # 300 元 of orders and 80 of payments over the 4 quarters; 2 referrals; 6 whole years since 2020-01-01
    assert figures == {
        "ARPU per quarter": "75",
        "payments per quarter": "20",
        "referrals": "2",
        "years as a customer": "6",
    }
    assert len(captured) == 1


def test_a_tier_with_customers_is_kept_and_a_tiers_code_is_not_renamed():
    # Customer.tier has no key in the database: Django refuses the deletion, the admin the rename.
    from django.contrib import admin
    from django.db.models import ProtectedError

    customer()  # on C
    level = TierLevel.objects.get(code="C")
    with pytest.raises(ProtectedError):
        level.delete()
    level_admin = admin.site._registry[TierLevel]
    assert level_admin.get_readonly_fields(None, level) == ("code",)
    assert level_admin.get_readonly_fields(None, None) == ()
