"""The timeline speaks the reader's language, and an escalation says which rule fired.

Events store a code and parameters (kefu.tickets.timeline); `describe` renders them when they are read,
so one event reads in Chinese to a zh-hans reader and in English to an English one. Escalations name
their reason: the person complained about, the clock that was missed, who raised it by hand.
"""

from datetime import timedelta

from django.utils import translation

from kefu.notify.models import Notification
from kefu.notify.staff import staff_notices
from kefu.tickets.models import Escalation, Status, TicketEvent
from kefu.tickets.services import sla_sweep, ticket_dispatch, ticket_escalate_manually
from kefu.tickets.services.escalation import reason_text
from kefu.tickets.timeline import describe
from tests.factories import aware
from tests.tickets.helpers import MONDAY_9, new_ticket, notifications, ticket_in


def read(event: TicketEvent, language: str) -> str:
    with translation.override(language):
        return describe(event)


def escalation_event(ticket) -> TicketEvent:
    return ticket.events.get(kind=TicketEvent.Kind.ESCALATION)


# --- one event, two languages ----------------------------------------------------------------------


def test_the_same_event_reads_in_chinese_and_in_english(org):
    ticket = new_ticket(org, subject_person_id=org.other_agent.pk)
    event = escalation_event(ticket)

    chinese, english = read(event, "zh-hans"), read(event, "en")

    assert chinese == f"投诉 {org.other_agent.label}：转交其上级处理"
    assert english == f"Complaint about {org.other_agent.label}: sent to their superior"


def test_no_system_sentence_is_stored_in_the_note(org):
    # given a complaint about a person that breaches its first response (nobody typed anything)
    ticket = new_ticket(org, subject_person_id=org.other_agent.pk, now=MONDAY_9)
    sla_sweep(now=aware(2026, 11, 23, 10, 0))

    # then the system's events carry codes, not sentences in the language of the moment
    system = ticket.events.filter(kind__in=[TicketEvent.Kind.ESCALATION, TicketEvent.Kind.SLA_BREACH])
    assert system.count() >= 2
    assert all(e.note == "" and e.data["code"] for e in system)


# --- complaint about a person ------------------------------------------------------------------------


def test_automatic_complaint_escalation_says_complaint_not_by_hand(org, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = new_ticket(org, subject_person_id=org.other_agent.pk)

    # the record: the reason and whom it is about
    escalation = Escalation.objects.get(ticket=ticket)
    assert escalation.reason == Escalation.Reason.COMPLAINT
    assert escalation.details["person"] == org.other_agent.pk

    # the timeline, in both languages
    event = escalation_event(ticket)
    assert "人工升级" not in read(event, "zh-hans") and org.other_agent.label in read(event, "zh-hans")
    assert "by hand" not in read(event, "en") and "Complaint about" in read(event, "en")

    # the notification (written in the language of the moment: Chinese by default)
    notice = notifications(org.supervisor, "escalation").get(ticket=ticket)
    assert f"投诉 {org.other_agent.label}" in notice.title and f"投诉 {org.other_agent.label}" in notice.body
    assert "人工升级" not in notice.title + notice.body


def test_escalation_notice_in_english_names_the_complaint(org):
    ticket = new_ticket(org, subject_person_id=org.other_agent.pk)
    event = escalation_event(ticket)

    with translation.override("en"):
        (to_supervisor, *_rest) = staff_notices([event])

    assert to_supervisor["users"][0] == org.supervisor
    assert (
        f"escalated to {org.supervisor.label}: Complaint about {org.other_agent.label}"
        in to_supervisor["title"]
    )
    assert "by hand" not in to_supervisor["title"] + to_supervisor["body"]


# --- SLA breaches name their clock -------------------------------------------------------------------


def test_breach_and_its_escalation_name_the_clock(org):
    ticket = new_ticket(org, now=MONDAY_9)  # first response due 09:30; nobody accepts it

    sla_sweep(now=aware(2026, 11, 23, 10, 0))

    breach = ticket.events.get(kind=TicketEvent.Kind.SLA_BREACH)
    assert read(breach, "en") == "First response (首次响应) deadline missed"
    assert read(breach, "zh-hans") == "首次响应已超过时限"
    escalation = Escalation.objects.get(ticket=ticket)
    assert escalation.details == {"target": "first_response"}
    with translation.override("en"):
        assert (
            reason_text(escalation.reason, escalation.details)
            == "SLA breached: First response (首次响应) deadline missed"
        )
    assert read(escalation_event(ticket), "zh-hans") == "超时：首次响应已超过时限"


def test_late_department_names_the_dispatch_clock_and_the_department(org):
    ticket = ticket_in(org, Status.IN_PROGRESS, now=MONDAY_9)
    ticket_dispatch(
        ticket=ticket, by=org.agent, department_ids=[org.logistics.pk], deadline=aware(2026, 11, 23, 11, 0),
        now=MONDAY_9,
    )  # fmt: skip

    sla_sweep(now=aware(2026, 11, 23, 11, 30))

    assert (
        read(escalation_event(ticket), "en")
        == "SLA breached: Department reply (部门回复) · 物流部 deadline missed"
    )
    breach_notice = notifications(org.agent, "sla_breach").get(ticket=ticket)
    assert "部门回复 · 物流部" in breach_notice.title


# --- by hand, by whom ---------------------------------------------------------------------------------


def test_manual_escalation_names_the_person_and_keeps_their_words(org):
    ticket = ticket_in(org, Status.IN_PROGRESS)

    ticket_escalate_manually(
        ticket=ticket, by=org.agent, note="顾客要求主管处理", now=MONDAY_9 + timedelta(hours=1)
    )

    escalation = Escalation.objects.get(ticket=ticket)
    assert (escalation.reason, escalation.details["by"]) == (Escalation.Reason.MANUAL, org.agent.pk)
    event = escalation_event(ticket)
    assert read(event, "en") == f"Raised by hand by {org.agent.label}"
    assert read(event, "zh-hans") == f"由 {org.agent.label} 人工升级"
    assert event.note == "顾客要求主管处理"
    notice = Notification.objects.get(user=org.supervisor, kind="escalation", ticket=ticket)
    assert f"由 {org.agent.label} 人工升级" in notice.title and "顾客要求主管处理" in notice.body


# --- events written before codes ----------------------------------------------------------------------


def test_an_old_event_keeps_its_stored_note(org):
    ticket = new_ticket(org)
    old = TicketEvent.objects.create(
        ticket=ticket, kind=TicketEvent.Kind.NOTE, note="客户的原话", created_at=MONDAY_9, data={}
    )
    assert read(old, "en") == ""  # nothing to render; the note shows as it was stored
    from kefu.tickets.timeline import typed_note

    assert typed_note(old) == "客户的原话"
