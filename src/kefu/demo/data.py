"""Demo data that makes Kefu understandable at first sight (the `kefu_demo` command; `kefu run` loads
it into an empty database). It sits at the top of the app layers: it may use every app.

A department-store service center (百货商场客服中心) with its departments (each with a head of its
own), staff in every role, customers, categories, SLA policies on a day + evening calendar, and a few
hundred work orders over the last four weeks, in every state. Every feature has something in it on
first start (tests/demo checks each):

* work orders (this module): those still being handled are young, well inside their SLA, except a
  handful made overdue on purpose, so the escalation ladder shows a few escalations, not hundreds;
  finished ones spread over the month; each has the category an agent would pick for its text;
* callbacks and satisfaction (kefu.demo.callbacks): a plan per kind of work order, a month of
  callbacks and survey answers replayed in time order, today's callbacks waiting in the queue;
* the service standard (kefu.demo.standard): phrase rules, scripts with variables, a case library;
* calls and chats (kefu.demo.contacts): a month of the hotline's call log, imported, each phone work
  order linked to its call, and finished live chats;
* quality inspection (kefu.demo.quality): hotline, chat and callback rubrics from the service
  standard, inspected conversations with scores and findings, a review queue and an appeal.

Everything is made through the same services staff use, with `now` moved into the past, so every
timeline, clock, escalation and figure is real. Loading refuses to run twice (staff already exist).

Language: what the store's customers and staff say and write (work orders, chats, scripts' text,
cases, callback questions) is Chinese, as in a Chinese store; names staff pick from lists (callback
plans and script, knowledge scripts, cases) are "中文 · English" so either language reads them; the
system's own labels (roles, states, kinds) come from the apps' translated choices. The printed logins
give each role in English with its Chinese name.
"""

import random
from datetime import datetime, time, timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from kefu.accounts.models import AgentGroup, Department, Role, Skill, User
from kefu.callbacks.services import callback_plans_generate
from kefu.core.calendars import business_time_between, load_calendar
from kefu.core.models import BusinessCalendar, Shift
from kefu.customers.models import Customer, CustomerEmail, CustomerPhone
from kefu.customers.tiers import tiers_recompute
from kefu.demo.articles import seed_articles
from kefu.demo.callbacks import callback_history, callback_plans_load, care_plan_load
from kefu.demo.care import care_demo_load
from kefu.demo.contacts import (
    CALL_DAYS,
    agent_lines_load,
    agent_states_load,
    chats_load,
    hotline_calls_load,
    mobile_number,
    waiting_chats_load,
)
from kefu.demo.customer_file import customer_file_demo_load
from kefu.demo.loyalty import loyalty_demo_load
from kefu.demo.quality import quality_demo_load
from kefu.demo.reports import reports_demo_load
from kefu.demo.rfm import rfm_demo_load
from kefu.demo.standard import service_standard_load
from kefu.demo.tiers import tiers_demo_load
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
    Ticket,
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
from kefu.tickets.services.sla import policy_for

DEMO_PASSWORD = "kefu1234"

# (username, display name, role, department code, superior username, groups). Every department has
# a head of its own, so dispatches and late replies reach that head, not the general manager.
STAFF = [
    ("gm", "王建国", Role.GENERAL_MANAGER, "center", None, []),
    ("manager", "李敏", Role.MANAGER, "center", "gm", []),
    ("supervisor", "张伟", Role.SUPERVISOR, "center", "manager", ["热线一组", "热线二组", "回访组"]),
    ("agent", "刘洋", Role.AGENT, "center", "supervisor", ["热线一组", "回访组"]),
    ("agent2", "陈静", Role.AGENT, "center", "supervisor", ["热线一组", "回访组"]),
    ("agent3", "杨帆", Role.AGENT, "center", "supervisor", ["热线二组"]),
    ("agent4", "赵磊", Role.AGENT, "center", "supervisor", ["热线二组"]),
    ("qa", "周婷", Role.QA, "center", "manager", []),
    ("logistics", "吴强", Role.DEPARTMENT_STAFF, "logistics", "logistics_head", []),
    ("logistics_head", "郑华", Role.MANAGER, "logistics", "gm", []),
    ("repair", "孙悦", Role.DEPARTMENT_STAFF, "repair", "repair_head", []),
    ("repair_head", "钱进", Role.MANAGER, "repair", "gm", []),
    ("store", "何佳", Role.DEPARTMENT_STAFF, "store", "store_head", []),
    ("store_head", "马丽", Role.MANAGER, "store", "gm", []),
    ("finance_head", "冯婷", Role.MANAGER, "finance", "gm", []),
    ("quality_head", "蒋涛", Role.MANAGER, "quality", "gm", []),
    ("admin", "系统管理员", Role.ADMIN, "center", None, []),
]
HEADS = {
    "center": "manager",  # 客服经理 heads the center; the general manager is above them
    "logistics": "logistics_head",
    "repair": "repair_head",
    "store": "store_head",
    "finance": "finance_head",
    "quality": "quality_head",
}
#: Receives complaints about the general manager (集团董事会); not a person on the ladder.
BOARD = ("board", "集团董事会", Role.GENERAL_MANAGER)


def demo_logins() -> list[tuple[str, str, str]]:
    """(username, password, who) for every demo account, once each, in the order of STAFF: what
    `kefu_demo` and `kefu run` print. The role is given in English with its Chinese name."""
    from django.utils import translation

    names = dict((code, name) for code, name, _parent, _center in DEPARTMENTS)
    rows = []
    with translation.override("en"):
        for username, display, role, dept, _superior, _groups in STAFF:
            rows.append((username, DEMO_PASSWORD, f"{Role(role).label} · {display} · {names[dept]}"))
        username, display, role = BOARD
        rows.append((username, DEMO_PASSWORD, f"{Role(role).label} · {display} (board contact)"))
    return rows


#: Kept for callers that import the list; the same rows as demo_logins().
DEMO_LOGINS = demo_logins

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
        "会员积分",
    ],
    TicketType.SUGGESTION: ["服务流程", "商品品类", "门店环境", "线上商城"],
    TicketType.PRAISE: ["服务人员", "售后服务"],
    TicketType.REPAIR: ["家电", "数码", "家具"],
    TicketType.RETURN: ["七天无理由", "质量问题退货", "换货"],
    TicketType.OTHER: ["其他"],
}

# Each work order's (title, what the customer said, their demand, department to dispatch to, category):
# the category is the one an agent would pick for that text (tests/demo checks them by keyword).
TEXTS = {
    TicketType.COMPLAINT: [
        (
            "快递三天没更新物流信息",
            "我上周五下的订单，物流信息三天没有更新，打了快递电话也没人接，到底什么时候能送到？",
            "尽快送货，给个准确时间",
            "logistics",
            "物流配送",
        ),
        (
            "收银员态度恶劣",
            "今天下午在一楼收银台结账，收银员态度很差，问她问题直接说不知道，还翻白眼。",
            "要求道歉并处理该员工",
            "store",
            "服务态度",
        ),
        (
            "新买的电饭煲用了两天就坏了",
            "上周在三楼家电区买的电饭煲，用了两天就不加热了，这个质量太差了。",
            "换新的或者退款",
            "quality",
            "商品质量",
        ),
        (
            "退款一周了还没到账",
            "我申请退款已经一周了，系统显示已退款，但是银行卡一直没收到钱。",
            "尽快退款到账",
            "finance",
            "退款进度",
        ),
        (
            "维修师傅上门迟到两小时",
            "约好上午十点上门修空调，师傅十二点才到，也没有提前打电话说明。",
            "要求给个说法，补偿",
            "repair",
            "售后维修",
        ),
        (
            "促销价格和结账价格不一致",
            "货架上标的促销价是199元，结账的时候按299元收的，导购说活动结束了但标签没换。",
            "退还差价",
            "store",
            "价格争议",
        ),
        (
            "送货上门时把家具磕坏了",
            "今天送来的衣柜侧面有明显磕痕，送货员说是出厂就有的，我不认可。",
            "换一个新的衣柜",
            "logistics",
            "物流配送",
        ),
        (
            "商场洗手间卫生太差",
            "四楼洗手间没有纸，地面很脏，味道很大，希望管理一下。",
            "尽快整改",
            "store",
            "环境设施",
        ),
        (
            "会员积分被清零",
            "我的会员积分突然被清零了，之前有两万多积分，没有收到任何通知。",
            "恢复积分",
            "finance",
            "会员积分",
        ),
        (
            "手机屏幕有坏点",
            "刚买的手机屏幕右上角有一个亮点，要求换货被门店拒绝了。",
            "换货",
            "quality",
            "商品质量",
        ),
    ],
    TicketType.CONSULTATION: [
        (
            "周末营业时间",
            "请问这周末商场几点开门，几点关门？地下停车场收费吗？",
            "",
            "",
            "门店地址与营业时间",
        ),
        ("发票怎么开", "网上下单的商品怎么开增值税专用发票，需要提供什么资料？", "", "", "发票开具"),
        ("积分怎么兑换", "会员积分可以兑换什么礼品，积分有没有有效期？", "", "", "会员与积分"),
        ("订单什么时候发货", "我昨天下的订单显示待发货，一般多久能发货？", "", "", "订单查询"),
        ("礼品卡能不能在线上用", "商场的礼品卡能不能在网上商城使用？余额怎么查？", "", "", "礼品卡"),
        ("空调保修多久", "在你们这里买的空调保修几年，压缩机是单独保修吗？", "", "", "保修政策"),
    ],
    TicketType.SUGGESTION: [
        ("建议增加母婴室", "三楼儿童区附近没有母婴室，带孩子很不方便，建议增加一个。", "", "", "门店环境"),
        ("线上商城希望支持到店自提", "希望网上下单可以选择到门店自提，这样不用等快递。", "", "", "线上商城"),
    ],
    TicketType.PRAISE: [
        (
            "表扬家电区导购小李",
            "家电区的导购小李非常耐心，帮我比较了好几款冰箱，服务很专业。",
            "",
            "",
            "服务人员",
        ),
        (
            "维修师傅很专业",
            "今天上门的维修师傅很专业，很快就修好了洗衣机，还帮忙清理了现场。",
            "",
            "",
            "售后服务",
        ),
    ],
    TicketType.REPAIR: [
        ("洗衣机不排水", "家里的滚筒洗衣机洗完衣服不排水，显示故障代码E21。", "上门维修", "repair", "家电"),
        ("电视机无法开机", "去年买的电视机突然无法开机，指示灯一直闪。", "尽快上门", "repair", "家电"),
        (
            "笔记本电脑充不进电",
            "在数码区买的笔记本电脑插上电源不充电，电池一直显示0%。",
            "检测维修",
            "repair",
            "数码",
        ),
        ("沙发扶手松动", "半年前买的布艺沙发，左边扶手松动，一坐就晃。", "上门加固", "repair", "家具"),
    ],
    TicketType.RETURN: [
        ("衣服尺码不合适要换货", "网上买的外套尺码偏小，想换大一号，吊牌还在。", "换大一码", "store", "换货"),
        (
            "七天无理由退货",
            "收到的蓝牙耳机不喜欢，还没拆封，申请七天无理由退货。",
            "退货退款",
            "logistics",
            "七天无理由",
        ),
        (
            "羽绒服跑绒要退货",
            "上周买的羽绒服穿了两次就到处跑绒，要求按质量问题退货。",
            "退货退款",
            "quality",
            "质量问题退货",
        ),
    ],
    TicketType.OTHER: [("失物招领", "昨天在五楼餐厅丢了一个黑色钱包，请问有没有人捡到？", "", "", "其他")],
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
        tier = rng.choices(["C", "B", "A"], weights=[75, 17, 8])[0]
        customer = Customer.objects.create(name=name, tier_id=tier)
        CustomerPhone.objects.create(customer=customer, number=mobile_number(rng))
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
        for name in ["热线一组", "热线二组", "回访组"]
    }
    users: dict[str, User] = {}
    # One hash for the one demo password: hashing it for each account took a second apiece.
    password = make_password(DEMO_PASSWORD)
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
        user.password = password
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
    for code, head in HEADS.items():
        departments[code].head = users[head]
        departments[code].save()
    board = User(username=BOARD[0], display_name=BOARD[1], role=BOARD[2], email="board@kefu.example")
    board.password = password
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
        name="A 类客户投诉：12 工作小时办结",
        ticket_type=TicketType.COMPLAINT,
        customer_tier="A",
        first_response_minutes=10,
        resolution_minutes=12 * 60,
        callback_minutes=12 * 60,
        **common,
    )
    for ticket_type, names in CATEGORIES.items():
        for position, name in enumerate(names):
            Category.objects.create(ticket_type=ticket_type, name=name, position=position)


#: What the demo's resolved work orders tell their customers (the note beside it stays internal).
CUSTOMER_REPLY = "您反映的问题已核实处理，感谢您的耐心等待。如仍有疑问，欢迎随时联系我们。"

# The state each demo work order is walked to, with its weight. Work orders still being handled are
# young (well inside their SLA); finished ones spread over the last four weeks.
TARGETS = [
    ("new", 4),
    ("accepted", 5),
    ("in_progress", 8),
    ("waiting_customer", 3),
    ("dispatched", 7),
    ("department_replied", 4),
    ("resolved", 3),
    ("awaiting_callback", 8),
    ("closed", 52),
    ("cancelled", 2),
    ("merged", 2),
    ("reopened", 2),
]
OPEN_TARGETS = {"new", "accepted", "in_progress", "waiting_customer", "dispatched", "department_replied"}
#: Walked to "resolved"; kefu.demo.callbacks then calls the customer back (or the customer answers the
#: survey) at the time it would have happened, which closes or reopens them.
RESOLVED_TARGETS = {"resolved", "awaiting_callback", "closed", "reopened"}
#: Open work orders made overdue on purpose, so the board and the escalation ladder have something to
#: show: a handful, as in a center that mostly keeps its promises.
OVERDUE = 4


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
    """Drive one work order towards `target` through the services, each step a little later (never in
    the future); returns it when it stopped at "resolved" for the callback history to take over."""

    owner = ticket.owner

    def later(minutes: int) -> datetime:
        nonlocal at
        at = min(at + timedelta(minutes=rng.randint(minutes // 2 + 1, minutes + 1)), ceiling)
        return at

    if target == "new":
        return None
    if target == "cancelled":
        ticket_transition(
            ticket=ticket,
            action="cancel",
            by=users["supervisor"],
            note="客户来电说明已自行解决，撤销工单",
            now=later(20),
        )
        return None
    if ticket.status == Status.NEW:
        ticket = ticket_transition(ticket=ticket, action="accept", by=owner or users["agent"], now=later(6))
        owner = ticket.owner
    if target == "accepted":
        return None
    ticket = ticket_transition(ticket=ticket, action="start", by=owner, now=later(20))
    if target == "in_progress":
        return None
    if target == "waiting_customer":
        ticket_transition(
            ticket=ticket, action="wait_customer", by=owner, note="请客户补充订单截图", now=later(40)
        )
        return None
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
            return None
        ticket_transition(
            ticket=ticket, action="cancel", by=users["supervisor"], note="重复登记", now=later(30)
        )
        return None
    if dept_code and target in RESOLVED_TARGETS | {"dispatched", "department_replied"}:
        department = departments[dept_code]
        dispatches = ticket_dispatch(
            ticket=ticket,
            by=owner,
            department_ids=[department.pk],
            instructions="请核实情况并在期限内回复处理结果",
            now=later(40),
        )
        if target == "dispatched":
            return None
        staff = department.members.filter(role=Role.DEPARTMENT_STAFF).first() or department.head
        dispatch_reply(
            dispatch=Dispatch.objects.get(pk=dispatches[0].pk),
            by=staff,
            reply="已核实，已与客户联系并处理完毕：补发商品/安排上门，客户表示认可。",
            now=later(300),
        )
        if target == "department_replied":
            return None
    elif target in ("dispatched", "department_replied"):
        return None
    ticket = type(ticket).objects.get(pk=ticket.pk)
    return ticket_transition(
        ticket=ticket,
        action="resolve",
        by=owner,
        note="已向客户反馈处理结果，客户表示接受。",
        customer_reply=CUSTOMER_REPLY,
        now=later(90),
    )


def _created_at(target: str, policy, now: datetime, rng: random.Random, overdue: bool) -> datetime:
    """When a work order walked to `target` was recorded: open ones inside their policy's budget
    (measured in working time on its calendar, so a weekend does not make them late), finished ones
    any time in the last four weeks, the `overdue` ones a little past their deadline."""
    if target in RESOLVED_TARGETS - {"closed"}:
        return now - timedelta(hours=rng.uniform(3, 20))
    if target not in OPEN_TARGETS:
        return now - timedelta(days=rng.uniform(1.5, 28), minutes=rng.randint(0, 600))
    calendar = load_calendar(policy.calendar_id if policy else None)
    if target == "new":
        budget = policy.first_response_minutes if policy else 30
    else:
        budget = policy.resolution_minutes if policy else 24 * 60
    if overdue:
        age = timedelta(minutes=budget * rng.uniform(1.2, 1.6))
        while business_time_between(calendar, now - age, now) < timedelta(minutes=budget * 1.1):
            age += timedelta(hours=2)
        return now - age
    share = rng.uniform(0.05, 0.5) if target != "new" else rng.uniform(0.1, 0.5)
    age = timedelta(minutes=budget * rng.uniform(0.3, 1.0))
    while age > timedelta(minutes=2) and business_time_between(calendar, now - age, now) > timedelta(
        minutes=budget * share
    ):
        age *= 0.6
    return now - age


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
    service_standard_load(editor=people["manager"], trainer=people["qa"])
    seed_articles(by=people["manager"])  # the knowledge base (知识库) agents and customers search
    callback_plans = callback_plans_load(team=AgentGroup.objects.get(name="回访组"))
    agent_lines_load([people[n] for n in ("agent", "agent2", "agent3", "agent4", "supervisor")])
    agents = [people[n] for n in ("agent", "agent2", "agent3", "agent4")]
    categories = {(c.ticket_type, c.name): c for c in Category.objects.all()}
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
    # First what each work order will be (so the PBX log holding their calls can be imported before
    # they are recorded, as it would have been), then the work orders themselves.
    specs = []
    made = 0
    overdue_left = OVERDUE
    for i in range(tickets):
        ticket_type = rng.choices([t for t, _ in type_weights], weights=[w for _, w in type_weights])[0]
        channel = rng.choices([c for c, _ in channel_weights], weights=[w for _, w in channel_weights])[0]
        customer = rng.choice(customers)
        target = rng.choices([t for t, _ in TARGETS], weights=[w for _, w in TARGETS])[0]
        severity = (
            Severity.MAJOR
            if ticket_type == TicketType.COMPLAINT and rng.random() < 0.05
            else Severity.GENERAL
        )
        overdue = (
            overdue_left > 0 and target in ("in_progress", "dispatched") and severity == Severity.GENERAL
        )
        overdue_left -= overdue
        policy = policy_for(Ticket(ticket_type=ticket_type, severity=severity, customer=customer))
        specs.append(
            {
                "i": i,
                "type": ticket_type,
                "channel": channel,
                "text": rng.choice(TEXTS[ticket_type]),
                "customer": customer,
                "target": target,
                "severity": severity,
                "agent": rng.choice(agents),
                "created": _created_at(target, policy, now, rng, overdue),
            }
        )
    ticket_calls = [
        (f"demo-{s['i']}", s["agent"], s["customer"].primary_phone, s["created"] - timedelta(minutes=4))
        for s in specs
        if s["channel"] == Channel.PHONE
    ]
    calls = hotline_calls_load(
        agents=agents,
        customers=customers,
        rng=rng,
        now=now,
        by=people["supervisor"],
        ticket_calls=ticket_calls,
    )
    # Chats first: each becomes a work order of its own (a later one for the same customer would
    # have been answered on that customer's open work order instead).
    resolved = chats_load(agents=agents[:2], customers=customers, rng=rng, now=now)
    # Their own random numbers, so the rest of the demo stays as it was.
    agent_states_load(agents=agents, rng=random.Random(seed + 1), now=now)
    for spec in specs:
        i, ticket_type, channel, customer, target, agent, created, severity = (
            spec["i"], spec["type"], spec["channel"], spec["customer"], spec["target"], spec["agent"],
            spec["created"], spec["severity"],
        )  # fmt: skip
        title, content, demands, dept_code, category_name = spec["text"]
        self_service = channel in (Channel.PORTAL, Channel.EMAIL)
        subject_person = (
            people["agent3"]
            if ticket_type == TicketType.COMPLAINT and "态度" in title and i % 2 and agent != people["agent3"]
            else None
        )  # never about the agent handling it: recusal would keep them out (kefu.tickets.permissions)
        ticket = ticket_create(
            by=None if self_service else agent,
            ticket_type=ticket_type,
            channel=channel,
            title=title,
            content=content,
            demands=demands,
            customer_name=customer.name,
            customer_phone=customer.primary_phone,
            category_id=categories[ticket_type, category_name].pk,
            severity=severity,
            priority=Priority.HIGH
            if severity == Severity.MAJOR
            else rng.choice([Priority.NORMAL, Priority.NORMAL, Priority.HIGH, Priority.LOW]),
            location=rng.choice(PLACES),
            subject_person_id=subject_person.pk if subject_person else None,
            subject_product="电饭煲" if "电饭煲" in title else "",
            group_id=agent.agent_groups.exclude(name="回访组").first().pk,
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
        ceiling = now - timedelta(minutes=1)
        if self_service and target not in ("new", "cancelled"):
            accepted_at = min(created + timedelta(minutes=rng.randint(3, 20)), ceiling)
            ticket = ticket_transition(ticket=ticket, action="accept", by=agent, now=accepted_at)
        done = _walk(
            ticket, target, people, departments, dept_code, created + timedelta(minutes=2), rng, ceiling
        )
        if done is not None:
            resolved.append((done, target))
        made += 1
    _recusal_demo(people, departments, customers[0], now - timedelta(hours=3))
    history = callback_history(
        resolved=resolved, plans=callback_plans, callers=[people["agent"], people["agent2"]], rng=rng, now=now
    )
    swept = sla_sweep(now=now)
    care_plan_load(team=AgentGroup.objects.get(name="回访组"))
    callback_plans_generate(now=now)
    chat_demo_load()
    quality = quality_demo_load(people=people, rng=rng, now=now)
    reports_demo_load(manager=people["manager"], now=now, days=CALL_DAYS + 1)
    customer_file_demo_load(people=people, customers=customers, rng=rng, now=now)
    tiers_demo_load(customers=customers, people=people, rng=rng, now=now)
    loyalty_demo_load(people=people, customers=customers, now=now)
    rfm_made = rfm_demo_load(customers=customers, team=AgentGroup.objects.get(name="回访组"), now=now)
    care = care_demo_load(people=people, customers=customers, rng=rng, now=now)  # 客户关怀, 离职交接
    tiers_recompute(
        by=None, now=now
    )  # the nightly run, after every demo order: tiers match the figures shown
    waiting_chats_load(
        customers=list(Customer.objects.filter(pk__in=[c.pk for c in customers])), rng=rng, now=now
    )
    return {
        "skipped": False,
        "tickets": made,
        "customers": len(customers),
        **swept,
        **history,
        "calls": calls,
        "inspections": quality["inspections"],
        **rfm_made,
        **care,
    }


def _recusal_demo(people: dict, departments: dict, customer: Customer, at: datetime) -> None:
    """A complaint about the logistics employee 吴强 (回避): it goes to his head 郑华, who also
    answers the dispatch to logistics in his place; 吴强 never sees it (log in as `logistics`),
    and the work order's page and the board mark the recusal for supervisors."""
    category = Category.objects.filter(ticket_type=TicketType.COMPLAINT, name="物流配送").first()
    ticket = ticket_create(
        by=people["agent"],
        ticket_type=TicketType.COMPLAINT,
        channel=Channel.PHONE,
        title="送货员吴强态度恶劣并磕坏衣柜",
        content="今天送衣柜的送货员吴强把柜子侧面磕坏了，我指出来他说是出厂就有的，态度很差，还摔门走了。",
        demands="换一个新衣柜，并要求送货员道歉",
        customer_name=customer.name,
        customer_phone=customer.primary_phone,
        category_id=category.pk if category else None,
        subject_person_id=people["logistics"].pk,
        accept=True,
        now=at,
    ).ticket
    ticket = ticket_transition(
        ticket=ticket, action="start", by=people["agent"], now=at + timedelta(minutes=5)
    )
    ticket_dispatch(
        ticket=ticket,
        by=people["agent"],
        department_ids=[departments["logistics"].pk],
        instructions="请部门负责人核实送货经过并安排换新；本投诉针对送货员本人，由部门负责人办理。",
        now=at + timedelta(minutes=20),
    )


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
