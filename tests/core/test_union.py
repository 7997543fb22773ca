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
