"""Mail in: keep the raw mail, parse it, thread it into a work order or open a new one, acknowledge.

Two steps, each its own transaction, so that killing the process between or inside them loses and
duplicates nothing:
1. `inbound_store` keeps the raw bytes in InboundMail (state received), at most once per mailbox
   and IMAP UID;
2. `inbound_process` turns a stored mail into a Message on a work order (state processed), or
   keeps the error on the row (state failed) and lets the batch go on.
`mail_ingest` does both for one mail (the MTA pipe). A poll takes many mails at once:
`inbound_store_many` keeps them all in one commit and `inbound_process_many` processes them in one
transaction with a savepoint per mail, so a mail that fails rolls back only its own savepoint (and
is kept as failed) while a crash rolls back the whole batch, whose mails are still kept raw and are
processed by the next run. The Message is unique per Message-ID, so the same mail arriving twice,
by two routes, makes one message and never a second work order; the inbound log is keyed on the
Message-ID too, so the same mail piped again adds no row.

`mailbox_poll` (the IMAP poll) is a service as well: it calls `imap` (the protocol only) to list,
fetch and mark mail. The imports run one way, tasks → services → imap, and the batch's
acknowledgements are one background job (kefu.core.tasks.run_later), so no module here imports `tasks`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Count, F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kefu.core.html import sanitize, to_text
from kefu.core.refcache import RefCache
from kefu.core.tasks import run_later
from kefu.customers.models import CustomerEmail
from kefu.intake.email import imap
from kefu.intake.email.models import Acknowledgement, InboundMail, Mailbox
from kefu.intake.email.parser import (
    ParsedAttachment,
    ParsedMail,
    message_key,
    parse,
    strip_quoted,
    strip_quoted_html,
)
from kefu.tickets.models import (
    NUMBER_PREFIX,
    Attachment,
    Channel,
    Message,
    SlaClock,
    Ticket,
    TicketType,
)
from kefu.tickets.services import sla
from kefu.tickets.services.messages import message_deliver_many, message_receive, message_reply
from kefu.tickets.services.tickets import ALLOWED_ATTACHMENT_TYPES, ticket_create

log = logging.getLogger(__name__)

_PREFIXES = "|".join(sorted(set(NUMBER_PREFIX.values())))
NUMBER_RE = re.compile(rf"(?<![A-Za-z0-9])(?:{_PREFIXES})-\d{{8}}-\d{{4,}}(?![0-9])")
# Mail carries what people attach, well beyond what the upload form takes; programs are refused.
MAIL_ATTACHMENT_TYPES = (
    *ALLOWED_ATTACHMENT_TYPES,
    "text/",
    "message/rfc822",
    "application/ms-tnef",
    "application/vnd.ms-tnef",
    "application/octet-stream",
    "application/vnd.ms-powerpoint",
    "application/x-zip-compressed",
    "application/x-rar-compressed",
    "application/vnd.rar",
    "application/x-7z-compressed",
    "application/rtf",
    "application/vnd.ms-outlook",
    "application/ofd",
    "application/wps-office",
)
BLOCKED_EXTENSIONS = {
    ".exe", ".com", ".bat", ".cmd", ".scr", ".pif", ".vbs", ".vbe", ".js", ".jse", ".wsf", ".msi",
    ".cpl", ".jar", ".ps1", ".hta", ".lnk",
}  # fmt: skip


class _AlreadyStored(Exception):
    """The same Message-ID is stored already (an earlier mail, or another process first): what this
    mail stored is rolled back and the row points to that message. `clean`: nothing was stored yet."""

    def __init__(self, message: Message, *, clean: bool = False):
        self.message = message
        self.clean = clean


class _Retry(Exception):
    """A mail failed in a batch run without a savepoint per mail: run the batch again with them."""


def ack_limit_per_hour() -> int:
    return int(getattr(settings, "KEFU_EMAIL_ACK_PER_HOUR", 3))


#: Mails processed in one transaction by a poll (one savepoint each).
BATCH_SIZE = 100


def _load_mailboxes() -> dict:
    boxes = {m.pk: m for m in Mailbox.objects.all()}
    return {"by_id": boxes, "addresses": frozenset(m.address.lower() for m in boxes.values())}


# Every mail needs its mailbox's routing (type, group, acknowledge) and the list of our own
# addresses (loop protection): kept per process (kefu.core.refcache). Read only; never changed.
mailbox_config = RefCache("intake_email.mailboxes", _load_mailboxes).watch(Mailbox)


def _mailbox_of(row: InboundMail) -> Mailbox | None:
    if row.mailbox_id is None:
        return None
    found = mailbox_config.get()["by_id"].get(row.mailbox_id)
    return found if found is not None else row.mailbox


# --- step 1: keep the raw mail -------------------------------------------------------------------


def inbound_store(
    *,
    raw: bytes,
    mailbox: Mailbox | None = None,
    uid: int | None = None,
    uid_validity: int | None = None,
    now: datetime | None = None,
) -> tuple[InboundMail, bool]:
    """Keep a received mail before anything else is done with it; returns (row, created).

    The same mailbox + UID (+ UIDVALIDITY) returns the row already kept; so does, without a UID (the
    pipe), the same Message-ID (or, for a mail without one, the same bytes: `parser.message_key`),
    whichever route kept it first. Two pipes of one mail at the same instant may still keep two
    rows; they make one message all the same.
    """
    now = now or timezone.now()
    key = message_key(raw)
    if uid is not None:
        existing = InboundMail.objects.filter(mailbox=mailbox, uid_validity=uid_validity, uid=uid).first()
    else:
        existing = InboundMail.objects.filter(mail_id=key).order_by("id").first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            row = InboundMail.objects.create(
                mailbox=mailbox,
                uid=uid,
                uid_validity=uid_validity,
                mail_id=key,
                raw=raw,
                size=len(raw),
                received_at=now,
            )
    except IntegrityError:
        return InboundMail.objects.get(mailbox=mailbox, uid_validity=uid_validity, uid=uid), False
    return row, True


# --- step 2: process it ---------------------------------------------------------------------------


@dataclass
class _Batch:
    """What a batch defers to its end: the rows' processed marks, the acknowledgements' rate-limit
    rows and their delivery (one task). A mail rolled back to its savepoint truncates the lists
    back to where they were when it started."""

    now: datetime
    marks: list[tuple] = field(default_factory=list)
    acks: list[Acknowledgement] = field(default_factory=list)
    #: acknowledgements per address in the last hour before the batch (None: counted per mail)
    ack_counts: dict[str, int] | None = None

    def checkpoint(self) -> tuple[int, int]:
        return len(self.marks), len(self.acks)

    def rollback(self, point: tuple[int, int]) -> None:
        del self.marks[point[0] :]
        del self.acks[point[1] :]

    def recent_acks(self, address: str) -> int:
        if self.ack_counts is None:
            before = Acknowledgement.objects.filter(
                address=address, created_at__gte=self.now - timedelta(hours=1)
            ).count()
        else:
            before = self.ack_counts.get(address, 0)
        return before + sum(1 for ack in self.acks if ack.address == address)

    def count_acks(self, addresses: set[str]) -> None:
        """One query for the rate limit of every sender of the batch."""
        self.ack_counts = dict(
            Acknowledgement.objects.filter(
                address__in=addresses, created_at__gte=self.now - timedelta(hours=1)
            )
            .values_list("address")
            .annotate(n=Count("id"))
            .values_list("address", "n")
        )

    def finish(self) -> None:
        """Write what was deferred (inside the batch's transaction) and queue the acknowledgements."""
        if self.marks:
            table = connection.ops.quote_name(InboundMail._meta.db_table)
            when = connection.ops.adapt_datetimefield_value(self.now)
            with connection.cursor() as cursor:  # one statement, many rows: no ORM per row
                cursor.executemany(
                    f"UPDATE {table} SET mail_id = %s, sender = %s, subject = %s, ticket_id = %s,"
                    " message_id = %s, state = %s, error = '', processed_at = %s, attempts = attempts + 1"
                    " WHERE id = %s",
                    [(*mark[1:], InboundMail.State.PROCESSED, when, mark[0]) for mark in self.marks],
                )
        if self.acks:
            Acknowledgement.objects.bulk_create(self.acks)
            ids = [ack.message_id for ack in self.acks]
            run_later(message_deliver_many, message_ids=ids)


def _process_row(row: InboundMail, parsed: ParsedMail, batch: _Batch, *, savepoint: bool) -> None:
    """Thread and store one locked, unprocessed, parsed row; raises what the mail's problem is.

    `savepoint`: in a savepoint of its own, so that everything it stored is undone when it fails;
    without one, any failure must roll back the whole batch (the caller's _Retry).
    """
    point = batch.checkpoint()
    row.mail_id = parsed.message_id
    row.sender = parsed.from_address[:254]
    row.subject = parsed.subject[:255]
    try:
        with transaction.atomic() if savepoint else nullcontext():
            message = _ingest(parsed, mailbox=_mailbox_of(row), batch=batch)
    except _AlreadyStored as race:  # the Message-ID is stored already: what this mail made is undone
        batch.rollback(point)
        if not (savepoint or race.clean):
            raise
        message = race.message
    except BaseException:
        batch.rollback(point)
        raise
    row.ticket_id, row.message_id = message.ticket_id, message.pk
    row.state, row.error, row.processed_at = InboundMail.State.PROCESSED, "", batch.now
    row.attempts += 1
    batch.marks.append((row.pk, row.mail_id, row.sender, row.subject, row.ticket_id, row.message_id))


def _is_database_away(exc: Exception) -> bool:
    return isinstance(exc, DatabaseError) and not isinstance(exc, IntegrityError)


def _fail(row: InboundMail, exc: Exception, now: datetime) -> InboundMail:
    log.warning("inbound mail %s failed: %s", row.pk, exc, exc_info=True)
    error = f"{type(exc).__name__}: {exc}"[:4000]
    InboundMail.objects.filter(pk=row.pk).update(
        state=InboundMail.State.FAILED, error=error, attempts=F("attempts") + 1, processed_at=now
    )
    return InboundMail.objects.get(pk=row.pk)


def inbound_process(*, inbound: InboundMail, now: datetime | None = None) -> InboundMail:
    """Turn a kept mail into a message on a work order; a failure is kept on the row, not raised.

    A row already processed is left alone, so running this twice (or after a crash) is safe.
    """
    rows = inbound_process_many(inbounds=[inbound], now=now)
    if not rows:
        raise InboundMail.DoesNotExist(f"inbound mail {inbound.pk}")
    return rows[0]


def inbound_process_many(*, inbounds: list[InboundMail], now: datetime | None = None) -> list[InboundMail]:
    """Process kept mails in one transaction, each as if in its own savepoint; returns the rows, in order.

    A mail that fails is rolled back alone and kept as failed with its error (inside the same
    transaction); the others go on. Rows already processed are left alone. If the process dies or
    the database goes away, the whole batch rolls back: its mails stay kept as received, and the
    next run processes them, so nothing is lost and nothing doubled. The acknowledgements of the
    batch are queued for the worker as one task when it commits.

    Mail rarely fails, so the batch first runs without the savepoints (two statements a mail); if
    one mail fails, that run is rolled back whole and the batch runs again with a savepoint each.
    """
    now = now or timezone.now()
    try:
        return _process_many(inbounds, now, careful=False)
    except _Retry:
        return _process_many(inbounds, now, careful=True)


def _process_many(inbounds: list[InboundMail], now: datetime, *, careful: bool) -> list[InboundMail]:
    batch = _Batch(now=now)
    ids = [row.pk for row in inbounds]
    with transaction.atomic():
        # Locked: two pollers must not process one mail twice (the second waits, then skips it).
        rows = {
            row.pk: row for row in InboundMail.objects.select_for_update().filter(pk__in=ids).order_by("pk")
        }  # in id order in every batch: overlapping batches do not deadlock on them
        todo = []
        for pk in sorted(rows):
            row = rows[pk]
            if row.state == InboundMail.State.PROCESSED:
                continue
            try:
                todo.append((row, parse(bytes(row.raw))))
            except Exception as exc:  # not a mail we can read: kept for an administrator
                rows[pk] = _fail(row, exc, batch.now)
        if len(todo) > 1:
            batch.count_acks({p.from_address.lower() for _row, p in todo if p.from_address and not p.is_auto})
        for row, parsed in todo:
            try:
                _process_row(row, parsed, batch, savepoint=careful)
            except Exception as exc:  # the mail's own problem: kept for an administrator
                if _is_database_away(exc):
                    raise  # nothing can be recorded: the batch rolls back, the next run retries
                if not careful:
                    raise _Retry from exc  # what it stored is mixed with the others': start again
                rows[row.pk] = _fail(row, exc, batch.now)
        batch.finish()
    return [rows[pk] for pk in ids if pk in rows]


def inbound_store_uids(
    *, mailbox: Mailbox, uid_validity: int | None, mails: list[tuple[int, bytes]], now: datetime | None = None
) -> dict[int, InboundMail]:
    """Keep mails fetched by IMAP, [(uid, raw), ...], in one commit; returns {uid: row}.

    A UID kept already (by another poll meanwhile) is returned as kept, not doubled."""
    now = now or timezone.now()
    rows = [
        InboundMail(
            mailbox=mailbox,
            uid=uid,
            uid_validity=uid_validity,
            mail_id=message_key(raw),
            raw=raw,
            size=len(raw),
            received_at=now,
        )
        for uid, raw in mails
    ]
    try:
        with transaction.atomic():
            InboundMail.objects.bulk_create(rows)
        return {row.uid: row for row in rows}
    except IntegrityError:  # another poll kept some of them: one by one
        stored = (
            inbound_store(raw=raw, mailbox=mailbox, uid=uid, uid_validity=uid_validity, now=now)[0]
            for uid, raw in mails
        )
        return {row.uid: row for row in stored}


def inbound_store_many(
    *, raws: list[bytes], mailbox: Mailbox | None = None, now: datetime | None = None
) -> list[InboundMail]:
    """Keep many received mails (no IMAP UID: the pipe, an import) in one commit; returns a row per mail.

    A mail kept already (its Message-ID, `parser.message_key`), or twice in `raws`, gets the row
    kept first, not a new one."""
    now = now or timezone.now()
    keys = [message_key(raw) for raw in raws]
    kept: dict[str, InboundMail] = {}
    for start in range(0, len(keys), 500):  # SQLite's limit on the parameters of one statement
        for row in InboundMail.objects.filter(mail_id__in=set(keys[start : start + 500])).order_by("-id"):
            kept[row.mail_id] = row  # the first one kept wins
    new = []
    for key, raw in zip(keys, raws, strict=True):
        if key not in kept:
            kept[key] = InboundMail(mailbox=mailbox, mail_id=key, raw=raw, size=len(raw), received_at=now)
            new.append(kept[key])
    with transaction.atomic():
        InboundMail.objects.bulk_create(new)
    return [kept[key] for key in keys]


def mail_ingest_many(
    *, raws: list[bytes], mailbox: Mailbox | None = None, now: datetime | None = None, batch: int = 0
) -> list[InboundMail]:
    """Receive many mails at once: keep them all (one commit), then process them in batches."""
    batch = batch or BATCH_SIZE
    rows = inbound_store_many(raws=raws, mailbox=mailbox, now=now)
    done: list[InboundMail] = []
    for start in range(0, len(rows), batch):
        done += inbound_process_many(inbounds=rows[start : start + batch], now=now)
    return done


def mail_ingest(*, raw: bytes, mailbox: Mailbox | None = None, now: datetime | None = None) -> InboundMail:
    """Receive one mail (the MTA pipe, a test, the benchmark): keep it, then process it."""
    row, _created = inbound_store(raw=raw, mailbox=mailbox, now=now)
    return inbound_process(inbound=row, now=now)


def inbound_process_pending(*, now: datetime | None = None, limit: int = 500) -> int:
    """Process mail kept but not processed (a crash between the two steps); returns how many."""
    rows = list(InboundMail.objects.filter(state=InboundMail.State.RECEIVED).order_by("id")[:limit])
    for start in range(0, len(rows), BATCH_SIZE):
        inbound_process_many(inbounds=rows[start : start + BATCH_SIZE], now=now)
    return len(rows)


def inbound_retry(*, inbound: InboundMail, now: datetime | None = None) -> InboundMail:
    """An administrator's "process again" for a failed mail (after fixing what made it fail)."""
    if inbound.state == InboundMail.State.FAILED:
        InboundMail.objects.filter(pk=inbound.pk).update(state=InboundMail.State.RECEIVED)
    return inbound_process(inbound=inbound, now=now)


# --- IMAP polling --------------------------------------------------------------------------------


def mailbox_poll(*, mailbox: Mailbox, now: datetime | None = None, limit: int = 500) -> dict:
    """Poll one mailbox once: keep, process and mark \\Seen its unseen mail, BATCH_SIZE at a time;
    returns counts {"fetched", "processed", "failed", "skipped"}.

    Per batch: the raw bytes kept (one commit), the batch processed (one transaction), then \\Seen
    set on it (one IMAP command). A crash anywhere leaves the mail unseen; the next poll finds the
    rows already kept and only finishes what is missing. Connection and login errors are kept on
    the mailbox (last_error) and raised.
    """
    counts = {"fetched": 0, "processed": 0, "failed": 0, "skipped": 0}
    try:
        client = imap.connect(mailbox)
    except imap.ERRORS as exc:
        Mailbox.objects.filter(pk=mailbox.pk).update(last_error=f"{type(exc).__name__}: {exc}"[:2000])
        raise
    try:
        validity = imap.select(client, mailbox.imap_folder)
        uids = imap.unseen(client)
        for first in range(0, min(len(uids), limit), BATCH_SIZE):
            chunk = uids[first : min(first + BATCH_SIZE, limit)]
            _poll_chunk(client, mailbox, validity, chunk, counts, now)
        Mailbox.objects.filter(pk=mailbox.pk).update(
            uid_validity=validity,
            last_uid=max([mailbox.last_uid, *uids[:limit]]),
            last_polled_at=now or timezone.now(),
            last_error="",
        )
    finally:
        imap.logout(client)
    return counts


def _poll_chunk(client, mailbox: Mailbox, validity: int | None, uids: list[int], counts: dict, now) -> None:
    kept = {
        row.uid: row
        for row in InboundMail.objects.filter(mailbox=mailbox, uid_validity=validity, uid__in=uids)
    }
    fetched = [(uid, imap.fetch(client, uid)) for uid in uids if uid not in kept]
    if fetched:
        kept.update(inbound_store_uids(mailbox=mailbox, uid_validity=validity, mails=fetched, now=now))
        counts["fetched"] += len(fetched)
    todo = [kept[uid] for uid in uids if kept[uid].state == InboundMail.State.RECEIVED]
    counts["skipped"] += len(uids) - len(todo)
    for row in inbound_process_many(inbounds=todo, now=now) if todo else []:
        counts["processed" if row.state == InboundMail.State.PROCESSED else "failed"] += 1
    imap.mark_seen(client, uids)


def mailboxes_poll(*, now: datetime | None = None) -> dict[str, dict | str]:
    """Poll every enabled mailbox with an IMAP host; one mailbox's failure does not stop the others.

    Mail kept but left unprocessed by a crash (any route, the pipe included) is processed first.
    """
    results: dict[str, dict | str] = {}
    pending = inbound_process_pending(now=now)
    if pending:
        results["(pending)"] = {"processed": pending}
    for mailbox in Mailbox.objects.filter(enabled=True).exclude(imap_host=""):
        try:
            results[mailbox.name] = mailbox_poll(mailbox=mailbox, now=now)
        except imap.ERRORS as exc:
            log.warning("polling %s failed: %s", mailbox, exc)
            results[mailbox.name] = f"error: {exc}"
    return results


# --- threading -----------------------------------------------------------------------------------


def _live(ticket: Ticket) -> Ticket:
    """The work order a merged one was folded into."""
    for _hop in range(10):
        if ticket.merged_into_id is None:
            break
        ticket = ticket.merged_into
    return ticket


def _is_customer(ticket: Ticket, address: str) -> bool:
    if not address:
        return False
    if (ticket.customer_email or "").lower() == address:
        return True
    return (
        bool(ticket.customer_id)
        and CustomerEmail.objects.filter(customer_id=ticket.customer_id, address__iexact=address).exists()
    )


def _known_messages(ids: list[str]) -> dict[str, tuple[int, int]]:
    """Message-ID → (message id, work-order id) of the email messages stored under these ids.

    One statement per mail, so written out: the ORM's compilation of it cost more than running it.
    `external_id <> ''` is the partial unique index's condition: SQLite uses the index only with it.
    """
    ids = [i for i in dict.fromkeys(ids) if i]
    if not ids:
        return {}
    table = connection.ops.quote_name(Message._meta.db_table)
    marks = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT external_id, id, ticket_id FROM {table}"
            f" WHERE channel = %s AND external_id IN ({marks}) AND NOT (external_id = '')",
            [Channel.EMAIL.value, *ids],
        )
        return {external_id: (pk, ticket_id) for external_id, pk, ticket_id in cursor.fetchall()}


def thread_target(parsed: ParsedMail, known: dict[str, tuple[int, int]] | None = None) -> Ticket | None:
    """The work order a mail answers: by Message-ID headers, else by the number in the subject.

    A number in the subject is trusted only from the work order's own customer, so that nobody
    can write into someone else's work order by guessing its number. `known`: the messages of the
    mail's thread ids, when the caller has read them already.
    """
    ids = parsed.thread_ids
    if ids:
        found = known if known is not None else _known_messages(ids)
        for message_id in ids:
            if message_id in found:
                return _live(Ticket.objects.get(pk=found[message_id][1]))
    match = NUMBER_RE.search(parsed.subject)
    if match:
        ticket = Ticket.objects.filter(number=match.group(0)).first()
        if ticket is not None:
            ticket = _live(ticket)
            if _is_customer(ticket, parsed.from_address):
                return ticket
    return None


# --- storing -------------------------------------------------------------------------------------


def _attachment_refusal(attachment: ParsedAttachment) -> str:
    limit = settings.KEFU_MAX_ATTACHMENT_BYTES
    name = attachment.filename.lower()
    if len(attachment.data) > limit:
        return _("larger than %(mb)s MB") % {"mb": limit // (1024 * 1024)}
    if any(name.endswith(ext) for ext in BLOCKED_EXTENSIONS):
        return _("programs are not accepted")
    if not attachment.content_type.startswith(MAIL_ATTACHMENT_TYPES):
        return _("files of type “%(type)s” are not accepted") % {"type": attachment.content_type}
    return ""


def _valid_email(address: str) -> str:
    from django.core.validators import validate_email

    try:
        validate_email(address)
    except Exception:
        return ""
    return address


def _ingest(parsed: ParsedMail, *, mailbox: Mailbox | None, batch: _Batch) -> Message:
    now = batch.now
    # One query: is the mail itself stored already, and which of its thread's messages are.
    known = _known_messages([parsed.message_id, *parsed.thread_ids])
    if parsed.message_id in known:
        raise _AlreadyStored(Message.objects.get(pk=known[parsed.message_id][0]), clean=True)
    ticket = thread_target(parsed, known)
    is_reply = ticket is not None
    text, html = parsed.text, parsed.html
    if is_reply:
        html = sanitize(strip_quoted_html(parsed.raw_html)) if parsed.raw_html else ""
        text = strip_quoted(to_text(html) if parsed.text_from_html else text)
    text = text.strip() or parsed.subject or _("(no text)")
    kept, skipped = [], []
    for attachment in parsed.attachments:
        refusal = _attachment_refusal(attachment)
        if refusal:
            skipped.append({"name": attachment.filename, "size": len(attachment.data), "reason": refusal})
        else:
            kept.append(attachment)
    data = {
        "email": {
            "mailbox": mailbox.pk if mailbox else None,
            "to": parsed.to[:20],
            "date": parsed.date.isoformat() if parsed.date else "",
            "references": parsed.references[-20:],
        },
        "attachments": [a.filename for a in kept],
    }
    if parsed.reply_to and parsed.reply_to != parsed.from_address:
        data["email"]["reply_to"] = parsed.reply_to  # where the answers go (outgoing.answer_address)
    if parsed.is_auto:
        data["email"]["auto"] = parsed.auto_reason
    if skipped:
        data["skipped_attachments"] = skipped
        text += "\n\n" + _("Attachments not kept: %(list)s") % {
            "list": "; ".join(f"{s['name']} ({s['reason']})" for s in skipped)
        }
    # Called inside a savepoint of its own, or a batch without them that a failure rolls back whole.
    recorded = None  # what ticket_create made, when this mail opens a new work order
    if ticket is None:
        address = _valid_email(parsed.from_address)
        recorded = ticket_create(
            by=None,
            ticket_type=mailbox.ticket_type if mailbox else TicketType.CONSULTATION,
            channel=Channel.EMAIL,
            title=(parsed.subject or text.splitlines()[0])[:200],
            content=text,
            customer_name=(parsed.from_name or address)[:100],
            customer_email=address,
            group_id=mailbox.group_id if mailbox else None,
            now=now,
        )
        ticket = recorded.ticket
    message, created = message_receive(
        ticket=ticket,
        channel=Channel.EMAIL,
        body_text=text,
        body_html=html,
        author_name=parsed.from_name or parsed.from_address,
        address=parsed.from_address,
        subject=parsed.subject,
        external_id=parsed.message_id,
        in_reply_to=parsed.in_reply_to,
        data=data,
        now=now,
    )
    if not created:
        raise _AlreadyStored(message)
    for attachment in kept:
        Attachment.objects.create(
            ticket=ticket,
            message=message,
            file=ContentFile(attachment.data, name=_storage_name(attachment.filename)),
            name=attachment.filename[:255],
            content_id=attachment.content_id,
            size=len(attachment.data),
            content_type=attachment.content_type[:100],
        )
    if recorded is not None and mailbox is not None and mailbox.acknowledge:
        acknowledge(ticket=ticket, parsed=parsed, mailbox=mailbox, batch=batch, clocks=recorded.clocks)
    return message


def _storage_name(filename: str) -> str:
    from django.utils.text import get_valid_filename

    try:
        return get_valid_filename(filename)[-100:]
    except Exception:
        return "attachment.bin"


# --- acknowledgement -----------------------------------------------------------------------------


def ack_refusal(*, parsed: ParsedMail, now: datetime, batch: _Batch | None = None) -> str:
    """Why no acknowledgement goes to this mail's sender ("" when one may go)."""
    address = _valid_email(parsed.from_address.lower())
    if not address:
        return "no sender address"
    if parsed.is_auto:
        return f"automatic mail ({parsed.auto_reason})"
    if address in mailbox_config.get()["addresses"]:
        return "sent by one of our own mailboxes"
    if parsed.reply_to in mailbox_config.get()["addresses"]:
        return "its Reply-To is one of our own mailboxes"
    if (batch or _Batch(now=now)).recent_acks(address) >= ack_limit_per_hour():
        return "rate limit"
    return ""


def acknowledge(
    *,
    ticket: Ticket,
    parsed: ParsedMail,
    mailbox: Mailbox,
    batch: _Batch,
    clocks: Sequence[SlaClock] | None = None,
) -> Message | None:
    """Tell the sender the work-order number and the promised time (an auto-reply: never to automatic
    mail, at most KEFU_EMAIL_ACK_PER_HOUR per sender and hour).

    The rate-limit row and the delivery are left to the batch (written and queued when it ends)."""
    now = batch.now
    refusal = ack_refusal(parsed=parsed, now=now, batch=batch)
    if refusal:
        log.debug("no acknowledgement for %s: %s", parsed.message_id, refusal)
        return None
    due = sla.reply_by(ticket, clocks)
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("We have received your mail: %(subject)s [%(number)s]") % {
            "subject": parsed.subject or _("(no subject)"),
            "number": ticket.number,
        }
        lines = [
            _("Hello,"),
            "",
            _("We have received your mail and recorded it as work order %(number)s.")
            % {"number": ticket.number},
        ]
        if due is not None:
            lines.append(
                _("We will answer you by %(time)s.")
                % {"time": timezone.localtime(due).strftime("%Y-%m-%d %H:%M")}
            )
        lines += [
            _("To add information, reply to this mail and keep the number in the subject."),
            "",
            _("This mail was sent automatically."),
        ]
    message = message_reply(
        ticket=ticket,
        by=None,
        channel=Channel.EMAIL,
        subject=subject[:255],
        body_text="\n".join(lines),
        data={"kind": "ack", "mailbox": mailbox.pk},
        now=now,
        queue=False,  # the batch queues its acknowledgements as one task
    )
    batch.acks.append(
        Acknowledgement(address=parsed.from_address.lower(), ticket=ticket, message=message, created_at=now)
    )
    return message
