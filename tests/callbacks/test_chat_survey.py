"""The survey at the end of a chat: offered by the survey rules, one answer per contact, by source "chat"."""

from datetime import timedelta

import pytest
from django.core import signing

from kefu.callbacks.models import Satisfaction, SurveyInvitation, SurveySettings
from kefu.callbacks.services import chat_survey_offer, survey_answer, survey_invite
from kefu.callbacks.services.surveys import SALT
from kefu.core.errors import ValidationError
from kefu.tickets.models import Escalation, Status
from tests.callbacks.conftest import resolved_complaint
from tests.tickets.helpers import MONDAY_9, new_ticket, perform

LATER = MONDAY_9 + timedelta(hours=1)


def test_offer_carries_a_signed_token_for_the_contact_and_the_three_levels(org):
    ticket = resolved_complaint(org)
    offer = chat_survey_offer(ticket=ticket, language="zh-hans", now=MONDAY_9)
    assert signing.TimestampSigner(salt=SALT).unsign_object(offer["token"]) == {"t": ticket.pk, "r": 0}
    assert [c["score"] for c in offer["choices"]] == ["satisfied", "fairly", "dissatisfied"]
    assert offer["choices"][0]["label"] == "满意"
    invitation = SurveyInvitation.objects.get(ticket=ticket)
    assert (invitation.via, invitation.skipped, invitation.notice) == ("chat", "", None)


def test_offer_uses_the_five_point_scale_when_configured(org):
    SurveySettings.objects.update_or_create(pk=1, defaults={"scale": SurveySettings.ScaleKind.FIVE})
    offer = chat_survey_offer(ticket=resolved_complaint(org), language="en", now=MONDAY_9)
    assert [c["scale"] for c in offer["choices"]] == [5, 4, 3, 2, 1]
    assert offer["question"] == "How satisfied are you with this chat?"


def test_customer_is_asked_once_per_contact_and_not_again_after_resolution(org):
    ticket = new_ticket(org, ticket_type="consultation")
    assert chat_survey_offer(ticket=ticket, now=MONDAY_9) is not None
    assert chat_survey_offer(ticket=ticket, now=LATER) is None
    ticket = perform(org, perform(org, ticket, "accept"), "start")
    ticket = perform(org, ticket, "resolve", now=LATER)
    invitation = survey_invite(ticket=ticket, now=LATER)
    assert invitation.via == "chat" and invitation.notice is None  # no link sent on top


def test_customer_asked_within_the_period_is_not_asked_in_the_chat(org):
    first = resolved_complaint(org)
    survey_invite(ticket=first, now=MONDAY_9)
    second = resolved_complaint(org, now=LATER)
    assert chat_survey_offer(ticket=second, now=LATER) is None
    assert "7" in SurveyInvitation.objects.get(ticket=second).skipped


def test_no_offer_when_surveys_are_off_or_the_contact_was_answered(org):
    ticket = resolved_complaint(org)
    SurveySettings.objects.update_or_create(pk=1, defaults={"enabled": False})
    assert chat_survey_offer(ticket=ticket, now=MONDAY_9) is None
    SurveySettings.objects.filter(pk=1).update(enabled=True)
    perform(org, ticket, "close", by=org.supervisor)
    Satisfaction.objects.create(
        ticket=ticket, source="callback", score="satisfied", ticket_type="complaint", channel="phone",
        created_at=MONDAY_9,
    )  # fmt: skip
    assert chat_survey_offer(ticket=ticket, now=MONDAY_9) is None


def test_answer_in_the_chat_of_an_open_work_order_is_recorded_and_it_stays_open(org):
    ticket = new_ticket(org, ticket_type="consultation")
    offer = chat_survey_offer(ticket=ticket, now=MONDAY_9)
    satisfaction = survey_answer(token=offer["token"], score="satisfied", source="chat", now=MONDAY_9)
    assert (satisfaction.source, satisfaction.round, satisfaction.score) == ("chat", 0, "satisfied")
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW
    with pytest.raises(ValidationError):
        survey_answer(token=offer["token"], score="dissatisfied", source="chat", now=MONDAY_9)


def test_not_satisfied_at_the_end_of_a_chat_escalates_to_the_supervisor(org):
    ticket = perform(org, new_ticket(org, ticket_type="consultation"), "accept")
    offer = chat_survey_offer(ticket=ticket, now=MONDAY_9)
    survey_answer(token=offer["token"], score="dissatisfied", comment="答非所问", source="chat", now=MONDAY_9)
    ticket.refresh_from_db()
    assert ticket.status == Status.ACCEPTED
    escalation = Escalation.objects.get(ticket=ticket)
    assert (escalation.reason, escalation.to_user) == (Escalation.Reason.DISSATISFIED, org.supervisor)


def test_answer_in_the_chat_of_a_resolved_work_order_closes_it(org):
    ticket = resolved_complaint(org)
    offer = chat_survey_offer(ticket=ticket, now=MONDAY_9)
    survey_answer(token=offer["token"], score="satisfied", source="chat", now=MONDAY_9)
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
