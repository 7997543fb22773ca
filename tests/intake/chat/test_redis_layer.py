"""Live chat over the Redis channel layer (what several web processes share), against the test command's Redis."""

import asyncio

import pytest
from asgiref.sync import async_to_sync
from channels.layers import channel_layers, get_channel_layer

from tests.intake.chat.helpers import agent, line, until, visitor

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def redis_layer(settings, redis_url):
    """The production profile's layer (kefu.settings.redis_channel_layer) on the test command's Redis."""
    from kefu.settings import redis_channel_layer

    settings.CHANNEL_LAYERS = {"default": redis_channel_layer(redis_url)}
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest.fixture
def org(transactional_db):
    from kefu.core.calendars import clear_calendar_cache
    from tests.org import build_org

    clear_calendar_cache()
    yield build_org()
    clear_calendar_cache()


def test_a_chat_runs_between_visitor_and_agent_over_redis(org, redis_layer):
    async def scenario():
        assert type(get_channel_layer()).__name__ == "RedisChannelLayer"
        console = agent(org.agent)
        assert (await console.connect())[0]
        await until(console, "snapshot")
        await console.send_json_to({"type": "status", "status": "online"})
        await until(console, "snapshot", status="online")
        customer = visitor()
        assert (await customer.connect())[0]
        await customer.send_json_to({"type": "start", "name": "张女士"})
        assert "正在为您接入客服" in (await until(customer, "line", sender="system"))["text"]
        offer = await until(console, "offer")
        await console.send_json_to({"type": "accept", "session": offer["id"]})
        await until(customer, "state", state="active")
        await customer.send_json_to({"type": "line", "text": "你好"})
        await line(console, "你好")
        await console.send_json_to({"type": "line", "session": offer["id"], "text": "您好，请讲"})
        await line(customer, "您好，请讲")
        await customer.disconnect()
        await console.disconnect()

    async_to_sync(scenario)()


def test_a_receive_with_nothing_to_read_outlasts_redis_blocking_pop(redis_layer):
    """A visitor waiting for an agent sits in receive(): channels-redis blocks 5 s in BZPOPMIN, then
    asks again. With redis-py's default 5 s read timeout the answer raced the timeout and the
    websocket died with TimeoutError (the chat errors of bench/load.py)."""
    layer = get_channel_layer()
    connection = layer.create_pool(0).make_connection()
    assert connection.socket_timeout is None or connection.socket_timeout > layer.brpop_timeout

    async def wait_on_an_empty_channel():
        channel = await layer.new_channel()
        with pytest.raises(TimeoutError):  # ours, after two of channels-redis' blocking pops
            await asyncio.wait_for(layer.receive(channel), timeout=2 * layer.brpop_timeout + 1)
        await layer.send(channel, {"type": "still.here"})
        assert (await layer.receive(channel))["type"] == "still.here"

    async_to_sync(wait_on_an_empty_channel)()
