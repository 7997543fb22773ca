"""Chats and mail threads become transcripts as they end, and are announced (transcript_ready)."""

from datetime import timedelta

import pytest

from kefu.core.calendars import clear_calendar_cache
from kefu.intake.chat import services as chat
from kefu.quality.models import Transcript
from kefu.quality.signals import transcript_ready
from kefu.tickets.models import Message
from kefu.tickets.services.messages import message_receive, message_reply
from tests.intake.chat.conftest import T0, online, start
from tests.org import build_org
from tests.tickets.helpers import MONDAY_9, REPLY, new_ticket, perform

S = timedelta(seconds=1)


@pytest.fixture
def org(db):
    clear_calendar_cache()
    yield build_org()
    clear_calendar_cache()


@pytest.fixture
def ready():
    seen = []

    def receiver(sender, transcript, **kwargs):
        seen.append(transcript.pk)

    transcript_ready.connect(receiver, dispatch_uid="test-ready-sources")
    yield seen
    transcript_ready.disconnect(dispatch_uid="test-ready-sources")


def chat_with_lines(org):
    online(org.agent)
    session = start(name="张女士", phone="13800138000")
    chat.chat_post_line(session=session, sender="customer", text="快递三天没到", now=T0 + 2 * S)
    chat.chat_dispatch(now=T0 + 3 * S)
    session = chat.chat_accept(session=session, by=org.agent, now=T0 + 5 * S)
    chat.chat_post_line(
        session=session, sender="agent", text="您好，我帮您查一下", by=org.agent, now=T0 + 10 * S
    )
    chat.chat_post_line(session=session, sender="customer", text="好的，谢谢", now=T0 + 20 * S)
    return session


# --- chats -----------------------------------------------------------------------------------------------


def test_an_ended_chat_becomes_a_transcript_and_is_announced(org, ready, django_capture_on_commit_callbacks):
    session = chat_with_lines(org)
    with django_capture_on_commit_callbacks(execute=True):
        chat.chat_end(session=session, by=org.agent, now=T0 + 30 * S)
    transcript = Transcript.objects.get(chat_session=session)
    assert (
        transcript.channel == "chat" and transcript.agent == org.agent and transcript.ticket == session.ticket
    )
    said = [(s["role"], s["text"], s["start_ms"]) for s in transcript.sentences if s["role"] != "system"]
    assert said == [
        ("customer", "快递三天没到", 2000),
        ("agent", "您好，我帮您查一下", 10000),
        ("customer", "好的，谢谢", 20000),
    ]
    assert transcript.sentences[-1]["role"] == "system"  # "the chat has ended", the last line
    assert all(s["end_ms"] is None for s in transcript.sentences)
    assert transcript.started_at == session.requested_at and transcript.ended_at == T0 + 30 * S
    assert ready == [transcript.pk]


def test_internal_chat_lines_stay_out_of_the_transcript(org, django_capture_on_commit_callbacks):
    session = chat_with_lines(org)
    online(org.agent2)
    session = chat.chat_transfer(
        session=session, by=org.agent, to=org.agent2, note="内部备注：老客户", now=T0 + 25 * S
    )
    with django_capture_on_commit_callbacks(execute=True):
        chat.chat_end(session=session, by=org.agent2, now=T0 + 30 * S)
    texts = " ".join(s["text"] for s in Transcript.objects.get().sentences)
    assert "内部备注" not in texts and "快递三天没到" in texts


def test_a_chat_no_agent_took_makes_no_transcript(org, django_capture_on_commit_callbacks):
    session = start()
    with django_capture_on_commit_callbacks(execute=True):
        chat.chat_leave_message(session=session, text="想咨询会员积分", phone="13900139000", now=T0)
    assert not Transcript.objects.exists()


def test_ending_a_chat_twice_makes_one_transcript(org, django_capture_on_commit_callbacks):
    session = chat_with_lines(org)
    with django_capture_on_commit_callbacks(execute=True):
        chat.chat_end(session=session, by=org.agent, now=T0 + 30 * S)
        chat.chat_end(session=session, by=org.agent, now=T0 + 40 * S)
    assert Transcript.objects.count() == 1


# --- mails -----------------------------------------------------------------------------------------------


def mail_ticket(org):
    ticket = new_ticket(
        org,
        ticket_type="consultation",
        channel="email",
        customer_email="zhang@example.com",
        customer_phone="",
    )
    message_receive(
        ticket=ticket, channel="email", body_text="你好，我的订单 1234 一直没发货。", author_name="张女士",
        address="zhang@example.com", now=MONDAY_9,
    )  # fmt: skip
    message_reply(
        ticket=ticket,
        by=org.agent,
        body_text="您好，已为您催促仓库，今天发出。",
        now=MONDAY_9 + timedelta(hours=1),
    )
    message_receive(
        ticket=ticket, channel="email",
        body_text="收到，谢谢！\n\n在 2026年11月23日 10:00，客服中心 写道：\n> 您好，已为您催促仓库，今天发出。",
        author_name="张女士", address="zhang@example.com", now=MONDAY_9 + timedelta(hours=2),
    )  # fmt: skip
    return ticket


def test_a_resolved_email_work_order_becomes_a_transcript_without_quoted_history(
    org, ready, django_capture_on_commit_callbacks
):
    ticket = mail_ticket(org)
    with django_capture_on_commit_callbacks(execute=True):
        for action in ("accept", "start", "resolve"):
            ticket = perform(org, ticket, action, now=MONDAY_9 + timedelta(hours=3))
    transcript = Transcript.objects.get(ticket=ticket)
    assert transcript.channel == "email" and transcript.agent == org.agent
    mails = [(s["role"], s["text"], s["start_ms"]) for s in transcript.sentences]
    assert mails[0] == ("customer", "你好，我的订单 1234 一直没发货。", 0)
    assert ("agent", "您好，已为您催促仓库，今天发出。", 3600_000) in mails
    assert ("customer", "收到，谢谢！", 7200_000) in mails
    # Last, the reply given at the resolution (in the notice the worker sent, or as given).
    assert mails[-1][0] == "agent" and REPLY in mails[-1][1]
    assert ready == [transcript.pk]


def test_the_reply_given_at_the_resolution_ends_the_thread_before_its_notice_is_sent(org):
    from kefu.quality.services.transcripts import transcript_from_mail

    ticket = mail_ticket(org)
    for action in ("accept", "start", "resolve"):
        ticket = perform(org, ticket, action, now=MONDAY_9 + timedelta(hours=3))  # no commit: no notice
    transcript = transcript_from_mail(ticket=ticket, resolved_at=MONDAY_9 + timedelta(hours=3))
    last = transcript.sentences[-1]
    assert (last["role"], last["text"], last["start_ms"]) == ("agent", REPLY, 3 * 3600_000)


def test_a_phone_work_order_resolved_makes_no_mail_transcript(org, django_capture_on_commit_callbacks):
    ticket = new_ticket(org)
    with django_capture_on_commit_callbacks(execute=True):
        for action in ("accept", "start", "resolve"):
            ticket = perform(org, ticket, action)
    assert not Transcript.objects.exists()


def test_resolving_again_with_nothing_new_adds_no_transcript(org, django_capture_on_commit_callbacks):
    ticket = mail_ticket(org)
    with django_capture_on_commit_callbacks(execute=True):
        for action in ("accept", "start", "resolve", "reopen", "resolve"):
            ticket = perform(org, ticket, action, now=MONDAY_9 + timedelta(hours=3))
    assert Transcript.objects.count() == 1
    assert Message.objects.filter(ticket=ticket).exists()
