"""The Content-Security-Policy in a real Chromium: the pages (and the chat widget on the demo site)
work without a single violation, so nothing of Kefu relies on inline code.

DJANGO_ALLOW_ASYNC_UNSAFE: Playwright's sync API runs an event loop in the test's thread.
"""

import os

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from playwright.sync_api import expect, sync_playwright  # noqa: E402

from kefu.core.calendars import clear_calendar_cache  # noqa: E402
from tests.org import build_org  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "pass12345"  # tests.factories.UserFactory
PAGES = [
    "/",
    "/tickets/new/",
    "/board/",
    "/chat/console/",
    "/org/",
    "/knowledge/",
    "/knowledge/phrases/",
    "/callbacks/",
    "/admin/",
    "/api/docs",
    "/portal/",
    "/portal/track/",
]


@pytest.fixture
def org(transactional_db):
    clear_calendar_cache()
    yield build_org()
    clear_calendar_cache()


def watch(page) -> list[str]:
    """Every CSP violation the page reports, as the console tells it."""
    seen: list[str] = []
    page.on("console", lambda msg: seen.append(msg.text) if "Content Security Policy" in msg.text else None)
    return seen


def test_pages_run_without_a_policy_violation(org, live_server, chromium_launch_options):
    org.manager.is_staff = org.manager.is_superuser = True
    org.manager.save(update_fields=["is_staff", "is_superuser"])
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**chromium_launch_options)
        page = browser.new_context(locale="zh-CN").new_page()
        violations = watch(page)
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", org.manager.username)
        page.fill("input[name=password]", PASSWORD)
        page.click("form.stack button[type=submit]")
        expect(page.locator(".who-name")).to_be_visible()
        for path in PAGES:
            response = page.goto(f"{live_server.url}{path}")
            page.wait_for_load_state("networkidle")
            assert response.status < 400, path

        browser.close()

    assert violations == []


def test_the_chat_widget_draws_itself_under_a_strict_policy(org, live_server, chromium_launch_options):
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**chromium_launch_options)
        page = browser.new_context(locale="zh-CN").new_page()
        violations = watch(page)
        page.goto(f"{live_server.url}/chat/demo/")
        launcher = page.locator("#kefu-chat .kefu-chat-launcher")
        expect(launcher).to_be_visible()
        # Its styles applied: the launcher is fixed at the bottom right, not in the page's flow.
        assert launcher.evaluate("el => getComputedStyle(el).position") == "fixed"
        browser.close()

    assert violations == []
