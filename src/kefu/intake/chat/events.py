"""Fan-out of chat events through channel-layer groups, after the transaction commits.

Nothing is kept in process memory: every web process's consumers join groups on the channel layer
(in-memory embedded, Redis with several processes), so a line typed on one process reaches a
console served by another.
"""

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

AGENTS_GROUP = "chat.agents"  # every open agent console: queue changes


def visitor_group(token: str) -> str:
    return f"chat.visitor.{token}"


def agent_group(user_id: int) -> str:
    return f"chat.agent.{user_id}"


def send_now(group: str, payload: dict) -> None:
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(layer.group_send)(group, {"type": "chat.event", "payload": payload})


def push(group: str, payload: dict) -> None:
    """Send `payload` to every consumer in `group` once the current transaction commits."""
    transaction.on_commit(lambda: send_now(group, payload))
