"""Recusal (回避) in a real Chromium: a complaint about the logistics employee is dispatched to
logistics; signed in, he finds it nowhere, his head answers it, and the manager sees the mark.
A dispatch deadline after the work order's own is accepted with a warning.

Playwright's sync API runs an event loop in the test's thread; Django would take that for async code
and refuse ORM calls, hence DJANGO_ALLOW_ASYNC_UNSAFE for this module.
"""

import os
import re

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from playwright.sync_api import expect  # noqa: E402

from kefu.tickets.models import Dispatch, Ticket  # noqa: E402

# The browser, the organisation and signing in are those of the workspace walks.
from tests.e2e.test_workspace_flows import browser, capture, org, shoot, sign_in  # noqa: E402, F401

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def patient(page):
    """More time for each step: the machine running the suite may be shared by many test runs."""
    page.set_default_timeout(45_000)
    return page


def test_the_accused_finds_no_trace_and_his_head_answers(org, live_server, sign_in):  # noqa: F811
    agent = patient(sign_in("agent"))
    agent.goto(f"{live_server.url}/tickets/new/")
    agent.select_option("#id_channel", "phone")
    agent.select_option("#id_ticket_type", "complaint")
    agent.fill("#id_customer_phone", "13800138000")
    agent.fill("#id_customer_name", "张女士")
    agent.fill("#id_content", "送货员把衣柜侧面磕坏了，还说是出厂就有的，态度很差。")
    agent.select_option("#id_subject_person", str(org.logistics_staff.pk))
    agent.click("form.capture-form button.btn-primary")
    agent.wait_for_url(re.compile(r"/tickets/[A-Z]{2}-\d{8}-\d{4}/$"))
    number = agent.locator(".num.big").inner_text().strip()
    expect(agent.locator(".ticket-head .badge.recusal")).to_be_visible()
    agent.click("details.sub-panel > summary")
    agent.check(f"input[name=departments][value='{org.logistics.pk}']")
    agent.fill("#id_instructions", "请核实送货经过")
    agent.click("form.dispatch-form button[type=submit]")
    expect(agent.locator(".ticket-head")).to_contain_text("已转办")

    # The employee complained about: not in his inbox, not found by search, not opened by its number.
    accused = patient(sign_in("logistics"))
    assert accused.url.endswith("/inbox/")
    expect(accused.locator("main")).not_to_contain_text(number)
    accused.goto(f"{live_server.url}/tickets/search/?q={number}")
    expect(accused.locator("a.num", has_text=number)).to_have_count(0)
    accused.goto(f"{live_server.url}/tickets/search/?q=衣柜")
    expect(accused.locator("a.num", has_text=number)).to_have_count(0)
    response = accused.goto(f"{live_server.url}/tickets/{number}/")
    assert response.status == 404

    # His head has it in the department's inbox and answers it.
    head = patient(sign_in("logistics_head"))
    head.goto(f"{live_server.url}/inbox/")
    card = head.locator("article.dispatch-card", has_text=number)
    card.locator("form.answer.reply textarea").fill("已核实，安排换新衣柜，并由我向顾客致歉。")
    card.locator("form.answer.reply button").click()
    expect(head.locator(".messages")).to_contain_text(number)
    assert Dispatch.objects.get(ticket__number=number).answered_by == org.logistics_head

    # The manager sees that recusal applied: the mark on the page and the board, the timeline's record.
    manager = patient(sign_in("manager"))
    manager.goto(f"{live_server.url}/tickets/{number}/")
    expect(manager.locator(".ticket-head .badge.recusal")).to_contain_text(org.logistics_staff.label)
    expect(manager.locator("li.ev-recusal").first).to_contain_text(org.logistics_head.label)
    shoot(manager, "kefu-recusal.png")
    manager.goto(f"{live_server.url}/board/")
    row = manager.locator("#board tr", has_text=number).first
    expect(row.locator(".badge.recusal")).to_be_visible()


def test_a_late_dispatch_deadline_is_warned_about(org, live_server, sign_in):  # noqa: F811
    agent = patient(sign_in("agent"))
    number = capture(agent, live_server, content="快递三天没有更新物流信息，电话也打不通。")
    agent.click("details.sub-panel > summary")
    # the proposed deadline is cut to this complaint's 24 working hours; the agent gives a later one
    expect(agent.locator("form.dispatch-form [data-code=deadline_after_resolution]")).to_have_count(0)
    agent.fill("form.dispatch-form input[name=deadline]", "2099-01-05T18:00")
    agent.check(f"input[name=departments][value='{org.logistics.pk}']")
    agent.click("form.dispatch-form button[type=submit]")

    expect(agent.locator(".messages")).to_contain_text("晚于工单本身的办结时限")
    expect(agent.locator("#dispatches .badge.late-deadline")).to_be_visible()
    assert Ticket.objects.get(number=number).dispatches.count() == 1
    supervisor = patient(sign_in("supervisor"))
    supervisor.goto(f"{live_server.url}/board/")
    expect(supervisor.locator("#board-late-dispatches")).to_contain_text(number)
    assert re.search(r"\d{2}-\d{2}", supervisor.locator("#board-late-dispatches").inner_text())
