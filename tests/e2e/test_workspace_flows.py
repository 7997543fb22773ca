"""The agent workspace in a real Chromium against a live server: dispatch and reply; a major complaint on the board.

Playwright's sync API runs an event loop in the test's thread; Django would take that for async code
and refuse ORM calls, hence DJANGO_ALLOW_ASYNC_UNSAFE for this module.
"""

import os
import re

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from playwright.sync_api import expect, sync_playwright  # noqa: E402

from kefu.core.calendars import clear_calendar_cache  # noqa: E402
from kefu.tickets.models import Status, Ticket  # noqa: E402
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
    yield build_org()
    clear_calendar_cache()


@pytest.fixture
def sign_in(browser, live_server):
    """sign_in("agent") → a page of a fresh browser context (its own cookies), signed in, in Chinese."""
    contexts = []

    def open_as(username: str, width: int = 1366):
        context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": 900})
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORD)
        page.click("form.stack button[type=submit]")
        page.wait_for_load_state()
        expect(page.locator(".who-name")).to_be_visible()
        return page

    yield open_as
    for context in contexts:
        context.close()


def capture(page, live_server, *, content: str, severity: str = "general") -> str:
    """Record a phone complaint through the capture form; return its number."""
    page.goto(f"{live_server.url}/tickets/new/")
    page.select_option("#id_channel", "phone")
    page.select_option("#id_ticket_type", "complaint")
    page.fill("#id_customer_phone", "13800138000")
    page.fill("#id_customer_name", "张女士")
    page.fill("#id_content", content)
    page.fill("#id_demands", "尽快处理")
    page.select_option("#id_severity", severity)
    expect(page.locator("#id_accept")).to_be_checked()
    page.click("form.capture-form button.btn-primary")
    page.wait_for_url(re.compile(r"/tickets/[A-Z]{2}-\d{8}-\d{4}/$"))
    return page.locator(".num.big").inner_text().strip()


def shoot(page, name: str) -> None:
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, name), full_page=True)


def test_agent_dispatches_department_replies_agent_resolves(org, live_server, sign_in):
    agent = sign_in("agent")
    number = capture(agent, live_server, content="快递三天没有更新物流信息，电话也打不通。")
    expect(agent.locator(".ticket-head")).to_contain_text("已受理")

    # Dispatch to logistics with the default deadline.
    agent.click("details.sub-panel > summary")
    agent.check(f"input[name=departments][value='{org.logistics.pk}']")
    assert agent.input_value("#id_deadline")  # services.dispatch.default_deadline
    agent.fill("#id_instructions", "请核实物流并回复")
    agent.click("form.dispatch-form button[type=submit]")
    expect(agent.locator(".ticket-head")).to_contain_text("已转办")
    expect(agent.locator("#dispatches")).to_contain_text("物流部")
    shoot(agent, "kefu-ticket-dispatched.png")

    # The department, in its own browser context, answers from its inbox.
    department = sign_in("logistics")
    assert department.url.endswith("/inbox/")
    card = department.locator("article.dispatch-card", has_text=number)
    expect(card).to_contain_text("请核实物流并回复")
    card.locator("form.answer.reply textarea").fill("已联系快递公司，明天上午送达。")
    card.locator("form.answer.reply button").click()
    expect(department.locator(".messages")).to_contain_text(number)
    expect(department.locator("article.dispatch-card", has_text=number)).to_have_count(0)

    # The agent sees “department replied” and resolves.
    agent.reload()
    expect(agent.locator(".ticket-head")).to_contain_text("部门已回复")
    expect(agent.locator("#dispatches")).to_contain_text("已联系快递公司")
    # Resolving asks for the reply to the customer (drafted from a script) apart from the internal note.
    shoot(agent, "kefu-ticket-resolve-form.png")
    expect(agent.locator("#resolve_customer_reply")).to_have_value(
        "您反映的问题已处理完毕，感谢您的耐心等待。"
    )
    agent.fill("#resolve_customer_reply", "快递公司明天上午为您送达，给您带来不便深表歉意。")
    agent.fill("#resolve_note", "快递站点人手不足，已向快递公司投诉。")
    agent.click("#resolve-form button[type=submit]")
    expect(agent.locator(".ticket-head")).to_contain_text("已办结")
    expect(agent.locator("#customer-reply")).to_contain_text("明天上午为您送达")
    ticket = Ticket.objects.get(number=number)
    assert ticket.status == Status.RESOLVED and ticket.owner == org.agent
    assert (ticket.customer_reply, ticket.resolution) == (
        "快递公司明天上午为您送达，给您带来不便深表歉意。", "快递站点人手不足，已向快递公司投诉。"
    )  # fmt: skip

    agent.goto(f"{live_server.url}/?queue=mine")
    shoot(agent, "kefu-workspace.png")


def test_major_complaint_appears_at_once_on_the_managers_board(org, live_server, sign_in):
    manager = sign_in("manager")
    manager.goto(f"{live_server.url}/board/")
    expect(manager.locator("#board-major")).to_contain_text("没有未结的")

    agent = sign_in("agent")
    number = capture(agent, live_server, content="顾客在二楼扶梯摔伤，要求商场负责。", severity="major")

    # The board's own htmx refresh (what its 30-second poll does) brings it in without a reload.
    manager.evaluate("htmx.ajax('GET', '/board/', {target: '#board', swap: 'outerHTML'})")
    expect(manager.locator("#board-major")).to_contain_text(number)
    expect(manager.locator("#board-major")).to_contain_text("顾客在二楼扶梯摔伤")
    manager.reload()
    expect(manager.locator("#board-major")).to_contain_text(number)
    expect(manager.locator("#notify-count")).not_to_have_text("0")
    shoot(manager, "kefu-board.png")
