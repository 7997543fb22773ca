"""A customer's points for a business system: balance and statement, redeem, correct (会员积分)."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from kefu.customers.loyalty import services
from kefu.customers.models import CardLevel, Order, PointsEntry, PointsRule
from tests.factories import CustomerFactory


def member_with(org, amounts: list[str]):
    """A customer with a normal card (1 point per 元) and orders of these amounts, placed today."""
    level = CardLevel.objects.create(code="normal", name="普通卡", rank=1)
    PointsRule.objects.create(level=level, points_per_yuan=Decimal("1"), valid_days=365)
    customer = CustomerFactory()
    services.card_request(customer=customer, level=level, by=org.agent)
    for k, amount in enumerate(amounts):
        Order.objects.create(customer=customer, source="shop", external_id=f"SO-{k}", amount=Decimal(amount),
                             placed_at=timezone.now())  # fmt: skip
    return customer


def test_the_statement_has_the_balance_the_card_and_pages_of_entries(org, as_user):
    api = as_user(org.agent)
    customer = member_with(org, ["100", "50.90", "30"])  # earns 100, 50 and 30 points
    services.points_redeem(customer=customer, points=40, reason="保温杯", by=org.agent)
    response = api.get(f"/customers/{customer.pk}/points", {"page_size": 2})
    assert response.status_code == 200, response.content
    body = response.json()
    # 100 + 50 + 30 − 40 = 140; four entries, two on the first page, oldest first
    assert (body["balance"], body["opening"], body["closing"]) == (140, 0, 140)
    assert (body["added"], body["taken"], body["count"]) == (180, 40, 4)
    assert body["card"]["level"] == "普通卡" and body["card"]["active"] is True
    assert [(e["kind"], e["points"], e["balance_after"], e["order"]) for e in body["items"]] == [
        ("earn", 100, 100, "SO-0"),
        ("earn", 50, 150, "SO-1"),
    ]
    second = api.get(f"/customers/{customer.pk}/points", {"page_size": 2, "page": 2}).json()
    assert [(e["kind"], e["points"], e["balance_after"]) for e in second["items"]] == [
        ("earn", 30, 180),
        ("redeem", -40, 140),
    ]
    assert second["items"][1]["by"] == org.agent.pk


def test_a_period_before_any_entry_is_empty_and_an_inverted_one_is_a_field_error(org, as_user):
    api = as_user(org.agent)
    customer = member_with(org, ["100"])
    last_year = timezone.localdate() - timedelta(days=400)
    empty = api.get(
        f"/customers/{customer.pk}/points", {"start": str(last_year), "end": str(last_year)}
    ).json()
    assert (empty["balance"], empty["count"], empty["items"], empty["closing"]) == (100, 0, [], 0)
    inverted = api.get(f"/customers/{customer.pk}/points", {"start": "2026-03-02", "end": "2026-03-01"})
    assert inverted.status_code == 422 and "end" in inverted.json()["errors"]
    assert api.get("/customers/99999999/points").status_code == 404


def test_redeeming_takes_points_and_a_short_balance_is_a_coded_field_error(org, as_user):
    api = as_user(org.agent)
    customer = member_with(org, ["100"])
    done = api.post(f"/customers/{customer.pk}/points/redeem", {"points": 60, "reason": "兑换购物券"})
    assert done.status_code == 201, done.content
    assert (done.json()["kind"], done.json()["points"], done.json()["balance_after"]) == ("redeem", -60, 40)
    # 100 − 60 = 40 left: 41 is refused on `points` with its code, and nothing is taken
    short = api.post(f"/customers/{customer.pk}/points/redeem", {"points": 41, "reason": "兑换"})
    assert short.status_code == 422
    assert {(p["field"], p["code"]) for p in short.json()["details"]} == {("points", "points_balance_short")}
    for body in (
        {"points": 0, "reason": "x"},
        {"points": "ten", "reason": "x"},
        {"points": 5, "reason": " "},
    ):
        assert api.post(f"/customers/{customer.pk}/points/redeem", body).status_code == 422, body
    assert PointsEntry.objects.filter(customer=customer).count() == 2  # the earning and the one redemption


def test_corrections_are_for_supervisors_and_are_new_entries(org, as_user):
    customer = member_with(org, ["100"])
    refused = as_user(org.agent).post(
        f"/customers/{customer.pk}/points/corrections", {"points": 5, "reason": "补录"}
    )
    assert refused.status_code == 403
    api = as_user(org.supervisor)
    done = api.post(f"/customers/{customer.pk}/points/corrections", {"points": -30, "reason": "重复积分"})
    assert done.status_code == 201, done.content
    assert (done.json()["kind"], done.json()["points"], done.json()["balance_after"]) == ("correct", -30, 70)
    assert (
        api.post(f"/customers/{customer.pk}/points/corrections", {"points": 0, "reason": "x"}).status_code
        == 422
    )
    # more than 100,000,000 points at once is refused on `points`, never a database error
    huge = api.post(f"/customers/{customer.pk}/points/corrections", {"points": 10**10, "reason": "x"})
    assert huge.status_code == 422 and "points" in huge.json()["errors"]
    # 100 − 30 = 70: taking 71 would go below zero
    below = api.post(f"/customers/{customer.pk}/points/corrections", {"points": -71, "reason": "x"})
    assert below.status_code == 422 and "points" in below.json()["errors"]
    assert PointsEntry.objects.get(pk=done.json()["id"]).points == -30
