"""The demo's orders, payments and value tiers (issue 14, parts 3 and 4): a year and a quarter of
purchases at the store and on its online shop, a few refunds, an order file imported by the
supervisor (with two lines to look at), the ladder evaluated so some customers are A with their
reasons, a tier set by hand, and one A customer still waiting for a responsible person (专人负责).
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from kefu.customers.imports import import_job_run, import_job_start
from kefu.customers.models import Customer, Order, OrderKind, Payment
from kefu.customers.orders import order_record, payment_record
from kefu.customers.tier_actions import tier_override_set
from kefu.customers.tiers import tiers_recompute

# What the store sells (description, lowest and highest price in 元).
GOODS = [
    ("美的电饭煲 MB-FB40", 299, 499),
    ("海尔冰箱 BCD-470", 3299, 4599),
    ("格力空调 KFR-35GW", 2899, 4299),
    ("华为 Mate 70 手机", 5499, 6999),
    ("联想小新笔记本电脑", 4299, 5999),
    ("顾家布艺沙发", 3999, 8999),
    ("小天鹅洗衣机 TG100", 1999, 2999),
    ("乐高积木 城市系列", 199, 899),
    ("会员超市购物", 88, 680),
    ("羽绒服（冬季新款）", 699, 1999),
]
# Company purchases (团购) that make a customer an A customer by ARPU or payments.
BULK = [("员工福利团购（礼品卡）", 18000, 30000), ("办公室空调整体采购", 22000, 42000)]
METHODS = ["微信支付", "支付宝", "银行卡", "对公转账"]
IMPORTED = """订单号,手机,金额,下单时间,商品
POS-20261101-001,{phone},1299.00,2026-11-01 10:32,羽绒服（冬季新款）
POS-20261101-002,{phone},abc,2026-11-01 11:05,乐高积木 城市系列
POS-20261102-003,13900000000,599,2026-11-02 15:40,美的电饭煲 MB-FB40
POS-20261103-004,{phone},2999,2026-11-03 19:12,小天鹅洗衣机 TG100
"""


def tiers_demo_load(*, customers: list[Customer], people: dict, rng: random.Random, now: datetime) -> dict:
    """Orders and payments for the demo customers, then the ladder; returns what it made."""
    zone = timezone.get_default_timezone()
    today = timezone.localtime(now, zone).date()
    orders, payments = [], []
    for i, customer in enumerate(customers):
        # Tenure: most came in the last two years, a few long-standing members (3+ years: A, 2+: B).
        customer.customer_since = today - timedelta(days=rng.choice([120, 300, 500, 650, 800, 1200, 1500]))
        customer.save(update_fields=["customer_since"])
        goods = [*GOODS, *BULK] if i % 17 == 5 else GOODS
        for n in range(rng.randint(0, 8)):
            description, low, high = rng.choice(goods)
            placed = now - timedelta(days=rng.randint(1, 450), hours=rng.randint(0, 10))
            amount = Decimal(rng.randint(low, high)).quantize(Decimal("1.00"))
            source = "shop" if n % 2 else "pos"
            order = Order(customer=customer, source=source, external_id=f"{source.upper()}-{customer.pk:05d}-{n:02d}",
                          amount=amount, placed_at=placed, description=description)  # fmt: skip
            orders.append(order)
            payments.append((order, placed + timedelta(hours=rng.randint(0, 48)), rng.choice(METHODS)))
    Order.objects.bulk_create(orders)
    Payment.objects.bulk_create(
        Payment(customer=o.customer, source=o.source, external_id=f"PAY-{o.external_id}", order=o,
                amount=o.amount, paid_at=min(at, now), method=method)
        for o, at, method in payments
    )  # fmt: skip
    # A few refunds, through the service that checks what is left to refund.
    refunds = 0
    for order in [o for o in orders if o.amount > 1000][:4]:
        part = order.amount if refunds % 2 else (order.amount / 2).quantize(Decimal("1.00"))
        at = order.placed_at + timedelta(days=3)
        done = order_record(customer=order.customer, source=order.source, external_id=f"RF-{order.external_id}",
                            amount=part, placed_at=at, kind=OrderKind.REFUND, refund_of=order.external_id,
                            description="七天无理由退货" if refunds % 2 else "质量问题部分退款")  # fmt: skip
        payment_record(customer=order.customer, source=order.source, external_id=f"PAY-RF-{order.external_id}",
                       amount=-part, paid_at=at + timedelta(days=1), method="原路退回")  # fmt: skip
        refunds += done.created
    # Referrals: one member brought three friends (A), another one (B).
    for friend in customers[1:4]:
        friend.referred_by = customers[0]
        friend.save(update_fields=["referred_by"])
    customers[5].referred_by = customers[4]
    customers[5].save(update_fields=["referred_by"])
    customers[6].flags = ["deputy"]  # a city people's congress deputy, entered by hand
    customers[6].save(update_fields=["flags"])
    # The supervisor imports the store's POS export: two lines are refused (a bad amount, a phone
    # nobody has), the others are in.
    data = IMPORTED.format(phone=customers[7].primary_phone).encode("gb18030")
    job = import_job_start(source="pos-export", kind="orders", file_name="门店收银导出-11月.csv", data=data,
                           by=people["supervisor"], queue=False)  # fmt: skip
    import_job_run(job_id=job.pk)
    recomputed = tiers_recompute(by=None, now=now)
    # The manager keeps a corporate client on A whatever its figures this year, for six months.
    kept = next(c for c in customers[10:] if Customer.objects.get(pk=c.pk).tier_id != "A")
    tier_override_set(customer=kept, tier="A", reason="集团客户，合同约定按 A 类服务 · corporate contract",
                      expires_on=today + timedelta(days=182), by=people["manager"], now=now)  # fmt: skip
    # Responsible persons for the A customers, but one (the newest A) is still waiting for one.
    a_customers = list(Customer.objects.filter(tier_id="A").order_by("id"))
    carers = [people["agent"], people["agent2"]]
    for i, customer in enumerate(a_customers[:-1]):
        Customer.objects.filter(pk=customer.pk).update(owner=carers[i % 2])
    return {
        "orders": len(orders) + refunds,
        "payments": len(payments) + refunds,
        "tier_changes": recomputed.changed,
    }
