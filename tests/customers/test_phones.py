"""Phone numbers (customers/phones.py): what is valid, how it is stored and shown, and that nothing
is matched, merged or linked on a number that is not one."""

import importlib
import json
from datetime import UTC, datetime

import pytest
from django.apps import apps
from django.db import transaction
from django.test import Client
from django.utils import translation

from kefu.callcenter.imports import import_calls
from kefu.callcenter.models import CallRecord
from kefu.core.errors import ValidationError
from kefu.customers.models import Customer, CustomerPhone
from kefu.customers.phones import display_phone, is_mobile, normalise_phone, parse_phone, phone_key
from kefu.customers.selectors import customer_by_contact
from kefu.customers.services import customer_find_or_create
from tests.factories import CustomerFactory


@pytest.mark.parametrize(
    ("raw", "key", "display", "kind"),
    [
        ("13800138000", "13800138000", "138 0013 8000", "mobile"),
        ("+86 138-0013-8000", "13800138000", "138 0013 8000", "mobile"),
        ("008613800138000", "13800138000", "138 0013 8000", "mobile"),
        ("010-12345678", "01012345678", "010 1234 5678", "landline"),
        ("0755 1234 5678", "075512345678", "0755 1234 5678", "landline"),
        ("400-800-1234", "4008001234", "400 800 1234", "shared_cost"),
        ("800 810 1234", "8008101234", "800 810 1234", "toll_free"),
        ("+44 7911 123456", "+447911123456", "+44 7911 123456", "mobile"),
    ],
)
def test_valid_numbers_are_stored_as_dialled_at_home_or_in_e164_and_shown_grouped(raw, key, display, kind):
    number = normalise_phone(raw)
    assert (number.key, number.display, number.kind) == (key, display, kind)
    assert phone_key(raw) == key
    assert display_phone(key) == display


@pytest.mark.parametrize("raw", ["12345", "1380013800", "12125551234", "8001", "anonymous", "138001380001"])
def test_what_is_not_a_phone_number_is_refused_in_plain_words(raw):
    assert parse_phone(raw) is None and phone_key(raw) == ""
    with pytest.raises(ValidationError) as refused, translation.override("en"):
        normalise_phone(raw, "phone")
    assert refused.value.errors["phone"] == [f"{raw} is not a valid phone number."]
    assert refused.value.errors["phone"][0].code == "invalid"
    assert normalise_phone("  ") is None  # empty is not an error: the caller decides if it is required


def test_the_home_region_is_a_setting(settings):
    settings.KEFU_PHONE_REGION = "GB"
    assert phone_key("07911 123456") == "07911123456"
    assert phone_key("13800138000") == ""
    assert phone_key("+86 138 0013 8000") == "+8613800138000"


def test_only_mobiles_receive_sms():
    assert is_mobile("13800138000") and is_mobile("+44 7911 123456")
    assert not is_mobile("010-12345678") and not is_mobile("4008001234") and not is_mobile("12345678901")


@pytest.mark.django_db
def test_an_invalid_number_creates_finds_and_merges_nobody():
    old = CustomerFactory(name="旧档案", phone="12345")  # written before numbers were checked
    assert customer_by_contact(phone="12345") is None
    with pytest.raises(ValidationError), transaction.atomic():
        customer_find_or_create(name="新来电", phone="12345")
    assert Customer.objects.count() == 1 and list(old.phones.values_list("number", flat=True)) == ["12345"]
    found = customer_find_or_create(name="王", phone="+86 138 0013 8000")
    assert found.phones.get().number == "13800138000"
    assert customer_find_or_create(name="王", phone="138-0013-8000") == found


@pytest.mark.django_db
def test_the_migration_rewrites_valid_numbers_and_keeps_invalid_ones_in_the_note():
    migration = importlib.import_module("kefu.customers.migrations.0002_phone_numbers")
    li = CustomerFactory(name="李", phone="447911123456")  # the old digits-only form lost the "+"
    CustomerPhone.objects.create(customer=li, number="+447911123456")  # … and the record has it too
    wang = CustomerFactory(name="王", phone="12345")
    wang.note = "老顾客"
    wang.save()
    zhao = CustomerFactory(name="赵", phone="13800138000")

    migration.normalise(apps, None)

    assert list(li.phones.values_list("number", flat=True)) == ["+447911123456"]
    assert not wang.phones.exists()
    wang.refresh_from_db()
    assert wang.note.startswith("老顾客\n") and wang.note.endswith(": 12345")
    assert list(zhao.phones.values_list("number", flat=True)) == ["13800138000"]


@pytest.mark.django_db
def test_api_refuses_an_invalid_number_with_a_field_code(org_api):
    response = org_api.post("/customers", {"name": "x", "phone": "12345"})
    assert response.status_code == 422
    body = response.json()
    assert body["details"] == [{"field": "phone", "code": "invalid", "message": "12345 不是有效的电话号码。"}]
    assert Customer.objects.count() == 0


@pytest.mark.django_db
def test_customer_page_refuses_an_invalid_number_and_shows_numbers_grouped(web_org, zh_client):
    customer = CustomerFactory(name="王建国", phone="13811112222")
    client = zh_client(web_org.agent)
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    assert "138 1111 2222" in page
    response = client.post(
        f"/customers/{customer.pk}/edit/",
        {"name": "王建国", "tier": "C", "phones": "12345", "emails": ""},
    )
    assert "12345 不是有效的电话号码。" in response.content.decode()
    assert list(customer.phones.values_list("number", flat=True)) == ["13811112222"]


# --- the phone channel: caller ids that are not numbers link no customer -----------------------------

T = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("caller", ["8001", "anonymous"])
def test_a_cti_caller_id_that_is_not_a_number_is_kept_raw_and_links_no_customer(settings, caller):
    settings.KEFU_CTI_TOKEN = "t"
    CustomerFactory(name="旧档案", phone=caller)  # an old record holding the same string
    cti = Client(headers={"X-Kefu-CTI-Token": "t"})
    body = {"event": "ring", "call_id": "1.1", "at": T.isoformat(), "caller": caller}
    response = cti.post("/api/telephony/events", json.dumps(body), content_type="application/json")
    assert response.status_code == 200, response.content
    call = CallRecord.objects.get()
    assert (call.caller_number, call.customer_id) == (caller, None)


@pytest.mark.django_db(transaction=True)
def test_a_cti_caller_number_is_stored_in_its_stored_form_and_finds_the_customer(settings):
    settings.KEFU_CTI_TOKEN = "t"
    customer = CustomerFactory(name="王", phone="13800138000")
    cti = Client(headers={"X-Kefu-CTI-Token": "t"})
    body = {"event": "ring", "call_id": "1.2", "at": T.isoformat(), "caller": "+86 138 0013 8000"}
    assert (
        cti.post("/api/telephony/events", json.dumps(body), content_type="application/json").status_code
        == 200
    )
    call = CallRecord.objects.get()
    assert (call.caller_number, call.customer) == ("13800138000", customer)


@pytest.mark.django_db(transaction=True)
def test_an_imported_call_from_an_extension_links_no_customer(tmp_path):
    # A record that took an extension as its phone before numbers were checked; the upgrade's
    # migration takes it off the record's phones (on PostgreSQL the import's join relies on that).
    CustomerFactory(name="旧档案", phone="12345")
    importlib.import_module("kefu.customers.migrations.0002_phone_numbers").normalise(apps, None)
    known = CustomerFactory(name="王", phone="13800138000")
    t0 = 1764550800
    log = (
        f"{t0}|1.1|support||ENTERQUEUE||12345|1\n{t0 + 10}|1.1|support||ABANDON|1|1|10\n"
        f"{t0 + 20}|1.2|support||ENTERQUEUE||8613800138000|1\n{t0 + 30}|1.2|support||ABANDON|1|1|10\n"
    )
    path = tmp_path / "queue_log"
    path.write_text(log, encoding="utf-8")
    import_calls(path=path, fmt="queue_log")
    calls = dict(CallRecord.objects.values_list("caller_number", "customer_id"))
    assert calls == {"12345": None, "13800138000": known.pk}


@pytest.mark.django_db
def test_the_sql_filter_of_home_mobiles_agrees_with_is_mobile():
    """home_mobile_q (libphonenumber's CN mobile pattern in SQL) picks exactly the stored numbers
    is_mobile calls mobiles: mobiles of every prefix, landlines, 400/800, 95xxx, too short or long."""
    import random

    from kefu.customers.phones import home_mobile_q

    rng = random.Random(14)
    numbers = {"13800138000", "01012345678", "4008001234", "8001234567", "95588", "12345678901", "1380013800",
               "138001380001", "16012345", "17400123456", "17406123456", "16100123456", "+447911123456"}  # fmt: skip
    numbers |= {f"1{rng.randint(0, 9)}{rng.randint(0, 10**9 - 1):09d}" for _ in range(400)}
    numbers |= {f"0{rng.randint(10, 999)}{rng.randint(0, 10**8 - 1):08d}" for _ in range(100)}
    customer = CustomerFactory(name="号码")
    CustomerPhone.objects.bulk_create(CustomerPhone(customer=customer, number=n) for n in numbers)
    home = {n for n in numbers if not n.startswith("+")}
    by_sql = set(
        CustomerPhone.objects.filter(home_mobile_q(), number__in=home).values_list("number", flat=True)
    )
    assert by_sql == {n for n in home if is_mobile(n)}
    assert "13800138000" in by_sql and "17400123456" in by_sql and "01012345678" not in by_sql
