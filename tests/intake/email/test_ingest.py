"""Ingestion rules beyond the corpus: idempotence, attachment limits, failed mail kept, pending mail resumed."""

import pytest

from kefu.intake.email.models import InboundMail
from kefu.intake.email.services import (
    inbound_retry,
    inbound_store,
    mail_ingest,
    mail_ingest_many,
    mailboxes_poll,
)
from kefu.tickets.models import Attachment, Message, Ticket
from tests.intake.email.conftest import CORPUS_NOW, eml

pytestmark = pytest.mark.django_db


def test_the_same_message_id_twice_makes_one_message_and_one_work_order(mailbox):
    first = mail_ingest(raw=eml("utf8-plain"), mailbox=mailbox, now=CORPUS_NOW)
    again = mail_ingest(raw=eml("resent-duplicate"), mailbox=mailbox, now=CORPUS_NOW)

    assert again.message == first.message
    assert Ticket.objects.count() == 1
    assert Message.objects.filter(direction="in").count() == 1


def test_a_mail_without_message_id_gets_a_stable_one_so_it_is_stored_once(mailbox):
    first = mail_ingest(raw=eml("no-message-id"), mailbox=mailbox, now=CORPUS_NOW)
    mail_ingest(raw=eml("no-message-id"), mailbox=mailbox, now=CORPUS_NOW)

    assert first.message.external_id.endswith("@generated.kefu>")
    assert Message.objects.filter(direction="in").count() == 1


def test_an_over_large_attachment_is_skipped_and_noted_without_failing_the_mail(mailbox, settings):
    settings.KEFU_MAX_ATTACHMENT_BYTES = 40  # the PDF is larger, the PNG smaller

    row = mail_ingest(raw=eml("nested-mixed-alternative-related"), mailbox=mailbox, now=CORPUS_NOW)

    assert row.state == InboundMail.State.PROCESSED
    assert [a.name for a in row.message.attachments.all()] == []  # both inline logo (70 B) and pdf refused
    assert {s["name"] for s in row.message.data["skipped_attachments"]} == {"合同.pdf", "logo.png"}
    assert "合同.pdf" in row.message.body_text


def test_kept_attachments_are_stored_with_their_content_and_inline_content_id(mailbox):
    row = mail_ingest(raw=eml("related-inline-image"), mailbox=mailbox, now=CORPUS_NOW)

    (attachment,) = Attachment.objects.filter(message=row.message)
    assert attachment.ticket == row.ticket
    assert attachment.content_id == "photo1@example.com"
    assert attachment.file.read().startswith(b"\x89PNG")
    assert 'src="cid:photo1@example.com"' in row.message.body_html


def test_a_mail_that_cannot_be_read_is_kept_as_failed_with_its_error(mailbox):
    row = mail_ingest(raw=b"\r\n\r\nno headers here", mailbox=mailbox, now=CORPUS_NOW)

    assert row.state == InboundMail.State.FAILED
    assert "no mail headers" in row.error
    assert bytes(row.raw) == b"\r\n\r\nno headers here"
    assert Ticket.objects.count() == 0


def test_a_failed_mail_can_be_processed_again_once_the_cause_is_gone(mailbox, monkeypatch):
    from kefu.intake.email import services

    real_parse = services.parse
    monkeypatch.setattr(services, "parse", lambda raw: (_ for _ in ()).throw(RuntimeError("bug")))
    row = mail_ingest(raw=eml("utf8-plain"), mailbox=mailbox, now=CORPUS_NOW)
    assert row.state == InboundMail.State.FAILED
    monkeypatch.setattr(services, "parse", real_parse)

    row = inbound_retry(inbound=row, now=CORPUS_NOW)

    assert row.state == InboundMail.State.PROCESSED
    assert Ticket.objects.count() == 1


def test_mail_kept_but_not_processed_before_a_crash_is_processed_by_the_next_poll(mailbox):
    inbound_store(raw=eml("utf8-plain"), mailbox=mailbox, now=CORPUS_NOW)  # the pipe died after this

    mailboxes_poll(now=CORPUS_NOW)

    assert InboundMail.objects.get().state == InboundMail.State.PROCESSED
    assert Ticket.objects.count() == 1


def test_the_same_uid_is_kept_once(mailbox):
    first, created = inbound_store(raw=b"x", mailbox=mailbox, uid=7, uid_validity=1)
    again, created_again = inbound_store(raw=b"x", mailbox=mailbox, uid=7, uid_validity=1)

    assert (created, created_again, again) == (True, False, first)


def test_new_mail_takes_the_mailboxs_type_and_group_and_the_sender_as_customer(mailbox, org):
    mailbox.ticket_type = "complaint"
    mailbox.save()

    ticket = mail_ingest(raw=eml("big5"), mailbox=mailbox, now=CORPUS_NOW).ticket

    assert (ticket.ticket_type, ticket.group, ticket.channel) == ("complaint", org.group, "email")
    assert ticket.number.startswith("TS-")
    assert (ticket.customer_name, ticket.customer_email) == ("陳大文", "chan@example.hk")
    assert ticket.customer.emails.filter(address="chan@example.hk").exists()


def test_a_reply_by_subject_number_from_a_stranger_opens_a_new_work_order(mailbox):
    ticket = mail_ingest(raw=eml("utf8-plain"), mailbox=mailbox, now=CORPUS_NOW).ticket
    raw = (
        f"Message-ID: <s@x>\r\nFrom: stranger@example.net\r\nSubject: [{ticket.number}] hi\r\n\r\nhello\r\n"
    ).encode()

    assert mail_ingest(raw=raw, mailbox=mailbox, now=CORPUS_NOW).ticket != ticket


def test_a_reply_to_a_merged_work_order_goes_to_the_one_it_was_merged_into(mailbox, org):
    from kefu.tickets.services import ticket_merge

    duplicate = mail_ingest(raw=eml("gb2312-base64"), mailbox=mailbox, now=CORPUS_NOW).ticket
    survivor = mail_ingest(raw=eml("utf8-plain"), mailbox=mailbox, now=CORPUS_NOW).ticket
    ticket_merge(ticket=duplicate, into=survivor, by=org.supervisor, note="同一问题")

    row = mail_ingest(raw=eml("reply-outlook-original"), mailbox=mailbox, now=CORPUS_NOW)

    assert row.ticket == survivor


def test_a_bounce_of_our_reply_threads_into_the_work_order_of_that_reply(mailbox, org):
    ticket = mail_ingest(raw=eml("utf8-plain"), mailbox=mailbox, now=CORPUS_NOW).ticket
    ours = Message.objects.filter(ticket=ticket, direction="out").first()  # the acknowledgement
    Message.objects.filter(pk=ours.pk).update(external_id="<ack-1@kefu.test>")  # as the sender records it
    bounce = (
        b"Message-ID: <bounce-1@mx.example.com>\r\nFrom: MAILER-DAEMON@mx.example.com\r\n"
        b"Subject: Undelivered Mail\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=B\r\n\r\n"
        b"--B\r\nContent-Type: text/plain\r\n\r\nMailbox unavailable.\r\n"
        b"--B\r\nContent-Type: message/delivery-status\r\n\r\nStatus: 5.1.1\r\n"
        b"--B\r\nContent-Type: message/rfc822\r\n\r\nMessage-ID: <ack-1@kefu.test>\r\nSubject: x\r\n\r\nbody\r\n--B--\r\n"
    )

    row = mail_ingest(raw=bounce, mailbox=mailbox, now=CORPUS_NOW)

    assert row.ticket == ticket
    assert row.message.data["email"]["auto"] == "sender mailer-daemon@mx.example.com"


def test_the_same_mail_piped_again_adds_no_row_to_the_inbound_log(mailbox):
    first = mail_ingest(raw=eml("utf8-plain"), mailbox=mailbox, now=CORPUS_NOW)
    again = mail_ingest(raw=eml("utf8-plain"), mailbox=mailbox, now=CORPUS_NOW)
    resent = mail_ingest(raw=eml("resent-duplicate"), mailbox=mailbox, now=CORPUS_NOW)  # same Message-ID

    assert again.pk == resent.pk == first.pk
    assert InboundMail.objects.count() == 1
    assert again.state == InboundMail.State.PROCESSED
    assert Message.objects.filter(direction="in").count() == 1


def test_a_mail_without_message_id_piped_again_adds_no_row(mailbox):
    mail_ingest(raw=eml("no-message-id"), mailbox=mailbox, now=CORPUS_NOW)
    mail_ingest(raw=eml("no-message-id"), mailbox=mailbox, now=CORPUS_NOW)

    assert InboundMail.objects.count() == 1


def test_a_mail_kept_but_not_processed_yet_is_not_kept_twice(mailbox):
    kept, created = inbound_store(raw=eml("big5"), mailbox=mailbox, now=CORPUS_NOW)
    again, created_again = inbound_store(raw=eml("big5"), mailbox=mailbox, now=CORPUS_NOW)

    assert (created, created_again, again.pk) == (True, False, kept.pk)
    assert kept.mail_id == "<big5@mail.example.com>"


def test_a_failed_mail_piped_again_is_processed_again_on_its_row(mailbox, monkeypatch):
    from kefu.intake.email import services

    real = services._ingest
    monkeypatch.setattr(services, "_ingest", lambda parsed, **kw: 1 / 0)
    failed = mail_ingest(raw=eml("big5"), mailbox=mailbox, now=CORPUS_NOW)
    monkeypatch.setattr(services, "_ingest", real)

    again = mail_ingest(raw=eml("big5"), mailbox=mailbox, now=CORPUS_NOW)

    assert failed.state == InboundMail.State.FAILED
    assert (again.pk, again.state) == (failed.pk, InboundMail.State.PROCESSED)
    assert InboundMail.objects.count() == 1


def test_a_batch_keeps_each_distinct_mail_once(mailbox):
    mail_ingest(raw=eml("utf8-plain"), mailbox=mailbox, now=CORPUS_NOW)
    raws = [eml("utf8-plain"), eml("big5"), eml("big5"), eml("resent-duplicate")]

    rows = mail_ingest_many(raws=raws, mailbox=mailbox, now=CORPUS_NOW)

    assert InboundMail.objects.count() == 2
    assert [r.mail_id for r in rows] == [
        "<utf8-plain@mail.example.com>",
        *["<big5@mail.example.com>"] * 2,
        "<utf8-plain@mail.example.com>",
    ]
    assert Ticket.objects.count() == 2


def test_a_mail_with_stray_lines_before_its_headers_becomes_a_work_order(mailbox):
    raw = b"From customer@example.com Sun Nov 22 08:00:00 2026\r\nsaved by the old help desk\r\n" + eml(
        "big5"
    )

    row = mail_ingest(raw=raw, mailbox=mailbox, now=CORPUS_NOW)

    assert row.state == InboundMail.State.PROCESSED
    assert (row.message.subject, row.message.address) == ("產品諮詢", "chan@example.hk")


def test_the_services_never_import_the_tasks_and_imap_imports_no_kefu_module():
    """The mail cycle services → tasks → imap → services is gone: tasks → services → imap, one way."""
    import ast
    from pathlib import Path

    import kefu.intake.email as package

    root = Path(package.__file__).parent

    def imports(name: str) -> set[str]:
        tree = ast.parse((root / f"{name}.py").read_text(encoding="utf-8"))
        found = set()
        for node in ast.walk(tree):  # imports inside functions included
            if isinstance(node, ast.ImportFrom) and node.module:
                found |= {node.module, *(f"{node.module}.{a.name}" for a in node.names)}
            elif isinstance(node, ast.Import):
                found |= {a.name for a in node.names}
        return found

    assert not {m for m in imports("services") if m.startswith("kefu.intake.email.tasks")}
    assert not {m for m in imports("parser") | imports("imap") if m.startswith("kefu.intake.email.")} - {
        "kefu.intake.email.models",
        "kefu.intake.email.models.Mailbox",
    }
    assert "kefu.intake.email.services" in imports("tasks")
