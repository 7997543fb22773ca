"""Demo data that makes Kefu understandable at first sight (the `kefu_demo` command; `kefu run` loads
it into an empty database). It sits at the top of the app layers: it may use every app.

A department-store service center (百货商场客服中心) with its departments, a dozen staff in every
role, customers, categories, SLA policies on a day + evening calendar, and a few hundred work
orders spread over every state, some breaching. Work orders are made through the same services
agents use, with `now` moved into the past, so every timeline, clock and escalation is real.
"""

import random
from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from kefu.accounts.models import AgentGroup, Department, Role, Skill, User
from kefu.core.models import BusinessCalendar, Shift
from kefu.customers.models import Customer, CustomerEmail, CustomerPhone, Tier
from kefu.intake.chat.demo import chat_demo_load
from kefu.tickets.models import (
    Category,
    Channel,
    Dispatch,
    EscalationSettings,
    Priority,
    Severity,
    SlaPolicy,
    Status,
    TicketType,
)
from kefu.tickets.services import (
    dispatch_reply,
    message_receive,
    sla_sweep,
    ticket_create,
    ticket_dispatch,
    ticket_merge,
    ticket_transition,
)

DEMO_PASSWORD = "kefu1234"

# (username, display name, role, department code, superior username, groups)
STAFF = [
    ("gm", "王建国", Role.GENERAL_MANAGER, "center", None, []),
    ("manager", "李敏", Role.MANAGER, "center", "gm", []),
    ("supervisor", "张伟", Role.SUPERVISOR, "center", "manager", ["热线一组", "热线二组"]),
    ("agent", "刘洋", Role.AGENT, "center", "supervisor", ["热线一组"]),
    ("agent2", "陈静", Role.AGENT, "center", "supervisor", ["热线一组"]),
    ("agent3", "杨帆", Role.AGENT, "center", "supervisor", ["热线二组"]),
    ("agent4", "赵磊", Role.AGENT, "center", "supervisor", ["热线二组"]),
    ("qa", "周婷", Role.QA, "center", "manager", []),
    ("logistics", "吴强", Role.DEPARTMENT_STAFF, "logistics", "logistics_head", []),
    ("logistics_head", "郑华", Role.MANAGER, "logistics", "gm", []),
    ("repair", "孙悦", Role.DEPARTMENT_STAFF, "repair", "gm", []),
    ("store", "何佳", Role.DEPARTMENT_STAFF, "store", "gm", []),
    ("admin", "系统管理员", Role.ADMIN, "center", None, []),
]

DEMO_LOGINS = [
    ("agent", DEMO_PASSWORD, "客服代表 Agent"),
    ("supervisor", DEMO_PASSWORD, "客服主管 Supervisor"),
    ("manager", DEMO_PASSWORD, "客服经理 Manager"),
    ("gm", DEMO_PASSWORD, "总经理 General manager"),
    ("qa", DEMO_PASSWORD, "质检员 QA inspector"),
    ("logistics", DEMO_PASSWORD, "协同部门 Department staff (物流部)"),
    ("admin", DEMO_PASSWORD, "管理员 Administrator (also /admin/)"),
]

DEPARTMENTS = [
    ("center", "客服中心", None, True),
    ("logistics", "物流配送部", None, False),
    ("repair", "售后维修部", None, False),
    ("store", "门店运营部", None, False),
    ("finance", "财务部", None, False),
    ("quality", "商品质量部", None, False),
]

CATEGORIES = {
    TicketType.CONSULTATION: [
        "商品信息",
        "价格与优惠",
        "会员与积分",
        "订单查询",
        "配送时效",
        "支付方式",
        "发票开具",
        "售后政策",
        "门店地址与营业时间",
        "停车服务",
        "活动规则",
        "账户安全",
        "预约服务",
        "退换货规则",
        "保修政策",
        "礼品卡",
        "企业采购",
        "其他咨询",
    ],
    TicketType.COMPLAINT: [
        "服务态度",
        "商品质量",
        "物流配送",
        "价格争议",
        "售后维修",
        "退款进度",
        "虚假宣传",
        "环境设施",
    ],
    TicketType.SUGGESTION: ["服务流程", "商品品类", "门店环境", "线上商城"],
    TicketType.PRAISE: ["服务人员", "售后服务"],
    TicketType.REPAIR: ["家电", "数码", "家具"],
    TicketType.RETURN: ["七天无理由", "质量问题退货", "换货"],
    TicketType.OTHER: ["其他"],
}

TEXTS = {
    TicketType.COMPLAINT: [
        (
            "快递三天没更新物流信息",
            "我上周五下的订单，物流信息三天没有更新，打了快递电话也没人接，到底什么时候能送到？",
            "尽快送货，给个准确时间",
            "logistics",
        ),
        (
            "收银员态度恶劣",
            "今天下午在一楼收银台结账，收银员态度很差，问她问题直接说不知道，还翻白眼。",
            "要求道歉并处理该员工",
            "store",
        ),
        (
            "新买的电饭煲用了两天就坏了",
            "上周在三楼家电区买的电饭煲，用了两天就不加热了，这个质量太差了。",
            "换新的或者退款",
            "quality",
        ),
        (
            "退款一周了还没到账",
            "我申请退款已经一周了，系统显示已退款，但是银行卡一直没收到钱。",
            "尽快退款到账",
            "finance",
        ),
        (
            "维修师傅上门迟到两小时",
            "约好上午十点上门修空调，师傅十二点才到，也没有提前打电话说明。",
            "要求给个说法，补偿",
            "repair",
        ),
        (
            "促销价格和结账价格不一致",
            "货架上标的促销价是199元，结账的时候按299元收的，导购说活动结束了但标签没换。",
            "退还差价",
            "store",
        ),
        (
            "送货上门时把家具磕坏了",
            "今天送来的衣柜侧面有明显磕痕，送货员说是出厂就有的，我不认可。",
            "换一个新的衣柜",
            "logistics",
        ),
        ("商场洗手间卫生太差", "四楼洗手间没有纸，地面很脏，味道很大，希望管理一下。", "尽快整改", "store"),
        (
            "会员积分被清零",
            "我的会员积分突然被清零了，之前有两万多积分，没有收到任何通知。",
            "恢复积分",
            "finance",
        ),
        ("手机屏幕有坏点", "刚买的手机屏幕右上角有一个亮点，要求换货被门店拒绝了。", "换货", "quality"),
    ],
    TicketType.CONSULTATION: [
        ("周末营业时间", "请问这周末商场几点开门，几点关门？地下停车场收费吗？", "", ""),
        ("发票怎么开", "网上下单的商品怎么开增值税专用发票，需要提供什么资料？", "", ""),
        ("积分怎么兑换", "会员积分可以兑换什么礼品，积分有没有有效期？", "", ""),
        ("订单什么时候发货", "我昨天下的订单显示待发货，一般多久能发货？", "", ""),
        ("礼品卡能不能在线上用", "商场的礼品卡能不能在网上商城使用？余额怎么查？", "", ""),
        ("空调保修多久", "在你们这里买的空调保修几年，压缩机是单独保修吗？", "", ""),
    ],
    TicketType.SUGGESTION: [
        ("建议增加母婴室", "三楼儿童区附近没有母婴室，带孩子很不方便，建议增加一个。", "", ""),
        ("线上商城希望支持到店自提", "希望网上下单可以选择到门店自提，这样不用等快递。", "", ""),
    ],
    TicketType.PRAISE: [
        ("表扬家电区导购小李", "家电区的导购小李非常耐心，帮我比较了好几款冰箱，服务很专业。", "", ""),
        ("维修师傅很专业", "今天上门的维修师傅很专业，很快就修好了洗衣机，还帮忙清理了现场。", "", ""),
    ],
    TicketType.REPAIR: [
        ("洗衣机不排水", "家里的滚筒洗衣机洗完衣服不排水，显示故障代码E21。", "上门维修", "repair"),
        ("电视机无法开机", "去年买的电视机突然无法开机，指示灯一直闪。", "尽快上门", "repair"),
    ],
    TicketType.RETURN: [
        ("衣服尺码不合适要换货", "网上买的外套尺码偏小，想换大一号，吊牌还在。", "换大一码", "store"),
        ("七天无理由退货", "收到的蓝牙耳机不喜欢，还没拆封，申请七天无理由退货。", "退货退款", "logistics"),
    ],
    TicketType.OTHER: [("失物招领", "昨天在五楼餐厅丢了一个黑色钱包，请问有没有人捡到？", "", "")],
}

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
)
GIVEN = [
    "伟",
    "芳",
    "娜",
    "秀英",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀兰",
    "霞",
    "平",
    "刚",
    "桂英",
    "子涵",
    "欣怡",
    "浩然",
    "梓轩",
    "雨桐",
    "宇轩",
    "思远",
]
PLACES = [
    "一楼收银台",
    "二楼女装区A12",
    "三楼家电区",
    "四楼儿童区",
    "五楼餐饮区",
    "地下停车场B2",
    "网上商城",
    "服务台",
]


def _customers(rng: random.Random, count: int) -> list[Customer]:
    customers = []
    for i in range(count):
        name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        tier = rng.choices(Tier.values, weights=[70, 15, 10, 5])[0]
        customer = Customer.objects.create(name=name, tier=tier)
        CustomerPhone.objects.create(
            customer=customer,
            number=f"1{rng.choice(('38', '39', '58', '89'))}{rng.randrange(10**9):09d}"[:11],
        )
        if i % 3 == 0:
            CustomerEmail.objects.create(customer=customer, address=f"customer{i}@example.com")
        customers.append(customer)
    return customers


def _organisation() -> dict[str, User]:
    departments = {}
    for code, name, _parent, is_center in DEPARTMENTS:
        departments[code] = Department.objects.create(code=code, name=name, is_service_center=is_center)
    for name in ["投诉处理", "家电", "会员", "英语"]:
        Skill.objects.create(name=name)
    groups = {
        name: AgentGroup.objects.create(name=name, department=departments["center"])
        for name in ["热线一组", "热线二组"]
    }
    users: dict[str, User] = {}
    for username, display, role, dept, _superior, group_names in STAFF:
        user = User(
            username=username,
            display_name=display,
            role=role,
            department=departments[dept],
            email=f"{username}@kefu.example",
            employee_no=f"K{len(users) + 1001}",
            is_staff=role == Role.ADMIN,
            is_superuser=role == Role.ADMIN,
        )
        user.set_password(DEMO_PASSWORD)
        user.save()
        users[username] = user
        for name in group_names:
            groups[name].members.add(user)
    for username, _display, _role, _dept, superior, _groups in STAFF:
        if superior:
            User.objects.filter(username=username).update(superior=users[superior])
    for group in groups.values():
        group.leader = users["supervisor"]
        group.save()
    heads = {
        "center": "gm",
        "logistics": "logistics_head",
        "repair": "gm",
        "store": "gm",
        "finance": "gm",
        "quality": "gm",
    }
    for code, head in heads.items():
        departments[code].head = users[head]
        departments[code].save()
    board = User(
        username="board", display_name="集团董事会", role=Role.GENERAL_MANAGER, email="board@kefu.example"
    )
    board.set_password(DEMO_PASSWORD)
    board.save()
    settings_row = EscalationSettings.load()
    settings_row.board_contact = board
    settings_row.save()
    return {**{u.username: User.objects.get(pk=u.pk) for u in users.values()}, "_departments": departments}


def policies_load() -> None:
    """The demo's business calendar (早班 + 晚班), its SLA policies and categories (the benchmarks use
    them too)."""
    calendar = BusinessCalendar.objects.create(name="客服中心日历（早班+晚班）", is_default=True)
    Shift.objects.create(calendar=calendar, name="早班", start=time(9, 0), end=time(16, 30))
    Shift.objects.create(calendar=calendar, name="晚班", start=time(16, 0), end=time(22, 30))
    common = {"calendar": calendar, "repeat_escalation_minutes": 240}
    SlaPolicy.objects.create(
        name="默认",
        first_response_minutes=30,
        resolution_minutes=3 * 13 * 60,
        callback_minutes=24 * 60,
        **common,
    )
    SlaPolicy.objects.create(
        name="咨询：4 小时答复",
        ticket_type=TicketType.CONSULTATION,
        first_response_minutes=30,
        resolution_minutes=4 * 60,
        **common,
    )
    SlaPolicy.objects.create(
        name="投诉：24 工作小时办结",
        ticket_type=TicketType.COMPLAINT,
        first_response_minutes=15,
        resolution_minutes=24 * 60,
        callback_minutes=24 * 60,
        **common,
    )
    SlaPolicy.objects.create(
        name="重大投诉：8 工作小时办结",
        ticket_type=TicketType.COMPLAINT,
        severity=Severity.MAJOR,
        first_response_minutes=10,
        resolution_minutes=8 * 60,
        callback_minutes=8 * 60,
        **common,
    )
    SlaPolicy.objects.create(
        name="VIP 投诉：12 工作小时办结",
        ticket_type=TicketType.COMPLAINT,
        customer_tier=Tier.VIP,
        first_response_minutes=10,
        resolution_minutes=12 * 60,
        callback_minutes=12 * 60,
        **common,
    )
    for ticket_type, names in CATEGORIES.items():
        for position, name in enumerate(names):
            Category.objects.create(ticket_type=ticket_type, name=name, position=position)


# The state each demo work order is walked to, with its weight.
TARGETS = [
    ("new", 8),
    ("accepted", 8),
    ("in_progress", 14),
    ("waiting_customer", 4),
    ("dispatched", 12),
    ("department_replied", 6),
    ("resolved", 8),
    ("awaiting_callback", 8),
    ("closed", 26),
    ("cancelled", 2),
    ("merged", 2),
    ("reopened", 2),
]


def _walk(
    ticket,
    target: str,
    users: dict,
    departments: dict,
    dept_code: str,
    at: datetime,
    rng: random.Random,
    ceiling: datetime,
):
    """Drive one work order to `target` through the services, each step a little later (never in the future)."""

    owner = ticket.owner

    def later(minutes: int) -> datetime:
        nonlocal at
        at = min(at + timedelta(minutes=rng.randint(minutes // 2 + 1, minutes + 1)), ceiling)
        return at

    if target == "new":
        return
    if target == "cancelled":
        ticket_transition(
            ticket=ticket,
            action="cancel",
            by=users["supervisor"],
            note="客户来电说明已自行解决，撤销工单",
            now=later(20),
        )
        return
    if ticket.status == Status.NEW:
        ticket = ticket_transition(ticket=ticket, action="accept", by=owner or users["agent"], now=later(10))
        owner = ticket.owner
    if target == "accepted":
        return
    ticket = ticket_transition(ticket=ticket, action="start", by=owner, now=later(30))
    if target == "in_progress":
        return
    if target == "waiting_customer":
        ticket_transition(
            ticket=ticket, action="wait_customer", by=owner, note="请客户补充订单截图", now=later(60)
        )
        return
    if target == "merged":
        other = (
            type(ticket)
            .objects.filter(customer=ticket.customer)
            .exclude(pk=ticket.pk)
            .filter(status__in=[Status.IN_PROGRESS, Status.ACCEPTED])
            .first()
        )
        if other is not None:
            ticket_merge(
                ticket=ticket, into=other, by=users["supervisor"], note="同一客户重复来电", now=later(30)
            )
            return
        ticket_transition(
            ticket=ticket, action="cancel", by=users["supervisor"], note="重复登记", now=later(30)
        )
        return
    if dept_code and target in (
        "dispatched",
        "department_replied",
        "resolved",
        "awaiting_callback",
        "closed",
        "reopened",
    ):
        department = departments[dept_code]
        dispatches = ticket_dispatch(
            ticket=ticket,
            by=owner,
            department_ids=[department.pk],
            instructions="请核实情况并在期限内回复处理结果",
            now=later(60),
        )
        if target == "dispatched":
            return
        staff = department.members.filter(role=Role.DEPARTMENT_STAFF).first() or department.head
        dispatch_reply(
            dispatch=Dispatch.objects.get(pk=dispatches[0].pk),
            by=staff,
            reply="已核实，已与客户联系并处理完毕：补发商品/安排上门，客户表示认可。",
            now=later(600),
        )
        if target == "department_replied":
            return
    elif target == "dispatched":
        return
    ticket = type(ticket).objects.get(pk=ticket.pk)
    ticket = ticket_transition(
        ticket=ticket, action="resolve", by=owner, note="已向客户反馈处理结果，客户表示接受。", now=later(120)
    )
    if target == "resolved":
        return
    ticket = ticket_transition(ticket=ticket, action="request_callback", by=owner, now=later(30))
    if target == "awaiting_callback":
        return
    if target == "reopened":
        ticket_transition(
            ticket=ticket, action="reopen", by=owner, note="回访时客户表示问题未解决，不满意", now=later(600)
        )
        return
    ticket_transition(ticket=ticket, action="close", by=owner, note="回访满意", now=later(600))


@transaction.atomic
def load_demo(*, tickets: int = 300, seed: int = 20261123, now: datetime | None = None) -> dict:
    """Create the demo center. Refuses to run twice (staff already exist)."""

    if User.objects.exists():
        return {"skipped": True}
    now = now or timezone.now()
    rng = random.Random(seed)
    policies_load()
    people = _organisation()
    departments = people.pop("_departments")
    customers = _customers(rng, 120)
    agents = [people[n] for n in ("agent", "agent2", "agent3", "agent4")]
    categories = {t: list(Category.objects.filter(ticket_type=t)) for t in TicketType.values}
    type_weights = [
        (TicketType.COMPLAINT, 40),
        (TicketType.CONSULTATION, 30),
        (TicketType.REPAIR, 8),
        (TicketType.RETURN, 8),
        (TicketType.SUGGESTION, 6),
        (TicketType.PRAISE, 5),
        (TicketType.OTHER, 3),
    ]
    channel_weights = [
        (Channel.PHONE, 45),
        (Channel.WALK_IN, 12),
        (Channel.PORTAL, 12),
        (Channel.EMAIL, 8),
        (Channel.CHAT, 12),
        (Channel.LETTER, 2),
        (Channel.REGULATOR, 3),
        (Channel.MEDIA, 1),
        (Channel.SMS, 3),
        (Channel.ONSITE, 2),
    ]
    made = 0
    for i in range(tickets):
        ticket_type = rng.choices([t for t, _ in type_weights], weights=[w for _, w in type_weights])[0]
        channel = rng.choices([c for c, _ in channel_weights], weights=[w for _, w in channel_weights])[0]
        title, content, demands, dept_code = rng.choice(TEXTS[ticket_type])
        customer = rng.choice(customers)
        target = rng.choices([t for t, _ in TARGETS], weights=[w for _, w in TARGETS])[0]
        # Older work orders are further along; the newest are still open.
        age_days = rng.uniform(0, 2) if target in ("new", "accepted") else rng.uniform(0.5, 28)
        created = now - timedelta(days=age_days, minutes=rng.randint(0, 600))
        agent = rng.choice(agents)
        self_service = channel in (Channel.PORTAL, Channel.EMAIL)
        severity = (
            Severity.MAJOR
            if ticket_type == TicketType.COMPLAINT and rng.random() < 0.08
            else Severity.GENERAL
        )
        subject_person = (
            people["agent3"] if ticket_type == TicketType.COMPLAINT and "态度" in title and i % 2 else None
        )
        ticket = ticket_create(
            by=None if self_service else agent,
            ticket_type=ticket_type,
            channel=channel,
            title=title,
            content=content,
            demands=demands,
            customer_name=customer.name,
            customer_phone=customer.primary_phone,
            category_id=rng.choice(categories[ticket_type]).pk,
            severity=severity,
            priority=Priority.HIGH
            if severity == Severity.MAJOR
            else rng.choice([Priority.NORMAL, Priority.NORMAL, Priority.HIGH, Priority.LOW]),
            location=rng.choice(PLACES),
            subject_person_id=subject_person.pk if subject_person else None,
            subject_product="电饭煲" if "电饭煲" in title else "",
            group_id=agent.agent_groups.first().pk,
            channel_details=_demo_channel_details(channel, created, rng, i),
            now=created,
        ).ticket
        if channel in (Channel.PORTAL, Channel.EMAIL, Channel.CHAT, Channel.SMS):
            # What the customer wrote, as the channel delivered it: the start of the conversation.
            message_receive(
                ticket=ticket,
                channel=channel,
                body_text=f"{content}\n{demands}",
                subject=title if channel == Channel.EMAIL else "",
                author_name=customer.name,
                address=customer.primary_phone,
                external_id=f"demo-{i}",
                now=created,
            )
        if self_service and target not in ("new", "cancelled"):
            accepted_at = min(created + timedelta(minutes=rng.randint(5, 90)), now - timedelta(minutes=1))
            ticket = ticket_transition(ticket=ticket, action="accept", by=agent, now=accepted_at)
        _walk(
            ticket,
            target,
            people,
            departments,
            dept_code,
            created + timedelta(minutes=5),
            rng,
            ceiling=now - timedelta(minutes=1),
        )
        made += 1
    swept = sla_sweep(now=now)
    chat_demo_load()
    return {"skipped": False, "tickets": made, "customers": len(customers), **swept}


def _demo_channel_details(channel: str, created: datetime, rng: random.Random, i: int) -> dict:
    """The facts each manual channel asks for (kefu.intake.manual.facts), as a desk would record them."""
    day = timezone.localtime(created).date()
    if channel == Channel.WALK_IN:
        return {
            "service_desk": rng.choice(["一楼总服务台", "三楼服务台", "会员中心"]),
            "visitor_count": rng.choice([1, 1, 2]),
        }
    if channel == Channel.LETTER:
        return {
            "received_on": (day - timedelta(days=rng.randint(0, 3))).isoformat(),
            "sender_address": rng.choice(["北京市朝阳区建国路88号", "上海市徐汇区漕溪北路18号"]),
            "letter_reference": f"XF-{day:%Y%m}-{i:03d}",
        }
    if channel == Channel.MEDIA:
        return {
            "outlet": "城市晚报",
            "link": "https://news.example.cn/2026/consumer.html",
            "published_on": day.isoformat(),
            "reporter": "李记者",
        }
    if channel == Channel.REGULATOR:
        return {
            "body": rng.choice(["12315", "市消费者协会"]),
            "reference_number": f"12315-{day:%Y%m%d}-{i:04d}",
            "answer_by": (day + timedelta(days=7)).isoformat(),
            "contact_person": "王科长",
        }
    if channel == Channel.TRANSFER:
        return {"from_department": "市场部", "reference": f"ZB-{i:04d}"}
    return {}
