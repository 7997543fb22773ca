"""Mail processed in batches: one transaction, a savepoint per mail; a bad mail fails alone,
a killed process loses and doubles nothing, and the same mail twice makes one message."""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest

from kefu.intake.email import services
from kefu.intake.email.models import Acknowledgement, InboundMail, Mailbox
from kefu.tickets.models import Message, Ticket
from tests.intake.email.conftest import CORPUS_NOW, eml

ROOT = Path(__file__).resolve().parents[3]


def _mail(n: int, *, sender: str = "", extra: str = "") -> bytes:
    return (
        f"Message-ID: <batch-{n}@example.com>\r\nFrom: <{sender or f'customer{n}@example.com'}>\r\n"
        f"Subject: =?utf-8?B?5ZKo6K+i?= {n}\r\n{extra}Content-Type: text/plain; charset=utf-8\r\n\r\n"
        f"第 {n} 封邮件：营业时间？\r\n"
    ).encode()


@pytest.mark.django_db
def test_a_batch_makes_one_work_order_per_new_mail_and_threads_a_reply_to_an_earlier_one(mailbox):
    reply = _mail(3, extra="In-Reply-To: <batch-1@example.com>\r\n").replace(b"customer3@", b"customer1@")

    rows = services.mail_ingest_many(raws=[_mail(1), _mail(2), reply], mailbox=mailbox, now=CORPUS_NOW)

    assert [row.state for row in rows] == ["processed"] * 3
    assert Ticket.objects.count() == 2
    assert rows[2].ticket_id == rows[0].ticket_id
    assert [row.mail_id for row in InboundMail.objects.order_by("id")] == [
        f"<batch-{n}@example.com>" for n in (1, 2, 3)
    ]


@pytest.mark.django_db
def test_a_mail_that_cannot_be_read_fails_alone_inside_a_batch(mailbox):
    rows = services.mail_ingest_many(
        raws=[_mail(1), b"\r\n\r\nno headers here", _mail(3)], mailbox=mailbox, now=CORPUS_NOW
    )

    assert [row.state for row in rows] == ["processed", "failed", "processed"]
    assert "no mail headers" in rows[1].error
    assert Ticket.objects.count() == 2


@pytest.mark.django_db
def test_a_database_error_while_storing_one_mail_rolls_back_only_that_mail(mailbox, monkeypatch):
    real_receive = services.message_receive

    def receive(**kwargs):
        if kwargs["external_id"] == "<batch-2@example.com>":
            # A real constraint violation after its work order was opened: PostgreSQL aborts the
            # transaction unless the mail's savepoint is rolled back.
            Mailbox.objects.create(name=mailbox.name, address="dup@kefu.test")
        return real_receive(**kwargs)

    monkeypatch.setattr(services, "message_receive", receive)

    rows = services.mail_ingest_many(raws=[_mail(1), _mail(2), _mail(3)], mailbox=mailbox, now=CORPUS_NOW)

    assert [row.state for row in rows] == ["processed", "failed", "processed"]
    assert rows[1].error.startswith("IntegrityError")
    assert sorted(Ticket.objects.values_list("customer_email", flat=True)) == [
        "customer1@example.com",
        "customer3@example.com",
    ]  # the failed mail's work order is gone with its savepoint
    assert not Message.objects.filter(external_id="<batch-2@example.com>").exists()


@pytest.mark.django_db
def test_the_same_message_id_twice_in_one_batch_makes_one_message(mailbox):
    rows = services.mail_ingest_many(raws=[_mail(1), _mail(1), _mail(2)], mailbox=mailbox, now=CORPUS_NOW)

    assert [row.state for row in rows] == ["processed"] * 3
    assert rows[0].message_id == rows[1].message_id
    assert Message.objects.filter(direction="in").count() == 2
    assert Ticket.objects.count() == 2


@pytest.mark.django_db
def test_a_batch_received_again_adds_nothing(mailbox):
    raws = [_mail(1), eml("gb2312-base64"), eml("related-inline-image")]
    first = services.mail_ingest_many(raws=raws, mailbox=mailbox, now=CORPUS_NOW)

    again = services.mail_ingest_many(raws=raws, mailbox=mailbox, now=CORPUS_NOW)

    assert [row.message_id for row in again] == [row.message_id for row in first]
    assert Ticket.objects.count() == 3
    assert Message.objects.filter(direction="in").count() == 3


@pytest.mark.django_db
def test_rows_already_processed_are_left_alone_by_a_batch(mailbox):
    (row,) = services.mail_ingest_many(raws=[_mail(1)], mailbox=mailbox, now=CORPUS_NOW)

    (again,) = services.inbound_process_many(inbounds=[row], now=CORPUS_NOW)

    assert again.attempts == 1
    assert Message.objects.filter(direction="in").count() == 1


@pytest.mark.django_db
def test_a_batch_acknowledges_each_new_work_order_once_and_keeps_the_rate_limit(
    smtp_server, mailbox, settings, django_capture_on_commit_callbacks
):
    settings.KEFU_EMAIL_ACK_PER_HOUR = 2
    raws = [_mail(n, sender="same@example.com") for n in range(1, 5)] + [_mail(9)]
    raws.append(_mail(10, extra="Auto-Submitted: auto-replied\r\n"))

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.mail_ingest_many(raws=raws, mailbox=mailbox, now=CORPUS_NOW)

    recipients = sorted(rcpt[0] for _f, rcpt, _m in smtp_server.messages)
    assert recipients == ["customer9@example.com", "same@example.com", "same@example.com"]
    assert Acknowledgement.objects.count() == 3
    assert set(Message.objects.filter(direction="out").values_list("delivery", flat=True)) == {"sent"}
    assert len(callbacks) == 1  # one task sends the batch's acknowledgements


@pytest.mark.django_db
def test_the_rate_limit_counts_acknowledgements_of_earlier_batches(
    smtp_server, mailbox, settings, django_capture_on_commit_callbacks
):
    settings.KEFU_EMAIL_ACK_PER_HOUR = 2
    with django_capture_on_commit_callbacks(execute=True):
        services.mail_ingest_many(raws=[_mail(1, sender="same@example.com")], mailbox=mailbox, now=CORPUS_NOW)
        services.mail_ingest_many(
            raws=[_mail(n, sender="same@example.com") for n in (2, 3, 4)], mailbox=mailbox, now=CORPUS_NOW
        )

    assert len(smtp_server.messages) == 2


# --- a real kill ---------------------------------------------------------------------------------

CHILD = r"""
import json, os, signal, sys
import django
django.setup()
from django.core.management import call_command
from django.db import connection
phase, sqlite = sys.argv[1], connection.vendor == "sqlite"
if sqlite and phase == "kill":
    call_command("migrate", verbosity=0)
from kefu.intake.email import services
from kefu.intake.email.models import InboundMail, Mailbox
from kefu.tickets.models import Message, Ticket
mailbox, _ = Mailbox.objects.get_or_create(name="kill", defaults={"address": "service@kefu.test"})
raws = [
    (f"Message-ID: <kill-{n}@example.com>\r\nFrom: customer{n}@example.com\r\nSubject: kill {n}\r\n"
     f"Content-Type: text/plain; charset=utf-8\r\n\r\n第 {n} 封\r\n").encode()
    for n in range(1, 7)
]
if phase == "kill":
    real, calls = services._ingest, {"n": 0}
    def dying(parsed, **kwargs):
        calls["n"] += 1
        if calls["n"] == 5:  # the second mail of the second batch of three: SIGKILL, no clean-up at all
            os.kill(os.getpid(), signal.SIGKILL)
        return real(parsed, **kwargs)
    services._ingest = dying
    services.mail_ingest_many(raws=raws, mailbox=mailbox, batch=3)
elif phase == "resume":
    services.inbound_process_pending()
elif phase == "again":
    services.mail_ingest_many(raws=raws, mailbox=mailbox, batch=3)
states = list(InboundMail.objects.order_by("id").values_list("state", flat=True))
print(json.dumps({
    "states": states,
    "work_orders": Ticket.objects.count(),
    "messages": sorted(Message.objects.filter(direction="in").values_list("external_id", flat=True)),
}))
"""


def _child_env(tmp_path) -> dict:
    from django.db import connection

    env = {k: v for k, v in os.environ.items() if k not in ("KEFU_DATABASE_URL", "KEFU_REDIS_URL")}
    env.update(
        KEFU_DATA_DIR=str(tmp_path),
        KEFU_HUEY_IMMEDIATE="0",
        KEFU_LOG_LEVEL="ERROR",
        DJANGO_SETTINGS_MODULE="kefu.settings",
        PYTHONPATH=str(ROOT / "src"),
    )
    if connection.vendor == "postgresql":  # the test database itself (transactional_db commits)
        s = connection.settings_dict
        host = quote(s["HOST"] or "localhost", safe="")
        auth = quote(s["USER"] or "", safe="") + (
            ":" + quote(s["PASSWORD"], safe="") if s["PASSWORD"] else ""
        )
        env["KEFU_DATABASE_URL"] = f"postgres://{auth}@{host}:{s['PORT'] or 5432}/{s['NAME']}"
    return env


def _child(phase: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", CHILD, phase], env=env, capture_output=True, text=True, timeout=300, cwd=ROOT
    )


@pytest.mark.django_db(transaction=True)
def test_a_process_killed_mid_batch_loses_and_doubles_nothing(tmp_path):
    env = _child_env(tmp_path)

    killed = _child("kill", env)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    left = json.loads(_child("look", env).stdout.strip().splitlines()[-1])
    assert left["states"] == ["processed"] * 3 + ["received"] * 3  # the second batch rolled back whole
    assert left["work_orders"] == 3

    resumed = _child("resume", env)
    assert resumed.returncode == 0, resumed.stderr
    after = json.loads(resumed.stdout.strip().splitlines()[-1])
    assert after["states"] == ["processed"] * 6  # all six were kept before processing began
    assert after["work_orders"] == 6
    assert after["messages"] == sorted(f"<kill-{n}@example.com>" for n in range(1, 7))

    again = _child("again", env)
    assert again.returncode == 0, again.stderr
    twice = json.loads(again.stdout.strip().splitlines()[-1])
    assert (twice["work_orders"], twice["messages"]) == (6, after["messages"])


@pytest.mark.django_db
def test_a_mail_failing_in_a_batch_sends_no_acknowledgement_and_the_others_go_once(
    smtp_server, mailbox, monkeypatch, django_capture_on_commit_callbacks
):
    real_receive = services.message_receive

    def receive(**kwargs):
        if kwargs["external_id"] == "<batch-2@example.com>":
            raise ValueError("no room for it")
        return real_receive(**kwargs)

    monkeypatch.setattr(services, "message_receive", receive)
    with django_capture_on_commit_callbacks(execute=True):
        rows = services.mail_ingest_many(raws=[_mail(n) for n in (1, 2, 3)], mailbox=mailbox, now=CORPUS_NOW)

    assert [row.state for row in rows] == ["processed", "failed", "processed"]
    assert sorted(rcpt[0] for _f, rcpt, _m in smtp_server.messages) == [
        "customer1@example.com",
        "customer3@example.com",
    ]
    assert Acknowledgement.objects.count() == 2
    assert Message.objects.filter(direction="out").count() == 2
