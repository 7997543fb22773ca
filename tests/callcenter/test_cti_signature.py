"""POST /api/telephony/events signed like the outgoing webhooks: accepted once, within the time tolerance."""

import json
import time
from datetime import UTC, datetime

import pytest
from django.core.cache import cache
from django.test import Client

from kefu.callcenter.models import CallRecord
from kefu.core.signatures import sign
from tests.org import build_org

pytestmark = pytest.mark.django_db

SECRET = "cti-signing-secret-for-tests"
BODY = json.dumps(
    {"event": "ring", "call_id": "1764554400.77", "at": datetime(2026, 12, 1, 2, 0, tzinfo=UTC).isoformat()}
).encode()


@pytest.fixture
def signed(settings):
    build_org()
    settings.KEFU_CTI_SECRET = SECRET
    settings.KEFU_CTI_SIGNATURE_TOLERANCE = 300
    cache.clear()
    yield
    cache.clear()


def post(body: bytes = BODY, *, secret: str = SECRET, stamp: int | None = None, signature: str | None = None):
    stamp = int(time.time()) if stamp is None else stamp
    headers = {
        "Accept-Language": "en",  # the refusals' wording is checked in English
        "X-Kefu-Timestamp": str(stamp),
        "X-Kefu-Signature": signature or sign(secret, str(stamp), body),
    }
    return Client(headers=headers).post("/api/telephony/events", body, content_type="application/json")


def test_a_signed_event_is_accepted_as_the_system(signed):
    response = post()

    assert response.status_code == 200, response.content
    assert CallRecord.objects.get().external_id == "1764554400.77"


def test_a_captured_request_cannot_be_replayed(signed):
    stamp = int(time.time())
    assert post(stamp=stamp).status_code == 200

    again = post(stamp=stamp)

    assert again.status_code == 401 and "replay" in again.json()["message"]


def test_an_old_or_future_timestamp_is_refused(signed):
    assert post(stamp=int(time.time()) - 301).status_code == 401
    assert post(stamp=int(time.time()) + 301).status_code == 401
    assert not CallRecord.objects.exists()


def test_a_wrong_secret_or_a_changed_body_is_refused(signed):
    stamp = int(time.time())
    assert post(secret="not-the-secret").status_code == 401
    tampered = BODY.replace(b"1764554400.77", b"1764554400.78")
    assert post(tampered, stamp=stamp, signature=sign(SECRET, str(stamp), BODY)).status_code == 401
    assert post(stamp="yesterday").status_code == 401  # type: ignore[arg-type]
    assert not CallRecord.objects.exists()


def test_a_signature_opens_nothing_without_a_secret_on_the_server(signed, settings):
    settings.KEFU_CTI_SECRET = ""

    response = post()

    assert response.status_code == 401 and "KEFU_CTI_SECRET" in response.json()["message"]
