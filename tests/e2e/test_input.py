"""Bad input in a real Chromium: the likely-duplicate warning as the agent types and before saving, and
the same capture form sent twice recording one work order."""

import os
import re

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from playwright.sync_api import expect  # noqa: E402

from kefu.tickets.models import Ticket  # noqa: E402
from kefu.tickets.services import ticket_create  # noqa: E402
from tests.e2e import test_workspace_flows as flows  # noqa: E402

# The workspace walks' fixtures: a Chromium, the small organisation, signed-in pages.
browser, org, sign_in = flows.browser, flows.org, flows.sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

RICE_COOKER = "昨天在三楼家电区买的电饭煲，插上电就跳闸。"


def fill_capture(page, live_server, *, phone: str, content: str) -> None:
    page.goto(f"{live_server.url}/tickets/new/")
    page.select_option("#id_ticket_type", "complaint")
    page.fill("#id_customer_phone", phone)
    page.fill("#id_customer_name", "张女士")
    page.fill("#id_content", content)
    page.locator("#id_content").blur()  # a change event, as leaving the field does


def test_a_likely_duplicate_shows_as_the_agent_types_and_again_before_saving(org, sign_in, live_server):
    first = ticket_create(
        by=org.agent,
        ticket_type="complaint",
        channel="phone",
        content=RICE_COOKER,
        customer_phone="13900001111",
    ).ticket
    page = sign_in("agent")
    fill_capture(page, live_server, phone="139 0000 1111", content="电饭煲一插电就跳闸")

    warning = page.get_by_test_id("likely-duplicates")
    expect(warning).to_contain_text("可能已登记")
    expect(warning.get_by_role("link", name=first.number)).to_be_visible()

    page.click("form.capture-form button.btn-primary")
    expect(page.get_by_test_id("likely-duplicates")).to_contain_text("尚未保存")
    assert Ticket.objects.count() == 1
    page.get_by_role("button", name="不是同一件事，仍然登记").click()
    page.wait_for_url(re.compile(r"/tickets/[A-Z]{2}-\d{8}-\d{4}/$"))
    assert Ticket.objects.count() == 2


def test_the_same_form_sent_twice_records_one_work_order(org, sign_in, live_server):
    page = sign_in("agent")
    fill_capture(page, live_server, phone="13900002222", content="停车场出口收费比标价多了五元")
    # The first copy of the form, sent by the page itself (what a double click's first click sends) …
    first = page.evaluate(
        """async () => {
            const form = document.querySelector("form.capture-form");
            const answer = await fetch(location.href, {method: "POST", body: new FormData(form), redirect: "manual"});
            return answer.type;
        }"""
    )
    assert first == "opaqueredirect"  # recorded, and sent on to its work order
    ticket = Ticket.objects.get()
    # … then the same form again, by the button.
    page.click("form.capture-form button.btn-primary")
    page.wait_for_url(re.compile(r"/tickets/[A-Z]{2}-\d{8}-\d{4}/$"))
    assert page.url.endswith(f"/tickets/{ticket.number}/")
    expect(page.locator("body")).to_contain_text(f"此表单已提交过：工单 {ticket.number}。")
    assert Ticket.objects.count() == 1
