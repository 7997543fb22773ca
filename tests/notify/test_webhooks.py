"""Outbound webhooks: signed deliveries to a real local HTTP server, retries with back-off, the log."""

import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from kefu.core.errors import PermissionDenied
from kefu.notify.models import Webhook, WebhookDelivery
from kefu.notify.webhooks import BACKOFF, webhook_deliver, webhook_redeliver, webhook_sweep
from kefu.tickets.models import TicketEvent
from kefu.tickets.services import ticket_transition
from tests.tickets.helpers import MONDAY_9, new_ticket

SECRET = "whsec-test-123"


@pytest.fixture(autouse=True)
def _no_sms(settings):
    settings.KEFU_SMS_ACKNOWLEDGE = False  # the acknowledgement would add a message_out event


@pytest.fixture
def hook(db, http_receiver):
    return Webhook.objects.create(name="CRM", url=http_receiver.url, secret=SECRET, events=["created"])


def created(org, django_capture_on_commit_callbacks, **fields):
    with django_capture_on_commit_callbacks(execute=True):
        return new_ticket(org, channel="onsite", **fields)


def verify(secret: str, headers: dict, body: bytes, now: int, tolerance: int = 300) -> bool:
    """What a receiver does (as docs/notifications.md shows), written here independently."""
    stamp = headers["X-Kefu-Timestamp"]
    if abs(now - int(stamp)) > tolerance:
        return False
    expected = "sha256=" + hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, headers["X-Kefu-Signature"])


def test_a_new_work_order_is_posted_signed_to_the_subscribed_webhook(
    org, hook, http_receiver, django_capture_on_commit_callbacks
):
    ticket = created(org, django_capture_on_commit_callbacks)

    (request,) = http_receiver.requests
    assert verify(SECRET, request.headers, request.body, now=int(timezone.now().timestamp()))
    body = request.json()
    delivery = WebhookDelivery.objects.get()
    assert request.headers["X-Kefu-Event"] == "created"
    assert request.headers["X-Kefu-Delivery"] == str(delivery.uuid) == body["id"]
    assert body["event"] == "created"
    assert body["ticket"]["number"] == ticket.number
    assert body["ticket"]["status"] == "new" and body["ticket"]["type"] == "complaint"
    assert body["data"]["channel"] == "onsite"
    assert body["occurred_at"] == MONDAY_9.isoformat()
    assert (delivery.state, delivery.attempts, delivery.status_code) == ("delivered", 1, 200)


def test_a_signature_with_another_secret_or_a_changed_body_does_not_verify(
    org, hook, http_receiver, django_capture_on_commit_callbacks
):
    created(org, django_capture_on_commit_callbacks)
    (request,) = http_receiver.requests
    now = int(timezone.now().timestamp())
    assert not verify("other-secret", request.headers, request.body, now=now)
    assert not verify(SECRET, request.headers, request.body.replace(b"new", b"old"), now=now)
    assert not verify(SECRET, request.headers, request.body, now=now + 3600)  # a replay an hour later


def test_only_subscribed_events_are_sent(org, hook, http_receiver, django_capture_on_commit_callbacks):
    ticket = created(org, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        ticket_transition(ticket=ticket, action="accept", by=org.agent, now=MONDAY_9)
    assert [r.headers["X-Kefu-Event"] for r in http_receiver.requests] == ["created"]


def test_a_star_webhook_gets_every_event(org, http_receiver, django_capture_on_commit_callbacks):
    Webhook.objects.create(name="all", url=http_receiver.url, secret=SECRET, events=["*"])
    ticket = created(org, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        ticket_transition(ticket=ticket, action="accept", by=org.agent, now=MONDAY_9)
    kinds = [r.headers["X-Kefu-Event"] for r in http_receiver.requests]
    assert kinds == ["created", "transition"]
    assert http_receiver.requests[1].json()["action"] == "accept"


def test_an_inactive_webhook_gets_nothing(org, hook, http_receiver, django_capture_on_commit_callbacks):
    hook.is_active = False
    hook.save()
    created(org, django_capture_on_commit_callbacks)
    assert http_receiver.requests == [] and not WebhookDelivery.objects.exists()


def test_unknown_event_kinds_are_refused_on_the_webhook():
    with pytest.raises(ValidationError) as refused:
        Webhook(name="x", url="http://127.0.0.1/", events=["created", "exploded"]).full_clean()
    assert "exploded" in refused.value.message_dict["events"][0]


def first_attempt(org, http_receiver, django_capture_on_commit_callbacks, status: int) -> WebhookDelivery:
    http_receiver.status = status
    created(org, django_capture_on_commit_callbacks)
    return WebhookDelivery.objects.get()


def test_a_server_error_is_retried_on_the_back_off_schedule_then_failed(
    org, hook, http_receiver, django_capture_on_commit_callbacks
):
    delivery = first_attempt(org, http_receiver, django_capture_on_commit_callbacks, 500)
    assert delivery.state == "pending" and delivery.attempts == 1

    pauses = [delivery.next_attempt_at - delivery.last_attempt_at]
    for _ in range(len(BACKOFF)):
        webhook_sweep(now=delivery.next_attempt_at)
        delivery.refresh_from_db()
        if delivery.next_attempt_at:
            pauses.append(delivery.next_attempt_at - delivery.last_attempt_at)

    assert pauses == [
        timedelta(minutes=1),
        timedelta(minutes=5),
        timedelta(minutes=30),
        timedelta(hours=2),
        timedelta(hours=12),
    ]
    assert (delivery.state, delivery.attempts, delivery.next_attempt_at) == ("failed", 6, None)
    assert len(http_receiver.requests) == 6


def test_a_delivery_is_not_retried_before_its_back_off_has_passed(
    org, hook, http_receiver, django_capture_on_commit_callbacks
):
    delivery = first_attempt(org, http_receiver, django_capture_on_commit_callbacks, 503)
    assert webhook_sweep(now=delivery.next_attempt_at - timedelta(seconds=1)) == 0
    assert len(http_receiver.requests) == 1


def test_a_retry_that_succeeds_is_delivered(org, hook, http_receiver, django_capture_on_commit_callbacks):
    delivery = first_attempt(org, http_receiver, django_capture_on_commit_callbacks, 502)
    http_receiver.status = 204
    webhook_sweep(now=delivery.next_attempt_at)
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.status_code) == ("delivered", 2, 204)
    assert len({r.headers["X-Kefu-Delivery"] for r in http_receiver.requests}) == 1


def test_the_sweep_is_idempotent(org, hook, http_receiver, django_capture_on_commit_callbacks):
    delivery = first_attempt(org, http_receiver, django_capture_on_commit_callbacks, 500)
    due = delivery.next_attempt_at
    http_receiver.status = 200
    assert webhook_sweep(now=due) == 1
    assert webhook_sweep(now=due) == 0
    assert webhook_sweep(now=due + timedelta(days=1)) == 0
    assert webhook_deliver(delivery_id=delivery.pk, now=due + timedelta(days=2)) is None
    assert len(http_receiver.requests) == 2


@pytest.mark.parametrize("status", [400, 401, 404, 410, 422])
def test_a_client_error_fails_at_once(org, hook, http_receiver, django_capture_on_commit_callbacks, status):
    delivery = first_attempt(org, http_receiver, django_capture_on_commit_callbacks, status)
    assert (delivery.state, delivery.status_code, delivery.next_attempt_at) == ("failed", status, None)
    assert webhook_sweep(now=timezone.now() + timedelta(days=1)) == 0


@pytest.mark.parametrize("status", [408, 429])
def test_timeout_and_rate_limit_answers_are_retried(
    org, hook, http_receiver, django_capture_on_commit_callbacks, status
):
    delivery = first_attempt(org, http_receiver, django_capture_on_commit_callbacks, status)
    assert delivery.state == "pending" and delivery.next_attempt_at is not None


def test_a_receiver_that_does_not_answer_in_time_is_retried(
    org, hook, settings, http_receiver, django_capture_on_commit_callbacks
):
    settings.KEFU_WEBHOOK_TIMEOUT = 0.3
    http_receiver.delay = 1.5
    delivery = first_attempt(org, http_receiver, django_capture_on_commit_callbacks, 200)
    assert delivery.state == "pending" and delivery.status_code is None
    assert "timed out" in delivery.error.lower()


def test_the_response_snippet_is_kept(org, hook, http_receiver, django_capture_on_commit_callbacks):
    http_receiver.answer = json.dumps({"error": "库存系统维护中"}, ensure_ascii=False).encode()
    delivery = first_attempt(org, http_receiver, django_capture_on_commit_callbacks, 503)
    assert "库存系统维护中" in delivery.response_snippet


def test_an_administrator_redelivers_a_failed_delivery(
    org, hook, http_receiver, django_capture_on_commit_callbacks
):
    delivery = first_attempt(org, http_receiver, django_capture_on_commit_callbacks, 404)
    admin = org.manager
    admin.is_staff = True
    admin.save()
    http_receiver.status = 200
    with django_capture_on_commit_callbacks(execute=True):
        webhook_redeliver(delivery=delivery, by=admin)
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("delivered", 1)
    assert [r.headers["X-Kefu-Delivery"] for r in http_receiver.requests] == [str(delivery.uuid)] * 2


def test_an_agent_may_not_redeliver(org, hook, http_receiver, django_capture_on_commit_callbacks):
    delivery = first_attempt(org, http_receiver, django_capture_on_commit_callbacks, 404)
    with pytest.raises(PermissionDenied):
        webhook_redeliver(delivery=delivery, by=org.agent)
    delivery.refresh_from_db()
    assert delivery.state == "failed"


def test_the_delivery_log_page_shows_deliveries_to_administrators_only(
    org, hook, http_receiver, client, django_capture_on_commit_callbacks
):
    first_attempt(org, http_receiver, django_capture_on_commit_callbacks, 500)
    client.force_login(org.agent)
    assert client.get("/notifications/webhooks/").status_code == 403
    org.manager.is_staff = True
    org.manager.save()
    client.force_login(org.manager)
    page = client.get("/notifications/webhooks/?state=pending")
    assert page.status_code == 200 and "CRM" in page.content.decode()


def test_the_redeliver_button_queues_the_delivery_again(
    org, hook, http_receiver, client, django_capture_on_commit_callbacks
):
    delivery = first_attempt(org, http_receiver, django_capture_on_commit_callbacks, 410)
    org.manager.is_staff = True
    org.manager.save()
    client.force_login(org.manager)
    http_receiver.status = 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/notifications/webhooks/{delivery.pk}/redeliver/")
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.state == "delivered"


def test_the_admin_redeliver_action_queues_the_selection(
    org, hook, http_receiver, admin_client, django_capture_on_commit_callbacks
):
    delivery = first_attempt(org, http_receiver, django_capture_on_commit_callbacks, 404)
    http_receiver.status = 200
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            "/admin/notify/webhookdelivery/",
            {"action": "redeliver", "_selected_action": [delivery.pk]},
        )
    delivery.refresh_from_db()
    assert delivery.state == "delivered"


def test_the_timeline_event_enqueues_one_delivery_per_webhook(org, hook, http_receiver):
    ticket = new_ticket(org, channel="onsite")  # no commit: nothing sent yet, the row is recorded
    event = ticket.events.get(kind=TicketEvent.Kind.CREATED)
    assert list(WebhookDelivery.objects.values_list("event_id", "state")) == [(event.pk, "pending")]
    assert http_receiver.requests == []


def test_breaches_and_escalations_of_the_sla_sweep_are_posted(
    org, http_receiver, django_capture_on_commit_callbacks
):
    # the sweep writes its events in bulk, which sends no post_save: it announces them itself
    from kefu.tickets.services import sla_sweep
    from tests.factories import aware

    Webhook.objects.create(
        name="Ops", url=http_receiver.url, secret=SECRET, events=["sla_breach", "escalation"]
    )
    ticket = new_ticket(org, now=MONDAY_9)  # first response due 09:30
    with django_capture_on_commit_callbacks(execute=True):
        sla_sweep(now=aware(2026, 11, 23, 10, 0))

    assert sorted(r.headers["X-Kefu-Event"] for r in http_receiver.requests) == ["escalation", "sla_breach"]
    assert {r.json()["ticket"]["number"] for r in http_receiver.requests} == {ticket.number}
    with django_capture_on_commit_callbacks(execute=True):
        sla_sweep(now=aware(2026, 11, 23, 10, 0))
    assert WebhookDelivery.objects.count() == 2
