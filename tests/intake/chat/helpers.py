"""Websocket helpers for the chat consumer tests: a visitor through the real ASGI stack, an agent with a user."""

import secrets

from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator

from kefu.asgi import application
from kefu.routing import websocket_urlpatterns

SAME_ORIGIN = [(b"origin", b"http://testserver"), (b"host", b"testserver")]


def visitor(token: str | None = None, headers=None) -> WebsocketCommunicator:
    token = token or secrets.token_hex(16)
    return WebsocketCommunicator(application, f"/ws/chat/visitor/{token}/", headers=headers or SAME_ORIGIN)


def agent(user) -> WebsocketCommunicator:
    """The agent console's socket, signed in as `user` (AuthMiddlewareStack's part done by hand)."""
    communicator = WebsocketCommunicator(URLRouter(websocket_urlpatterns), "/ws/chat/agent/")
    communicator.scope["user"] = user
    return communicator


async def until(communicator, kind: str, timeout: float = 10, **match) -> dict:
    """The next frame of type `kind` whose fields equal `match`, skipping the others."""
    while True:
        frame = await communicator.receive_json_from(timeout=timeout)
        if frame.get("type") == kind and all(frame.get(k) == v for k, v in match.items()):
            return frame


async def line(communicator, text: str, timeout: float = 10) -> dict:
    return await until(communicator, "line", timeout=timeout, text=text)
