"""The capture page shows likely duplicates before saving (tickets/duplicates.py); the agent may save anyway."""

from kefu.tickets.models import Ticket
from tests.web.conftest import make_ticket
from tests.web.test_capture import form_data

RICE_COOKER = "昨天在三楼家电区买的电饭煲，插上电就跳闸。"


def test_a_likely_duplicate_is_shown_before_saving_and_can_be_saved_anyway(org, as_user):
    first = make_ticket(org, content=RICE_COOKER, customer_phone="13900001111")
    client = as_user(org.agent)
    data = form_data(customer_phone="139 0000 1111", content="电饭煲插电就跳闸，想换新", form_token="a" * 32)

    shown = client.post("/tickets/new/", data)
    html = shown.content.decode()
    assert shown.status_code == 200
    assert f'href="/tickets/{first.number}/"' in html and "可能已登记" in html
    assert 'name="save_anyway" value="on"' in html
    assert Ticket.objects.count() == 1  # nothing saved yet

    saved = client.post("/tickets/new/", {**data, "save_anyway": "on"})
    assert saved.status_code == 302
    assert Ticket.objects.count() == 2


def test_another_matter_from_the_same_number_is_saved_at_once(org, as_user):
    make_ticket(org, content=RICE_COOKER, customer_phone="13900001111")
    response = as_user(org.agent).post(
        "/tickets/new/", form_data(customer_phone="13900001111", content="会员卡积分一直没有到账")
    )
    assert response.status_code == 302
    assert Ticket.objects.count() == 2


def test_the_check_endpoint_lists_likely_duplicates_as_the_agent_types(org, as_user):
    first = make_ticket(org, content=RICE_COOKER, customer_phone="13900001111")
    client = as_user(org.agent)
    url = "/tickets/new/duplicates/"
    found = client.get(url, {"customer_phone": "13900001111", "content": "电饭煲跳闸"}).content.decode()
    assert first.number in found
    none = client.get(url, {"customer_phone": "13900001111", "content": "停车场收费不对"}).content.decode()
    assert first.number not in none
    assert as_user(org.logistics_staff).get(url).status_code in (302, 403)
