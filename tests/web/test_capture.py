"""Quick capture: a valid form records and accepts a work order; bad input shows the field error and saves nothing."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kefu.customers.models import Customer
from kefu.tickets.models import Attachment, Status, Ticket
from tests.factories import CategoryFactory, CustomerFactory
from tests.web.conftest import make_ticket

pytestmark = pytest.mark.django_db


def form_data(**overrides) -> dict:
    data = {
        "channel": "phone",
        "ticket_type": "complaint",
        "customer_phone": "139 0000 1111",
        "customer_name": "李先生",
        "content": "昨天在三楼家电区买的电饭煲，插上电就跳闸。",
        "demands": "换新",
        "location": "三楼家电区",
        "severity": "general",
        "priority": "2",
        "accept": "on",
    }
    data.update(overrides)
    return data


def test_capture_records_and_accepts_a_phone_complaint(org, as_user):
    category = CategoryFactory(ticket_type="complaint", name="商品质量")
    response = as_user(org.agent).post("/tickets/new/", form_data(category=category.pk))
    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/tickets/{ticket.number}/"
    assert ticket.status == Status.ACCEPTED
    assert ticket.owner == org.agent
    assert ticket.category == category
    assert ticket.customer.name == "李先生"
    assert ticket.customer_phone == "13900001111"
    assert ticket.title.startswith("昨天在三楼")


def test_accept_unchecked_leaves_the_work_order_new(org, as_user):
    data = form_data()
    del data["accept"]
    as_user(org.agent).post("/tickets/new/", data)
    assert Ticket.objects.get().status == Status.NEW


def test_bad_phone_is_shown_at_the_field_and_nothing_is_saved(org, as_user):
    response = as_user(org.agent).post("/tickets/new/", form_data(customer_phone="12"))
    html = response.content.decode()
    assert response.status_code == 400
    assert "12 不是有效的电话号码。" in html
    assert "field has-error" in html
    assert Ticket.objects.count() == 0
    assert Customer.objects.count() == 0
    # The form keeps the input.
    assert "昨天在三楼家电区买的电饭煲" in html
    assert 'value="李先生"' in html


def test_missing_content_is_shown_at_the_content_field(org, as_user):
    response = as_user(org.agent).post("/tickets/new/", form_data(content="   "))
    form = response.context["form"]
    assert response.status_code == 400
    assert form.errors["content"] == ["请记录客户的原话。"]
    assert Ticket.objects.count() == 0


def test_category_of_another_type_is_refused_at_the_category_field(org, as_user):
    consultation = CategoryFactory(ticket_type="consultation", name="营业时间")
    response = as_user(org.agent).post("/tickets/new/", form_data(category=consultation.pk))
    assert response.status_code == 400
    assert "category" in response.context["form"].errors
    assert Ticket.objects.count() == 0


def test_a_refused_attachment_saves_nothing_at_all(org, as_user):
    bad = SimpleUploadedFile("virus.exe", b"MZ...", content_type="application/x-msdownload")
    response = as_user(org.agent).post("/tickets/new/", {**form_data(), "attachments": [bad]})
    assert response.status_code == 400
    assert "attachments" in response.context["form"].errors
    assert Ticket.objects.count() == 0
    assert Customer.objects.count() == 0
    assert Attachment.objects.count() == 0


def test_attachments_are_stored_and_downloaded_only_by_those_who_may_see(org, as_user):
    photo = SimpleUploadedFile("receipt.png", b"\x89PNG fake", content_type="image/png")
    as_user(org.agent).post("/tickets/new/", {**form_data(), "attachments": [photo]})
    ticket = Ticket.objects.get()
    attachment = ticket.attachments.get()
    url = f"/tickets/{ticket.number}/attachments/{attachment.pk}/"
    response = as_user(org.agent).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"\x89PNG fake"
    assert "attachment" in response["Content-Disposition"]
    assert as_user(org.other_agent).get(url).status_code == 404
    assert as_user(org.logistics_staff).get(url).status_code == 404


def test_category_options_follow_the_type(org, as_user):
    CategoryFactory(ticket_type="complaint", name="服务态度")
    CategoryFactory(ticket_type="consultation", name="营业时间")
    html = as_user(org.agent).get("/tickets/new/categories/?ticket_type=consultation").content.decode()
    assert "营业时间" in html and "服务态度" not in html


def test_phone_lookup_shows_the_customer_card_and_history(org, as_user):
    customer = CustomerFactory(name="王阿姨", phone="13800138000")
    earlier = make_ticket(org, customer_phone="13800138000", customer_name="王阿姨")
    assert earlier.customer == customer
    html = (
        as_user(org.agent)
        .get("/tickets/new/customer/", {"customer_phone": "+86 138-0013-8000"})
        .content.decode()
    )
    assert "王阿姨" in html
    assert earlier.number in html


def test_phone_lookup_of_an_unknown_number_says_a_record_will_be_made(org, as_user):
    html = (
        as_user(org.agent).get("/tickets/new/customer/", {"customer_phone": "13712345678"}).content.decode()
    )
    assert "将新建客户档案" in html


def test_capture_page_offers_htmx_lookups(org, as_user):
    html = as_user(org.agent).get("/tickets/new/").content.decode()
    assert 'hx-get="/tickets/new/customer/"' in html
    assert 'hx-get="/tickets/new/categories/"' in html
    assert re.search(r'<input type="checkbox" name="accept"[^>]* checked', html), (
        "accept now is checked by default"
    )
