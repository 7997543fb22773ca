"""ASGI entry point: HTTP through Django, websockets through Channels."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kefu.settings")

from django.core.asgi import get_asgi_application  # noqa: E402

django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from kefu.intake.chat.security import WebsocketOriginRouter  # noqa: E402
from kefu.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # the chat widget's websocket may come from customer sites; every other one from our own hosts only
        "websocket": WebsocketOriginRouter(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
