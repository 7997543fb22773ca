"""Satisfaction surveys: signed expiring links, once per contact, quiet hours, not twice in N days."""

from datetime import timedelta

import pytest
import time_machine
from django.core import signing

from kefu.callbacks.models import Satisfaction, SurveyInvitation, SurveySettings
from kefu.callbacks.services import survey_answer, survey_invite
from kefu.callbacks.services.surveys import SALT, LinkExpired, survey_token
from kefu.core.errors import NotFound, ValidationError
from kefu.notify.models import CustomerNotice
from kefu.tickets.models import Status
from tests.callbacks.conftest import resolved_complaint
from tests.callbacks.helpers import assert_survey_link
from tests.factories import aware
from tests.tickets.helpers import MONDAY_9

NIGHT = aware(2026, 11, 23, 22, 30)


def test_survey_link_is_sent_by_sms_with_a_signed_url(org, settings):
    settings.SITE_URL = "https://kefu.example.com"
    ticket = resolved_complaint(org)
    invitation = survey_invite(ticket=ticket, now=MONDAY_9)
    notice = invitation.notice
    assert (notice.kind, notice.channel, notice.state) == ("survey", "sms", CustomerNotice.State.SENT)
    assert_survey_link(ticket, notice.body)
    assert "https://kefu.example.com/survey/" in notice.body


def test_survey_at_night_is_held_until_the_quiet_hours_end(org, settings):
    settings.KEFU_SMS_QUIET_HOURS = "21:00-08:00"
    ticket = resolved_complaint(org)
    notice = survey_invite(ticket=ticket, now=NIGHT).notice
    assert notice.state == CustomerNotice.State.HELD
    assert notice.hold_until == aware(2026, 11, 24, 8, 0)


def test_survey_is_sent_once_per_contact(org):
    ticket = resolved_complaint(org)
    first = survey_invite(ticket=ticket, now=MONDAY_9)
    assert survey_invite(ticket=ticket, now=MONDAY_9) == first
    assert CustomerNotice.objects.filter(kind="survey").count() == 1


def test_same_customer_is_not_asked_twice_within_the_configured_days(org):
    config = SurveySettings.load()
    config.not_twice_days = 7
    config.save()
    survey_invite(ticket=resolved_complaint(org), now=MONDAY_9)
    second = survey_invite(ticket=resolved_complaint(org), now=MONDAY_9 + timedelta(days=3))
    assert second.skipped and second.notice is None
    third = survey_invite(ticket=resolved_complaint(org), now=MONDAY_9 + timedelta(days=8))
    assert third.notice is not None
    assert CustomerNotice.objects.filter(kind="survey").count() == 2


def test_answer_through_the_link_counts_once(org):
    ticket = resolved_complaint(org)
    token = survey_token(ticket)
    survey_answer(token=token, score="satisfied", comment="", now=MONDAY_9)
    with pytest.raises(ValidationError):
        survey_answer(token=token, score="dissatisfied", now=MONDAY_9)
    assert Satisfaction.objects.get().score == "satisfied"
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED


def test_scale_answer_maps_onto_the_three_levels(org):
    ticket = resolved_complaint(org)
    satisfaction = survey_answer(token=survey_token(ticket), scale="2", now=MONDAY_9)
    assert (satisfaction.scale, satisfaction.score) == (2, "dissatisfied")


def test_tampered_link_is_refused(org):
    token = survey_token(resolved_complaint(org))
    with pytest.raises(NotFound):
        survey_answer(token=token[:-2] + "xx", score="satisfied")


def test_link_expires_after_the_configured_days(org):
    config = SurveySettings.load()
    config.link_days = 7
    config.save()
    ticket = resolved_complaint(org)
    with time_machine.travel(MONDAY_9, tick=False):
        token = survey_token(ticket)
    with time_machine.travel(MONDAY_9 + timedelta(days=8), tick=False), pytest.raises(LinkExpired):
        survey_answer(token=token, score="satisfied")
    assert not Satisfaction.objects.exists()


def test_old_link_cannot_rate_the_contact_after_a_reopen(org):
    ticket = resolved_complaint(org)
    token = survey_token(ticket)
    survey_answer(token=token, score="dissatisfied", now=MONDAY_9)
    assert SurveyInvitation.objects.count() == 0
    with pytest.raises(ValidationError):
        survey_answer(token=token, score="satisfied", now=MONDAY_9)


def test_a_satisfied_answer_forged_with_the_old_public_key_is_refused(org):
    ticket = resolved_complaint(org)
    forged = signing.TimestampSigner(key="kefu-insecure-development-key-change-me", salt=SALT).sign_object(
        {"t": ticket.pk, "r": None}, compress=True
    )

    with pytest.raises(NotFound):
        survey_answer(token=forged, score="satisfied", comment="", now=MONDAY_9)
    ticket.refresh_from_db()
    assert ticket.status != Status.CLOSED and not Satisfaction.objects.exists()
