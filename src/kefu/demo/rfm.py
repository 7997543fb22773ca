"""The demo's RFM (客户 RFM 细分): a year of the store's orders when no other part of the demo made
any (source "demo-rfm"), two snapshots a month apart so the movement chart shows something on first
start, and a care plan that calls the valuable customers who stopped buying (重要挽留)."""

import itertools
import random
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from kefu.callbacks.models import CallbackPlan, Script, Trigger
from kefu.callbacks.services import callback_plan_generate
from kefu.customers import rfm
from kefu.customers.models import Customer, Order, OrderKind, RfmSegment
from kefu.demo.callbacks import SCRIPT_NAME

SOURCE = "demo-rfm"
#: What the store sells (the demo is a department store): (item, lowest, highest price in 元).
ITEMS = [
    ("电饭煲", 299, 899),
    ("空气净化器", 1299, 3999),
    ("羽绒服", 599, 2599),
    ("儿童推车", 899, 2999),
    ("扫地机器人", 1499, 4599),
    ("茶叶礼盒", 168, 688),
    ("运动鞋", 399, 1299),
    ("护肤品套装", 258, 1580),
    ("超市购物", 45, 320),
    ("咖啡豆", 68, 198),
    ("笔记本电脑", 4999, 11999),
    ("真皮沙发", 6999, 15999),
]
#: Kinds of customer and how they buy: (share, orders (lowest, highest), days back (from, to), price scale).
#: The scale picks from the cheap or the dear end of the items' prices.
PROFILES = {
    "loyal": (0.12, (6, 14), (1, 360), "dear"),  # 重要价值
    "new_big": (0.08, (1, 2), (1, 45), "dear"),  # 重要发展
    "lapsed_loyal": (0.10, (5, 10), (120, 360), "dear"),  # 重要保持
    "lapsed_big": (0.08, (1, 2), (150, 350), "dear"),  # 重要挽留
    "regular_small": (0.14, (6, 12), (1, 200), "cheap"),  # 一般价值
    "new_small": (0.12, (1, 2), (1, 50), "cheap"),  # 一般发展
    "fading_small": (0.10, (4, 8), (150, 330), "cheap"),  # 一般保持
    "gone": (0.14, (1, 2), (200, 360), "cheap"),  # 一般挽留
    "none": (0.12, (0, 0), (0, 0), "cheap"),  # no order: not scored
}
#: Customers who come back in the last month (a lapsed one buys again: the movement chart shows it).
COMEBACK_SHARE = 0.35


def _price(rng: random.Random, scale: str) -> tuple[str, Decimal]:
    item, low, high = rng.choice(ITEMS[:10] if scale == "cheap" else ITEMS)
    if scale == "cheap":
        high = low + (high - low) // 3
    return item, Decimal(rng.randint(low, high))


def _orders_of(customer: Customer, profile: str, rng: random.Random, now: datetime, serial) -> list[Order]:
    _share, (fewest, most), (nearest, farthest), scale = PROFILES[profile]
    orders = []
    for _ in range(rng.randint(fewest, most)):
        at = now - timedelta(
            days=rng.randint(nearest, farthest), hours=rng.randint(0, 10), minutes=rng.randint(0, 59)
        )
        item, amount = _price(rng, scale)
        orders.append(
            Order(
                customer=customer, source=SOURCE, external_id=f"RFM{next(serial):06d}", kind=OrderKind.ORDER,
                amount=amount, placed_at=at, description=item,
            )
        )  # fmt: skip
    if profile.startswith(("lapsed", "gone")) and rng.random() < COMEBACK_SHARE:
        at = now - timedelta(days=rng.randint(1, 25), hours=rng.randint(0, 8))
        item, amount = _price(rng, scale)
        orders.append(
            Order(
                customer=customer, source=SOURCE, external_id=f"RFM{next(serial):06d}", kind=OrderKind.ORDER,
                amount=amount, placed_at=at, description=f"{item}（回购）",
            )
        )  # fmt: skip
    return orders


def _refunds(orders: list[Order], rng: random.Random, now: datetime, serial) -> list[Order]:
    """About one order in thirty is returned within a week: a refund of all or half of it."""
    refunds = []
    for order in orders:
        if rng.random() < 1 / 30:
            at = min(order.placed_at + timedelta(days=rng.randint(1, 7)), now - timedelta(minutes=5))
            share = rng.choice([Decimal(1), Decimal("0.5")])
            refunds.append(
                Order(
                    customer=order.customer, source=SOURCE, external_id=f"RFM{next(serial):06d}",
                    kind=OrderKind.REFUND, refund_of=order, amount=-(order.amount * share).quantize(Decimal("0.01")),
                    placed_at=at, description=f"退货：{order.description}",
                )
            )  # fmt: skip
    return refunds


def rfm_demo_load(*, customers: list[Customer], team, now: datetime, seed: int = 14) -> dict:
    """Orders for the demo customers (only if there are none yet), the RFM snapshots of a month ago
    and of today, and the "重要挽留" care plan with its calls; returns what it made."""
    rng = random.Random(seed)
    made = 0
    if not Order.objects.exists():
        serial = itertools.count(1)
        names, weights = zip(*((name, spec[0]) for name, spec in PROFILES.items()), strict=True)
        orders = []
        for customer in customers:
            orders += _orders_of(customer, rng.choices(names, weights=weights)[0], rng, now, serial)
        Order.objects.bulk_create(orders)
        refunds = _refunds(orders, rng, now, serial)
        Order.objects.bulk_create(refunds)
        made = len(orders) + len(refunds)
    today = timezone.localdate(now)
    month_ago = rfm.rfm_recompute(as_of=today - timedelta(days=30), now=now)
    current = rfm.rfm_recompute(as_of=today, now=now)
    plan = CallbackPlan.objects.create(
        name="重要挽留客户关怀", trigger=Trigger.CARE, rfm_segments=[RfmSegment.IMPORTANT_WIN_BACK],
        period_days=30, script=Script.objects.get(name=SCRIPT_NAME), team=team, due_minutes=3 * 13 * 60,
    )  # fmt: skip
    calls = callback_plan_generate(plan=plan, now=now)
    return {
        "orders": made,
        "rfm_scored": current.scored,
        "rfm_scored_month_ago": month_ago.scored,
        "rfm_calls": calls,
    }
