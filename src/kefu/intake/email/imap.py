"""IMAP, and nothing else: connect to a mailbox's server, list its unseen mail, fetch it without
marking it, mark it \\Seen.

This module knows the protocol, not Kefu: it imports no Kefu module. The polling that keeps,
processes and marks the mail is a service (`services.mailbox_poll`), which calls these functions;
`tasks` and the CLI call the service. So the imports run one way, tasks → services → imap, and the
services never import the tasks.
"""

from __future__ import annotations

import imaplib
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kefu.intake.email.models import Mailbox

TIMEOUT = 60
ERRORS = (OSError, imaplib.IMAP4.error)


def connect(mailbox: Mailbox) -> imaplib.IMAP4:
    """A logged-in connection to the mailbox's server; raises one of ERRORS."""
    cls = imaplib.IMAP4_SSL if mailbox.imap_ssl else imaplib.IMAP4
    client = cls(mailbox.imap_host, mailbox.imap_port, timeout=TIMEOUT)
    client.login(mailbox.imap_user, mailbox.imap_password)
    return client


def select(client: imaplib.IMAP4, folder: str) -> int | None:
    """Open `folder`; returns its UIDVALIDITY (None when the server does not say)."""
    typ, _data = client.select(_quote(folder))
    if typ != "OK":
        raise imaplib.IMAP4.error(f"SELECT {folder}: {typ}")
    _typ, data = client.response("UIDVALIDITY")
    try:
        return int(data[0]) if data and data[0] else None
    except (TypeError, ValueError):
        return None


def unseen(client: imaplib.IMAP4) -> list[int]:
    """UIDs of the folder's mail without \\Seen, in order."""
    typ, data = client.uid("SEARCH", None, "UNSEEN")
    return sorted(int(u) for u in (data[0] or b"").split()) if typ == "OK" and data else []


def fetch(client: imaplib.IMAP4, uid: int) -> bytes:
    """The raw mail; BODY.PEEK, because fetching must not set \\Seen (only a processed mail is marked)."""
    typ, data = client.uid("FETCH", str(uid), "(BODY.PEEK[])")
    if typ != "OK":
        raise imaplib.IMAP4.error(f"FETCH {uid}: {typ}")
    for item in data or []:
        if isinstance(item, tuple) and len(item) == 2:
            return item[1]
    raise imaplib.IMAP4.error(f"FETCH {uid}: no message body")


def mark_seen(client: imaplib.IMAP4, uids: list[int]) -> None:
    """Set \\Seen on these mails (one command)."""
    client.uid("STORE", ",".join(map(str, uids)), "+FLAGS", "(\\Seen)")


def logout(client: imaplib.IMAP4) -> None:
    try:
        client.logout()
    except Exception:  # the connection may be gone already; nothing to keep
        pass


def _quote(folder: str) -> str:
    return f'"{folder}"' if re.search(r'[\s"]', folder) else folder
