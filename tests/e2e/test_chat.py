"""Live chat in two real Chromium contexts: a customer on the demo page, an agent in the chat console.

pytest-django's live_server speaks WSGI only; the chat needs websockets, so uvicorn serves
kefu.asgi:application from a thread of this process: it shares the test database and the in-memory
channel layer. Playwright's sync API runs an event loop in the test's thread, hence DJANGO_ALLOW_ASYNC_UNSAFE.
"""

import os
import re

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from playwright.sync_api import expect, sync_playwright  # noqa: E402

from kefu.callbacks.models import Satisfaction  # noqa: E402
from kefu.core.calendars import clear_calendar_cache  # noqa: E402
from kefu.intake.chat.demo import chat_demo_load  # noqa: E402
from kefu.intake.chat.models import ChatSession  # noqa: E402
from tests.e2e.support import asgi_served  # noqa: E402
from tests.org import build_org  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "pass12345"  # tests.factories.UserFactory
SCREENSHOTS = os.environ.get("KEFU_E2E_SCREENSHOTS", "")


@pytest.fixture(scope="module")
def browser(chromium_launch_options):
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**chromium_launch_options)
        yield browser
        browser.close()


@pytest.fixture
def org(transactional_db):
    clear_calendar_cache()
    org = build_org()
    chat_demo_load()
    yield org
    clear_calendar_cache()


@pytest.fixture
def asgi_server(transactional_db):
    with asgi_served() as base:
        yield base


@pytest.fixture
def contexts(browser):
    opened = []

    def new(**kwargs):
        context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900}, **kwargs)
        context.set_default_timeout(15_000)
        opened.append(context)
        return context.new_page()

    yield new
    for context in opened:
        context.close()


def shoot(page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, name), full_page=True)


def sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.stack button[type=submit]")
    page.wait_for_load_state()
    expect(page.locator(".who-name")).to_be_visible()


def test_customer_and_agent_chat_and_the_transcript_lands_on_the_work_order(org, asgi_server, contexts):
    base = asgi_server
    agent = contexts()
    sign_in(agent, base, "agent")
    agent.click("nav a[href='/chat/console/']")
    expect(agent.locator("#chat-console")).to_have_attribute("data-connected", "1")
    agent.click(".status-btn[data-status=online]")
    expect(agent.locator(".status-btn.current")).to_have_attribute("data-status", "online")

    customer = contexts()
    customer.goto(f"{base}/chat/demo/")
    customer.click(".kefu-chat-launcher")
    customer.fill(".kefu-chat-prechat input[name=name]", "张女士")
    customer.fill(".kefu-chat-prechat input[name=phone]", "13800138000")
    customer.click(".kefu-chat-prechat button[type=submit]")
    lines = customer.locator(".kefu-chat-lines")
    expect(lines).to_contain_text("您好，欢迎咨询，正在为您接入客服", timeout=3_000)

    # The offer reaches the agent, who accepts: a tab opens, the customer is told who serves them.
    offer = agent.locator("#chat-offers li", has_text="张女士")
    offer.locator(".offer-accept").click()
    expect(agent.locator(".chat-tab.current")).to_contain_text("张女士")
    expect(lines).to_contain_text("为您服务")
    pane = agent.locator(".chat-pane:not([hidden])")
    expect(pane.locator(".ticket-link")).to_contain_text("工单")

    # Customer types: the agent sees the typing indicator, then the line.
    compose = customer.locator(".kefu-chat-compose textarea")
    compose.press_sequentially("快递三天没到")
    expect(pane.locator(".chat-typing")).to_be_visible()
    compose.press("Enter")
    expect(pane.locator(".chat-lines")).to_contain_text("快递三天没到")
    expect(pane.locator(".chat-typing")).to_be_hidden()

    # The agent inserts a standard phrase and types; the customer sees typing, then the answer.
    agent.locator("#chat-phrases .phrase", has_text="请稍等，我马上为您查询").click()
    reply = pane.locator(".chat-send textarea")
    expect(reply).to_have_value("请稍等，我马上为您查询。")
    reply.press_sequentially("单号是多少？")
    expect(customer.locator(".kefu-chat-typing")).to_be_visible()
    reply.press("Enter")
    expect(lines).to_contain_text("请稍等，我马上为您查询。单号是多少？")
    expect(pane.locator(".frt")).to_contain_text(re.compile(r"首次响应：\d+ 秒"))
    shoot(customer, "kefu-chat-widget.png")
    shoot(agent, "kefu-chat-console.png")

    # The agent ends the chat; both sides see it ended.
    pane.locator(".end-chat").click()
    expect(lines).to_contain_text("对话已结束")
    expect(agent.locator(".chat-tab.current")).to_contain_text("已结束")

    # The satisfaction survey is the last thing in the customer's window: a rating is required,
    # one answer is taken, then thanks.
    survey = customer.locator(".kefu-chat-survey")
    expect(survey).to_contain_text("您对本次对话满意吗")
    survey.locator(".send-survey").click()
    expect(survey.locator(".error")).to_contain_text("请选择一项评价")
    survey.get_by_role("button", name="基本满意", exact=True).click()
    survey.locator("textarea").fill("回复很快，但希望能主动告知进度")
    survey.locator(".send-survey").click()
    expect(survey.locator(".thanks")).to_contain_text("感谢您的评价")
    expect(survey.locator(".send-survey")).to_be_hidden()
    satisfaction = Satisfaction.objects.get()
    assert (satisfaction.source, satisfaction.score) == ("chat", "fairly")
    assert satisfaction.comment == "回复很快，但希望能主动告知进度"

    # The transcript is on the work order.
    session = ChatSession.objects.get()
    assert session.state == ChatSession.State.ENDED and session.first_response_seconds is not None
    agent.goto(f"{base}/tickets/{session.ticket.number}/")
    conversation = agent.locator("#conversation")
    expect(conversation).to_contain_text("快递三天没到")
    expect(conversation).to_contain_text("单号是多少？")
    expect(conversation).to_contain_text("对话已结束")


def test_with_no_agent_online_the_customer_leaves_a_message_and_sees_its_number(org, asgi_server, contexts):
    customer = contexts()
    customer.goto(f"{asgi_server}/chat/demo/?lang=en")
    customer.click(".kefu-chat-launcher")
    customer.fill(".kefu-chat-prechat input[name=name]", "Ms Wang")
    customer.click(".kefu-chat-prechat button[type=submit]")
    leave = customer.locator(".kefu-chat-leave")
    expect(leave).to_be_visible()
    leave.locator("textarea").fill("Please call me about my membership points.")
    leave.locator("input[name=phone]").fill("13900139000")
    leave.locator("button[type=submit]").click()
    expect(customer.locator(".kefu-chat-ticket")).to_contain_text(
        re.compile(r"Work order: [A-Z]{2}-\d{8}-\d{4}")
    )
    session = ChatSession.objects.get()
    assert session.ticket.customer_phone == "13900139000"
    expect(customer.locator(".kefu-chat-ticket")).to_contain_text(session.ticket.number)
