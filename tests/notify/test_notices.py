"""Customer notices: the acknowledgement after creation, the result notice, quiet hours, SMS replies."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from kefu.core.errors import PermissionDenied, ValidationError
from kefu.notify.models import CustomerNotice
from kefu.notify.notices import customer_notice_for_event, customer_notice_send, customer_notices_release
from kefu.tickets.models import Message, Status, TicketEvent
from kefu.tickets.services import message_reply, ticket_transition
from tests.callbacks.helpers import assert_survey_link
from tests.factories import aware
from tests.tickets.helpers import MONDAY_9, new_ticket, ticket_in


def create(org, django_capture_on_commit_callbacks, **fields):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = new_ticket(org, **fields)
    return ticket


def test_a_phone_work_order_gets_one_acknowledgement_sms(org, sms_outbox, django_capture_on_commit_callbacks):
    ticket = create(org, django_capture_on_commit_callbacks, channel="phone")

    (sms,) = sms_outbox
    assert sms.to == ["13800138000"]
    assert ticket.number in sms.text and "张女士" in sms.text
    assert "2026-11-2" in sms.text  # the promised time, from the resolution clock
    message = ticket.messages.get()
    assert (message.direction, message.channel, message.delivery) == ("out", "sms", Message.Delivery.SENT)
    assert message.data["notice"] == "acknowledgement"
    assert message.data["delivery"]["segments"] == sms.segments


def test_running_the_acknowledgement_task_again_sends_nothing_more(
    org, sms_outbox, django_capture_on_commit_callbacks
):
    ticket = create(
        org,
        django_capture_on_commit_callbacks,
        channel="walk_in",
        channel_details={"service_desk": "一楼总服务台"},
    )
    created = ticket.events.get(kind=TicketEvent.Kind.CREATED)

    with django_capture_on_commit_callbacks(execute=True):
        customer_notice_for_event(event_id=created.pk, kind="acknowledgement")
        customer_notice_for_event(event_id=created.pk, kind="acknowledgement")

    assert len(sms_outbox) == 1
    assert CustomerNotice.objects.filter(ticket=ticket).count() == 1


@pytest.mark.parametrize("channel", ["email", "chat"])
def test_no_acknowledgement_sms_for_channels_that_acknowledge_themselves(
    org, sms_outbox, django_capture_on_commit_callbacks, channel
):
    ticket = create(org, django_capture_on_commit_callbacks, channel=channel, customer_email="a@example.com")
    assert sms_outbox == []
    assert not ticket.messages.exists()


def test_no_acknowledgement_when_switched_off(org, settings, sms_outbox, django_capture_on_commit_callbacks):
    settings.KEFU_SMS_ACKNOWLEDGE = False
    create(org, django_capture_on_commit_callbacks, channel="portal")
    assert sms_outbox == []


def test_no_acknowledgement_sms_to_a_landline(org, sms_outbox, django_capture_on_commit_callbacks):
    create(org, django_capture_on_commit_callbacks, channel="phone", customer_phone="010-62345678")
    assert sms_outbox == []


def test_resolving_sends_the_result_notice_with_the_result(
    org, sms_outbox, django_capture_on_commit_callbacks
):
    ticket = ticket_in(org, Status.IN_PROGRESS)
    with django_capture_on_commit_callbacks(execute=True):
        ticket_transition(
            ticket=ticket,
            action="resolve",
            by=org.agent,
            customer_reply="已为您补发快递。",
            note="仓库漏发，已提醒仓库主管",
            now=MONDAY_9,
        )
    # The callbacks app sends the satisfaction survey after it (docs/callbacks.md).
    sms, survey = sms_outbox
    assert "已为您补发快递。如有疑问" in sms.text and ticket.number in sms.text  # one "。", not "。。"
    assert "仓库" not in sms.text  # the internal note is never sent
    assert "/survey/" in survey.text


def test_a_customer_with_only_an_email_gets_the_notice_by_email(org, django_capture_on_commit_callbacks):
    ticket = new_ticket(org, channel="email", customer_phone="", customer_email="li@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        notice = customer_notice_send(ticket=ticket, kind="survey", by=org.agent, now=MONDAY_9)

    assert notice.channel == "email"
    (sent,) = mail.outbox
    assert sent.to == ["li@example.com"] and ticket.number in sent.subject
    assert_survey_link(ticket, sent.body)
    assert ticket.messages.get().delivery == Message.Delivery.SENT


def test_a_notice_is_refused_without_a_phone_or_an_email(org):
    ticket = new_ticket(org, channel="onsite", customer_phone="", customer_email="")
    with pytest.raises(ValidationError) as refused:
        customer_notice_send(ticket=ticket, kind="survey", by=org.agent)
    assert "customer_phone" in refused.value.errors
    assert not CustomerNotice.objects.exists()


def test_staff_outside_the_work_order_may_not_send_a_notice(org, sms_outbox):
    ticket = new_ticket(org, by="agent", channel="onsite", customer_phone="13800138000")
    with pytest.raises(PermissionDenied):
        customer_notice_send(ticket=ticket, kind="survey", by=org.logistics_staff, now=MONDAY_9)
    assert not ticket.messages.exists()


# --- quiet hours ---------------------------------------------------------------------------------

TEN_PM = aware(2026, 11, 23, 22, 0)
NEXT_8AM = aware(2026, 11, 24, 8, 0)


@pytest.fixture
def quiet(settings):
    settings.KEFU_SMS_QUIET_HOURS = "21:00-08:00"


def test_an_sms_notice_at_night_is_held_until_morning(
    org, quiet, sms_outbox, django_capture_on_commit_callbacks
):
    with time_machine.travel(TEN_PM, tick=False):
        ticket = create(org, django_capture_on_commit_callbacks, channel="phone", now=TEN_PM)

    notice = CustomerNotice.objects.get(ticket=ticket)
    assert notice.state == CustomerNotice.State.HELD
    assert notice.hold_until == NEXT_8AM
    assert sms_outbox == [] and not ticket.messages.exists()


def test_held_notices_leave_when_the_quiet_hours_end_and_only_once(
    org, quiet, sms_outbox, django_capture_on_commit_callbacks
):
    ticket = new_ticket(org, channel="phone", now=TEN_PM)
    customer_notice_send(ticket=ticket, kind="acknowledgement", now=TEN_PM)

    with django_capture_on_commit_callbacks(execute=True):
        assert customer_notices_release(now=NEXT_8AM - timedelta(minutes=1)) == 0
    assert sms_outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        assert customer_notices_release(now=NEXT_8AM) == 1
        assert customer_notices_release(now=NEXT_8AM + timedelta(minutes=1)) == 0

    assert len(sms_outbox) == 1
    assert CustomerNotice.objects.get(ticket=ticket).state == CustomerNotice.State.SENT


def test_an_sms_just_before_the_quiet_hours_is_sent_at_once(
    org, quiet, sms_outbox, django_capture_on_commit_callbacks
):
    ticket = new_ticket(org, channel="phone", now=TEN_PM)
    with django_capture_on_commit_callbacks(execute=True):
        notice = customer_notice_send(ticket=ticket, kind="survey", now=aware(2026, 11, 23, 20, 59))
    assert notice.state == CustomerNotice.State.SENT and len(sms_outbox) == 1


def test_email_notices_are_not_held_at_night(org, quiet, django_capture_on_commit_callbacks):
    ticket = new_ticket(org, channel="email", customer_phone="", customer_email="li@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        notice = customer_notice_send(ticket=ticket, kind="survey", now=TEN_PM)
    assert notice.state == CustomerNotice.State.SENT and len(mail.outbox) == 1


# --- agents answering by SMS -------------------------------------------------------------------


def test_an_agent_answers_by_sms_from_the_work_order(org, sms_outbox, django_capture_on_commit_callbacks):
    ticket = new_ticket(org, channel="phone")
    text = "您好，您的快递已于今天上午重新派送，预计下午送达。" * 3  # over 70 characters
    with django_capture_on_commit_callbacks(execute=True):
        message = message_reply(ticket=ticket, by=org.agent, channel="sms", body_text=text)

    (sms,) = sms_outbox
    assert sms.to == ["13800138000"] and sms.text == text
    message.refresh_from_db()
    assert message.delivery == Message.Delivery.SENT
    assert message.data["delivery"]["segments"] == 2


def test_a_failed_sms_reply_is_kept_with_the_providers_answer(
    org, settings, http_receiver, django_capture_on_commit_callbacks
):
    settings.KEFU_SMS_BACKEND = "kefu.notify.sms.backends.HttpBackend"
    settings.KEFU_SMS_HTTP_URL = http_receiver.url
    http_receiver.status = 500
    http_receiver.answer = b"gateway down"
    ticket = new_ticket(org, channel="phone")
    with django_capture_on_commit_callbacks(execute=True):
        message = message_reply(ticket=ticket, by=org.agent, channel="sms", body_text="您好")

    message.refresh_from_db()
    assert message.delivery == Message.Delivery.FAILED
    assert "HTTP 500" in message.delivery_error and "gateway down" in message.delivery_error


def test_an_agent_sends_the_survey_link_from_the_work_order_page(
    org, client, sms_outbox, django_capture_on_commit_callbacks
):
    ticket = ticket_in(org, Status.RESOLVED)
    client.force_login(org.agent)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/notifications/notice/{ticket.number}/", {"kind": "survey"})
    assert response.status_code == 302
    (sms,) = sms_outbox
    assert_survey_link(ticket, sms.text)


def test_an_unknown_notice_kind_from_the_page_is_reported_not_sent(org, client, sms_outbox):
    ticket = new_ticket(org)
    client.force_login(org.agent)
    response = client.post(f"/notifications/notice/{ticket.number}/", {"kind": "spam"}, follow=True)
    assert "spam" in response.content.decode()
    assert sms_outbox == [] and not CustomerNotice.objects.exists()


def test_staff_outside_the_work_order_may_not_queue_a_notice_at_night(org, quiet):
    ticket = new_ticket(org, channel="onsite", now=TEN_PM)
    with pytest.raises(PermissionDenied):
        customer_notice_send(ticket=ticket, kind="survey", by=org.logistics_staff, now=TEN_PM)
    assert not CustomerNotice.objects.exists()


def test_the_reply_form_of_the_work_order_page_sends_by_sms(
    org, client, sms_outbox, django_capture_on_commit_callbacks
):
    ticket = new_ticket(org, channel="phone")
    client.force_login(org.agent)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("tickets:reply", kwargs={"number": ticket.number}),
            {"channel": "sms", "subject": "", "body_text": "您好，已为您登记退款。"},
        )
    assert response.status_code == 302
    (sms,) = sms_outbox
    assert sms.text == "您好，已为您登记退款。"
    assert ticket.messages.get(channel="sms").delivery == Message.Delivery.SENT


def test_no_acknowledgement_for_a_work_order_cancelled_before_the_worker_ran(org, sms_outbox):
    ticket = new_ticket(org, channel="phone")
    created = ticket.events.get(kind=TicketEvent.Kind.CREATED)
    ticket_transition(ticket=ticket, action="cancel", by=org.agent, note="登记错误", now=MONDAY_9)

    assert customer_notice_for_event(event_id=created.pk, kind="acknowledgement") is None
    assert sms_outbox == [] and not CustomerNotice.objects.exists()


def test_no_acknowledgement_without_an_active_template(org, sms_outbox):
    from kefu.notify.models import MessageTemplate

    MessageTemplate.objects.filter(kind="acknowledgement", channel="sms").update(is_active=False)
    ticket = new_ticket(org, channel="phone")
    created = ticket.events.get(kind=TicketEvent.Kind.CREATED)
    assert customer_notice_for_event(event_id=created.pk, kind="acknowledgement") is None
    assert sms_outbox == []
