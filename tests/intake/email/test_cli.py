"""`kefu ingest-mail`: the MTA pipe reads stdin; a missing database is a temporary failure (75)."""

import io
import os
import subprocess
import sys

import pytest

from kefu import cli
from kefu.intake.email.models import InboundMail
from kefu.tickets.models import Ticket
from tests.intake.email.conftest import eml

pytestmark = pytest.mark.django_db


class _Stdin:
    def __init__(self, data: bytes):
        self.buffer = io.BytesIO(data)


def test_a_piped_mail_becomes_a_work_order_and_exits_0(mailbox, monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", _Stdin(eml("utf8-plain")))

    assert cli.main(["ingest-mail"]) == 0

    (ticket,) = Ticket.objects.all()
    assert ticket.number in capsys.readouterr().out
    assert InboundMail.objects.get().mailbox == mailbox  # chosen by the To address


def test_an_unreadable_piped_mail_is_kept_and_exits_non_zero(mailbox, monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", _Stdin(b"\r\n\r\nno headers"))

    assert cli.main(["ingest-mail"]) == 65

    assert "not processed" in capsys.readouterr().err
    assert InboundMail.objects.get().state == "failed"


def test_nothing_on_stdin_exits_non_zero(mailbox, monkeypatch):
    monkeypatch.setattr(sys, "stdin", _Stdin(b""))

    assert cli.main(["ingest-mail"]) == 66


def test_an_unavailable_database_exits_75_so_the_mta_keeps_the_mail(tmp_path):
    env = {
        **os.environ,
        "KEFU_DATABASE_URL": "postgres://kefu@127.0.0.1:1/kefu",
        "KEFU_DATA_DIR": str(tmp_path),
    }
    done = subprocess.run(
        [sys.executable, "-m", "kefu.cli", "ingest-mail"],
        input=eml("utf8-plain"),
        capture_output=True,
        env=env,
        timeout=120,
    )

    assert done.returncode == 75, done.stderr
    assert b"database unavailable" in done.stderr


def test_the_same_mail_piped_twice_keeps_one_row_and_names_the_same_work_order(mailbox, monkeypatch, capsys):
    outputs = []
    for _time in range(2):
        monkeypatch.setattr(sys, "stdin", _Stdin(eml("utf8-plain")))
        assert cli.main(["ingest-mail"]) == 0
        outputs.append(capsys.readouterr().out)

    assert outputs[0] == outputs[1]
    assert InboundMail.objects.count() == 1


def test_a_piped_mbox_mail_with_stray_lines_is_routed_by_its_to_address(org, monkeypatch):
    from kefu.intake.email.models import Mailbox

    Mailbox.objects.create(name="first", address="first@kefu.test")
    wanted = Mailbox.objects.create(name="service", address="service@kefu.test")
    raw = b">From someone Sun Nov 22 08:00:00 2026\r\nexported by a tool\r\n" + eml("utf8-plain")
    monkeypatch.setattr(sys, "stdin", _Stdin(raw))

    assert cli.main(["ingest-mail"]) == 0

    assert InboundMail.objects.get().mailbox == wanted
