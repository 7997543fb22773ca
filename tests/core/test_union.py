"""Several ordered and limited reads in one statement (kefu.core.union), on SQLite and PostgreSQL."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import F
from django.db.models.functions import Coalesce
from django.test.utils import CaptureQueriesContext
from tests.factories import CustomerFactory

from kefu.core.union import union_all
from kefu.customers.models import Order, Payment

T0 = datetime(2026, 11, 2, 9, 0, 0, 123456, tzinfo=UTC)


def test_each_part_keeps_its_own_order_and_limit_and_its_values_come_back_as_the_orm_gives_them(db):
    customer = CustomerFactory()
    for i in range(5):
        Order.objects.create(
            customer=customer,
            source="shop",
            external_id=f"o{i}",
            amount=Decimal(10),
            placed_at=T0 + timedelta(hours=i),
        )
        Payment.objects.create(
            customer=customer,
            source="shop",
            external_id=f"p{i}",
            amount=Decimal(5),
            paid_at=T0 - timedelta(hours=i),
        )
    newest_orders = Order.objects.order_by("-placed_at", "-id").values_list("id", "placed_at")[:2]
    oldest_payments = Payment.objects.order_by("paid_at", "id").values_list(
        "id", Coalesce(F("paid_at"), F("paid_at"))
    )[:3]
    with CaptureQueriesContext(connection) as captured:
        rows = union_all(
            [newest_orders, Order.objects.none().values_list("id", "placed_at"), oldest_payments]
        )
    assert len(captured) == 1
    assert sorted(rows) == sorted(
        [(0, *row) for row in newest_orders] + [(2, pk, at) for pk, at in oldest_payments]
    )
    assert {at for _, _, at in rows} == {T0 + timedelta(hours=4), T0 + timedelta(hours=3)} | {
        T0 - timedelta(hours=i) for i in (4, 3, 2)
    }


def test_nothing_to_read_asks_nothing(db):
    with CaptureQueriesContext(connection) as captured:
        assert union_all([Order.objects.none().values_list("id", "placed_at")]) == []
        assert union_all([]) == []
    assert len(captured) == 0


def test_a_read_compiled_once_serves_every_value_with_its_own_rows(db):
    from kefu.core.union import compiled_once

    a, b = CustomerFactory(), CustomerFactory()
    for customer, n in ((a, 2), (b, 3)):
        for i in range(n):
            Order.objects.create(
                customer=customer, source="shop", external_id=f"{customer.pk}-{i}", amount=1, placed_at=T0
            )
    built = []

    def orders_of(customer_id: int):
        built.append(customer_id)
        return (
            Order.objects.filter(customer_id=customer_id).order_by("-id").values_list("id", "placed_at")[:5]
        )

    def rows_of(customer) -> set:
        part = compiled_once("orders-of", orders_of, customer.pk, using="default")
        return {pk for _, pk, _at in union_all([part])}

    assert rows_of(a) == set(a.orders.values_list("id", flat=True))
    assert rows_of(b) == set(b.orders.values_list("id", flat=True))
    assert len(built) == 2 and a.pk not in built  # compiled once, for two stand-ins, never per customer


def test_a_read_whose_sql_changes_with_its_value_is_not_compiled_once(db):
    import pytest

    from kefu.core.union import compiled_once

    def limited_by(n: int):  # the value is the LIMIT: written into the SQL, not a parameter
        return Order.objects.values_list("id", "placed_at")[: abs(n) % 7]

    def transformed(n: int):  # a parameter, but also something made of it
        return Order.objects.filter(customer_id=n, external_id=f"o{n}").values_list("id", "placed_at")

    for build in (limited_by, transformed):
        with pytest.raises(ValueError):
            compiled_once(build.__name__, build, 1, using="default")
