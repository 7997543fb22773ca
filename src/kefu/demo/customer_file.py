"""The demo's customer file (客户档案): custom fields, filled records (some birthdays lunar), an
organisation with its contacts, likely duplicates (one pair merged, one left to merge), and an export
in the log — so the record, duplicates and privacy pages have something to show on first start."""

import random
from datetime import date, datetime, timedelta

from kefu.customers.merge import customer_merge
from kefu.customers.models import Customer, CustomField, Kind
from kefu.customers.privacy import customer_data_export, customer_list_export
from kefu.customers.services import customer_update

CUSTOM_FIELDS = [
    # code, label, kind, choices, required
    ("member_channel", "会员来源渠道", "choice", ["门店办卡", "网上商城", "会员活动", "朋友推荐"], False),
    ("car_model", "车型", "choice", ["轿车", "SUV", "新能源车", "无车"], False),
    ("yearly_spend", "年消费额（元）", "number", [], False),
    ("card_joined", "入会日期", "date", [], False),
]
INDUSTRIES = ["零售", "餐饮", "教育", "医疗", "互联网", "制造", "物流", "金融"]
COMPANIES = ["华联百货", "星河物业", "东方教育", "仁和医院", "蓝海科技", "顺达物流"]
INTERESTS = [
    "烘焙、亲子活动",
    "跑步、户外",
    "摄影、旅游",
    "美妆、时尚",
    "家电数码",
    "园艺、茶艺",
    "读书、书法",
]
TAGS = ["VIP", "老客户", "价格敏感", "投诉较多", "企业客户", "英语沟通", "生日关怀"]


def customer_file_demo_load(
    *, people: dict, customers: list[Customer], rng: random.Random, now: datetime
) -> dict:
    """Fill the demo's customer file through the same services the pages use; returns what it made."""
    for position, (code, label, kind, choices, required) in enumerate(CUSTOM_FIELDS):
        CustomField.objects.create(
            code=code, label=label, kind=kind, choices=choices, required=required, position=position
        )
    today = now.date()
    owners = [people["agent"], people["agent2"], people["supervisor"]]
    for i, customer in enumerate(customers[:60]):
        lunar = i % 4 == 0  # older customers often give their lunar (农历) birthday
        fields = {
            "gender": rng.choice(["female", "male"]),
            "birth_year": rng.randint(1955, 2002),
            "birth_month": rng.randint(1, 12),
            "birth_day": rng.randint(1, 28),
            "birthday_calendar": "lunar" if lunar else "solar",
            "interests": rng.choice(INTERESTS),
            "relationship": rng.randint(1, 5),
            "source": rng.choice(["phone", "web", "walk_in", "referral", "event"]),
            "customer_since": today - timedelta(days=rng.randint(60, 6 * 365)),
            "tags": rng.sample(TAGS[:5], rng.randint(0, 2)),
            "custom": {
                "member_channel": rng.choice(CUSTOM_FIELDS[0][3]),
                "car_model": rng.choice(CUSTOM_FIELDS[1][3]),
                "yearly_spend": rng.randrange(800, 60000, 100),
                "card_joined": (today - timedelta(days=rng.randint(30, 1500))).isoformat(),
            },
        }
        if customer.tier_id == "A":
            fields["owner"] = rng.choice(owners).pk  # 专人负责
        if i % 5 == 0:
            fields.update(company=rng.choice(COMPANIES), industry=rng.choice(INDUSTRIES))
        customer_update(customer=customer, today=today, **fields)
    # 2023 had a leap second month (闰二月): a lunar birthday in it.
    customer_update(
        customer=customers[0],
        birth_year=1965,
        birth_month=2,
        birth_day=3,
        birthday_calendar="lunar",
        birthday_leap_month=False,
        note="农历二月初三生日，每年提前一周问候。",
        today=today,
    )

    organisation = Customer.objects.create(name="星河物业有限公司", kind=Kind.ORGANISATION)
    customer_update(
        customer=organisation,
        company="星河物业有限公司",
        industry="物业管理",
        address="上海市浦东新区世纪大道 100 号",
        relationship=4,
        source="sales",
        customer_since=date(today.year - 4, 3, 1),
        tags=["企业客户", "VIP"],
        owner=people["supervisor"].pk,
        flags=["known_brand"],
        today=today,
    )
    contacts = [
        ("周建华", "行政经理", "13761234501", "zhou.jianhua@xinghe-pm.example.com"),
        ("吴晓丽", "采购主管", "13761234502", "wu.xiaoli@xinghe-pm.example.com"),
        (
            "陈爱米 Emily Chen",
            "设施协调员 · facilities coordinator",
            "13761234503",
            "emily.chen@xinghe-pm.example.com",
        ),
    ]
    for name, role, phone, email in contacts:
        contact = Customer.objects.create(name=name)
        customer_update(
            customer=contact,
            organisation=organisation.pk,
            company="星河物业有限公司",
            interests=role,
            phones=[phone],
            emails=[email],
            tags=["企业客户"] + (["英语沟通"] if "Emily" in name else []),
            today=today,
        )

    # Two pairs of likely duplicates: the same mobile typed in twice, and a near-identical name in the
    # same company. The supervisor has merged the first; the second waits on “可能重复的客户”.
    first = Customer.objects.create(name="陈晓燕")
    customer_update(customer=first, phones=["13955501234"], company="华联百货", today=today)
    again = Customer.objects.create(name="陈小燕")
    customer_update(
        customer=again,
        phones=["13955501234"],
        emails=["chenxy@example.com"],
        company="华联百货",
        note="来电登记时新建的记录。",
        today=today,
    )
    kept = Customer.objects.create(name="黄志强")
    customer_update(customer=kept, phones=["13688802345"], company="顺达物流", tier="B", today=today)
    duplicate = Customer.objects.create(name="黄智强")
    customer_update(
        customer=duplicate,
        phones=["18688802345"],
        company="顺达物流",
        address="顺达物流仓库 3 号门",
        today=today,
    )
    customer_merge(keep=kept, remove=duplicate, by=people["supervisor"], now=now - timedelta(days=2))

    # The manager exported the VIP list for a campaign and one customer's data on their request.
    customer_list_export(
        by=people["manager"],
        customers=Customer.objects.filter(tags__name="VIP"),
        what="VIP 客户名单（会员日活动）",
        file_format="xlsx",
        now=now - timedelta(days=1),
    )
    customer_data_export(customer=customers[1], by=people["manager"], now=now - timedelta(hours=5))
    return {"organisation": organisation.pk, "duplicate_left": again.pk}
