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


def _line(call_id: str, caller: str, arrival: datetime, answer, end: datetime, agent, outcome: str) -> dict:
    stamp = "%Y-%m-%d %H:%M:%S"
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
