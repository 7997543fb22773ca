"""A newcomer's first look at the demo, in a real Chromium against a live server: without configuring
anything, the agent finds callbacks to make and is warned when typing 我不知道 in a reply; the
supervisor finds satisfaction figures and the imported calls.

DJANGO_ALLOW_ASYNC_UNSAFE: see tests/e2e/test_workspace_flows.py.
"""

import os

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from playwright.sync_api import expect, sync_playwright  # noqa: E402

from kefu.core.calendars import clear_calendar_cache  # noqa: E402
from kefu.demo.data import DEMO_PASSWORD, load_demo  # noqa: E402
from kefu.tickets.models import OPEN_STATUSES, Ticket  # noqa: E402
from tests.e2e.support import in_thread  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def browser(chromium_launch_options):
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**chromium_launch_options)
        yield browser
        browser.close()


@pytest.fixture
def demo(transactional_db):
    from django.core.cache import cache

    from kefu.knowledge import cache as knowledge_cache

    clear_calendar_cache()
    cache.clear()
    knowledge_cache._memo.clear()
    yield in_thread(lambda: load_demo(tickets=60))
    clear_calendar_cache()
    cache.clear()
    knowledge_cache._memo.clear()


def signed_in(browser, live_server, username: str):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    context.set_default_timeout(30_000)  # a busy machine loads the demo's pages slowly
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("form.stack button[type=submit]")
    page.wait_for_load_state()
    expect(page.locator(".who-name")).to_be_visible()
    return context, page


def test_a_newcomer_finds_callbacks_phrase_warnings_satisfaction_and_calls(browser, live_server, demo):
    context, page = signed_in(browser, live_server, "agent")
    page.goto(f"{live_server.url}/callbacks/")
    expect(page.locator("#callback-queue tbody a[href^='/callbacks/tasks/']").first).to_be_visible()

    # Any open work order of the agent's group: every agent of the group may answer it.
    open_one = Ticket.objects.filter(group__members__username="agent", status__in=OPEN_STATUSES).first()
    page.goto(f"{live_server.url}/tickets/{open_one.number}/")
    page.locator("form.reply-form textarea[name=body_text]").fill("这个我不知道，你问别人吧")
    warnings = page.locator(".kb-warnings")
    expect(warnings).to_contain_text("我不知道")
    expect(warnings).to_contain_text("请您稍等，我马上为您查询")
    context.close()

    context, page = signed_in(browser, live_server, "supervisor")
    page.goto(f"{live_server.url}/callbacks/measures/")
    expect(page.locator("section.card tbody tr td").first).not_to_have_text("—")
    page.goto(f"{live_server.url}/calls/import/")
    expect(page.locator("table").last).to_contain_text("热线话单")
    context.close()
