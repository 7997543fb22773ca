"""The phone screen pop in a real Chromium against a real ASGI server (uvicorn, websockets on).

pytest-django's live_server speaks WSGI only, so this module serves kefu.asgi with uvicorn on a
thread; the PBX's ring goes to that server over HTTP, and the pop reaches the page over its websocket.
See test_workspace_flows.py for DJANGO_ALLOW_ASYNC_UNSAFE.
"""

import os
import time

import httpx
import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from playwright.sync_api import expect, sync_playwright  # noqa: E402

from kefu.callcenter.models import AgentLine, CallRecord  # noqa: E402
from kefu.core.calendars import clear_calendar_cache  # noqa: E402
from kefu.tickets.services import ticket_create  # noqa: E402
from tests.e2e.support import asgi_served  # noqa: E402
from tests.factories import CustomerFactory  # noqa: E402
from tests.org import build_org  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "pass12345"  # tests.factories.UserFactory
SECRET = "e2e-cti-secret"
SCREENSHOTS = os.environ.get("KEFU_E2E_SCREENSHOTS", "")


@pytest.fixture
def asgi_server(transactional_db, settings):
    settings.KEFU_CTI_TOKEN = SECRET
    with asgi_served() as base:
        yield base


@pytest.fixture
def org(transactional_db):
    clear_calendar_cache()
    yield build_org()
    clear_calendar_cache()


def test_ring_pops_the_callers_card_and_its_button_opens_a_prefilled_work_order(
    org, asgi_server, chromium_launch_options
):
    AgentLine.objects.create(user=org.agent, extension="8001")
    CustomerFactory(name="王先生", tier_id="A", phone="13800138000")
    open_ticket = ticket_create(
        by=org.agent,
        ticket_type="complaint",
        channel="phone",
        content="空调坏了",
        customer_phone="13800138000",
    ).ticket
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**chromium_launch_options)
        context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
        context.set_default_timeout(15_000)
        page = context.new_page()
        opened = []
        page.on("websocket", lambda ws: opened.append(ws))
        page.goto(f"{asgi_server}/login/")
        page.fill("input[name=username]", "agent")
        page.fill("input[name=password]", PASSWORD)
        page.click("form.stack button[type=submit]")
        expect(page.locator(".who-name")).to_be_visible()
        deadline = time.monotonic() + 10
        while not opened:  # the page's notification socket is open before the phone rings
            assert time.monotonic() < deadline, "the page opened no websocket"
            page.wait_for_timeout(100)
        page.wait_for_timeout(300)

        response = httpx.post(
            f"{asgi_server}/api/telephony/events",
            headers={"X-Kefu-CTI-Token": SECRET},
            json={"event": "ring", "call_id": "e2e-1", "caller": "138 0013 8000", "agent": "8001"},
        )
        assert response.status_code == 200, response.text

        pop = page.locator(".screen-pop")
        expect(pop).to_be_visible()
        expect(pop.locator(".sp-name")).to_have_text("王先生")
        expect(pop.locator(".sp-ticket")).to_have_text(open_ticket.number)
        if SCREENSHOTS:
            page.screenshot(path=os.path.join(SCREENSHOTS, "screen-pop.png"))
        pop.locator(".sp-new").click()
        page.wait_for_url("**/tickets/new/?phone=13800138000")
        expect(page.locator("#id_customer_phone")).to_have_value("13800138000")

        page.select_option("#id_channel", "phone")
        page.select_option("#id_ticket_type", "consultation")
        page.fill("#id_content", "来电咨询发票")
        page.click("form.capture-form button.btn-primary")
        page.wait_for_url("**/tickets/*-*/")
        expect(page.locator("#ticket-calls")).to_contain_text("13800138000")
        context.close()
        browser.close()
    assert CallRecord.objects.get().ticket.content == "来电咨询发票"
