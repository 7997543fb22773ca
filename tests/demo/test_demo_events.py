"""The demo's timelines carry no sentence stored in one language: what the system says is a code,
rendered for each reader (kefu.tickets.timeline), so an English reader of the demo reads English."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import translation

from kefu.accounts.models import Department, User
from kefu.tickets.models import TicketEvent
from kefu.tickets.timeline import describe

pytestmark = pytest.mark.django_db

CHINESE = re.compile(r"[\u4e00-\u9fff]")
GLOSSARY_TERM = re.compile(r" \([\u4e00-\u9fff]+\)")  # “First response (首次响应)”: the label convention
CORRESPONDENCE = (TicketEvent.Kind.MESSAGE_IN, TicketEvent.Kind.MESSAGE_OUT)  # the note is the message


def test_the_demo_writes_only_coded_system_events_that_read_in_english():
    call_command("kefu_demo", "--tickets", "40", stdout=StringIO())
    names = sorted(
        [u.label for u in User.objects.all()] + list(Department.objects.values_list("name", flat=True)),
        key=len,
        reverse=True,
    )
    system = TicketEvent.objects.filter(actor=None).exclude(kind__in=CORRESPONDENCE)

    sentences = [e for e in system if e.note and "code" not in e.data]
    assert sentences == [], [(e.kind, e.action, e.note) for e in sentences[:5]]
    coded = [e for e in system if "code" in e.data]
    assert {e.kind for e in coded} >= {TicketEvent.Kind.ESCALATION, TicketEvent.Kind.SLA_BREACH}
    with translation.override("en"):
        english = [describe(e) for e in coded]
    assert all(english)
    for text in english:
        for name in names:
            text = text.replace(name, "")
        assert not CHINESE.search(GLOSSARY_TERM.sub("", text)), text
