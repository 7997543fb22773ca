"""The customer file over the API: create and edit every field, read it back, errors by field, merge."""

import pytest

from kefu.customers.models import Customer, CustomField, Kind
from tests.api.conftest import token_client
from tests.factories import CustomerFactory
from tests.org import build_org


@pytest.fixture
def org(db):
    return build_org()


@pytest.fixture
def as_user():
    return token_client


def test_create_with_the_file_and_read_it_back(org, as_user):
    CustomField.objects.create(code="car_model", label="车型", kind="choice", choices=["轿车", "SUV"])
    company = Customer.objects.create(name="华联超市", kind=Kind.ORGANISATION)
    api = as_user(org.agent)
    response = api.post(
        "/customers",
        {
            "name": "李女士",
            "phone": "13900139000",
            "organisation": company.pk,
            "birth_month": 8,
            "birth_day": 15,
            "birthday_calendar": "lunar",
            "tags": ["VIP"],
            "owner": org.agent.pk,
            "consent_sms": False,
            "custom": {"car_model": "SUV"},
        },
    )
    assert response.status_code == 201, response.content
    body = api.get(f"/customers/{response.json()['id']}").json()
    assert (body["organisation"], body["birth_month"], body["birthday_calendar"]) == (company.pk, 8, "lunar")
    assert body["tags"] == ["VIP"] and body["owner"] == org.agent.pk and body["consent_sms"] is False
    assert body["custom"] == {"car_model": "SUV"}
    members = api.get(f"/customers/{company.pk}").json()["members"]
    assert members == [{"id": body["id"], "name": "李女士"}]


def test_patch_refuses_bad_fields_by_name(org, as_user):
    CustomField.objects.create(code="spend", label="年消费", kind="number")
    customer = CustomerFactory(name="王先生")
    response = as_user(org.agent).patch(
        f"/customers/{customer.pk}",
        {"name": "王二", "birth_month": 2, "birth_day": 30, "custom": {"spend": "很多"}},
    )
    assert response.status_code == 422
    body = response.json()
    assert set(body["errors"]) == {"birth_day", "custom.spend"}
    assert {d["field"]: d["code"] for d in body["details"]} == {
        "birth_day": "invalid",
        "custom.spend": "wrong_type",
    }
    customer.refresh_from_db()
    assert customer.name == "王先生"


def test_patch_changes_only_what_is_sent(org, as_user):
    customer = CustomerFactory(name="王先生", company="华联超市", note="老客户")
    response = as_user(org.agent).patch(f"/customers/{customer.pk}", {"industry": "零售", "relationship": 3})
    assert response.status_code == 200, response.content
    customer.refresh_from_db()
    assert (customer.company, customer.industry, customer.relationship, customer.note) == (
        "华联超市",
        "零售",
        3,
        "老客户",
    )


def test_merge_over_the_api_is_for_leads(org, as_user):
    keep, remove = CustomerFactory(name="张伟"), CustomerFactory(name="张先生", phone="13800138000")
    refused = as_user(org.agent).post(f"/customers/{keep.pk}/merge", {"remove": remove.pk})
    assert refused.status_code == 403
    done = as_user(org.supervisor).post(f"/customers/{keep.pk}/merge", {"remove": remove.pk})
    assert done.status_code == 200, done.content
    assert done.json()["removed_name"] == "张先生"
    assert list(keep.phones.values_list("number", flat=True)) == ["13800138000"]
