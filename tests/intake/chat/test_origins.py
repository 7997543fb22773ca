"""The visitor websocket accepts the site itself and the origins in KEFU_CHAT_ALLOWED_ORIGINS only."""

import pytest
from asgiref.sync import async_to_sync
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator

from kefu.asgi import application
from tests.intake.chat.helpers import visitor

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def fresh_layer():
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


def connects(communicator) -> bool:
    async def attempt():
        connected, _code = await communicator.connect()
        if connected:
            await communicator.disconnect()
        return connected

    return async_to_sync(attempt)()


def foreign(origin: bytes):
    return visitor(headers=[(b"origin", origin), (b"host", b"kefu.example.com")])


def test_a_page_of_the_site_itself_may_open_the_visitor_socket(settings):
    settings.ALLOWED_HOSTS = ["kefu.example.com"]
    assert connects(foreign(b"https://kefu.example.com"))


def test_a_site_not_listed_is_refused(settings):
    settings.KEFU_CHAT_ALLOWED_ORIGINS = ["https://shop.example.com"]
    assert not connects(foreign(b"https://evil.example.net"))


def test_a_listed_customer_site_may_embed_the_widget(settings):
    settings.KEFU_CHAT_ALLOWED_ORIGINS = ["https://shop.example.com"]
    assert connects(foreign(b"https://shop.example.com"))


def test_a_star_allows_any_site(settings):
    settings.KEFU_CHAT_ALLOWED_ORIGINS = ["*"]
    assert connects(foreign(b"https://anywhere.example.org"))


def test_a_socket_without_origin_is_refused():
    assert not connects(visitor(headers=[(b"host", b"testserver")]))


def test_listed_chat_origins_do_not_open_the_staff_sockets(settings):
    settings.KEFU_CHAT_ALLOWED_ORIGINS = ["https://shop.example.com"]
    communicator = WebsocketCommunicator(
        application,
        "/ws/chat/agent/",
        headers=[(b"origin", b"https://shop.example.com"), (b"host", b"testserver")],
    )
    assert not connects(communicator)
