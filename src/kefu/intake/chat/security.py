"""Origin checks for websockets: the visitor widget may be embedded on the sites in KEFU_CHAT_ALLOWED_ORIGINS.

Every other websocket keeps Channels' AllowedHostsOriginValidator (the site's own hosts only).
"""

from urllib.parse import urlparse

from channels.security.websocket import AllowedHostsOriginValidator, WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host

VISITOR_PREFIX = "/ws/chat/visitor/"


def _header(scope, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin1")
    return ""


def origin_allowed(scope) -> bool:
    """Same origin, one of the site's ALLOWED_HOSTS, or listed in KEFU_CHAT_ALLOWED_ORIGINS ("*": any)."""
    origin = _header(scope, b"origin")
    if not origin:
        return False  # browsers always send Origin on websockets; a missing one is not a page of ours
    allowed = settings.KEFU_CHAT_ALLOWED_ORIGINS
    if "*" in allowed:
        return True
    parsed = urlparse(origin)
    if not parsed.scheme or not parsed.hostname:
        return False
    if origin.rstrip("/").lower() in {o.rstrip("/").lower() for o in allowed}:
        return True
    host = _header(scope, b"host")
    if host and parsed.netloc.lower() == host.lower():
        return True
    domain, _port = split_domain_port(parsed.netloc)
    return bool(domain) and validate_host(domain, settings.ALLOWED_HOSTS)


class ChatOriginValidator:
    """Let the visitor websocket through from allowed origins only."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket" and not origin_allowed(scope):
            return await WebsocketDenier()(scope, receive, send)
        return await self.app(scope, receive, send)


class WebsocketOriginRouter:
    """The visitor websocket is checked by ChatOriginValidator, every other one by AllowedHostsOriginValidator."""

    def __init__(self, app):
        self.visitor = ChatOriginValidator(app)
        self.default = AllowedHostsOriginValidator(app)

    async def __call__(self, scope, receive, send):
        if scope.get("path", "").startswith(VISITOR_PREFIX):
            return await self.visitor(scope, receive, send)
        return await self.default(scope, receive, send)
