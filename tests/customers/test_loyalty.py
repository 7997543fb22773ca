"""The loyalty card (会员卡/积分卡): issuing levels with approval, and the append-only points ledger."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import DatabaseError, IntegrityError, connection, transaction

from kefu.core.errors import PermissionDenied, ValidationError
from kefu.customers.loyalty import selectors, services
from kefu.customers.models import (
    ApplicationStatus,
    Card,
    CardLevel,
    LedgerIsAppendOnly,
    Order,
    OrderKind,
    PointsEntry,
    PointsRule,
)
from tests.factories import CustomerFactory, aware
from tests.org import build_org

NOW = aware(2026, 11, 20, 10, 0)


@pytest.fixture
def levels(db):
    normal = CardLevel.objects.create(code="normal", name="普通卡", rank=1)
    gold = CardLevel.objects.create(
        code="gold", name="金卡", rank=3, min_spend=Decimal("5000"), needs_approval=True
    )
    PointsRule.objects.create(level=normal, points_per_yuan=Decimal("1"), valid_days=365)
    PointsRule.objects.create(level=gold, points_per_yuan=Decimal("1.5"), valid_days=None)
    return {"normal": normal, "gold": gold}


def order(customer, external_id, amount, at=NOW, **kwargs):
    return Order.objects.create(
        customer=customer,
        source="shop",
        external_id=external_id,
        amount=Decimal(amount),
        placed_at=at,
        **kwargs,
    )


def member(org, levels, level="normal"):
    customer = CustomerFactory()
    services.card_request(customer=customer, level=levels[level], by=org.agent, now=NOW)
    return customer


def test_a_new_order_earns_by_the_rule_of_the_card_level_once(db, levels):
    org = build_org()
    customer = member(org, levels)
    # when an order of 299.90 元 is recorded (1 point per 元 on the normal card)
    first = order(customer, "A-1", "299.90")
    # then it earned ⌊299.90 × 1⌋ = 299 points, valid 365 days from the order's day
    entry = PointsEntry.objects.get(order=first)
    assert (entry.kind, entry.points, entry.balance_after) == ("earn", 299, 299)
    assert entry.expires_on == date(2027, 11, 20)
    # and earning it again adds nothing
    assert services.earn_for_order(first) is None
    assert selectors.points_balance(customer.pk) == 299


def test_no_card_no_points(db, levels):
    customer = CustomerFactory()
    order(customer, "A-2", "100")
    assert PointsEntry.objects.count() == 0


def test_a_refund_takes_back_its_share_of_the_points(db, levels):
    org = build_org()
    customer = member(org, levels)
    original = order(customer, "A-3", "200")  # 200 points
    # when half of it is refunded
    order(customer, "R-3", "-100", kind=OrderKind.REFUND, refund_of=original)
    # then 200 × 100 / 200 = 100 points are taken back as a correction
    assert list(PointsEntry.objects.order_by("id").values_list("kind", "points", "balance_after")) == [
        ("earn", 200, 200),
        ("correct", -100, 100),
    ]


def test_redeeming_more_than_the_balance_is_a_field_error_and_writes_nothing(db, levels):
    org = build_org()
    customer = member(org, levels)
    order(customer, "A-4", "50")  # 50 points
    with pytest.raises(ValidationError) as refused:
        services.points_redeem(customer=customer, points=51, reason="礼品", by=org.agent)
    assert refused.value.errors["points"][0].code == "points_balance_short"
    assert (PointsEntry.objects.count(), selectors.points_balance(customer.pk)) == (1, 50)
    with pytest.raises(ValidationError) as bad:
        services.points_redeem(customer=customer, points="ten", reason="礼品", by=org.agent)
    assert "points" in bad.value.errors
    # and redeeming 50 of 50 leaves 0
    entry = services.points_redeem(customer=customer, points=50, reason="保温杯", by=org.agent)
    assert (entry.points, entry.balance_after) == (-50, 0)


def test_the_ledger_cannot_be_changed_or_deleted(db, levels):
    org = build_org()
    customer = member(org, levels)
    entry = PointsEntry.objects.get(order=order(customer, "A-5", "80"))
    entry.points = 8000
    with pytest.raises(LedgerIsAppendOnly):
        entry.save()
    with pytest.raises(LedgerIsAppendOnly):
        entry.delete()
    # nor in SQL: the database refuses an UPDATE of what an entry says
    with pytest.raises(DatabaseError), transaction.atomic():
        PointsEntry.objects.filter(pk=entry.pk).update(points=8000)
    # and refuses a negative balance after an entry
    with pytest.raises(IntegrityError), transaction.atomic():
        PointsEntry.objects.bulk_create(
            [PointsEntry(customer=customer, kind="redeem", points=-100, balance_after=-20, at=NOW)]
        )


def test_a_correction_is_a_new_entry_by_a_supervisor_with_a_reason(db, levels):
    org = build_org()
    customer = member(org, levels)
    order(customer, "A-6", "100")
    with pytest.raises(PermissionDenied):
        services.points_correct(customer=customer, points=20, reason="漏记", by=org.agent)
    with pytest.raises(ValidationError) as no_reason:
        services.points_correct(customer=customer, points=20, reason=" ", by=org.supervisor)
    assert "reason" in no_reason.value.errors
    entry = services.points_correct(customer=customer, points=-30, reason="重复积分", by=org.supervisor)
    # 100 − 30 = 70
    assert (entry.kind, entry.balance_after) == ("correct", 70)


def test_earned_points_expire_on_their_day_less_what_was_redeemed(db, levels):
    org = build_org()
    customer = member(org, levels)
    order(customer, "A-7", "300", at=aware(2025, 11, 1, 10))  # 300 points, valid until 2026-11-01
    services.points_correct(
        customer=customer, points=40, reason="活动赠送", by=org.supervisor
    )  # never expires
    services.points_redeem(customer=customer, points=100, reason="礼品", by=org.agent)
    # before the day nothing expires
    assert services.points_expire_sweep(now=aware(2026, 10, 31, 23, 0)) == 0
    # on the day: 300 earned − 100 already redeemed = 200 expire; the 40 given stay
    assert services.points_expire_sweep(now=aware(2026, 11, 1, 8, 0)) == 1
    assert selectors.points_balance(customer.pk) == 40
    # and a second sweep writes nothing
    assert services.points_expire_sweep(now=aware(2026, 11, 1, 9, 0)) == 0
    assert PointsEntry.objects.filter(kind="expire").get().points == -200


def test_year_end_clearing_empties_every_balance_with_one_entry_each_and_runs_once(db, levels):
    org = build_org()
    first, second, empty = member(org, levels), member(org, levels), member(org, levels)
    order(first, "A-8", "120")
    order(second, "A-9", "35")
    call_command("points_year_end", "--year", "2026", stdout=open("/dev/null", "w"))
    cleared = PointsEntry.objects.filter(kind="clear").order_by("customer_id")
    assert [(e.customer_id, e.points, e.balance_after) for e in cleared] == [
        (first.pk, -120, 0),
        (second.pk, -35, 0),
    ]
    assert services.points_year_end_clear(year=2026) == 0
    assert selectors.points_balance(empty.pk) == 0


def test_year_end_is_the_last_hour_of_december_31_in_shanghai():
    assert services.year_end_due(aware(2026, 12, 31, 23, 30))
    assert not services.year_end_due(aware(2026, 12, 31, 22, 59))
    assert not services.year_end_due(aware(2027, 1, 1, 0, 1))


def test_a_gold_card_waits_for_a_supervisor_who_is_not_the_requester(db, levels):
    org = build_org()
    customer = CustomerFactory()
    # a customer below the gold card's 5,000 元 is refused on the field `level`
    with pytest.raises(ValidationError) as short:
        services.card_request(customer=customer, level=levels["gold"], by=org.agent, now=NOW)
    assert short.value.errors["level"][0].code == "card_criteria_not_met"
    order(customer, "A-10", "6000", at=aware(2026, 6, 1, 10))
    asked = services.card_request(customer=customer, level=levels["gold"], by=org.agent, now=NOW)
    assert asked.pending and not Card.objects.filter(customer=customer).exists()
    with pytest.raises(ValidationError):  # one application at a time
        services.card_request(customer=customer, level=levels["gold"], by=org.agent, now=NOW)
    with pytest.raises(PermissionDenied):
        services.card_decide(application=asked.application, approve=True, by=org.agent2)
    decided = services.card_decide(application=asked.application, approve=True, by=org.supervisor)
    card = Card.objects.get(customer=customer)
    assert (decided.status, card.level_id, card.approved_by, card.number) == (
        ApplicationStatus.APPROVED,
        levels["gold"].pk,
        org.supervisor,
        f"KF{customer.pk:08d}",
    )
    # and from now on orders earn at the gold rate, 1.5 points per 元: ⌊99 × 1.5⌋ = 148
    assert PointsEntry.objects.get(order=order(customer, "A-11", "99")).points == 148
    with pytest.raises(ValidationError):
        services.card_decide(application=asked.application, approve=False, by=org.manager, reason="x")


def test_the_requester_cannot_approve_their_own_gold_card(db, levels):
    org = build_org()
    customer = CustomerFactory()
    order(customer, "A-12", "5000", at=aware(2026, 6, 1, 10))
    asked = services.card_request(customer=customer, level=levels["gold"], by=org.supervisor, now=NOW)
    with pytest.raises(PermissionDenied):
        services.card_decide(application=asked.application, approve=True, by=org.supervisor)


def test_the_statement_has_the_opening_balance_and_a_running_balance(db, levels):
    org = build_org()
    customer = member(org, levels)
    services.points_correct(
        customer=customer, points=10, reason="开卡礼", by=org.supervisor, now=aware(2026, 10, 31, 23, 0)
    )
    services.points_correct(
        customer=customer, points=100, reason="活动", by=org.supervisor, now=aware(2026, 11, 1, 0, 30)
    )
    services.points_redeem(
        customer=customer, points=30, reason="礼品", by=org.agent, now=aware(2026, 11, 30, 23, 59)
    )
    services.points_redeem(
        customer=customer, points=5, reason="礼品", by=org.agent, now=aware(2026, 12, 1, 0, 0)
    )
    statement = selectors.points_statement(
        customer_id=customer.pk, first=date(2026, 11, 1), last=date(2026, 11, 30)
    )
    # opening 10; +100 → 110; −30 → 80; the 12-01 redemption is in the next month (Shanghai days)
    assert statement.opening == 10
    assert [(e.points, e.balance_after) for e in statement.entries] == [(100, 110), (-30, 80)]
    assert (statement.added, statement.taken, statement.closing) == (100, 30, 80)


def test_twenty_redemptions_at_once_from_a_balance_covering_ten(transactional_db, levels):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers, so two transactions cannot race")
    # given a balance of 100 points, and 20 cashiers redeeming 10 each at the same moment
    org = build_org()
    customer = member(org, levels)
    order(customer, "A-13", "100")
    barrier = threading.Barrier(20, timeout=20)
    outcome: list[object] = []

    def redeem():
        try:
            barrier.wait()
            outcome.append(
                services.points_redeem(customer=customer, points=10, reason="抢兑", by=org.agent).pk
            )
        except Exception as exc:  # the refusals are the point; anything else fails below
            outcome.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=redeem) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # then exactly 10 succeed (100 / 10), 10 are told the balance is short, and the balance is 0
    won = [r for r in outcome if isinstance(r, int)]
    refused = [r for r in outcome if isinstance(r, ValidationError) and "points" in r.errors]
    assert (len(won), len(refused)) == (10, 10), outcome
    assert selectors.points_balance(customer.pk) == 0
    redemptions = PointsEntry.objects.filter(kind="redeem").order_by("id")
    assert redemptions.count() == 10
    # none lost: each entry's balance is 10 below the one before, 90 down to 0
    assert [e.balance_after for e in redemptions] == list(range(90, -1, -10))


def bulk_orders(customer, amounts: list[str], prefix: str) -> list[int]:
    """Orders stored as an import stores them (bulk_create: no post_save, nothing earned yet)."""
    Order.objects.bulk_create(
        [
            Order(
                customer=customer,
                source="shop",
                external_id=f"{prefix}-{k}",
                amount=Decimal(a),
                placed_at=NOW,
            )
            for k, a in enumerate(amounts)
        ]
    )
    return list(Order.objects.filter(external_id__startswith=f"{prefix}-").values_list("id", flat=True))


def test_a_batch_of_orders_earns_each_once_by_each_customers_card(db, levels):
    org = build_org()
    normal, gold, nobody = member(org, levels), CustomerFactory(), CustomerFactory()
    services.card_request(customer=gold, level=levels["normal"], by=org.agent, now=NOW)
    Card.objects.filter(customer=gold).update(level=levels["gold"])
    ids = bulk_orders(normal, ["100", "20.50"], "N") + bulk_orders(gold, ["100"], "G")
    ids += bulk_orders(nobody, ["500"], "X")  # no card: nothing
    # when the batch earns: 100 + 20 on the normal card (1 per 元), ⌊100 × 1.5⌋ = 150 on gold
    assert services.points_earn_for_orders(order_ids=ids, now=NOW) == 3
    assert selectors.points_balance(normal.pk) == 120
    assert selectors.points_balance(gold.pk) == 150
    assert selectors.points_balance(nobody.pk) == 0
    entries = PointsEntry.objects.filter(customer=normal).order_by("id")
    assert [(e.points, e.balance_after, e.expires_on) for e in entries] == [
        (100, 100, date(2027, 11, 20)),
        (20, 120, date(2027, 11, 20)),
    ]
    assert PointsEntry.objects.get(customer=gold).expires_on is None  # gold's rule: no expiry
    # and the batch again, or one of its orders on its own, adds nothing
    assert services.points_earn_for_orders(order_ids=ids, now=NOW) == 0
    assert services.earn_for_order(Order.objects.get(external_id="N-0"), now=NOW) is None
    assert PointsEntry.objects.count() == 3


def test_a_refund_in_a_batch_takes_back_its_share(db, levels):
    org = build_org()
    customer = member(org, levels)
    original = order(customer, "B-1", "200")  # earns 200 at once (post_save)
    Order.objects.bulk_create([Order(customer=customer, source="shop", external_id="BR-1", amount=Decimal("-50"),
                                     placed_at=NOW, kind=OrderKind.REFUND, refund_of=original)])  # fmt: skip
    refund = Order.objects.get(external_id="BR-1")
    # 200 × 50 / 200 = 50 points back
    assert services.points_earn_for_orders(order_ids=[original.pk, refund.pk], now=NOW) == 1
    assert selectors.points_balance(customer.pk) == 150


def test_two_batches_and_redemptions_at_once_earn_each_order_once_and_never_go_negative(
    transactional_db, levels
):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers, so two transactions cannot race")
    # given three members whose 30 orders (10 each, 10 元 each) are not earned yet
    org = build_org()
    customers = [member(org, levels) for _ in range(3)]
    ids = [i for k, c in enumerate(customers) for i in bulk_orders(c, ["10"] * 10, f"C{k}")]
    barrier = threading.Barrier(6, timeout=20)
    outcome: list[object] = []

    def earn(batch):  # two workers post overlapping batches, in opposite orders
        try:
            barrier.wait()
            outcome.append(services.points_earn_for_orders(order_ids=batch, now=NOW))
        except Exception as exc:
            outcome.append(exc)
        finally:
            connection.close()

    def redeem(customer):
        try:
            barrier.wait()
            for _ in range(5):
                try:
                    services.points_redeem(customer=customer, points=30, reason="兑换", by=org.agent)
                    outcome.append("redeemed")
                except ValidationError:
                    outcome.append("short")
        except Exception as exc:
            outcome.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=earn, args=(ids,)), threading.Thread(target=earn, args=(ids[::-1],))]
    threads += [threading.Thread(target=redeem, args=(c,)) for c in customers]
    threads += [threading.Thread(target=earn, args=(ids[5:25],))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not [r for r in outcome if isinstance(r, Exception)], outcome
    # then every order earned exactly once: 30 earn entries between the three batches
    assert sum(r for r in outcome if isinstance(r, int)) == 30
    assert PointsEntry.objects.filter(kind="earn").count() == 30
    redeemed = outcome.count("redeemed")
    # 3 × 10 × 10 = 300 points earned, 30 a redemption: the balances hold what is left, never below 0
    assert sum(selectors.points_balance(c.pk) for c in customers) == 300 - 30 * redeemed
    for c in customers:
        entries = list(PointsEntry.objects.filter(customer=c).order_by("id"))
        running = 0
        for e in entries:  # none lost: each entry's balance is the running sum, in the order written
            running += e.points
            assert e.balance_after == running >= 0
        assert selectors.points_balance(c.pk) == running
