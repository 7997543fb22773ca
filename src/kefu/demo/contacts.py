"""The demo's phone and chat traffic: call records (通话记录) and finished live chats.

A month of hotline traffic (answered, abandoned and transferred calls, most of which needed no work
order) arrives as the PBX's call log, imported by a supervisor through `import_calls`, the import
page's service. The log also holds the calls during which the phone work orders were recorded, and is
imported before them, so recording each links it to its call as an agent's would be (one import is
much faster than three CTI events per call). A few
customers chatted on the website: `chat_start`, `chat_accept`, the lines, `chat_end`, as the chat
window and the agent's console do. Conversations are in Chinese, as the store's customers write.
"""

import csv
import random
import tempfile
from datetime import datetime, time, timedelta
from pathlib import Path

from django.utils import timezone

from kefu.callcenter.imports.service import import_calls
from kefu.callcenter.models import AgentLine
from kefu.intake.chat.models import AgentChatStatus, ChatSession
from kefu.intake.chat.services import agent_set_status, chat_accept, chat_end, chat_post_line, chat_start
from kefu.tickets.models import Status
from kefu.tickets.services import ticket_transition

HOTLINE = "4008201234"
QUEUE = "热线"
CALL_DAYS = 30
CALLS_PER_DAY = (12, 24)

# Each chat: (customer's lines, agent's lines), alternating customer first.
CHATS = [
    (
        ["你好，我想问一下网上买的东西能开专票吗？", "公司名称和税号发给你就行吗？"],
        ["您好，可以开具增值税专用发票。", "是的，请提供单位名称、税号、开户行及账号、地址电话，3个工作日内开出。"],
    ),
    (
        ["在吗？我的订单显示待发货两天了", "订单号2026112898765"],
        ["您好，我在的，请提供一下订单号。", "已为您查询，今天下午会从仓库发出，明天可以送达。"],
    ),
    (
        ["礼品卡可以在网上商城用吗？", "好的谢谢"],
        ["您好，实体礼品卡绑定会员账户后即可在网上商城使用，余额在“我的—礼品卡”查看。", "不客气，祝您购物愉快！"],
    ),
    (
        ["周六几点关门？停车收费吗", "明白了"],
        ["您好，商场每天10:00–22:00营业。", "购物满200元可免费停车3小时，超出部分每小时5元。"],
    ),
    (
        ["积分快过期了怎么办", "可以兑换什么"],
        ["您好，积分有效期两年，到期前可以兑换礼品或抵扣现金。", "可以在会员中心兑换生活用品、停车券，或100积分抵1元。"],
    ),
    (
        ["空调是你们这买的，保修几年？", "好的"],
        ["您好，整机保修一年，压缩机等主要部件保修六年。", "保修卡和发票请妥善保管，报修时需要提供。"],
    ),
]  # fmt: skip


def agent_lines_load(users) -> None:
    """Extensions 8001… for the agents, as the PBX knows them (admin data)."""
    for n, user in enumerate(users):
        AgentLine.objects.create(user=user, extension=str(8001 + n))


# What agents key in as a call ends (结果码), with how often; "业务办理成功" counts as a conversion
# (kefu.reports.models.ConversionCode, made by the demo's reports loader).
WRAP_CODES = (("咨询解答", 50), ("业务办理成功", 25), ("投诉登记", 15), ("转售后", 10))


def _wrap_up(call_id: str) -> tuple[int, str]:
    """A call's wrap-up seconds and code, from its own random numbers (the same call, the same
    wrap-up, whatever else the demo draws): the agent states' wrap-up is this one."""
    rng = random.Random(call_id)
    code = rng.choices([c for c, _ in WRAP_CODES], weights=[w for _, w in WRAP_CODES])[0]
    return rng.randint(*WRAP_UP_SECONDS), code


def _line(call_id: str, caller: str, arrival: datetime, answer, end: datetime, agent, outcome: str) -> dict:
    stamp = "%Y-%m-%d %H:%M:%S"
    wrapup, code = _wrap_up(call_id) if answer else (None, "")
    return {
        "呼叫ID": call_id,
        "队列": QUEUE,
        "主叫": caller,
        "被叫": HOTLINE,
        "方向": "呼入",
        "到达时间": timezone.localtime(arrival).strftime(stamp),
        "接听时间": timezone.localtime(answer).strftime(stamp) if answer else "",
        "结束时间": timezone.localtime(end).strftime(stamp),
        "坐席": agent.agent_line.extension if agent else "",
        "结果": outcome,
        "话后处理": "" if wrapup is None else str(wrapup),
        "结果码": code,
    }


def hotline_calls_load(
    *, agents, customers, rng: random.Random, now: datetime, by, ticket_calls: list[tuple]
) -> int:
    """A month of the hotline's calls, imported from the PBX's call log as a supervisor would; with
    them the calls during which phone work orders will be recorded: `ticket_calls` as (call id,
    agent, caller, arrival), each answered and ended three minutes later, before the work order is
    saved, so that saving it links the call (kefu.callcenter.services.call_link_new_ticket)."""
    lines = [
        _line(call_id, caller, at, at + timedelta(seconds=12), at + timedelta(minutes=3), agent, "answered")
        for call_id, agent, caller, at in ticket_calls
    ]
    last = timezone.localtime(now)
    for day_back in range(CALL_DAYS, -1, -1):
        day = (last - timedelta(days=day_back)).date()
        for n in range(rng.randint(*CALLS_PER_DAY)):
            arrival = timezone.make_aware(datetime.combine(day, time(9))) + timedelta(
                minutes=rng.randint(0, 13 * 60)
            )
            if arrival >= now - timedelta(minutes=10):
                continue
            caller = rng.choice(customers).primary_phone if rng.random() < 0.6 else _stranger(rng)
            roll = rng.random()
            outcome = "answered" if roll < 0.88 else "abandoned" if roll < 0.97 else "transferred"
            wait = rng.randint(3, 40) if outcome != "abandoned" else rng.randint(20, 120)
            answer = arrival + timedelta(seconds=wait) if outcome != "abandoned" else None
            end = (answer or arrival + timedelta(seconds=wait)) + timedelta(
                seconds=rng.randint(60, 480) if answer else 0
            )
            agent = rng.choice(agents) if answer else None
            lines.append(_line(f"pbx-{day:%Y%m%d}-{n:03d}", caller, arrival, answer, end, agent, outcome))
    mapping = {
        "id": "呼叫ID", "queue": "队列", "caller": "主叫", "called": "被叫", "direction": "方向",
        "arrival": "到达时间", "answer": "接听时间", "end": "结束时间", "agent": "坐席", "outcome": "结果",
        "wrapup": "话后处理", "wrapup_code": "结果码",
    }  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "hotline.csv"
        with path.open("w", encoding="utf-8", newline="") as out:
            writer = csv.DictWriter(out, fieldnames=list(mapping.values()))
            writer.writeheader()
            writer.writerows(lines)
        run = import_calls(
            path=path, fmt="csv", by=by, mapping=mapping, file_name=f"热线话单 {last:%Y-%m}.csv", now=now
        )
    return run.imported


def _stranger(rng: random.Random) -> str:
    return mobile_number(rng)


# Prefixes China's carriers assign to mobiles (phonenumbers knows them all as valid CN mobiles).
MOBILE_PREFIXES = ("135", "136", "137", "138", "139", "150", "151", "152", "158", "159", "186", "187", "188")


def mobile_number(rng: random.Random) -> str:
    """A valid-looking Chinese mobile number: a carrier prefix and eight digits."""
    return f"{rng.choice(MOBILE_PREFIXES)}{rng.randrange(10**8):08d}"


# Waiting in the queue when the demo starts: an A customer (tier badge, offered first) and an
# English-speaking visitor nobody knows.
WAITING_CHATS = [
    ("A", "zh-hans", ["你好，我上周订的冰箱还没安装，师傅一直联系不上", "订单号2026112612345"]),
    (None, "en", ["Hi, is there someone who speaks English? My parcel to Shanghai has not arrived."]),
]


def waiting_chats_load(*, customers, rng: random.Random, now: datetime) -> int:
    """Chats that started in the last minutes and wait for an agent (`WAITING_CHATS`): the chat
    console's queue, the tier badge and its routing priority, and the wallboard's waiting chats are
    visible on first start. Run after the tiers are final: a chat keeps the tier it began with."""
    started = 0
    for n, (tier, language, lines) in enumerate(WAITING_CHATS):
        known = next((c for c in customers if tier and c.tier_id == tier and c.primary_phone), None)
        at = now - timedelta(minutes=2 * (len(WAITING_CHATS) - n), seconds=rng.randint(0, 50))
        session = chat_start(
            token=f"demo-waiting-{n}-{rng.randrange(10**12):012d}", name=known.name if known else "",
            phone=known.primary_phone if known else "", page_url="https://mall.example.cn/help",
            language=language, now=at,
        )  # fmt: skip
        for line in lines:
            at += timedelta(seconds=rng.randint(10, 30))
            chat_post_line(session=session, sender="customer", text=line, now=at)
        started += 1
    return started


def chats_load(*, agents, customers, rng: random.Random, now: datetime) -> list:
    """Finished chats over the last three weeks, each answered and its work order resolved; returns
    (work order, "closed") pairs for the callback history."""
    resolved = []
    for agent in agents:
        agent_set_status(agent=agent, status=AgentChatStatus.Status.ONLINE, now=now - timedelta(days=21))
    for n, (asks, answers) in enumerate(CHATS):
        customer = rng.choice(customers)
        at = timezone.localtime(now - timedelta(days=rng.uniform(1.5, 20))).replace(hour=rng.randint(10, 20))
        agent = agents[n % len(agents)]
        session = chat_start(
            token=f"demo-chat-{n:04d}-{rng.randrange(10**12):012d}", name=customer.name,
            phone=customer.primary_phone, page_url="https://mall.example.cn/help", now=at,
        )  # fmt: skip
        at += timedelta(seconds=20)
        chat_post_line(session=session, sender="customer", text=asks[0], now=at)
        at += timedelta(seconds=30)
        session = chat_accept(session=session, by=agent, now=at)
        for ask, answer in zip(asks, answers, strict=True):
            if ask is not asks[0]:
                at += timedelta(seconds=rng.randint(20, 90))
                chat_post_line(session=session, sender="customer", text=ask, now=at)
            at += timedelta(seconds=rng.randint(20, 60))
            chat_post_line(session=session, sender="agent", text=answer, by=agent, now=at)
        at += timedelta(minutes=1)
        session = chat_end(session=session, by=agent, now=at)
        ticket = ChatSession.objects.get(pk=session.pk).ticket
        if ticket.status == Status.ACCEPTED:  # the agent's first line usually started it already
            ticket = ticket_transition(ticket=ticket, action="start", by=agent, now=at + timedelta(minutes=1))
        ticket = ticket_transition(
            ticket=ticket,
            action="resolve",
            by=agent,
            note="在线已答复客户。",
            customer_reply="您咨询的问题已在线为您解答，如还有其他疑问，欢迎随时联系我们。",
            now=at + timedelta(minutes=2),
        )
        resolved.append((ticket, "closed"))
    for agent in agents:
        agent_set_status(agent=agent, status=AgentChatStatus.Status.OFFLINE, now=now)
    return resolved


# An agent's day (Shanghai time): logged in about 08:50, two short breaks, lunch by turns, training
# on Wednesday afternoons, logged out after six (later when the last call runs late).
LOGIN, LOGOUT = time(8, 50), time(18, 0)
WRAP_UP_SECONDS = (20, 90)
# What wins where a day's activities overlap: a call over its wrap-up over a break over waiting.
PRIORITY = {"on_contact": 3, "wrap_up": 2, "break": 1}


def _agent_day(day, index: int, calls: list[tuple], rng: random.Random) -> list[tuple]:
    """(at, state, reason) changes of one agent's day, from their calls (answer, end, wrap-up seconds
    as the call log has them) and breaks.

    The shift stretches for the hotline's calls from 07:50 to 22:30; a call at night (a work order
    recorded then) is a short session of its own: logged in a few minutes around it."""

    def local(hour: int, minute: int = 0) -> datetime:
        return timezone.make_aware(datetime.combine(day, time(hour, minute)))

    login = local(LOGIN.hour, LOGIN.minute) + timedelta(minutes=rng.randint(-5, 5))
    logout = local(LOGOUT.hour) + timedelta(minutes=rng.randint(0, 20))
    spans: list[tuple[datetime, datetime, str, str]] = []
    nights: list[tuple[datetime, datetime]] = []
    for answer, end, wrapup in calls:
        wrap = end + timedelta(seconds=wrapup if wrapup is not None else rng.randint(*WRAP_UP_SECONDS))
        spans += [(answer, end, "on_contact", ""), (end, wrap, "wrap_up", "")]
        if local(7, 50) <= answer <= local(22, 30):
            login, logout = (
                min(login, answer - timedelta(minutes=5)),
                max(logout, wrap + timedelta(minutes=3)),
            )
        else:
            nights.append((answer - timedelta(minutes=2), wrap + timedelta(minutes=2)))
    lunch = local(11, 30) + timedelta(minutes=30 * (index % 3))  # by turns, so the line stays staffed
    spans += [
        (s, s + timedelta(minutes=rng.randint(8, 15)), "break", "小休")
        for s in (local(10, 20 + rng.randint(0, 20)), local(15, 20 + rng.randint(0, 20)))
    ]
    spans.append((lunch, lunch + timedelta(minutes=rng.randint(45, 60)), "break", "用餐"))
    if day.weekday() == 2:
        spans.append((local(16, 30), local(17, 30), "break", "培训"))
    sessions = [(login, logout), *nights]
    cuts = sorted({t for s, e, *_rest in [*sessions, *spans] for t in (s, e)})
    changes: list[tuple] = []
    for begin, finish in zip(cuts, cuts[1:], strict=False):
        if any(s <= begin and finish <= e for s, e in sessions):
            covering = [(PRIORITY[st], st, r) for s, e, st, r in spans if s <= begin and finish <= e]
            state, reason = max(covering)[1:] if covering else ("available", "")
        else:
            state, reason = "logged_out", ""
        if (changes[-1][1:] if changes else ("logged_out", "")) != (state, reason):
            changes.append((begin, state, reason))
    changes.append((cuts[-1], "logged_out", ""))
    return changes


def agent_states_load(*, agents, rng: random.Random, now: datetime) -> int:
    """坐席状态 for the demo month, as the CTI link would have reported them: each agent's working days
    with their calls (on a contact, then a short wrap-up), breaks and lunch; today up to now."""
    from kefu.callcenter.agent_states import StateRow, agent_states_store
    from kefu.callcenter.models import AgentStateEvent, CallRecord, StateSource

    # The chat presence toggled while loading the chats (online three weeks ago, offline now) is
    # bookkeeping of the loader, not a shift: the month below replaces it.
    AgentStateEvent.objects.filter(agent__in=agents, source=StateSource.CHAT).delete()
    last = timezone.localtime(now).date()
    first = last - timedelta(days=CALL_DAYS)
    calls: dict[tuple, list] = {}
    for agent_id, answer, end, wrapup in CallRecord.objects.filter(
        agent__in=agents, answered_at__isnull=False, ended_at__isnull=False
    ).values_list("agent_id", "answered_at", "ended_at", "wrapup_seconds"):
        calls.setdefault((agent_id, timezone.localtime(answer).date()), []).append((answer, end, wrapup))
    rows = []
    for offset in range((last - first).days + 1):
        day = first + timedelta(days=offset)
        for index, agent in enumerate(agents):
            for n, (at, state, reason) in enumerate(
                _agent_day(day, index, sorted(calls.get((agent.pk, day), [])), rng)
            ):
                if at < now:
                    rows.append(
                        StateRow(f"demo-{agent.pk}-{day:%Y%m%d}-{n:03d}", agent.pk, state, at, reason)
                    )
    return agent_states_store(source=StateSource.CTI, states=rows, now=now)
