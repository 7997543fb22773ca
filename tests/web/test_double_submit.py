"""A form posted twice (a double click, Back and Save again) records one work order: the capture page
and the portal carry a one-time token, and its second post leads to the first work order."""

import re

from django.test import Client

from kefu.tickets.models import Ticket
from tests.intake.portal.test_portal import form as portal_form
from tests.web.test_capture import form_data


def token_of(html: str) -> str:
    found = re.search(r'name="form_token" value="([0-9a-f]{32})"', html)
    assert found, "the form carries no one-time token"
    return found.group(1)


def test_the_capture_form_posted_twice_records_once_and_leads_to_the_first(org, as_user):
    client = as_user(org.agent)
    token = token_of(client.get("/tickets/new/").content.decode())
    assert token != token_of(client.get("/tickets/new/").content.decode())  # new each time it is shown

    first = client.post("/tickets/new/", {**form_data(), "form_token": token})
    again = client.post("/tickets/new/", {**form_data(), "form_token": token}, follow=True)
    ticket = Ticket.objects.get()
    assert first.status_code == 302 and first.url == f"/tickets/{ticket.number}/"
    assert again.redirect_chain[-1][0] == f"/tickets/{ticket.number}/"
    assert f"此表单已提交过：工单 {ticket.number}。" in again.content.decode()

    new_form = token_of(client.get("/tickets/new/").content.decode())
    client.post("/tickets/new/", {**form_data(), "form_token": new_form, "save_anyway": "on"})
    assert Ticket.objects.count() == 2  # a new form is a new work order (saved past the duplicate warning)


def test_a_refused_post_keeps_its_token_and_the_corrected_post_records_once(org, as_user):
    client = as_user(org.agent)
    token = token_of(client.get("/tickets/new/").content.decode())
    refused = client.post("/tickets/new/", {**form_data(customer_phone="12345"), "form_token": token})
    assert refused.status_code == 400 and token_of(refused.content.decode()) == token
    for _ in range(2):
        client.post("/tickets/new/", {**form_data(), "form_token": token})
    assert Ticket.objects.count() == 1


def test_the_portal_form_sent_twice_records_once_and_shows_the_same_receipt(org):
    client = Client()
    token = token_of(client.get("/portal/").content.decode())
    first = client.post("/portal/", {**portal_form(), "form_token": token})
    again = client.post("/portal/", {**portal_form(), "form_token": token})
    assert first.status_code == again.status_code == 302
    assert again.url == first.url
    assert Ticket.objects.count() == 1
