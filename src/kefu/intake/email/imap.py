"""IMAP polling: fetch unseen mail of each enabled mailbox, keep it, process it, mark it \\Seen.

Batches of up to services.BATCH_SIZE mails, in this order: keep the raw bytes of each
(InboundMail, unique per mailbox + UIDVALIDITY + UID; one commit for the batch), process the
batch (one transaction, a savepoint per mail), then set \\Seen on all of them (one command).
A crash anywhere in between leaves the mail unseen; the next poll finds the rows already kept and
only finishes what is missing, so nothing is lost and nothing doubled.
"""

from __future__ import annotations

import imaplib
import logging
import re
from datetime import datetime

from django.utils import timezone

from kefu.intake.email import services
from kefu.intake.email.models import InboundMail, Mailbox

log = logging.getLogger(__name__)
TIMEOUT = 60


def _connect(mailbox: Mailbox) -> imaplib.IMAP4:
    cls = imaplib.IMAP4_SSL if mailbox.imap_ssl else imaplib.IMAP4
    client = cls(mailbox.imap_host, mailbox.imap_port, timeout=TIMEOUT)
    client.login(mailbox.imap_user, mailbox.imap_password)
    return client


def _uid_validity(client: imaplib.IMAP4) -> int | None:
    _typ, data = client.response("UIDVALIDITY")
    try:
        return int(data[0]) if data and data[0] else None
    except (TypeError, ValueError):
        return None


def _fetch(client: imaplib.IMAP4, uid: int) -> bytes:
    # BODY.PEEK: fetching must not set \Seen; only a processed mail is marked.
    typ, data = client.uid("FETCH", str(uid), "(BODY.PEEK[])")
    if typ != "OK":
        raise imaplib.IMAP4.error(f"FETCH {uid}: {typ}")
    for item in data or []:
        if isinstance(item, tuple) and len(item) == 2:
            return item[1]
    raise imaplib.IMAP4.error(f"FETCH {uid}: no message body")


def mailbox_poll(*, mailbox: Mailbox, now: datetime | None = None, limit: int = 500) -> dict:
    """Poll one mailbox once; returns counts {"fetched", "processed", "failed", "skipped"}.

    Connection and login errors are kept on the mailbox (last_error) and raised.
    """
    counts = {"fetched": 0, "processed": 0, "failed": 0, "skipped": 0}
    try:
        client = _connect(mailbox)
    except (OSError, imaplib.IMAP4.error) as exc:
        Mailbox.objects.filter(pk=mailbox.pk).update(last_error=f"{type(exc).__name__}: {exc}"[:2000])
        raise
    try:
        typ, _data = client.select(_quote(mailbox.imap_folder))
        if typ != "OK":
            raise imaplib.IMAP4.error(f"SELECT {mailbox.imap_folder}: {typ}")
        validity = _uid_validity(client)
        typ, data = client.uid("SEARCH", None, "UNSEEN")
        uids = sorted(int(u) for u in (data[0] or b"").split()) if typ == "OK" and data else []
        batch = services.BATCH_SIZE
        for first in range(0, min(len(uids), limit), batch):
            chunk = uids[first : min(first + batch, limit)]
            _poll_chunk(client, mailbox, validity, chunk, counts, now)
        Mailbox.objects.filter(pk=mailbox.pk).update(
            uid_validity=validity,
            last_uid=max([mailbox.last_uid, *uids[:limit]]),
            last_polled_at=now or timezone.now(),
            last_error="",
        )
    finally:
        try:
            client.logout()
        except Exception:  # the connection may be gone already; nothing to keep
            pass
    return counts


def _poll_chunk(
    client: imaplib.IMAP4, mailbox: Mailbox, validity: int | None, uids: list[int], counts: dict, now
) -> None:
    kept = {
        row.uid: row
        for row in InboundMail.objects.filter(mailbox=mailbox, uid_validity=validity, uid__in=uids)
    }
    fetched = [(uid, _fetch(client, uid)) for uid in uids if uid not in kept]
    if fetched:
        kept.update(
            services.inbound_store_uids(mailbox=mailbox, uid_validity=validity, mails=fetched, now=now)
        )
        counts["fetched"] += len(fetched)
    todo = [kept[uid] for uid in uids if kept[uid].state == InboundMail.State.RECEIVED]
    counts["skipped"] += len(uids) - len(todo)
    for row in services.inbound_process_many(inbounds=todo, now=now) if todo else []:
        counts["processed" if row.state == InboundMail.State.PROCESSED else "failed"] += 1
    client.uid("STORE", ",".join(map(str, uids)), "+FLAGS", "(\\Seen)")


def _quote(folder: str) -> str:
    return f'"{folder}"' if re.search(r'[\s"]', folder) else folder


def mailboxes_poll(*, now: datetime | None = None) -> dict[str, dict | str]:
    """Poll every enabled mailbox with an IMAP host; one mailbox's failure does not stop the others.

    Mail kept but left unprocessed by a crash (any route, the pipe included) is processed first.
    """
    results: dict[str, dict | str] = {}
    pending = services.inbound_process_pending(now=now)
    if pending:
        results["(pending)"] = {"processed": pending}
    for mailbox in Mailbox.objects.filter(enabled=True).exclude(imap_host=""):
        try:
            results[mailbox.name] = mailbox_poll(mailbox=mailbox, now=now)
        except (OSError, imaplib.IMAP4.error) as exc:
            log.warning("polling %s failed: %s", mailbox, exc)
            results[mailbox.name] = f"error: {exc}"
    return results
