"""Websocket routes of every app."""

from django.urls import path

from kefu.intake.chat.routing import websocket_urlpatterns as chat_websocket_urlpatterns
from kefu.notify.consumers import NotificationConsumer
from kefu.reports.consumers import WallboardConsumer

websocket_urlpatterns = [
    path("ws/notifications/", NotificationConsumer.as_asgi()),
    path("ws/wallboard/", WallboardConsumer.as_asgi()),
    *chat_websocket_urlpatterns,
]
