"""The customer pages: the edit form takes the whole file, errors land at their fields, an
organisation's page lists its contacts."""

import pytest

from kefu.customers.models import Customer, CustomField, Kind
from tests.factories import CustomerFactory
from tests.org import build_org


@pytest.fixture
def org(db):
    return build_org()


def form_data(customer: Customer, **changes) -> dict:
    data = {
        "name": customer.name,
        "kind": customer.kind,
        "tier": customer.tier_id,
        "birthday_calendar": "solar",
        "consent_phone": "on",
        "consent_email": "on",
    }
    data.update(changes)
    return data


def test_the_edit_page_saves_the_file_and_custom_fields(org, client):
    CustomField.objects.create(code="car_model", label="车型", kind="choice", choices=["轿车", "SUV"])
    company = Customer.objects.create(name="星河物业有限公司", kind=Kind.ORGANISATION)
    customer = CustomerFactory(name="周建华")
    client.force_login(org.agent)
    response = client.post(
        f"/customers/{customer.pk}/edit/",
        form_data(
            customer,
            organisation=company.pk,
            birthday_calendar="lunar",
            birth_month="8",
            birth_day="30",
            tags="VIP，企业客户",
            owner=org.agent.pk,
            custom_car_model="SUV",
        ),
    )
    assert response.status_code == 302, response.context["form"].errors
    customer.refresh_from_db()
    assert customer.organisation == company and (customer.birth_month, customer.birth_day) == (8, 30)
    assert sorted(customer.tags.values_list("name", flat=True)) == ["VIP", "企业客户"]
    assert customer.custom == {"car_model": "SUV"} and customer.consent_sms is False
    page = client.get(f"/customers/{company.pk}/").content.decode()
    assert "周建华" in page  # the organisation lists its contact
    assert "SUV" in client.get(f"/customers/{customer.pk}/").content.decode()


def test_the_edit_page_shows_errors_at_their_fields(org, client):
    CustomField.objects.create(code="spend", label="年消费", kind="number")
    customer = CustomerFactory(name="周建华")
    client.force_login(org.agent)
    response = client.post(
        f"/customers/{customer.pk}/edit/",
        form_data(customer, birth_month="2", birth_day="30", custom_spend="很多"),
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert "birth_day" in form.errors and "custom_spend" in form.errors
    assert form.errors["custom_spend"][0].startswith("年消费")
