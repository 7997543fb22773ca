"""`kefu ingest-mail`: the MTA pipe (one mail on stdin) and a one-off IMAP poll (of every enabled
mailbox, or with --mailbox of that one only, so that several pollers can run side by side).

Exit codes follow sysexits.h, which MTAs (Postfix, Exim) understand: 0 received, 65 (EX_DATAERR)
the mail was kept but could not be processed (an administrator sees it under inbound mail),
66 (EX_NOINPUT) nothing on stdin, 75 (EX_TEMPFAIL) the database is unavailable: the MTA keeps the
mail and tries again later, so none is lost.
"""

from __future__ import annotations

import argparse
import email.utils
import sys

EX_DATAERR, EX_NOINPUT, EX_TEMPFAIL = 65, 66, 75


def _mailbox(name: str | None, raw: bytes):
    from django.db.models import Q

    from kefu.intake.email.models import Mailbox

    if name:
        mailbox = Mailbox.objects.filter(Q(name=name) | Q(address__iexact=name)).first()
        if mailbox is None:
            raise LookupError(f"no mailbox named {name!r}")
        return mailbox
    from kefu.intake.email.parser import skip_preamble

    head = skip_preamble(raw).split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0].decode("utf-8", "replace")
    message = email.message_from_string(head + "\n\n")
    recipients = [
        a.lower() for _n, a in email.utils.getaddresses(message.get_all("to", []) + message.get_all("cc", []))
    ]
    mailbox = (
        Mailbox.objects.filter(address__in=recipients, enabled=True).order_by("id").first()
        if recipients
        else None
    )
    return mailbox or Mailbox.objects.filter(enabled=True).order_by("id").first()


def cmd_ingest_mail(args: argparse.Namespace) -> int:
    from django.db import DatabaseError

    try:
        if args.imap:
            from kefu.intake.email.services import mailbox_poll, mailboxes_poll

            if args.mailbox:  # one poller per mailbox (several processes side by side on PostgreSQL)
                try:
                    mailbox = _mailbox(args.mailbox, b"")
                except LookupError as exc:
                    print(f"kefu ingest-mail: {exc}", file=sys.stderr)
                    return EX_TEMPFAIL
                results = {mailbox.name: mailbox_poll(mailbox=mailbox)}
            else:
                results = mailboxes_poll()
            for name, result in results.items():
                print(f"{name}: {result}")
            return 1 if any(isinstance(r, str) for r in results.values()) else 0
        raw = sys.stdin.buffer.read()
        if not raw.strip():
            print("kefu ingest-mail: no mail on standard input", file=sys.stderr)
            return EX_NOINPUT
        from kefu.intake.email.models import InboundMail
        from kefu.intake.email.services import mail_ingest

        try:
            mailbox = _mailbox(args.mailbox, raw)
        except LookupError as exc:
            print(f"kefu ingest-mail: {exc}", file=sys.stderr)
            return EX_TEMPFAIL  # a configuration mistake: let the MTA keep the mail until it is fixed
        row = mail_ingest(raw=raw, mailbox=mailbox)
    except DatabaseError as exc:
        print(f"kefu ingest-mail: database unavailable, try again later: {exc}", file=sys.stderr)
        return EX_TEMPFAIL
    if row.state != InboundMail.State.PROCESSED:
        print(
            f"kefu ingest-mail: kept as inbound mail {row.pk} but not processed: {row.error}", file=sys.stderr
        )
        return EX_DATAERR
    print(f"{row.mail_id} -> {row.ticket.number if row.ticket else '?'}")
    return 0
