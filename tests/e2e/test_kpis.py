"""KPI pages in a real Chromium against a real ASGI server: the dashboard draws its charts with the
ECharts Kefu serves itself (under the Content-Security-Policy), a number opens its records, and the
wallboard changes when the PBX reports a call — over its websocket, without a reload.

pytest-django's live_server speaks WSGI only; as in test_screen_pop.py, uvicorn serves kefu.asgi on a
thread (see test_workspace_flows.py for DJANGO_ALLOW_ASYNC_UNSAFE).
"""

import os
from datetime import timedelta

import httpx
import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from django.utils import timezone  # noqa: E402
from playwright.sync_api import expect, sync_playwright  # noqa: E402

from kefu.callcenter.models import AgentLine, CallRecord, Direction, Outcome  # noqa: E402
from kefu.core.calendars import clear_calendar_cache  # noqa: E402
from tests.e2e.support import asgi_served  # noqa: E402
from tests.org import build_org  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "pass12345"  # tests.factories.UserFactory
SECRET = "e2e-cti-secret"


@pytest.fixture
def asgi_server(transactional_db, settings):
    settings.KEFU_CTI_TOKEN = SECRET
    with asgi_served() as base:
        yield base


@pytest.fixture
def org(transactional_db):
    clear_calendar_cache()
    org = build_org()
    AgentLine.objects.create(user=org.agent, extension="8001")
    now = timezone.now()
    midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    for n in range(6):  # today (the local day, even just after midnight): five answered, one abandoned
        at = midnight + (now - midnight) * (n + 1) / 8
        answered = n != 5
        CallRecord.objects.create(
            source="csv", external_id=f"k{n}", queue="售后", direction=Direction.INBOUND, arrived_at=at,
            answered_at=at + timedelta(seconds=8) if answered else None, ended_at=at + timedelta(minutes=3),
            agent=org.agent if answered else None, outcome=Outcome.ANSWERED if answered else Outcome.ABANDONED,
            wait_seconds=8, talk_seconds=170 if answered else None, created_at=at,
        )  # fmt: skip
    yield org
    clear_calendar_cache()


def signed_in(playwright, options, base):
    browser = playwright.chromium.launch(**options)
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", "supervisor")
    page.fill("input[name=password]", PASSWORD)
    page.click("form.stack button[type=submit]")
    expect(page.locator(".who-name")).to_be_visible()
    return browser, page, errors


def test_the_dashboard_draws_its_charts_and_a_number_opens_its_calls(
    org, asgi_server, chromium_launch_options
):
    with sync_playwright() as playwright:
        browser, page, errors = signed_in(playwright, chromium_launch_options, asgi_server)
        page.goto(f"{asgi_server}/reports/?grain=day&figures=calls_offered&figures=calls_answer_rate")
        # The line chart comes with the page, the heat map panel by htmx once it is shown.
        expect(page.locator(".kpi-chart")).to_have_count(2)
        expect(page.locator("#kpi-heat #kpi-heat-data")).to_have_count(1)
        for chart in page.locator(".kpi-chart").all():
            expect(chart).to_have_attribute("data-drawn", "1")
            expect(chart.locator("canvas")).to_have_count(1)
        assert not [e for e in errors if "Content Security Policy" in e or "echarts" in e.lower()], errors
        tile = page.locator("#kpi-totals .kpi-tile").first
        expect(tile.locator(".stat-n")).to_have_text("6")
        tile.click()
        expect(page.locator("#drill-records tbody tr")).to_have_count(6)
        browser.close()


def test_the_wallboard_shows_a_new_waiting_call_without_a_reload(org, asgi_server, chromium_launch_options):
    with sync_playwright() as playwright:
        browser, page, _errors = signed_in(playwright, chromium_launch_options, asgi_server)
        page.goto(f"{asgi_server}/reports/wallboard/")
        expect(page.locator("#wb-status")).to_have_class("wb-status live")
        waiting = page.locator('[data-field="calls_waiting"]')
        expect(waiting).to_have_text("0")
        response = httpx.post(
            f"{asgi_server}/api/telephony/events",
            headers={"X-Kefu-CTI-Token": SECRET},
            json={"event": "ring", "call_id": "wb-1", "caller": "13800138000", "queue": "售后"},
        )
        assert response.status_code == 200, response.text
        expect(waiting).to_have_text("1")
        expect(page.locator('[data-figure="calls_offered"]')).to_have_text(
            "6"
        )  # a ringing call is not offered yet
        browser.close()


def test_the_driver_page_explains_too_little_data_and_draws_nothing_misleading(
    org, asgi_server, chromium_launch_options
):
    with sync_playwright() as playwright:
        browser, page, errors = signed_in(playwright, chromium_launch_options, asgi_server)
        page.goto(f"{asgi_server}/reports/drivers/")
        expect(page.locator("#drivers-problem")).to_be_visible()  # six calls: too little for a model
        assert not page.locator("#drivers-model").count()
        assert not [e for e in errors if "Content Security Policy" in e], errors
        browser.close()
