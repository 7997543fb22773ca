"""POST /api/tickets with an Idempotency-Key records one work order per request; attachments over the API are judged by content."""

import json
from datetime import timedelta

from django.utils import timezone

from kefu.core.idempotency import forget_expired
from kefu.core.models import IdempotencyKey
from kefu.tickets.models import Ticket
from tests.api.conftest import token_client

BODY = {
    "ticket_type": "complaint",
    "channel": "phone",
    "content": "快递三天没有送到",
    "customer_name": "张女士",
    "customer_phone": "13800138000",
}


def send(api, body: dict, key: str | None):
    headers = {"Idempotency-Key": key} if key is not None else {}
    return api.client.post("/api/tickets", json.dumps(body), content_type="application/json", headers=headers)


def test_the_same_key_and_body_twice_answer_with_the_first_work_order(org, as_user):
    api = as_user(org.agent)
    first = send(api, BODY, "order-7f3a")
    again = send(api, BODY, "order-7f3a")
    assert (first.status_code, again.status_code) == (201, 201), again.content
    assert again.json()["number"] == first.json()["number"]
    assert again["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    assert Ticket.objects.count() == 1


def test_the_same_key_with_another_body_is_refused_with_a_code(org, as_user):
    api = as_user(org.agent)
    assert send(api, BODY, "k1").status_code == 201
    response = send(api, {**BODY, "content": "另一件事"}, "k1")
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert Ticket.objects.count() == 1


def test_keys_belong_to_their_sender_and_no_key_means_no_protection(org, as_user):
    assert send(as_user(org.agent), BODY, "shared").status_code == 201
    assert send(token_client(org.other_agent), BODY, "shared").status_code == 201
    api = as_user(org.agent)
    send(api, BODY, None)
    send(api, BODY, None)
    assert Ticket.objects.count() == 4


def test_a_refused_request_does_not_use_up_its_key(org, as_user):
    api = as_user(org.agent)
    refused = send(api, {**BODY, "customer_phone": "12345"}, "k2")
    assert refused.status_code == 422 and refused.json()["code"] == "validation_error"
    assert send(api, BODY, "k2").status_code == 201
    assert Ticket.objects.count() == 1


def test_keys_are_kept_24_hours_then_forgotten(org, as_user):
    api = as_user(org.agent)
    send(api, BODY, "k3")
    row = IdempotencyKey.objects.get()
    assert row.expires_at - row.created_at == timedelta(hours=24)
    assert forget_expired(now=row.expires_at - timedelta(seconds=1)) == 0
    IdempotencyKey.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert send(api, BODY, "k3").status_code == 201  # an expired key is a new request
    assert Ticket.objects.count() == 2
    IdempotencyKey.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert forget_expired() == 1 and not IdempotencyKey.objects.exists()


def test_an_overlong_key_is_a_field_error(org, as_user):
    response = send(as_user(org.agent), BODY, "x" * 256)
    assert response.status_code == 422
    assert Ticket.objects.count() == 0


def test_an_attachment_is_judged_by_its_content_over_the_api(org, as_user):
    from django.core.files.uploadedfile import SimpleUploadedFile

    api = as_user(org.agent)
    number = send(api, BODY, None).json()["number"]
    url = f"/api/tickets/{number}/attachments"
    exe = SimpleUploadedFile("发票.pdf", b"MZ\x90\x00" + b"\x00" * 60, content_type="application/pdf")
    refused = api.client.post(url, {"file": exe})
    assert refused.status_code == 422
    message = refused.json()["details"][0]
    assert message["field"] == "attachment"
    assert message["message"].startswith("“发票.pdf”实为 .exe 程序文件，不能上传。可上传图片、PDF")
    pdf = SimpleUploadedFile("scan.jpg", b"%PDF-1.7\n" + b"x" * 40, content_type="image/jpeg")
    stored = api.client.post(url, {"file": pdf})
    assert stored.status_code == 201, stored.content
    assert (stored.json()["name"], stored.json()["content_type"]) == ("scan.jpg", "application/pdf")
