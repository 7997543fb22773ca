"""Fixtures for the email channel: the organisation, a mailbox, the corpus, and the real servers."""

import json
from pathlib import Path

import pytest

from kefu.core.calendars import clear_calendar_cache
from kefu.intake.email.models import Mailbox
from tests.factories import aware
from tests.org import build_org

CORPUS = Path(__file__).resolve().parent / "corpus"
# The corpus is ingested on this day: its n-th new work order is ZX-20261122-000n.
CORPUS_NOW = aware(2026, 11, 22, 10, 0)


@pytest.fixture(autouse=True)
def _fresh_calendars():
    clear_calendar_cache()
    yield
    clear_calendar_cache()


@pytest.fixture
def org(db):
    return build_org()


@pytest.fixture
def mailbox(org):
    return Mailbox.objects.create(
        name="客服邮箱", address="service@kefu.test", ticket_type="consultation", group=org.group
    )


def corpus_files() -> list[Path]:
    return sorted(CORPUS.glob("*.eml"))


def expected() -> dict:
    return json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))


def eml(name: str) -> bytes:
    """The corpus mail of that case name (the file name without its number)."""
    (path,) = [p for p in corpus_files() if p.name.split("-", 1)[1] == f"{name}.eml"]
    return path.read_bytes()


# --- real servers ------------------------------------------------------------------------------

DOVECOT = "/usr/sbin/dovecot"


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _dovecot_conf(root: Path, port: int) -> str:
    """A private, unprivileged Dovecot: loopback only, no SSL, one user `kefu` (password `secret`)."""
    import getpass
    import os

    if os.geteuid() == 0:
        # Dovecot refuses to run its helpers or keep mail as root: Debian's package creates these users.
        internal, login, mail_user = "dovecot", "dovenull", "dovecot"
    else:
        internal = login = mail_user = getpass.getuser()
    return f"""
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal}
default_internal_group = {internal}
default_login_user = {login}
mail_location = maildir:{root}/mail/%u
first_valid_uid = 1
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {root}/passwd
}}
userdb {{
  driver = static
  args = uid={mail_user} gid={mail_user} home={root}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service stats {{
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""


@pytest.fixture(scope="session")
def dovecot():
    """A real Dovecot IMAP server on 127.0.0.1 and a free port; yields (host, port, user, password)."""
    import imaplib
    import os
    import shutil
    import subprocess
    import tempfile
    import time

    from tests.conftest import _unavailable

    if not os.path.exists(DOVECOT):
        _unavailable(f"needs Dovecot at {DOVECOT} (apt-get install dovecot-imapd)")
    root = Path(tempfile.mkdtemp(prefix="kefu-dovecot-"))
    root.chmod(0o755)  # Dovecot's unprivileged helpers must reach their sockets and the mail
    for sub in ("run", "state", "mail"):
        (root / sub).mkdir()
    if os.geteuid() == 0:
        shutil.chown(root / "mail", "dovecot", "dovecot")
    (root / "passwd").write_text("kefu:{PLAIN}secret\n")
    port = _free_port()
    conf = root / "dovecot.conf"
    conf.write_text(_dovecot_conf(root, port))
    # Dovecot forks into the background: no pipes, or run() would wait for the daemon to close them.
    with open(root / "start.log", "w") as out:
        started = subprocess.run(
            [DOVECOT, "-c", str(conf)], stdin=subprocess.DEVNULL, stdout=out, stderr=out, timeout=30
        )
    if started.returncode != 0:
        pytest.fail(f"Dovecot did not start: {(root / 'start.log').read_text()}", pytrace=False)
    deadline = time.monotonic() + 15
    while True:
        try:
            client = imaplib.IMAP4("127.0.0.1", port, timeout=5)
            client.logout()
            break
        except OSError:
            if time.monotonic() > deadline:
                log = (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else ""
                pytest.fail(f"Dovecot did not answer on port {port}: {log[-2000:]}", pytrace=False)
            time.sleep(0.1)
    yield ("127.0.0.1", port, "kefu", "secret")
    subprocess.run(
        [DOVECOT, "-c", str(conf), "stop"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=30,
    )
    for _ in range(50):
        if not (root / "run" / "master.pid").exists():
            break
        time.sleep(0.1)
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def imap(dovecot):
    """A logged-in IMAP client on an emptied INBOX of the private Dovecot."""
    import imaplib

    host, port, user, password = dovecot
    client = imaplib.IMAP4(host, port, timeout=10)
    client.login(user, password)
    _typ, data = client.select("INBOX")
    if int(data[0] or 0):
        client.store("1:*", "+FLAGS", "(\\Deleted)")
        client.expunge()
    yield client
    client.logout()


@pytest.fixture
def imap_mailbox(mailbox, dovecot):
    host, port, user, password = dovecot
    mailbox.imap_host, mailbox.imap_port, mailbox.imap_ssl = host, port, False
    mailbox.imap_user, mailbox.imap_password = user, password
    mailbox.save()
    return mailbox


class SmtpSink:
    """What the aiosmtpd server received: one (envelope sender, recipients, parsed message) per mail."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 — aiosmtpd's hook name
        import email
        import email.policy

        self.messages.append(
            (
                envelope.mail_from,
                list(envelope.rcpt_tos),
                email.message_from_bytes(envelope.content, policy=email.policy.default),
            )
        )
        return "250 OK"


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server (aiosmtpd) on a free port, with Django's SMTP backend pointed at it."""
    try:
        from aiosmtpd.controller import Controller
    except ImportError:
        from tests.conftest import _unavailable

        _unavailable("needs aiosmtpd (uv sync)")
    sink = SmtpSink()
    controller = Controller(sink, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS, settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD = False, "", ""
    yield sink
    controller.stop()
