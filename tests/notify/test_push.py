"""Real-time pushes of staff notifications (kefu.notify.services, NotificationConsumer)."""

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator

from kefu.notify.consumers import NotificationConsumer
from kefu.notify.services import notify_many
from kefu.tickets.services import ticket_create
from tests.org import build_org


def _frames_after(user, send, count: int) -> list[dict]:
    async def scenario():
        communicator = WebsocketCommunicator(NotificationConsumer.as_asgi(), "/ws/notifications/")
        communicator.scope["user"] = user
        connected, _subprotocol = await communicator.connect()
        assert connected
        await sync_to_async(send)()
        frames = [await communicator.receive_json_from(timeout=5) for _ in range(count)]
        assert await communicator.receive_nothing(timeout=0.2)
        await communicator.disconnect()
        return frames

    return async_to_sync(scenario)()


# transaction=True: pushes leave after the commit.
@pytest.mark.django_db(transaction=True)
def test_a_batch_reaches_each_person_as_one_frame_per_notification_in_order():
    org = build_org()
    ticket = ticket_create(by=org.agent, ticket_type="complaint", channel="phone", content="快递丢了").ticket

    def send():
        notify_many(
            [
                {"users": [org.agent], "ticket": ticket, "kind": "sla_breach", "title": "一"},
                {"users": [org.supervisor, org.agent], "ticket": ticket, "kind": "escalation", "title": "二"},
                {"users": [org.agent], "ticket": None, "kind": "escalation", "title": "三", "body": "正文"},
            ]
        )

    frames = _frames_after(org.agent, send, 3)
    assert frames == [
        {"kind": "sla_breach", "title": "一", "body": "", "ticket": ticket.number},
        {"kind": "escalation", "title": "二", "body": "", "ticket": ticket.number},
        {"kind": "escalation", "title": "三", "body": "正文", "ticket": None},
    ]


@pytest.mark.django_db(transaction=True)
def test_a_single_notification_arrives_as_one_frame():
    org = build_org()

    def send():
        notify_many([{"users": [org.supervisor], "ticket": None, "kind": "escalation", "title": "只有一条"}])

    frames = _frames_after(org.supervisor, send, 1)
    assert frames == [{"kind": "escalation", "title": "只有一条", "body": "", "ticket": None}]
