"""Live chat over the Redis channel layer (what several web processes share), against the test command's Redis."""

import pytest
from asgiref.sync import async_to_sync
from channels.layers import channel_layers, get_channel_layer

from tests.intake.chat.helpers import agent, line, until, visitor

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def redis_layer(settings, redis_url):
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [redis_url]}}
    }
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
