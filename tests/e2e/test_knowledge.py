"""Knowledge tools in a real Chromium against a live server: the phrase check stops a forbidden phrase
with its standard alternative, a script goes in with its variables filled, an article is found by a
two-character word.

Playwright's sync API runs an event loop in the test's thread; Django would take that for async code
and refuse ORM calls, hence DJANGO_ALLOW_ASYNC_UNSAFE for this module.
"""

import os

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from playwright.sync_api import expect, sync_playwright  # noqa: E402

from kefu.core.calendars import clear_calendar_cache  # noqa: E402
from kefu.knowledge import phrases, services  # noqa: E402
from kefu.tickets.models import Message  # noqa: E402
from kefu.tickets.services import ticket_create  # noqa: E402
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
    from django.core.cache import cache

    from kefu.knowledge import cache as knowledge_cache

    clear_calendar_cache()
    cache.clear()
    knowledge_cache._memo.clear()
    yield build_org()
    clear_calendar_cache()
    cache.clear()
    knowledge_cache._memo.clear()


@pytest.fixture
def agent_page(browser, live_server, org):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "agent")
    page.fill("input[name=password]", PASSWORD)
    page.click("form.stack button[type=submit]")
    page.wait_for_load_state()
    expect(page.locator(".who-name")).to_be_visible()
    yield page
    context.close()


def test_agent_is_warned_inserts_a_script_and_finds_an_article(agent_page, live_server, org):
    page = agent_page
    phrases.phrase_rule_save(
        phrase="不知道", alternative="这个问题我帮您确认一下，稍后答复您", by=org.manager
    )
    services.script_create(title="致歉承诺", text="{customer_name}您好，工单{ticket_no}我们会尽快处理。",
                           by=org.manager)  # fmt: skip
    services.article_create(
        title="售后政策", body_html="<p>顾客申请退款后三个工作日内到账</p>", by=org.manager
    )
    ticket = ticket_create(by=org.agent, ticket_type="complaint", channel="email", content="快递三天没有送到",
                           customer_name="张女士", customer_email="zhang@example.com").ticket  # fmt: skip

    page.goto(f"{live_server.url}/tickets/{ticket.number}/")
    reply = page.locator("form.reply-form textarea[name=body_text]")
    reply.fill("这个我也不知道")
    warnings = page.locator(".kb-warnings")
    expect(warnings).to_contain_text("不知道")
    expect(warnings).to_contain_text("这个问题我帮您确认一下，稍后答复您")
    page.click("form.reply-form button.btn-primary")  # the first click is stopped
    expect(page.locator(".kb-send-anyway")).to_be_visible()
    assert not Message.objects.filter(ticket=ticket).exists()

    reply.fill("")
    page.select_option(".kb-script-select", label="致歉承诺")
    page.click(".kb-insert-script")
    expect(reply).to_have_value(f"张女士您好，工单{ticket.number}我们会尽快处理。")
    expect(warnings).to_be_hidden()

    page.goto(f"{live_server.url}/knowledge/")
    page.fill("input[name=q]", "退款")
    page.press("input[name=q]", "Enter")
    expect(page.locator(".kb-results .kb-title")).to_have_text(["售后政策"])
    expect(page.locator(".kb-results mark").first).to_have_text("退款")


from tests.e2e.test_chat import asgi_server, contexts, sign_in  # noqa: E402, F401 (fixtures)


def test_in_the_chat_console_a_forbidden_phrase_is_held_back_and_a_script_goes_in_filled(
    org,
    asgi_server,  # noqa: F811 (the fixture imported above)
    contexts,  # noqa: F811
):
    from kefu.intake.chat.demo import chat_demo_load
    from kefu.intake.chat.models import ChatLine

    chat_demo_load()
    phrases.phrase_rule_save(phrase="我也没办法", alternative="我来帮您想办法", by=org.manager)
    services.script_create(
        title="确认工单", text="{customer_name}，您的工单号是{ticket_no}。", by=org.manager
    )
    base = asgi_server
    agent = contexts()
    sign_in(agent, base, "agent")
    agent.goto(f"{base}/chat/console/")
    expect(agent.locator("#chat-console")).to_have_attribute("data-connected", "1")
    agent.click(".status-btn[data-status=online]")
    customer = contexts()
    customer.goto(f"{base}/chat/demo/")
    customer.click(".kefu-chat-launcher")
    customer.fill(".kefu-chat-prechat input[name=name]", "张女士")
    customer.fill(".kefu-chat-prechat input[name=phone]", "13800138000")
    customer.click(".kefu-chat-prechat button[type=submit]")
    agent.locator("#chat-offers li", has_text="张女士").locator(".offer-accept").click()
    pane = agent.locator(".chat-pane:not([hidden])")
    expect(pane.locator(".ticket-link")).to_contain_text("工单")

    reply = pane.locator(".chat-send textarea")
    reply.fill("这个我也没办法")
    reply.press("Enter")
    warning = pane.locator(".kb-chat-warnings")
    expect(warning).to_contain_text("我来帮您想办法")
    expect(warning.locator(".kb-send-anyway")).to_be_visible()
    assert not ChatLine.objects.filter(text__contains="没办法").exists()

    reply.fill("")
    reply.focus()
    agent.select_option(".kb-chat-tools .kb-script-select", label="确认工单")
    agent.click(".kb-chat-tools .kb-insert-script")
    number = pane.locator(".ticket-link").get_attribute("href").rstrip("/").rsplit("/", 1)[1]
    expect(reply).to_have_value(f"张女士，您的工单号是{number}。")
    reply.press("Enter")
    expect(customer.locator(".kefu-chat-lines")).to_contain_text(f"您的工单号是{number}")
