"""The hand-worked RFM set (tests/customers/test_rfm.py works it out): twelve customers with orders
placed so that their recency, frequency and net amount are the table's, plus two that must not count."""

import itertools
from datetime import date, timedelta
from decimal import Decimal

from kefu.customers.models import Order, OrderKind
from kefu.customers.models import RfmSegment as S
from tests.factories import CustomerFactory, aware

AS_OF = date(2026, 6, 30)  # window of 365 local days: 2025-07-01 00:00 to 2026-07-01 00:00 (Shanghai)

# The hand-worked set: (days since the last order, orders, net amount) per customer c1…c12.
#
# R, days ascending: 1 3 3 7 15 40 60 90 150 200 250 330; n = 12, so the cut points are the values
#   at positions ⌈12·k/5⌉ = 3, 5, 8, 10 → (3, 15, 90, 200). Score = 6 − (1 + cut points exceeded):
#   1, 3, 3 → 5;  7, 15 → 4 (15 is not above 15);  40, 60, 90 → 3;  150, 200 → 2;  250, 330 → 1.
# F ascending: 1 1 1 1 2 2 4 6 7 8 9 12 → cuts (1, 2, 6, 8): 1 → 1; 2 → 2; 4, 6 → 3; 7, 8 → 4; 9, 12 → 5.
# M ascending: 60 80 100 120 150 150 900 2500 3500 4000 5000 6000 → cuts (100, 150, 2500, 4000):
#   60, 80, 100 → 1;  120, 150, 150 → 2 (the tie at 150 shares its score);  900, 2500 → 3;
#   3500, 4000 → 4;  5000, 6000 → 5.
# Means: R (5+5+5+4+4+3+3+3+2+2+1+1)/12 = 38/12 = 3.17 → high is 4 or 5;
#        F (5+1+5+2+3+4+1+4+1+2+3+1)/12 = 32/12 = 2.67 → high is 3 or more;
#        M (5+4+1+2+3+4+5+2+1+2+3+1)/12 = 33/12 = 2.75 → high is 3 or more.
HAND_WORKED = {
    #      R    F   M       → scores   segment
    "c1": (1, 12, 6000, (5, 5, 5), S.IMPORTANT_VALUE),
    "c2": (3, 1, 4000, (5, 1, 4), S.IMPORTANT_DEVELOP),
    "c3": (3, 9, 100, (5, 5, 1), S.GENERAL_VALUE),
    "c4": (7, 2, 150, (4, 2, 2), S.GENERAL_DEVELOP),
    "c5": (15, 6, 2500, (4, 3, 3), S.IMPORTANT_VALUE),
    "c6": (40, 8, 3500, (3, 4, 4), S.IMPORTANT_KEEP),  # 4,000 in orders less a refund of 500
    "c7": (60, 1, 5000, (3, 1, 5), S.IMPORTANT_WIN_BACK),
    "c8": (90, 7, 150, (3, 4, 2), S.GENERAL_KEEP),
    "c9": (150, 1, 80, (2, 1, 1), S.GENERAL_WIN_BACK),
    "c10": (200, 2, 120, (2, 2, 2), S.GENERAL_WIN_BACK),
    "c11": (250, 4, 900, (1, 3, 3), S.IMPORTANT_KEEP),
    "c12": (330, 1, 60, (1, 1, 1), S.GENERAL_WIN_BACK),
}


_ids = itertools.count(1)


def add_order(customer, at, amount, kind=OrderKind.ORDER):
    """One order (or refund, a negative amount) with a fresh external id."""
    return Order.objects.create(
        customer=customer,
        source="test",
        external_id=f"o{next(_ids)}",
        kind=kind,
        amount=Decimal(amount),
        placed_at=at,
    )


def add_orders_for(customer, recency: int, frequency: int, monetary: int) -> None:
    """`frequency` orders, the last `recency` days before AS_OF at 10:00, the earlier ones a day apart;
    1 元 each but the last, which carries the rest of `monetary`."""
    last_day = AS_OF - timedelta(days=recency)
    for i in range(frequency - 1):
        add_order(customer, aware(*(last_day - timedelta(days=i + 1)).timetuple()[:3], 10, 0), 1)
    add_order(customer, aware(*last_day.timetuple()[:3], 10, 0), monetary - (frequency - 1))


def build_hand_worked() -> dict:
    """The customers by name ("c1" … "c12", "refund only"), with their orders."""
    customers = {}
    for name, (recency, frequency, monetary, _scores, _segment) in HAND_WORKED.items():
        customer = CustomerFactory(name=name)
        customers[name] = customer
        if name == "c6":
            add_orders_for(customer, recency, frequency, monetary + 500)
            add_order(customer, aware(2026, 5, 25, 9, 0), -500, kind=OrderKind.REFUND)  # net 3,500
        elif name == "c4":
            # The last order at 00:30 local on 23 June (16:30 UTC on the 22nd): 7 local days, not 8.
            add_orders_for(customer, 8, 1, 1)
            add_order(customer, aware(2026, 6, 23, 0, 30), monetary - 1)
        else:
            add_orders_for(customer, recency, frequency, monetary)
    # Outside the window (23:30 local on 30 June 2025, the evening before it opens): not counted.
    add_order(customers["c12"], aware(2025, 6, 30, 23, 30), 9999)
    # Only a refund in the window: no order, so not scored.
    customers["refund only"] = CustomerFactory(name="refund only")
    add_order(customers["refund only"], aware(2026, 6, 1, 12, 0), -80, kind=OrderKind.REFUND)
    return customers
