"""What callbacks and satisfaction write on the timeline is a code rendered in the reader's language;
the customer's own words stay in the note, and a "not satisfied" escalation says where it came from."""

from datetime import timedelta

from django.utils import translation

from kefu.callbacks.models import CallbackTask, Score
from kefu.callbacks.services import callback_attempt, callback_plan_generate, satisfaction_record
from kefu.notify.models import Notification
from kefu.tickets.models import Escalation, TicketEvent
from kefu.tickets.timeline import describe
from tests.callbacks.conftest import resolved_complaint
from tests.tickets.helpers import MONDAY_9

LATER = MONDAY_9 + timedelta(hours=3)


def texts(ticket, language: str, **filters) -> list[str]:
    events = ticket.events.filter(**filters).order_by("created_at", "id")
    with translation.override(language):
        return [describe(event) for event in events]


def test_not_satisfied_reopens_and_escalates_saying_where_the_verdict_came_from(org):
    ticket = resolved_complaint(org)

    satisfaction_record(
        ticket=ticket, score=Score.DISSATISFIED, source="survey", by=None, comment="还是没送到", now=LATER
    )

    escalation = Escalation.objects.get(ticket=ticket)
    assert (escalation.reason, escalation.details) == (Escalation.Reason.DISSATISFIED, {"source": "survey"})
    assert texts(ticket, "en", kind=TicketEvent.Kind.ESCALATION) == ["Customer not satisfied (Survey link)"]
    assert texts(ticket, "zh-hans", kind=TicketEvent.Kind.ESCALATION) == ["客户不满意（调查链接）"]
    reopen = ticket.events.get(action="reopen")
    assert reopen.note == "还是没送到"  # the customer's words, as they said them
    assert texts(ticket, "en", action="reopen") == ["The customer is not satisfied (Survey link)"]
    assert texts(ticket, "en", kind=TicketEvent.Kind.NOTE) == [
        "Customer's verdict (Survey link): Dissatisfied"
    ]
    assert texts(ticket, "zh-hans", kind=TicketEvent.Kind.NOTE) == ["客户评价（调查链接）：不满意"]
    # the owner hears why it was reopened, and the customer's words
    reopened = Notification.objects.get(user=org.agent, ticket=ticket, kind="reopened")
    assert reopened.body == "客户不满意（调查链接）\n还是没送到"


def test_satisfied_close_is_a_coded_sentence_without_a_note(org):
    ticket = resolved_complaint(org)

    satisfaction_record(ticket=ticket, score=Score.SATISFIED, source="callback", by=None, now=LATER)

    close = ticket.events.get(action="close")
    assert close.note == ""
    assert texts(ticket, "en", action="close") == ["The customer is satisfied (Callback)"]
    assert texts(ticket, "zh-hans", action="close") == ["客户满意（回访）"]


def test_refused_callback_reads_in_each_language(org):
    ticket = resolved_complaint(org)
    callback_plan_generate(plan=org.plan, now=MONDAY_9)
    task = CallbackTask.objects.get(ticket=ticket)

    callback_attempt(task=task, by=org.caller, result="refused", now=LATER)

    assert texts(ticket, "en", data__callback=task.pk) == ["Callback refused by the customer."]
    assert texts(ticket, "zh-hans", data__callback=task.pk) == ["客户拒绝回访。"]
