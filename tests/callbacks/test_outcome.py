"""Not satisfied means not closed: one service for every source of the customer's verdict."""

from datetime import timedelta

import pytest

from kefu.callbacks.models import CallbackTask, Satisfaction, Score
from kefu.callbacks.services import satisfaction_record
from kefu.core.errors import ValidationError
from kefu.notify.models import Notification
from kefu.tickets.models import Escalation, Status
from tests.callbacks.conftest import resolved_complaint
from tests.tickets.helpers import MONDAY_9, new_ticket, perform

LATER = MONDAY_9 + timedelta(hours=3)


def test_satisfied_answer_closes_the_work_order(org):
    ticket = resolved_complaint(org)
    satisfaction_record(ticket=ticket, score=Score.SATISFIED, source="survey", by=None, now=LATER)
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    assert ticket.closed_at == LATER


def test_not_satisfied_reopens_escalates_to_supervisor_and_leaves_a_followup(org):
    ticket = resolved_complaint(org)
    satisfaction_record(
        ticket=ticket, score=Score.DISSATISFIED, source="survey", by=None, comment="还是没送到", now=LATER
    )
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
    escalation = Escalation.objects.get(ticket=ticket)
    assert escalation.reason == Escalation.Reason.DISSATISFIED
    assert escalation.to_user == org.supervisor
    assert ticket.escalated_to == org.supervisor
    assert Notification.objects.filter(user=org.agent, ticket=ticket, kind="reopened").exists()
    followup = CallbackTask.objects.get(ticket=ticket)
    assert (followup.state, followup.round, followup.plan) == (CallbackTask.State.WAITING_FIX, 1, org.plan)


def test_not_solved_counts_as_not_satisfied_even_with_a_kind_score(org):
    ticket = resolved_complaint(org)
    satisfaction_record(
        ticket=ticket, score=Score.FAIRLY, solved=False, source="callback", by=None, now=LATER
    )
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS


def test_not_satisfied_notifies_the_departments_involved(org):
    ticket = new_ticket(org)
    for action in ("accept", "start"):
        ticket = perform(org, ticket, action)
    ticket = perform(org, ticket, "dispatch")
    ticket = perform(org, ticket, "department_reply")
    ticket = perform(org, ticket, "resolve")
    satisfaction_record(ticket=ticket, score=Score.DISSATISFIED, source="survey", by=None, now=LATER)
    assert Notification.objects.filter(user=org.logistics_head, kind="dissatisfied", ticket=ticket).exists()


def test_one_answer_per_contact(org):
    ticket = resolved_complaint(org)
    satisfaction_record(ticket=ticket, score=Score.SATISFIED, source="survey", by=None, now=LATER)
    with pytest.raises(ValidationError) as exc:
        satisfaction_record(ticket=ticket, score=Score.DISSATISFIED, source="portal", by=None, now=LATER)
    assert "score" in exc.value.errors
    assert Satisfaction.objects.filter(ticket=ticket).count() == 1
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED


def test_after_a_fix_the_next_answer_is_a_new_contact(org):
    ticket = resolved_complaint(org)
    satisfaction_record(ticket=ticket, score=Score.DISSATISFIED, source="survey", by=None, now=LATER)
    ticket.refresh_from_db()
    with pytest.raises(ValidationError):  # still being redone
        satisfaction_record(ticket=ticket, score=Score.SATISFIED, source="survey", by=None, now=LATER)
    ticket = perform(org, ticket, "resolve", now=LATER)
    second = satisfaction_record(ticket=ticket, score=Score.SATISFIED, source="callback", by=None, now=LATER)
    assert second.round == 1
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED


def test_portal_rating_goes_through_the_same_service(org, django_capture_on_commit_callbacks):
    from kefu.intake.portal.services import portal_rate

    ticket = resolved_complaint(org)
    with django_capture_on_commit_callbacks(execute=True):
        portal_rate(ticket=ticket, score="dissatisfied", comment="态度差", now=LATER)
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
    assert Satisfaction.objects.get(ticket=ticket).source == Satisfaction.Source.PORTAL


def test_unknown_score_is_refused_and_nothing_saved(org):
    ticket = resolved_complaint(org)
    with pytest.raises(ValidationError) as exc:
        satisfaction_record(ticket=ticket, score="great", source="survey", by=None, now=LATER)
    assert "score" in exc.value.errors
    assert not Satisfaction.objects.exists()
