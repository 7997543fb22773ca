"""Customer records over the API: search, look up, create or find, read with history, edit."""

import pytest

from kefu.customers.models import Customer, CustomerPhone
from tests.api.conftest import new_ticket
from tests.factories import CustomerFactory


def test_create_then_find_the_same_record(org, as_user):
    api = as_user(org.agent)
    response = api.post("/customers", {"name": "李先生", "phone": "+86 139-0013-9000"})
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["phones"] == ["13900139000"]
    again = api.post("/customers", {"name": "李", "phone": "13900139000", "email": "Li@Example.com"})
    assert again.status_code == 200
    assert again.json()["id"] == created["id"]
    assert again.json()["emails"] == ["li@example.com"]
    assert Customer.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [({"name": "x", "phone": "12"}, "phone"), ({"name": "x", "email": "nope"}, "email"), ({}, "name")],
)
def test_create_refuses_bad_contacts_by_field(org, as_user, body, field):
    response = as_user(org.agent).post("/customers", body)
    assert response.status_code == 422
    assert field in response.json()["errors"]
    assert Customer.objects.count() == 0


def test_search_by_name_and_phone_tail(org, as_user):
    wang = CustomerFactory(name="王建国", phone="13811112222")
    CustomerFactory(name="赵敏", phone="13733334444")
    api = as_user(org.agent)
    for q in ("建国", "2222", "13811112222"):
        body = api.get("/customers", {"q": q}).json()
        assert [c["id"] for c in body["items"]] == [wang.pk], q
        assert body["count"] == 1
    assert api.get("/customers").json()["count"] == 2


def test_lookup_by_phone_or_email(org, as_user):
    wang = CustomerFactory(name="王建国", phone="13811112222")
    api = as_user(org.agent)
    response = api.get("/customers/lookup", {"phone": "+86 138 1111 2222"})
    assert response.status_code == 200
    assert response.json()["id"] == wang.pk
    assert api.get("/customers/lookup", {"phone": "13800000000"}).status_code == 404
    missing = api.get("/customers/lookup")
    assert missing.status_code == 422 and "phone" in missing.json()["errors"]


def test_detail_lists_only_the_work_orders_the_caller_may_see(org, as_user):
    mine = new_ticket(as_user(org.agent), customer_phone="13811112222")
    theirs = new_ticket(as_user(org.other_agent), customer_phone="13811112222")
    customer_id = mine["customer"]["id"]
    assert theirs["customer"]["id"] == customer_id
    body = as_user(org.agent).get(f"/customers/{customer_id}").json()
    assert body["phones"] == ["13811112222"]
    assert body["tier"] == "C"
    assert [t["number"] for t in body["tickets"]] == [mine["number"]]
    lead_view = as_user(org.supervisor).get(f"/customers/{customer_id}").json()
    assert {t["number"] for t in lead_view["tickets"]} == {mine["number"], theirs["number"]}
    assert as_user(org.agent).get("/customers/999999").status_code == 404


def test_edit_changes_what_is_sent(org, as_user):
    customer = CustomerFactory(name="王建国", phone="13811112222")
    api = as_user(org.agent)
    response = api.patch(
        f"/customers/{customer.pk}", {"tier": "A", "phones": ["13811112222", "021-5555 6666"]}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["tier"] == "A"
    assert body["name"] == "王建国"
    assert body["phones"] == ["13811112222", "02155556666"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"tier": "diamond"}, "tier"),
        ({"name": ""}, "name"),
        ({"name": None}, "name"),
        ({"phones": ["1"]}, "phones"),
    ],
)
def test_edit_refuses_bad_input_and_keeps_the_record(org, as_user, body, field):
    customer = CustomerFactory(name="王建国", phone="13811112222")
    response = as_user(org.agent).patch(f"/customers/{customer.pk}", {"tier": "B", **body})
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"]
    customer.refresh_from_db()
    assert (customer.name, customer.tier_id) == ("王建国", "C")
    assert list(CustomerPhone.objects.filter(customer=customer).values_list("number", flat=True)) == [
        "13811112222"
    ]
