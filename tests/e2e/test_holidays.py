"""Next year's holidays in a real Chromium, on 20 December 2026 (the server's clock moved there): a
manager sees the banner on every page, follows it to the prefilled form, adds the make-up day and
saves; the banner is gone and 1 January 2027 is no longer a working day. English too.

DJANGO_ALLOW_ASYNC_UNSAFE: see tests/e2e/test_workspace_flows.py.
"""

import os
from datetime import date

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import time_machine  # noqa: E402
from playwright.sync_api import expect, sync_playwright  # noqa: E402

from kefu.core.calendars import clear_calendar_cache, load_calendar  # noqa: E402
from tests.factories import aware  # noqa: E402
from tests.org import build_org  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "pass12345"  # tests.factories.UserFactory


@pytest.fixture(scope="module")
def browser(chromium_launch_options):
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**chromium_launch_options)
        yield browser
        browser.close()


@pytest.fixture
def org(transactional_db):
    clear_calendar_cache()
    with time_machine.travel(aware(2026, 12, 20, 10, 0), tick=True):
        yield build_org()
    clear_calendar_cache()


def sign_in(browser, live_server, username: str, locale: str):
    context = browser.new_context(locale=locale, viewport={"width": 1366, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.stack button[type=submit]")
    expect(page.locator(".who-name")).to_be_visible()
    return context, page


def test_a_manager_enters_next_years_holidays_from_the_banner(browser, live_server, org):
    context, page = sign_in(browser, live_server, "manager", "zh-CN")
    banner = page.locator(".holiday-banner")
    expect(banner).to_contain_text("2027 年的法定节假日尚未录入")
    banner.get_by_role("link").click()

    expect(page.locator("h1")).to_contain_text("2027 年法定节假日")
    spring = page.locator("input[name$='-name'][value='春节']")
    expect(spring).to_have_count(1)
    row = spring.locator("xpath=ancestor::tr")
    expect(row.locator("input[name$='-start']")).to_have_value("2027-02-05")
    page.fill("input[name='holidays-0-end']", "2027-01-03")
    page.fill("input[name='workdays-0-date']", "2027-02-20")
    page.fill("input[name='workdays-0-name']", "春节")
    page.get_by_role("button", name="保存节假日").click()

    expect(page.locator(".msg-success")).to_contain_text("2027 年节假日已保存")
    expect(page.locator(".holiday-banner")).to_have_count(0)
    clear_calendar_cache()
    calendar = load_calendar()
    assert not calendar.is_working_day(date(2027, 1, 1))
    assert not calendar.is_working_day(date(2027, 2, 8))
    assert calendar.is_working_day(date(2027, 2, 20))
    context.close()


def test_the_banner_speaks_english_and_agents_never_see_it(browser, live_server, org):
    context, page = sign_in(browser, live_server, "manager", "en-US")
    page.locator("form.lang button[value=en]").click()
    expect(page.locator(".holiday-banner")).to_contain_text("The statutory holidays of 2027 are not entered")
    context.close()
    context, page = sign_in(browser, live_server, "agent", "zh-CN")
    expect(page.locator(".holiday-banner")).to_have_count(0)
    context.close()
