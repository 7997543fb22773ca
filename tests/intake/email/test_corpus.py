"""The mail corpus: every file ingested with no crash, right text, threading and attachments."""

import pytest

from kefu.intake.email.models import InboundMail
from kefu.tickets.models import Message, Ticket
from tests.intake.email.conftest import CORPUS_NOW, corpus_files, expected

pytestmark = pytest.mark.django_db


@pytest.fixture
def ingested(mailbox):
    from kefu.intake.email.services import mail_ingest

    rows = {}
    for path in corpus_files():
        rows[path.name] = mail_ingest(raw=path.read_bytes(), mailbox=mailbox, now=CORPUS_NOW)
    return rows


def test_the_corpus_has_at_least_fifty_mails_each_with_expectations():
    files = {p.name for p in corpus_files()}
    assert len(files) >= 50
    assert files == set(expected())


def test_every_corpus_mail_is_processed(ingested):
    failed = {name: row.error for name, row in ingested.items() if row.state != InboundMail.State.PROCESSED}
    assert failed == {}


def _mismatches(name: str, want: dict, row: InboundMail, original: dict) -> list[str]:
    if row.state != InboundMail.State.PROCESSED:
        return [f"not processed: {row.error}"]
    message, problems = row.message, []
    if want["duplicate"]:
        first = original[next(n for n, w in expected().items() if w["name"] == want["thread"])]
        if message != first or Message.objects.filter(external_id=first.external_id).count() != 1:
            problems.append("a resent mail made a second message")
        return problems
    if message.subject != want["subject"]:
        problems.append(f"subject {message.subject!r}")
    if message.address != want["from"]:
        problems.append(f"from {message.address!r}")
    problems += [f"text lacks {s!r}" for s in want["text_has"] if s not in message.body_text]
    problems += [f"text keeps {s!r}" for s in want["text_not"] if s in message.body_text]
    problems += [f"HTML keeps {s!r}" for s in want["html_not"] if s in message.body_html]
    names = sorted(a.name for a in message.attachments.all())
    if names != want["attachments"]:
        problems.append(f"attachments {names}")
    skipped = sorted(s["name"] for s in message.data.get("skipped_attachments", []))
    if skipped != want["skipped"]:
        problems.append(f"skipped {skipped}")
    if message.data["email"].get("reply_to", "") != want["reply_to"]:
        problems.append(f"reply-to {message.data['email'].get('reply_to')!r}")
    if bool(message.data["email"].get("auto")) is not want["is_auto"]:
        problems.append(f"auto {message.data['email'].get('auto')!r}")
    if want["thread"] == "new":
        if message.ticket.messages.order_by("id").first() != message:
            problems.append(f"joined {message.ticket.number} instead of opening a work order")
    else:
        target = next(n for n, w in expected().items() if w["name"] == want["thread"])
        if message.ticket_id != original[target].ticket_id:
            problems.append(f"in {message.ticket.number}, not in the work order of {target}")
    return problems


def test_every_corpus_mail_gives_its_expected_subject_sender_text_attachments_and_thread(ingested):
    original = {n: r.message for n, r in ingested.items()}
    problems = {name: _mismatches(name, want, ingested[name], original) for name, want in expected().items()}
    assert {name: p for name, p in problems.items() if p} == {}


def test_the_corpus_opens_one_work_order_per_new_mail(ingested):
    new = [w for w in expected().values() if w["thread"] == "new" and not w["duplicate"]]
    assert Ticket.objects.count() == len(new)
    assert set(Ticket.objects.values_list("channel", flat=True)) == {"email"}


def test_ingesting_the_corpus_again_adds_nothing(ingested, mailbox):
    from kefu.intake.email.services import mail_ingest

    counts = (Ticket.objects.count(), Message.objects.count(), InboundMail.objects.count())
    for path in corpus_files():
        mail_ingest(raw=path.read_bytes(), mailbox=mailbox, now=CORPUS_NOW)
    assert (Ticket.objects.count(), Message.objects.count(), InboundMail.objects.count()) == counts


def test_the_inbound_log_keeps_one_row_per_distinct_mail(ingested):
    duplicates = [w for w in expected().values() if w["duplicate"]]
    assert InboundMail.objects.count() == len(expected()) - len(duplicates)
