"""Websocket routes of live chat (included by kefu.routing)."""

from django.urls import re_path

from kefu.intake.chat.consumers import AgentConsumer, VisitorConsumer

websocket_urlpatterns = [
    re_path(r"^ws/chat/visitor/(?P<token>[A-Za-z0-9_-]{1,100})/$", VisitorConsumer.as_asgi()),
    re_path(r"^ws/chat/agent/$", AgentConsumer.as_asgi()),
]
