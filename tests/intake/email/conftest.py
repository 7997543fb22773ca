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
    """The corpus file whose name contains `name`."""
    (path,) = [p for p in corpus_files() if name in p.name]
    return path.read_bytes()
