"""The demo's loyalty card (会员卡/积分卡): four levels with their rules, cards for a dozen customers,
points earned from their orders, a redemption, a gold card waiting for the supervisor's approval, and
the card and balance on the portal for the customer of the newest portal work order."""

from datetime import datetime, timedelta
from decimal import Decimal

from kefu.core.errors import ValidationError
from kefu.customers.loyalty import services
from kefu.customers.loyalty.selectors import points_balance
from kefu.customers.models import CardLevel, Customer, Order, PointsRule
from kefu.tickets.models import Channel, Ticket

#: (code, name, rank, criteria in Chinese and English, min points, min spend 元, needs approval, points per 元)
LEVELS = [
    ("normal", "普通卡", 1, "在册顾客均可申领。Any registered customer.", 0, "0", False, "1"),
    (
        "silver",
        "银卡",
        2,
        "近 12 个月消费满 3,000 元。3,000 yuan spent in the last 12 months.",
        0,
        "3000",
        False,
        "1.2",
    ),
    (
        "gold",
        "金卡",
        3,
        "近 12 个月消费满 10,000 元，主管审批。10,000 yuan in 12 months, approved by a supervisor.",
        0,
        "10000",
        True,
        "1.5",
    ),
    (
        "diamond",
        "钻石卡",
        4,
        "近 12 个月消费满 50,000 元且积分 5,000 以上，主管审批。50,000 yuan and 5,000 points, approved by a supervisor.",
        5000,
        "50000",
        True,
        "2",
    ),
]

#: What a card holder bought (描述 in Chinese, as the shop's system sends it) and for how much.
PURCHASES = [
    ("电饭煲 IH 4L / IH rice cooker", "699.00"),
    ("空气净化器 / Air purifier", "1899.00"),
    ("会员日零食礼包 / Snack gift box", "128.50"),
    ("洗衣机延保两年 / Washer extended warranty", "399.00"),
    ("破壁机 / High-speed blender", "1299.00"),
    ("冰箱 510L 对开门 / 510 L fridge", "5699.00"),
]


def _levels() -> dict[str, CardLevel]:
    levels = {}
    for code, name, rank, criteria, min_points, min_spend, approval, rate in LEVELS:
        level, _ = CardLevel.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "rank": rank,
                "criteria": criteria,
                "min_points": min_points,
                "min_spend": Decimal(min_spend),
                "needs_approval": approval,
            },
        )
        PointsRule.objects.get_or_create(
            level=level, active=True, defaults={"points_per_yuan": Decimal(rate)}
        )
        levels[code] = level
    return levels


def _buy(customer: Customer, n: int, count: int, now: datetime, big: bool = False) -> None:
    for k in range(count):
        what, amount = PURCHASES[(n + k) % len(PURCHASES)]
        if big:
            what, amount = PURCHASES[5]
        Order.objects.get_or_create(
            source="demo-card",
            external_id=f"DC-{customer.pk}-{k}",
            defaults={
                "customer": customer,
                "amount": Decimal(amount),
                "placed_at": now - timedelta(days=80 - 7 * k, hours=n % 9),
                "description": what,
            },
        )  # a new order earns its points as it is recorded (customers.loyalty.order_saved)


def loyalty_demo_load(*, people: dict, customers: list[Customer], now: datetime) -> dict:
    """Cards for the portal customer and eleven others; their own orders earn (or, when the demo
    has orders already, those do); returns what the newcomer can look at."""
    levels = _levels()
    agent = people["agent"]
    portal_ticket = (
        Ticket.objects.filter(channel=Channel.PORTAL, customer__isnull=False).order_by("-created_at").first()
    )
    holders = ([portal_ticket.customer] if portal_ticket else []) + [
        c for c in customers[:12] if not portal_ticket or c.pk != portal_ticket.customer_id
    ]
    holders = holders[:12]
    issued_at = now - timedelta(days=120)
    for customer in holders:
        services.card_request(customer=customer, level=levels["normal"], by=agent, now=issued_at)
    existing = Order.objects.filter(customer__in=holders).exclude(source="demo-card")
    if existing.exists():
        # The demo's orders came in as an import's batch would: they earn as one batch.
        services.points_earn_for_orders(order_ids=list(existing.values_list("id", flat=True)), now=now)
        for n in (1, 2):  # the two big spenders bought fridges this season, whatever else they bought
            _buy(holders[n], n, 2 + n % 3, now, big=True)
    else:
        for n, customer in enumerate(holders):
            _buy(customer, n, 2 + n % 3, now, big=n in (1, 2))
    # Two big spenders: one is upgraded to silver at once, one asks for gold and waits for the supervisor.
    silver, gold = holders[1], holders[2]
    waiting = None
    try:
        services.card_request(
            customer=silver, level=levels["silver"], by=agent, reason="消费满额升级", now=now
        )
        # 4 × 5,699 元: over the gold card's 10,000; the supervisor decides it on /customers/cards/.
        waiting = services.card_request(
            customer=gold,
            level=levels["gold"],
            by=agent,
            reason="老顾客，年消费超一万 / loyal, over 10,000 a year",
            now=now,
        )
    except ValidationError:  # the demo's orders came from elsewhere and fall short: no upgrade then
        pass
    # The portal customer redeemed part of their points for a gift at the service desk.
    portal_customer = holders[0]
    if points_balance(portal_customer.pk) >= 100:
        services.points_redeem(
            customer=portal_customer,
            points=100,
            reason="兑换保温杯 / redeemed for a thermos cup",
            by=agent,
            now=now,
        )
    return {
        "cards": len(holders),
        "gold_waiting": bool(waiting and waiting.pending),
        "portal_customer": portal_customer.pk,
        "portal_ticket": portal_ticket.number if portal_ticket else "",
    }
