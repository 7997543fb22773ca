"""Correspondence on a work order (沟通记录): one mechanism for every channel's messages."""

from datetime import timedelta

import pytest

from kefu.core.errors import PermissionDenied, ValidationError
from kefu.tickets.models import Message, SlaClock, SlaTarget, Status, TicketEvent
from kefu.tickets.services import message_receive, message_reply
from kefu.tickets.services import messages as message_services
from kefu.tickets.tasks import retry_failed_messages
from tests.tickets.helpers import MONDAY_9, new_ticket, notifications, ticket_in

LATER = MONDAY_9 + timedelta(hours=1)


@pytest.fixture
def outbox():
    """A sender for the email channel that keeps what it was given (and can be told to fail)."""
    sent: list[Message] = []
    state = {"fail": False}

    def deliver(message: Message) -> dict:
        if state["fail"]:
            raise ConnectionError("SMTP server refused the connection")
        sent.append(message)
        return {"external_id": f"<reply-{message.pk}@kefu.test>"}

    previous = message_services.SENDERS.get("email", None)
    message_services.SENDERS.register(deliver, key="email")
    yield sent, state
    message_services.SENDERS.register(previous, key="email")


def test_receiving_the_same_external_id_twice_stores_one_message(org):
    ticket = new_ticket(org)

    first, created = message_receive(
        ticket=ticket, channel="email", body_text="补充：单号 SF123", external_id="<a@x>"
    )
    again, created_again = message_receive(
        ticket=ticket, channel="email", body_text="补充", external_id="<a@x>"
    )

    assert created and not created_again
    assert again.pk == first.pk
    assert ticket.messages.count() == 1
    assert ticket.events.filter(kind=TicketEvent.Kind.MESSAGE_IN).count() == 1


def test_the_same_external_id_on_another_channel_is_another_message(org):
    ticket = new_ticket(org)
    message_receive(ticket=ticket, channel="email", body_text="一", external_id="42")
    message_receive(ticket=ticket, channel="chat", body_text="二", external_id="42")
    assert ticket.messages.count() == 2


def test_customer_html_is_sanitized_and_a_text_version_kept(org):
    ticket = new_ticket(org)
    message, _ = message_receive(
        ticket=ticket,
        channel="email",
        body_html='<p onclick="steal()">退款<script>alert(1)</script></p><a href="javascript:x()">链接</a>',
    )
    assert "script" not in message.body_html and "onclick" not in message.body_html
    assert "javascript" not in message.body_html
    assert message.body_text == "退款\n链接"


def test_an_empty_message_is_refused_and_nothing_is_stored(org):
    ticket = new_ticket(org)
    with pytest.raises(ValidationError) as refused:
        message_receive(ticket=ticket, channel="email", body_text="  ", body_html="<p> </p>")
    assert "body_text" in refused.value.errors
    assert not ticket.messages.exists()


def test_a_customer_message_wakes_a_work_order_waiting_on_the_customer(org):
    ticket = ticket_in(org, Status.WAITING_CUSTOMER)
    assert ticket.sla_clocks.filter(target=SlaTarget.RESOLUTION, state=SlaClock.State.PAUSED).exists()

    message_receive(ticket=ticket, channel="email", body_text="照片已附上", now=LATER)

    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
    assert ticket.sla_clocks.filter(target=SlaTarget.RESOLUTION, state=SlaClock.State.RUNNING).exists()


def test_a_customer_message_tells_the_owner(org):
    ticket = ticket_in(org, Status.IN_PROGRESS)
    message_receive(ticket=ticket, channel="portal", body_text="还没有人联系我")
    assert "customer_message" in [n.kind for n in notifications(org.agent)]


def test_a_reply_leaves_through_the_channels_sender_after_commit(
    org, outbox, django_capture_on_commit_callbacks
):
    sent, _ = outbox
    ticket = new_ticket(org, channel="email", customer_email="zhang@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        message = message_reply(ticket=ticket, by=org.agent, body_text="您好，已为您核实")

    message.refresh_from_db()
    assert [m.pk for m in sent] == [message.pk]
    assert message.delivery == Message.Delivery.SENT
    assert message.address == "zhang@example.com"
    assert message.external_id == f"<reply-{message.pk}@kefu.test>"
    assert ticket.events.filter(kind=TicketEvent.Kind.MESSAGE_OUT, actor=org.agent).exists()


def test_a_reply_by_phone_is_recorded_not_sent(org, outbox):
    sent, _ = outbox
    ticket = new_ticket(org)
    message = message_reply(ticket=ticket, by=org.agent, body_text="已电话告知处理结果", channel="phone")
    assert message.delivery == Message.Delivery.RECORDED
    assert sent == []


def test_a_failed_delivery_is_kept_visible_and_retried(org, outbox, django_capture_on_commit_callbacks):
    sent, state = outbox
    ticket = new_ticket(org, channel="email", customer_email="zhang@example.com")
    state["fail"] = True
    with django_capture_on_commit_callbacks(execute=True):
        message = message_reply(ticket=ticket, by=org.agent, body_text="您好")
    message.refresh_from_db()
    assert message.delivery == Message.Delivery.FAILED
    assert "refused" in message.delivery_error

    state["fail"] = False
    retry_failed_messages.call_local()

    message.refresh_from_db()
    assert message.delivery == Message.Delivery.SENT and message.attempts == 2
    assert len(sent) == 1


def test_delivering_twice_sends_once(org, outbox, django_capture_on_commit_callbacks):
    sent, _ = outbox
    ticket = new_ticket(org, channel="email", customer_email="zhang@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        message = message_reply(ticket=ticket, by=org.agent, body_text="您好")
    message_services.message_deliver(message_id=message.pk)
    assert len(sent) == 1


def test_department_staff_may_not_answer_the_customer(org):
    ticket = ticket_in(org, Status.DISPATCHED)
    with pytest.raises(PermissionDenied):
        message_reply(ticket=ticket, by=org.logistics_staff, body_text="我们来回复")
    assert not ticket.messages.exists()


def test_an_agent_of_another_group_may_not_answer(org):
    ticket = new_ticket(org)
    with pytest.raises(PermissionDenied):
        message_reply(ticket=ticket, by=org.other_agent, body_text="您好")


def test_a_merged_work_order_takes_no_replies(org):
    ticket = ticket_in(org, Status.MERGED)
    with pytest.raises(PermissionDenied):
        message_reply(ticket=ticket, by=org.agent, body_text="您好")


def test_an_empty_reply_names_the_field(org):
    ticket = new_ticket(org)
    with pytest.raises(ValidationError) as refused:
        message_reply(ticket=ticket, by=org.agent, body_text=" ")
    assert "body_text" in refused.value.errors


def test_a_line_of_a_live_conversation_does_not_notify_the_owner(org):
    ticket = ticket_in(org, Status.IN_PROGRESS)
    message_receive(ticket=ticket, channel="chat", body_text="在吗", notify_owner=False)
    assert "customer_message" not in [n.kind for n in notifications(org.agent)]
    assert ticket.messages.count() == 1
