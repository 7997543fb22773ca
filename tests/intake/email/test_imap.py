"""IMAP polling against a real Dovecot: mail becomes work orders once, is marked \\Seen, survives crashes."""

import imaplib

import pytest

from kefu.intake.email import services
from kefu.intake.email.models import InboundMail
from kefu.tickets.models import Message, Ticket
from tests.intake.email.conftest import CORPUS_NOW, eml

pytestmark = pytest.mark.django_db


def _append(client, raw: bytes) -> None:
    typ, data = client.append("INBOX", None, None, raw)
    assert typ == "OK", data


def _seen(client) -> list[int]:
    """Positions (1 = first appended in this test) of the mail marked \\Seen."""
    client.select("INBOX")
    _typ, data = client.search(None, "SEEN")
    return sorted(int(n) for n in data[0].split())


def _mail(n: int) -> bytes:
    return (
        f"Message-ID: <imap-{n}@example.com>\r\nFrom: customer{n}@example.com\r\n"
        f"Subject: =?utf-8?B?5ZKo6K+i?= {n}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        f"第 {n} 封邮件：营业时间？\r\n"
    ).encode()


def test_polling_turns_unseen_mail_into_work_orders_and_marks_it_seen(imap, imap_mailbox):
    for name in ("utf8-plain", "gb2312-base64", "nested-mixed-alternative-related"):
        _append(imap, eml(name))

    counts = services.mailbox_poll(mailbox=imap_mailbox, now=CORPUS_NOW)

    assert counts["processed"] == 3
    assert Ticket.objects.filter(channel="email", group=imap_mailbox.group).count() == 3
    assert set(Message.objects.filter(direction="in").values_list("subject", flat=True)) == {
        "快递三天没到",
        "退货申请",
        "合同附件",
    }
    assert _seen(imap) == [1, 2, 3]
    assert InboundMail.objects.filter(mailbox=imap_mailbox, state="processed").count() == 3


def test_a_second_poll_adds_nothing(imap, imap_mailbox):
    _append(imap, eml("utf8-plain"))
    services.mailbox_poll(mailbox=imap_mailbox, now=CORPUS_NOW)

    counts = services.mailbox_poll(mailbox=imap_mailbox, now=CORPUS_NOW)

    assert counts == {"fetched": 0, "processed": 0, "failed": 0, "skipped": 0}
    assert (Ticket.objects.count(), Message.objects.filter(direction="in").count()) == (1, 1)


def test_a_reply_delivered_to_the_mailbox_threads_into_its_work_order(imap, imap_mailbox):
    _append(imap, eml("gb2312-base64"))
    services.mailbox_poll(mailbox=imap_mailbox, now=CORPUS_NOW)
    _append(imap, eml("reply-outlook-original"))

    services.mailbox_poll(mailbox=imap_mailbox, now=CORPUS_NOW)

    (ticket,) = Ticket.objects.all()
    assert ticket.messages.filter(direction="in").count() == 2


def test_a_mail_that_fails_is_kept_with_its_error_and_the_batch_goes_on(imap, imap_mailbox, monkeypatch):
    real_parse = services.parse

    def parse(raw: bytes):
        if b"imap-2@" in raw:
            raise ValueError("cannot read this one")
        return real_parse(raw)

    monkeypatch.setattr(services, "parse", parse)
    for n in (1, 2, 3):
        _append(imap, _mail(n))

    counts = services.mailbox_poll(mailbox=imap_mailbox, now=CORPUS_NOW)

    assert (counts["processed"], counts["failed"]) == (2, 1)
    failed = InboundMail.objects.get(state="failed")
    assert "cannot read this one" in failed.error
    assert b"imap-2@" in bytes(failed.raw)
    assert Ticket.objects.count() == 2


class Crash(BaseException):
    """Stands for the process being killed (not an Exception: nothing may catch it as the mail's fault)."""


def test_a_crash_inside_a_batch_loses_and_duplicates_nothing(imap, imap_mailbox, monkeypatch):
    for n in range(1, 6):
        _append(imap, _mail(n))
    real_ingest = services._ingest
    calls = {"n": 0}

    def crashing_ingest(parsed, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:  # all five kept raw, two stored, then the process dies in the third
            raise Crash
        return real_ingest(parsed, **kwargs)

    monkeypatch.setattr(services, "_ingest", crashing_ingest)
    with pytest.raises(Crash):
        services.mailbox_poll(mailbox=imap_mailbox, now=CORPUS_NOW)
    assert InboundMail.objects.filter(state="received").count() == 5  # the batch rolled back whole
    assert Ticket.objects.count() == 0
    assert _seen(imap) == []
    monkeypatch.setattr(services, "_ingest", real_ingest)

    counts = services.mailbox_poll(mailbox=imap_mailbox, now=CORPUS_NOW)

    assert (counts["fetched"], counts["processed"]) == (0, 5)  # nothing fetched twice
    assert Ticket.objects.count() == 5
    assert sorted(Message.objects.filter(direction="in").values_list("external_id", flat=True)) == [
        f"<imap-{n}@example.com>" for n in range(1, 6)
    ]
    assert InboundMail.objects.filter(state="processed").count() == 5
    assert _seen(imap) == [1, 2, 3, 4, 5]


def test_a_crash_before_marking_seen_does_not_process_the_mail_twice(imap, imap_mailbox, monkeypatch):
    for n in range(1, 4):
        _append(imap, _mail(n))
    real_uid = imaplib.IMAP4.uid

    def uid(self, command, *args):
        if command == "STORE":  # processed and committed, then killed before \Seen
            raise Crash
        return real_uid(self, command, *args)

    monkeypatch.setattr(imaplib.IMAP4, "uid", uid)
    with pytest.raises(Crash):
        services.mailbox_poll(mailbox=imap_mailbox, now=CORPUS_NOW)
    monkeypatch.setattr(imaplib.IMAP4, "uid", real_uid)
    assert _seen(imap) == []

    counts = services.mailbox_poll(mailbox=imap_mailbox, now=CORPUS_NOW)

    assert counts["skipped"] == 3  # kept and processed before the crash: only marked now
    assert Ticket.objects.count() == 3
    assert Message.objects.filter(direction="in").count() == 3
    assert _seen(imap) == [1, 2, 3]


def test_a_poll_goes_in_batches_each_committed_before_the_next(imap, imap_mailbox, monkeypatch):
    monkeypatch.setattr(services, "BATCH_SIZE", 2)
    for n in range(1, 6):
        _append(imap, _mail(n))
    real_ingest = services._ingest
    calls = {"n": 0}

    def crashing_ingest(parsed, **kwargs):
        calls["n"] += 1
        if calls["n"] == 4:  # in the second batch of two
            raise Crash
        return real_ingest(parsed, **kwargs)

    monkeypatch.setattr(services, "_ingest", crashing_ingest)
    with pytest.raises(Crash):
        services.mailbox_poll(mailbox=imap_mailbox, now=CORPUS_NOW)

    assert Ticket.objects.count() == 2  # the first batch stays
    assert _seen(imap) == [1, 2]
    monkeypatch.setattr(services, "_ingest", real_ingest)
    counts = services.mailbox_poll(mailbox=imap_mailbox, now=CORPUS_NOW)
    assert (counts["fetched"], counts["processed"]) == (1, 3)
    assert Ticket.objects.count() == 5
    assert _seen(imap) == [1, 2, 3, 4, 5]


def test_a_wrong_password_is_kept_on_the_mailbox_and_other_mailboxes_still_poll(imap, imap_mailbox, org):
    from kefu.intake.email.models import Mailbox

    broken = Mailbox.objects.create(
        name="坏邮箱",
        address="broken@kefu.test",
        imap_host=imap_mailbox.imap_host,
        imap_port=imap_mailbox.imap_port,
        imap_ssl=False,
        imap_user="kefu",
        imap_password="wrong",
    )
    _append(imap, _mail(1))

    results = services.mailboxes_poll(now=CORPUS_NOW)

    assert results[imap_mailbox.name]["processed"] == 1
    assert results[broken.name].startswith("error")
    broken.refresh_from_db()
    assert broken.last_error


def test_kefu_ingest_mail_imap_polls_every_enabled_mailbox(imap, imap_mailbox, capsys):
    from kefu import cli

    _append(imap, _mail(1))

    assert cli.main(["ingest-mail", "--imap"]) == 0

    assert "'processed': 1" in capsys.readouterr().out
    assert Ticket.objects.count() == 1


def test_kefu_ingest_mail_imap_with_a_mailbox_polls_only_that_one(imap, imap_mailbox, org, capsys):
    from kefu import cli
    from kefu.intake.email.models import Mailbox

    Mailbox.objects.create(
        name="坏邮箱", address="broken@kefu.test", imap_host="127.0.0.1", imap_port=1, imap_ssl=False
    )
    _append(imap, _mail(1))

    assert cli.main(["ingest-mail", "--imap", "--mailbox", imap_mailbox.name]) == 0

    out = capsys.readouterr().out
    assert "'processed': 1" in out
    assert "坏邮箱" not in out
    assert Ticket.objects.count() == 1
