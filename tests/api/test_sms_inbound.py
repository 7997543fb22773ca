"""POST /api/sms/inbound: customers' SMS replies, signed by the gateway like the CTI events.

An opt-out keyword in any case or width opts every customer with that mobile out of care; any other
text opens a work order on the SMS channel."""

import json
import time

import pytest
from django.core.cache import cache
from django.test import Client

from kefu.core.signatures import sign
from kefu.crm.models import CareOptOut
from kefu.tickets.models import Channel, Ticket
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db
SECRET = "sms-gateway-secret"


@pytest.fixture(autouse=True)
def gateway(settings):
    settings.KEFU_SMS_INBOUND_SECRET = SECRET
    settings.KEFU_SMS_INBOUND_SIGNATURE_TOLERANCE = 300
    cache.clear()  # the signatures seen (replays) are remembered there
    yield
    cache.clear()


def post(payload: dict, *, secret: str = SECRET, stamp: int | None = None):
    body = json.dumps(payload, ensure_ascii=False).encode()
    stamp = int(time.time()) if stamp is None else stamp
    return Client().post(
        "/api/sms/inbound",
        body,
        content_type="application/json",
        headers={"X-Kefu-Timestamp": str(stamp), "X-Kefu-Signature": sign(secret, str(stamp), body)},
    )


def opted_out() -> set[str]:
    return set(CareOptOut.objects.values_list("customer__name", flat=True))


@pytest.mark.parametrize(
    "text", ["TD", "ＴＤ", " td ", "退订", "t", "N", "0000", "取消", "Stop", "unsubscribe。"]
)
def test_each_opt_out_keyword_opts_out_every_customer_with_that_mobile(org, text):
    CustomerFactory(name="王芳", phone="13800138000")
    CustomerFactory(name="王芳的公司", phone="13800138000")  # the same mobile on two records
    CustomerFactory(name="李雷", phone="13900139000")
    answer = post({"from": "+86 138 0013 8000", "text": text, "at": "2026-12-03T10:15:00+08:00"})
    assert answer.status_code == 200, answer.content
    assert answer.json() == {"opted_out": 2, "ticket": None}
    assert opted_out() == {"王芳", "王芳的公司"}
    assert set(CareOptOut.objects.values_list("via", flat=True)) == {"sms reply"}
    assert not Ticket.objects.exists()


def test_an_opt_out_keyword_from_an_unknown_number_opts_out_nobody(org):
    answer = post({"from": "13700137000", "text": "TD"})
    assert (answer.status_code, answer.json()) == (200, {"opted_out": 0, "ticket": None})
    assert not Ticket.objects.exists() and not CareOptOut.objects.exists()


def test_any_other_text_opens_an_sms_work_order_for_that_customer(org):
    wang = CustomerFactory(name="王芳", phone="13800138000")
    answer = post({"from": "+8613800138000", "text": "TD是什么意思？我的积分怎么没到账"})
    assert answer.status_code == 201, answer.content
    ticket = Ticket.objects.get(number=answer.json()["ticket"])
    assert (ticket.channel, ticket.customer_id, ticket.content) == (
        Channel.SMS,
        wang.pk,
        "TD是什么意思？我的积分怎么没到账",
    )
    assert answer.json()["opted_out"] == 0 and not CareOptOut.objects.exists()


def test_text_from_an_unknown_number_opens_a_work_order_with_the_number_as_contact(org):
    answer = post({"from": "13700137000", "text": "你们几点关门"})
    assert answer.status_code == 201
    ticket = Ticket.objects.get(number=answer.json()["ticket"])
    assert ticket.customer.name == "13700137000"
    assert list(ticket.customer.phones.values_list("number", flat=True)) == ["13700137000"]


def test_a_bad_signature_is_refused_and_changes_nothing(org):
    CustomerFactory(phone="13800138000")
    assert post({"from": "13800138000", "text": "TD"}, secret="wrong").status_code == 401
    assert post({"from": "13800138000", "text": "TD"}, stamp=int(time.time()) - 3600).status_code == 401
    unsigned = Client().post(
        "/api/sms/inbound", {"from": "13800138000", "text": "TD"}, content_type="application/json"
    )
    assert unsigned.status_code == 401
    assert not CareOptOut.objects.exists()


def fields(answer) -> list[tuple[str, str]]:
    return [(d["field"], d["code"]) for d in answer.json()["details"]]


def test_a_missing_from_or_a_bad_number_names_the_field(org):
    missing = post({"text": "TD"})
    assert missing.status_code == 422
    assert [field for field, _code in fields(missing)] == ["from"]
    bad = post({"from": "12345", "text": "你好"})
    assert (bad.status_code, fields(bad)) == (422, [("from", "invalid")])
    empty = post({"from": "13800138000", "text": "   "})
    assert (empty.status_code, fields(empty)) == (422, [("text", "required")])
    assert not Ticket.objects.exists()
