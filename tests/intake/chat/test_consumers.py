"""The chat websockets end to end through the channel layer: greeting, relay, typing, transfer, end, leave a message."""

import asyncio

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import channel_layers

from kefu.intake.chat import services
from kefu.intake.chat.models import ChatSession
from kefu.tickets.models import Message, Ticket
from tests.intake.chat.helpers import agent, line, until, visitor

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def fresh_layer():
    channel_layers.backends.clear()  # a new in-memory layer for each test's event loop
    yield
    channel_layers.backends.clear()


@pytest.fixture
def org(transactional_db):
    from kefu.core.calendars import clear_calendar_cache
    from tests.org import build_org

    clear_calendar_cache()
    yield build_org()
    clear_calendar_cache()


def run(coro_fn):
    return async_to_sync(coro_fn)()


async def connect(communicator):
    connected, _code = await communicator.connect()
    assert connected
    return communicator


async def go_online(console):
    await until(console, "snapshot")
    await console.send_json_to({"type": "status", "status": "online"})
    await until(console, "snapshot", status="online")


async def start_accepted(customer, console, name="张女士", phone="13800138000"):
    """The customer starts, the console gets the offer and accepts; returns the session payload."""
    await customer.send_json_to({"type": "start", "name": name, "phone": phone, "page_url": "http://shop/"})
    offer = await until(console, "offer")
    await console.send_json_to({"type": "accept", "session": offer["id"]})
    session = await until(console, "session", id=offer["id"])
    await until(customer, "state", state="active")
    return session


def test_the_greeting_arrives_as_soon_as_the_chat_starts(org):
    async def scenario():
        customer = await connect(visitor())
        await customer.send_json_to({"type": "start", "name": "张女士"})
        greeting = await until(customer, "line", timeout=3, sender="system")
        assert "正在为您接入客服" in greeting["text"]
        await customer.disconnect()

    run(scenario)


def test_lines_and_typing_are_relayed_both_ways(org):
    async def scenario():
        console = await connect(agent(org.agent))
        await go_online(console)
        customer = await connect(visitor())
        session = await start_accepted(customer, console)
        assert session["ticket"]

        await customer.send_json_to({"type": "typing", "on": True})
        typing = await until(console, "typing")
        assert typing == {"type": "typing", "session": session["id"], "from": "customer", "on": True}
        await customer.send_json_to({"type": "line", "text": "快递三天没到"})
        assert (await line(console, "快递三天没到"))["sender"] == "customer"

        await console.send_json_to({"type": "typing", "session": session["id"], "on": True})
        assert (await until(customer, "typing"))["from"] == "agent"
        await console.send_json_to({"type": "line", "session": session["id"], "text": "马上为您查询"})
        assert (await line(customer, "马上为您查询"))["name"] == org.agent.label
        state = await until(console, "state", id=session["id"])
        assert state["first_response_seconds"] is not None
        await customer.disconnect()
        await console.disconnect()

    run(scenario)


def test_ending_the_chat_leaves_its_transcript_on_the_work_order(org):
    async def scenario():
        console = await connect(agent(org.agent))
        await go_online(console)
        customer = await connect(visitor())
        session = await start_accepted(customer, console)
        await customer.send_json_to({"type": "line", "text": "发票开错了"})
        await line(console, "发票开错了")
        await console.send_json_to({"type": "line", "session": session["id"], "text": "帮您重开"})
        await line(customer, "帮您重开")
        await console.send_json_to({"type": "end", "session": session["id"]})
        await until(customer, "state", state="ended")
        await customer.disconnect()
        await console.disconnect()
        return session

    session = run(scenario)
    ticket = Ticket.objects.get(number=session["ticket"])
    bodies = list(ticket.messages.order_by("created_at", "id").values_list("body_text", flat=True))
    assert "发票开错了" in bodies and "帮您重开" in bodies
    assert all(m.external_id.startswith("chat:") for m in Message.objects.filter(ticket=ticket))
    assert ChatSession.objects.get(pk=session["id"]).state == ChatSession.State.ENDED


def test_transfer_moves_the_chat_to_the_colleagues_console_with_the_note(org):
    async def scenario():
        first = await connect(agent(org.agent))
        await go_online(first)
        second = await connect(agent(org.agent2))
        await go_online(second)
        await database_sync_to_async(services.agent_set_status)(agent=org.agent2, status="away")
        customer = await connect(visitor())
        session = await start_accepted(customer, first)
        await database_sync_to_async(services.agent_set_status)(agent=org.agent2, status="online")
        await first.send_json_to(
            {"type": "transfer", "session": session["id"], "to": org.agent2.pk, "note": "要退款"}
        )
        moved = await until(second, "session", id=session["id"])
        assert any(ln["internal"] and "要退款" in ln["text"] for ln in moved["lines"])
        await until(first, "session_gone", session=session["id"])
        notice = await until(customer, "line", sender="system")
        assert org.agent2.label in notice["text"] and "要退款" not in notice["text"]
        for communicator in (customer, first, second):
            await communicator.disconnect()

    run(scenario)


def test_with_nobody_online_the_customer_leaves_a_message_and_gets_its_number(org):
    async def scenario():
        customer = await connect(visitor())
        await customer.send_json_to({"type": "start", "name": "王先生"})
        await until(customer, "leave_message")
        await customer.send_json_to({"type": "leave_message", "text": "想咨询积分", "phone": "13900139000"})
        done = await until(customer, "left_message")
        await customer.disconnect()
        return done

    done = run(scenario)
    ticket = Ticket.objects.get(number=done["number"])
    assert ticket.channel == "chat" and ticket.owner is None and ticket.content == "想咨询积分"


def test_a_refused_leave_message_names_the_missing_field(org):
    async def scenario():
        customer = await connect(visitor())
        await customer.send_json_to({"type": "start", "name": "王先生"})
        await customer.send_json_to({"type": "leave_message", "text": "想咨询积分"})
        error = await until(customer, "error")
        assert "phone" in error["errors"]
        await customer.disconnect()

    run(scenario)
    assert not Ticket.objects.exists()


def test_an_unanswered_offer_moves_to_the_next_agent(org, settings):
    settings.KEFU_CHAT_OFFER_SECONDS = 1

    async def scenario():
        first = await connect(agent(org.agent))
        await go_online(first)
        second = await connect(agent(org.agent2))
        await go_online(second)
        customer = await connect(visitor())
        await customer.send_json_to({"type": "start", "name": "张女士"})
        offer = await until(first, "offer")
        await until(first, "offer_gone", session=offer["id"])
        assert (await until(second, "offer"))["id"] == offer["id"]
        for communicator in (customer, first, second):
            await communicator.disconnect()

    run(scenario)


def test_the_agent_socket_refuses_visitors_who_are_not_signed_in(org):
    from django.contrib.auth.models import AnonymousUser

    async def scenario():
        connected, _code = await agent(AnonymousUser()).connect()
        assert not connected

    run(scenario)


def test_the_agent_socket_refuses_department_staff(org):
    async def scenario():
        connected, _code = await agent(org.logistics_staff).connect()
        assert not connected

    run(scenario)


def test_a_visitor_whose_page_closed_under_a_send_is_marked_gone_and_no_longer_swept(org, monkeypatch):
    """The browser closes just as the server sends (uvicorn raises ClientDisconnected): Channels ends
    the consumer without calling disconnect(), so the ticker swept for ever and the visitor stayed
    "present" (the chat was never abandoned)."""
    from uvicorn.protocols.utils import ClientDisconnected

    from kefu.intake.chat import consumers

    sweeps = []
    real_sweep = consumers.VisitorConsumer.__dict__["_sweep"]

    async def counted_sweep(self, session_id):
        sweeps.append(session_id)
        return await real_sweep.__get__(self)(session_id)

    monkeypatch.setattr(consumers, "TICK_SECONDS", 0.01)
    monkeypatch.setattr(consumers.VisitorConsumer, "_sweep", counted_sweep)

    async def scenario():
        customer = await connect(visitor())
        await customer.send_json_to({"type": "start", "name": "张女士"})
        await until(customer, "line", sender="system")

        async def page_closed(self, content, close=False):
            raise ClientDisconnected()

        monkeypatch.setattr(consumers.VisitorConsumer, "send_json", page_closed)
        await customer.send_json_to({"type": "line", "text": "还在吗"})  # its echo is sent to a closed page
        with pytest.raises(ClientDisconnected):  # the consumer ended (uvicorn ignores this error)
            await customer.wait(timeout=5)
        after_end = len(sweeps)
        await asyncio.sleep(0.3)
        assert len(sweeps) <= after_end + 1
        session = await database_sync_to_async(ChatSession.objects.get)()
        assert session.visitor_left_at is not None  # the sweep may abandon it

    run(scenario)
