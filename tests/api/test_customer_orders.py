"""Orders and payments from a business system: idempotent by external id, refunds reverse."""

from decimal import Decimal

from kefu.customers.models import Order, Payment
from tests.factories import CustomerFactory


def order_body(**kw) -> dict:
    return {
        "source": "shop",
        "external_id": "SO-1001",
        "amount": "1280.50",
        "placed_at": "2026-03-01T10:00:00+08:00",
        **kw,
    }


def test_an_order_is_created_once_and_found_the_second_time(org, as_user):
    api = as_user(org.agent)
    c = CustomerFactory()
    first = api.post(f"/customers/{c.pk}/orders", order_body())
    assert first.status_code == 201, first.content
    assert first.json()["amount"] in ("1280.50", 1280.5)
    again = api.post(f"/customers/{c.pk}/orders", order_body(amount="9999"))
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert Order.objects.count() == 1 and Order.objects.get().amount == Decimal("1280.50")


def test_refunds_reverse_up_to_what_is_left(org, as_user):
    api = as_user(org.agent)
    c = CustomerFactory()
    api.post(f"/customers/{c.pk}/orders", order_body(amount="1000"))
    refund = {"kind": "refund", "refund_of": "SO-1001", "placed_at": "2026-03-05T10:00:00+08:00"}
    partial = api.post(f"/customers/{c.pk}/orders", order_body(external_id="RF-1", amount="600", **refund))
    assert partial.status_code == 201, partial.content
    assert Decimal(str(partial.json()["amount"])) == Decimal("-600")
    assert partial.json()["refund_of"] == "SO-1001"
    # 1,000 − 600 = 400 left: 500 is too much, with a field error on the amount.
    too_much = api.post(f"/customers/{c.pk}/orders", order_body(external_id="RF-2", amount="500", **refund))
    assert too_much.status_code == 422
    assert "amount" in too_much.json()["errors"]
    rest = api.post(f"/customers/{c.pk}/orders", order_body(external_id="RF-3", amount="400", **refund))
    assert rest.status_code == 201
    unknown = api.post(f"/customers/{c.pk}/orders", order_body(external_id="RF-4", amount="1", kind="refund",
                                                                refund_of="NOPE"))  # fmt: skip
    assert unknown.status_code == 422 and "refund_of" in unknown.json()["errors"]
    assert sum(o.amount for o in Order.objects.all()) == Decimal("0")


def test_an_order_of_another_customer_under_the_same_id_is_refused(org, as_user):
    api = as_user(org.agent)
    first, other = CustomerFactory(), CustomerFactory()
    api.post(f"/customers/{first.pk}/orders", order_body())
    response = api.post(f"/customers/{other.pk}/orders", order_body())
    assert response.status_code == 422 and "external_id" in response.json()["errors"]


def test_bad_amounts_are_field_errors(org, as_user):
    api = as_user(org.agent)
    c = CustomerFactory()
    for amount in ("0", "-5", "1.234"):
        response = api.post(f"/customers/{c.pk}/orders", order_body(external_id=f"X{amount}", amount=amount))
        assert response.status_code == 422, amount
        assert "amount" in response.json()["errors"]
    assert not Order.objects.exists()


def test_payments_are_idempotent_and_may_name_their_order(org, as_user):
    api = as_user(org.agent)
    c = CustomerFactory()
    api.post(f"/customers/{c.pk}/orders", order_body())
    body = {"source": "shop", "external_id": "PAY-1", "amount": "1280.50", "paid_at": "2026-03-02T09:00:00+08:00",
            "method": "银行转账", "order": "SO-1001"}  # fmt: skip
    assert api.post(f"/customers/{c.pk}/payments", body).status_code == 201
    again = api.post(f"/customers/{c.pk}/payments", body)
    assert again.status_code == 200 and again.json()["order"] == "SO-1001"
    assert Payment.objects.count() == 1
    listed = api.get(f"/customers/{c.pk}/payments").json()
    assert [p["external_id"] for p in listed["items"]] == ["PAY-1"]


def test_department_staff_may_not_post_orders(org, as_user):
    c = CustomerFactory()
    response = as_user(org.logistics_staff).post(f"/customers/{c.pk}/orders", order_body())
    assert response.status_code == 403
