"""Mail out through a real SMTP server (aiosmtpd): replies thread, acknowledgements go once, never loop."""

import pytest
from django.utils import timezone

from kefu.intake.email.services import mail_ingest
from kefu.tickets.models import Message
from kefu.tickets.services import message_reply
from kefu.tickets.services.sla import reply_by
from tests.intake.email.conftest import CORPUS_NOW, eml

pytestmark = pytest.mark.django_db


def _mail(n: int, *, sender: str = "customer@example.com", extra: str = "") -> bytes:
    return (
        f"Message-ID: <out-{n}@example.com>\r\nFrom: =?utf-8?B?546L5LqU?= <{sender}>\r\n"
        f"Subject: =?utf-8?B?6KOF5L+u6aKE57qm?= {n}\r\n{extra}Content-Type: text/plain; charset=utf-8\r\n\r\n"
        f"我想预约安装，第 {n} 封。\r\n"
    ).encode()


@pytest.fixture
def quiet_mailbox(mailbox):
    mailbox.acknowledge = False
    mailbox.save()
    return mailbox


def test_an_agents_reply_arrives_from_the_mailbox_with_threading_headers(
    smtp_server, quiet_mailbox, org, django_capture_on_commit_callbacks
):
    row = mail_ingest(raw=eml("utf8-plain"), mailbox=quiet_mailbox, now=CORPUS_NOW)
    ticket = row.ticket

    with django_capture_on_commit_callbacks(execute=True):
        reply = message_reply(ticket=ticket, by=org.agent, body_text="已经联系快递公司，明天送到。")

    ((mail_from, rcpt, sent),) = smtp_server.messages
    assert (mail_from, rcpt) == ("service@kefu.test", ["zhangsan@example.com"])
    assert sent["Subject"] == f"Re: 快递三天没到 [{ticket.number}]"
    assert sent["In-Reply-To"] == "<utf8-plain@mail.example.com>"
    assert "<utf8-plain@mail.example.com>" in sent["References"]
    assert "明天送到" in sent.get_body(("plain",)).get_content()
    reply.refresh_from_db()
    assert reply.delivery == Message.Delivery.SENT
    assert reply.external_id == sent["Message-ID"]
    assert sent["Message-ID"].endswith("@kefu.test>")


def test_the_customers_answer_to_a_reply_threads_back_into_the_work_order(
    smtp_server, quiet_mailbox, org, django_capture_on_commit_callbacks
):
    ticket = mail_ingest(raw=eml("utf8-plain"), mailbox=quiet_mailbox, now=CORPUS_NOW).ticket
    with django_capture_on_commit_callbacks(execute=True):
        message_reply(ticket=ticket, by=org.agent, body_text="请提供单号。")
    ((_f, _r, sent),) = smtp_server.messages
    answer = (
        f"Message-ID: <answer@example.com>\r\nFrom: zhangsan@example.com\r\nSubject: Re: {sent['Subject']}\r\n"
        f"In-Reply-To: {sent['Message-ID']}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        "单号 SF123。\r\n\r\nOn Sun, Nov 22, 2026, Service wrote:\r\n> 请提供单号。\r\n"
    ).encode()

    row = mail_ingest(raw=answer, mailbox=quiet_mailbox, now=CORPUS_NOW)

    assert row.ticket == ticket
    assert row.message.body_text == "单号 SF123。"


def test_a_second_reply_references_the_whole_thread(
    smtp_server, quiet_mailbox, org, django_capture_on_commit_callbacks
):
    ticket = mail_ingest(raw=eml("gb2312-base64"), mailbox=quiet_mailbox, now=CORPUS_NOW).ticket
    with django_capture_on_commit_callbacks(execute=True):
        message_reply(ticket=ticket, by=org.agent, body_text="请寄回。")
    mail_ingest(raw=eml("reply-outlook-original"), mailbox=quiet_mailbox, now=CORPUS_NOW)
    with django_capture_on_commit_callbacks(execute=True):
        message_reply(ticket=ticket, by=org.agent, body_text="已收到，退款中。")

    first, second = (m for _f, _r, m in smtp_server.messages)
    assert second["In-Reply-To"] == "<reply-outlook-original@mail.example.com>"
    assert second["References"].split() == [
        "<gb2312-base64@mail.example.com>",
        first["Message-ID"],
        "<reply-outlook-original@mail.example.com>",
    ]


def test_a_new_email_work_order_is_acknowledged_with_its_number_and_promised_time(
    smtp_server, mailbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        row = mail_ingest(raw=_mail(1), mailbox=mailbox, now=CORPUS_NOW)

    ((_f, rcpt, ack),) = smtp_server.messages
    assert rcpt == ["customer@example.com"]
    assert ack["Auto-Submitted"] == "auto-replied"
    assert row.ticket.number in ack["Subject"]
    assert ack["In-Reply-To"] == "<out-1@example.com>"
    body = ack.get_body(("plain",)).get_content()
    assert f"并登记为工单 {row.ticket.number}" in body  # in the center's language, zh-hans
    due = timezone.localtime(reply_by(row.ticket))
    assert due > CORPUS_NOW
    assert f"{due:%Y-%m-%d %H:%M}" in body


@pytest.mark.parametrize(
    "extra",
    [
        "Auto-Submitted: auto-replied\r\n",
        "Precedence: bulk\r\n",
        "Precedence: junk\r\n",
        "X-Autoreply: yes\r\n",
        "X-Autorespond: yes\r\n",
    ],
)
def test_automatic_mail_is_never_acknowledged(
    smtp_server, mailbox, django_capture_on_commit_callbacks, extra
):
    with django_capture_on_commit_callbacks(execute=True):
        row = mail_ingest(raw=_mail(1, extra=extra), mailbox=mailbox, now=CORPUS_NOW)

    assert row.ticket is not None
    assert smtp_server.messages == []


def test_a_bounce_from_the_mailer_daemon_is_never_acknowledged(
    smtp_server, mailbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        mail_ingest(raw=eml("postmaster-plain"), mailbox=mailbox, now=CORPUS_NOW)
        mail_ingest(raw=_mail(1, sender="MAILER-DAEMON@mx.example.com"), mailbox=mailbox, now=CORPUS_NOW)

    assert smtp_server.messages == []


def test_acknowledgements_are_rate_limited_per_sender(
    smtp_server, mailbox, settings, django_capture_on_commit_callbacks
):
    settings.KEFU_EMAIL_ACK_PER_HOUR = 2
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(1, 5):
            mail_ingest(raw=_mail(n), mailbox=mailbox, now=CORPUS_NOW)
        mail_ingest(raw=_mail(9, sender="other@example.com"), mailbox=mailbox, now=CORPUS_NOW)

    recipients = [rcpt[0] for _f, rcpt, _m in smtp_server.messages]
    assert recipients.count("customer@example.com") == 2
    assert recipients.count("other@example.com") == 1


def test_mail_from_one_of_our_own_mailboxes_is_not_acknowledged(
    smtp_server, mailbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        mail_ingest(raw=_mail(1, sender="service@kefu.test"), mailbox=mailbox, now=CORPUS_NOW)

    assert smtp_server.messages == []


def test_a_reply_that_smtp_refuses_is_kept_as_failed(
    quiet_mailbox, org, settings, django_capture_on_commit_callbacks
):
    from tests.intake.email.conftest import _free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", _free_port(), 5
    ticket = mail_ingest(raw=eml("utf8-plain"), mailbox=quiet_mailbox, now=CORPUS_NOW).ticket

    with django_capture_on_commit_callbacks(execute=True):
        reply = message_reply(ticket=ticket, by=org.agent, body_text="稍后回复。")

    reply.refresh_from_db()
    assert reply.delivery == Message.Delivery.FAILED
    assert reply.delivery_error


def test_an_agents_reply_goes_to_the_reply_to_the_customer_asked_for(
    smtp_server, quiet_mailbox, org, django_capture_on_commit_callbacks
):
    raw = _mail(1, sender="boss@example.com", extra="Reply-To: Assistant <Assistant@example.com>\r\n")
    ticket = mail_ingest(raw=raw, mailbox=quiet_mailbox, now=CORPUS_NOW).ticket

    with django_capture_on_commit_callbacks(execute=True):
        reply = message_reply(ticket=ticket, by=org.agent, body_text="安装时间已确认。")

    ((_f, rcpt, _sent),) = smtp_server.messages
    assert rcpt == ["assistant@example.com"]
    assert ticket.customer_email == "boss@example.com"  # the customer is still the sender
    reply.refresh_from_db()
    assert reply.data["delivery"]["to"] == "assistant@example.com"


def test_the_acknowledgement_goes_to_the_reply_to(smtp_server, mailbox, django_capture_on_commit_callbacks):
    raw = _mail(1, sender="boss@example.com", extra="Reply-To: assistant@example.com\r\n")

    with django_capture_on_commit_callbacks(execute=True):
        mail_ingest(raw=raw, mailbox=mailbox, now=CORPUS_NOW)

    ((_f, rcpt, _ack),) = smtp_server.messages
    assert rcpt == ["assistant@example.com"]


def test_a_mail_without_from_is_answered_at_its_reply_to(
    smtp_server, mailbox, django_capture_on_commit_callbacks
):
    raw = _mail(1).replace(b"From: =?utf-8?B?546L5LqU?= <customer@example.com>\r\n", b"From:\r\n")
    raw = b"Reply-To: =?utf-8?B?546L5LqU?= <wang@example.com>\r\n" + raw

    with django_capture_on_commit_callbacks(execute=True):
        row = mail_ingest(raw=raw, mailbox=mailbox, now=CORPUS_NOW)

    assert (row.ticket.customer_email, row.ticket.customer_name) == ("wang@example.com", "王五")
    ((_f, rcpt, _ack),) = smtp_server.messages
    assert rcpt == ["wang@example.com"]


def test_a_mail_whose_reply_to_is_our_own_mailbox_is_not_acknowledged(
    smtp_server, mailbox, django_capture_on_commit_callbacks
):
    raw = _mail(1, extra="Reply-To: service@kefu.test\r\n")

    with django_capture_on_commit_callbacks(execute=True):
        row = mail_ingest(raw=raw, mailbox=mailbox, now=CORPUS_NOW)

    assert row.ticket is not None
    assert smtp_server.messages == []
