"""An English reader's work-order page in a real Chromium: the system's own words on the timeline are
English (the customer's words and people's names stay as they were written); a Chinese reader's are Chinese.

Playwright's sync API runs an event loop in the test's thread; Django would take that for async code
and refuse ORM calls, hence DJANGO_ALLOW_ASYNC_UNSAFE for this module.
"""

import os
import re
from datetime import timedelta

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from django.utils import timezone  # noqa: E402
from playwright.sync_api import expect, sync_playwright  # noqa: E402

from kefu.accounts.models import Department, User  # noqa: E402
from kefu.callbacks.models import Score  # noqa: E402
from kefu.callbacks.services import satisfaction_record  # noqa: E402
from kefu.core.calendars import clear_calendar_cache  # noqa: E402
from kefu.tickets.services import sla_sweep, ticket_create, ticket_escalate_manually, ticket_transition  # noqa: E402
from tests.org import build_org  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "pass12345"  # tests.factories.UserFactory
CHINESE = re.compile(r"[\u4e00-\u9fff]")
#: Kefu's English labels carry the service center's term after them, “New (新建)”, “First response
#: (首次响应)” (docs/glossary.md; tests/web/test_i18n.py): a glossary term, not a Chinese sentence.
GLOSSARY_TERM = re.compile(r" \([\u4e00-\u9fff]+\)")


@pytest.fixture(scope="module")
def browser(chromium_launch_options):
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**chromium_launch_options)
        yield browser
        browser.close()


@pytest.fixture
def org(transactional_db):
    clear_calendar_cache()
    yield build_org()
    clear_calendar_cache()


def signed_in(browser, live_server, username: str, locale: str):
    context = browser.new_context(locale=locale, viewport={"width": 1366, "height": 900})
    context.set_default_timeout(30_000)  # the ticket page under a loaded machine
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.stack button[type=submit]")
    page.wait_for_load_state()
    expect(page.locator(".who-name")).to_be_visible()
    return context, page


def complaint(org, now, **fields):
    values = {
        "ticket_type": "complaint",
        "channel": "phone",
        "content": "快递三天没有送到，客服电话也打不通",
        "customer_name": "张女士",
        "customer_phone": "13800138000",
    }
    return ticket_create(by=org.agent, now=now, **{**values, **fields}).ticket


@pytest.fixture
def system_events(org):
    """Two work orders whose timelines hold every kind of system sentence: a complaint about a person
    (escalated at once), a missed first response (breach and escalation), a "not satisfied" verdict
    (the verdict, the reopen, the escalation) and a manual escalation."""
    now = timezone.now()
    start = now - timedelta(days=3)
    about_person = complaint(org, start, subject_person_id=org.other_agent.pk)
    sla_sweep(now=now)
    unhappy = complaint(org, start)
    for action, note in (("accept", ""), ("start", ""), ("resolve", "已为顾客补发")):
        reply = "已为您补发商品，请注意查收。" if action == "resolve" else ""
        unhappy = ticket_transition(
            ticket=unhappy, action=action, by=org.agent, note=note, customer_reply=reply, now=start
        )
    satisfaction_record(
        ticket=unhappy, score=Score.DISSATISFIED, source="callback", by=None, comment="还是没送到", now=start
    )
    ticket_escalate_manually(ticket=unhappy, by=org.agent, note="顾客坚持要经理处理")
    return [about_person.number, unhappy.number]


def system_words(page) -> list[str]:
    """What the system itself says on the timeline: event kinds, status moves, its sentences, and the
    actor of events nobody performed. People's and departments' names are data and taken out."""
    names = [u.label for u in User.objects.all()] + list(Department.objects.values_list("name", flat=True))
    texts = []
    for item in page.locator("ol.timeline > li.ev").all():
        for selector in (".ev-kind", ".ev-move", ".ev-text"):
            for part in item.locator(selector).all_inner_texts():
                for name in sorted(names, key=len, reverse=True):
                    part = part.replace(name, "")
                texts.append(GLOSSARY_TERM.sub("", part))
    return texts


def test_an_english_readers_timeline_has_no_chinese_system_sentence(org, system_events, browser, live_server):
    context, page = signed_in(browser, live_server, "supervisor", "en-US")
    try:
        seen = []
        for number in system_events:
            page.goto(f"{live_server.url}/tickets/{number}/")
            expect(page.locator("ol.timeline .ev-text").first).to_be_visible()
            words = system_words(page)
            assert [w for w in words if CHINESE.search(w)] == [], number
            seen += page.locator("ol.timeline .ev-text").all_inner_texts()
        joined = "\n".join(seen)
        for sentence in (
            f"Complaint about {org.other_agent.label}: sent to their superior",
            "First response (首次响应) deadline missed",
            "Customer's verdict (Callback): Dissatisfied",
            "The customer is not satisfied (Callback)",
            "Customer not satisfied (Callback)",
            f"Raised by hand by {org.agent.label}",
        ):
            assert sentence in joined
        # the customer's own words are still shown as they said them
        expect(page.locator("ol.timeline .ev-note", has_text="还是没送到").first).to_be_visible()
    finally:
        context.close()


def test_a_chinese_reader_sees_the_same_events_in_chinese(org, system_events, browser, live_server):
    context, page = signed_in(browser, live_server, "supervisor", "zh-CN")
    try:
        page.goto(f"{live_server.url}/tickets/{system_events[0]}/")
        texts = "\n".join(page.locator("ol.timeline .ev-text").all_inner_texts())
        assert f"投诉 {org.other_agent.label}：转交其上级处理" in texts
        assert "首次响应已超过时限" in texts
    finally:
        context.close()
