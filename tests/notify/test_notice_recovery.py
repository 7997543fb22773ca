"""An acknowledgement is never lost silently: a queue failure after the commit, a task that never
ran or a delivery task that never ran is logged and made good by the periodic sweeps.

The review's finding: one acknowledgement SMS of 741 creations under load never left, with no log
line. The task is queued by an on_commit hook in the web process; when queuing raised (SqliteHuey's
own database locked under contention), the work order was committed, the request answered 500 and
nothing would ever queue the notice again.
"""

import logging
import sqlite3
from datetime import timedelta

from django.utils import timezone

from kefu.notify.models import CustomerNotice, MessageTemplate
from kefu.notify.notices import customer_notices_sweep
from kefu.tickets.models import Message, Ticket
from kefu.tickets.services.messages import retry_candidates
from kefu.tickets.tasks import retry_failed_messages
from tests.api.conftest import token_client
from tests.tickets.helpers import new_ticket

LATER = timedelta(minutes=10)  # past the sweep's grace period


def body(**fields) -> dict:
    return {
        "ticket_type": "complaint",
        "channel": "phone",
        "content": "空调不制冷，师傅没有按约上门。",
        "customer_name": "张女士",
        "customer_phone": "13800138000",
        **fields,
    }


def test_a_creation_whose_acknowledgement_cannot_be_queued_answers_201_logs_it_and_the_sweep_sends_it(
    org, sms_outbox, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    def queue_locked(*args, **kwargs):
        raise sqlite3.OperationalError("database is locked")  # SqliteHuey's enqueue under contention

    monkeypatch.setattr("kefu.core.tasks.run_service_with_retries", queue_locked)
    api = token_client(org.agent)
    with caplog.at_level(logging.ERROR, logger="kefu.core.tasks"):
        with django_capture_on_commit_callbacks(execute=True):
            response = api.post("/tickets", body())

    assert response.status_code == 201, response.content
    number = response.json()["number"]
    created = Ticket.objects.get(number=number).events.get(kind="created")
    assert f"customer_notice_for_event({{'event_id': {created.pk}, " in caplog.text
    assert "not queued" in caplog.text
    assert not CustomerNotice.objects.exists() and sms_outbox == []

    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        assert customer_notices_sweep(now=timezone.now() + LATER) == 1
    (sms,) = sms_outbox
    assert number in sms.text
    notice = CustomerNotice.objects.get()
    assert (notice.ticket.number, notice.kind) == (number, "acknowledgement")


def test_the_sweep_sends_a_lost_acknowledgement_once_and_leaves_recent_ones_to_the_worker(
    org, sms_outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):  # the queued task never ran
        ticket = new_ticket(org, now=timezone.now())

    assert customer_notices_sweep(now=ticket.created_at + timedelta(minutes=1)) == 0  # the worker's turn
    with django_capture_on_commit_callbacks(execute=True):
        assert customer_notices_sweep(now=ticket.created_at + LATER) == 1
        assert customer_notices_sweep(now=ticket.created_at + LATER) == 0
    assert len(sms_outbox) == 1
    assert CustomerNotice.objects.get().kind == "acknowledgement"


def test_the_sweep_sends_nothing_that_was_not_called_for(
    org, settings, sms_outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        by_mail = new_ticket(org, now=timezone.now(), channel="email", customer_email="a@example.com")
        landline = new_ticket(org, now=timezone.now(), customer_phone="02088886666")
        new_ticket(org, now=timezone.now(), customer_phone="13900139000")
    later = by_mail.created_at + LATER

    settings.KEFU_SMS_ACKNOWLEDGE = False
    assert customer_notices_sweep(now=later) == 0
    settings.KEFU_SMS_ACKNOWLEDGE = True
    MessageTemplate.objects.filter(kind="acknowledgement", channel="sms").update(is_active=False)
    assert customer_notices_sweep(now=later) == 0
    MessageTemplate.objects.filter(kind="acknowledgement", channel="sms").update(is_active=True)
    with django_capture_on_commit_callbacks(execute=True):
        assert customer_notices_sweep(now=later) == 1  # the mobile number only
    assert not CustomerNotice.objects.filter(ticket__in=[by_mail, landline]).exists()
    assert sms_outbox[0].to == ["13900139000"]


def test_an_acknowledgement_whose_delivery_task_was_lost_is_sent_by_the_retry(
    org, sms_outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):  # the delivery task was never queued
        ticket = new_ticket(org, now=timezone.now())
        customer_notices_sweep(now=ticket.created_at + LATER)
    message = Message.objects.get(ticket=ticket)
    assert (message.delivery, message.attempts) == (Message.Delivery.PENDING, 0)
    claimed = Message.objects.create(
        ticket=Ticket.objects.get(pk=ticket.pk),
        direction=Message.Direction.OUTBOUND,
        channel="sms",
        body_text="已认领、可能已发出",
        delivery=Message.Delivery.PENDING,
        attempts=1,
        created_at=message.created_at,
    )

    assert retry_candidates(now=message.created_at + timedelta(minutes=1)) == []  # still the task's turn
    assert retry_candidates(now=message.created_at + LATER) == [message.pk]  # not the claimed one
    Message.objects.filter(pk__in=[message.pk, claimed.pk]).update(created_at=timezone.now() - LATER)
    retry_failed_messages.call_local()

    message.refresh_from_db()
    claimed.refresh_from_db()
    assert message.delivery == Message.Delivery.SENT and len(sms_outbox) == 1
    assert claimed.delivery == Message.Delivery.PENDING
