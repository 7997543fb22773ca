"""The customer file (客户档案): every field through customer_update, birthdays, custom fields."""

from datetime import date

import pytest

from kefu.core.errors import ValidationError
from kefu.customers.models import Customer, CustomerTag, CustomField, Kind
from kefu.customers.record import birthday_clean
from kefu.customers.services import customer_update
from tests.factories import CustomerFactory

TODAY = date(2026, 11, 23)


def birthday(**given):
    values = {
        "year": None,
        "month": None,
        "day": None,
        "calendar": "solar",
        "leap_month": False,
        "today": TODAY,
    }
    values.update(given)
    return birthday_clean(**values)


def refused(**given) -> dict:
    with pytest.raises(ValidationError) as caught:
        birthday(**given)
    return caught.value.errors


def test_solar_birthday_must_be_a_real_date():
    assert birthday(month=2, day=29)["birth_day"] == 29  # no year: 29 February is someone's birthday
    assert birthday(year=2004, month=2, day=29)["birth_year"] == 2004  # 2004 was a leap year
    assert "birth_day" in refused(year=2023, month=2, day=29)  # 2023 was not
    assert "birth_day" in refused(month=2, day=30)
    assert "birth_day" in refused(month=4, day=31)
    assert "birth_day" in refused(month=1, day=32)
    assert "birth_month" in refused(month=13, day=1)
    assert "birth_month" in refused(month=0, day=1)


def test_lunar_birthday_allows_day_thirty_but_not_thirty_one():
    assert birthday(calendar="lunar", month=8, day=30)["birthday_calendar"] == "lunar"
    assert "birth_day" in refused(calendar="lunar", month=8, day=31)


def test_leap_month_only_on_the_lunar_calendar_and_only_in_a_year_that_has_it():
    assert "birthday_leap_month" in refused(month=2, day=3, leap_month=True)
    # 2023 (癸卯) had a leap second month (闰二月), not a leap third one.
    assert birthday(calendar="lunar", year=2023, month=2, day=3, leap_month=True)["birthday_leap_month"]
    assert "birthday_leap_month" in refused(calendar="lunar", year=2023, month=3, day=3, leap_month=True)


def test_month_without_day_and_future_year_are_refused():
    assert "birth_day" in refused(month=5)
    assert "birth_year" in refused(year=2027, month=5, day=1)


@pytest.mark.django_db
def test_customer_update_takes_every_field_of_the_file(web_org):
    org = Customer.objects.create(name="华联超市", kind=Kind.ORGANISATION)
    referrer = CustomerFactory(name="王先生")
    customer = CustomerFactory(name="李女士")
    customer_update(
        customer=customer,
        kind="person",
        organisation=org.pk,
        gender="female",
        birth_month=8,
        birth_day=15,
        birthday_calendar="lunar",
        company="华联超市",
        industry="零售",
        address="北京市朝阳区建国路 88 号",
        interests="烘焙、旅游",
        relationship=4,
        tags=["VIP", "老客户", "VIP"],
        owner=web_org.agent.pk,
        source="referral",
        referred_by=referrer.pk,
        customer_since="2021-03-01",
        flags=["known_brand"],
        consent_sms=False,
        today=TODAY,
    )
    customer.refresh_from_db()
    assert customer.organisation == org and list(org.members.all()) == [customer]
    assert (customer.birth_month, customer.birth_day, customer.birthday_calendar) == (8, 15, "lunar")
    assert sorted(customer.tags.values_list("name", flat=True)) == ["VIP", "老客户"]  # the repeat kept once
    assert customer.owner == web_org.agent and customer.referred_by == referrer
    assert customer.customer_since == date(2021, 3, 1)
    assert (customer.consent_phone, customer.consent_sms) == (True, False)
    assert customer.relationship == 4 and customer.flags == ["known_brand"]


@pytest.mark.django_db
def test_bad_fields_are_named_and_nothing_is_saved():
    person = CustomerFactory(name="张三")
    customer = CustomerFactory(name="李四")
    with pytest.raises(ValidationError) as caught:
        customer_update(
            customer=customer,
            name="李四新",
            organisation=person.pk,  # a person, not an organisation
            relationship=6,
            birth_month=2,
            birth_day=30,
            owner=999999,
            tags=["新标签"],
            today=TODAY,
        )
    assert set(caught.value.errors) == {"organisation", "relationship", "birth_day", "owner"}
    customer.refresh_from_db()
    assert customer.name == "李四" and customer.organisation is None
    assert not CustomerTag.objects.filter(name="新标签").exists()


@pytest.mark.django_db
def test_an_organisation_with_contacts_cannot_become_a_person():
    org = Customer.objects.create(name="华联超市", kind=Kind.ORGANISATION)
    CustomerFactory(name="李女士", organisation=org)
    with pytest.raises(ValidationError) as caught:
        customer_update(customer=org, kind="person")
    assert "kind" in caught.value.errors


@pytest.fixture
def fields(db):
    CustomField.objects.create(code="car_model", label="车型", kind="choice", choices=["轿车", "SUV"])
    CustomField.objects.create(code="spend", label="年消费", kind="number")
    CustomField.objects.create(code="joined", label="入会日期", kind="date")
    CustomField.objects.create(code="channel", label="会员来源渠道", kind="text", required=True)
    CustomField.objects.create(code="old", label="停用字段", kind="text", active=False)


def test_custom_values_are_parsed_and_stored(fields):
    customer = CustomerFactory()
    customer_update(
        customer=customer,
        custom={"car_model": "SUV", "spend": "12,500", "joined": "2024-05-01", "channel": "门店"},
    )
    customer.refresh_from_db()
    assert customer.custom == {"car_model": "SUV", "spend": 12500, "joined": "2024-05-01", "channel": "门店"}


def test_bad_custom_values_name_the_field_and_keep_the_record(fields):
    customer = CustomerFactory(custom={"channel": "门店"})
    with pytest.raises(ValidationError) as caught:
        customer_update(
            customer=customer,
            name="改了名",
            custom={"car_model": "卡车", "spend": "很多", "joined": "2024-13-01", "colour": "红"},
        )
    errors = caught.value.errors
    assert set(errors) == {"custom.car_model", "custom.spend", "custom.joined", "custom.colour"}
    assert (
        errors["custom.car_model"][0].startswith("车型")
        and errors["custom.car_model"][0].code == "invalid_choice"
    )
    assert errors["custom.spend"][0].code == "wrong_type" and "年消费" in errors["custom.spend"][0]
    assert errors["custom.colour"][0].code == "not_found"
    customer.refresh_from_db()
    assert customer.name != "改了名" and customer.custom == {"channel": "门店"}


def test_a_required_custom_field_cannot_be_emptied(fields):
    customer = CustomerFactory(custom={"channel": "门店"})
    with pytest.raises(ValidationError) as caught:
        customer_update(customer=customer, custom={"channel": ""})
    assert caught.value.errors["custom.channel"][0].code == "required"


def test_values_of_an_inactive_field_are_kept(fields):
    customer = CustomerFactory(custom={"old": "旧值", "channel": "门店"})
    customer_update(customer=customer, custom={"spend": 3})
    customer.refresh_from_db()
    assert customer.custom == {"old": "旧值", "channel": "门店", "spend": 3}
