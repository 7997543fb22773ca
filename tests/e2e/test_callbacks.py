"""Not satisfied means not closed, in a real Chromium against a live server: the customer rates a resolved
complaint "not satisfied" through the survey link on a phone; the work order reopens and reaches the
supervisor's board; once fixed, the callback team calls back and the customer's "satisfied" closes it.

DJANGO_ALLOW_ASYNC_UNSAFE: see tests/e2e/test_workspace_flows.py.
"""

import importlib
import os

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from django.apps import apps as django_apps  # noqa: E402
from playwright.sync_api import expect, sync_playwright  # noqa: E402

from kefu.callbacks.models import CallbackPlan, CallbackTask, Script, Trigger  # noqa: E402
from kefu.callbacks.services import callback_plan_generate  # noqa: E402
from kefu.callbacks.services.surveys import survey_token  # noqa: E402
from kefu.core.calendars import clear_calendar_cache  # noqa: E402
from kefu.tickets.models import Status, Ticket  # noqa: E402
from kefu.tickets.services import ticket_create, ticket_transition  # noqa: E402
from tests.factories import AgentGroupFactory, UserFactory  # noqa: E402
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
    if not Script.objects.filter(name="投诉回访").exists():  # a transactional test before flushed the seed
        seed = importlib.import_module("kefu.callbacks.migrations.0002_seed_reasons_and_script").seed
        seed(django_apps, None)
    org = build_org()
    org.caller = UserFactory(username="caller", superior=org.supervisor, department=org.center)
    team = AgentGroupFactory(name="回访组", leader=org.supervisor, department=org.center)
    team.members.add(org.caller)
    org.plan = CallbackPlan.objects.create(
        name="投诉办结回访", trigger=Trigger.RESOLVED, ticket_types=["complaint"],
        script=Script.objects.get(name="投诉回访"), team=team,
    )  # fmt: skip
    yield org
    clear_calendar_cache()


def signed_in(browser, live_server, username: str):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.stack button[type=submit]")
    page.wait_for_load_state()
    expect(page.locator(".who-name")).to_be_visible()
    return context, page


def test_not_satisfied_survey_reopens_reaches_the_board_and_a_callback_closes_it(browser, live_server, org):
    ticket = ticket_create(
        by=org.agent, ticket_type="complaint", channel="phone", content="快递三天没有送到",
        customer_name="张女士", customer_phone="13800138000", accept=True,
    ).ticket  # fmt: skip
    ticket = ticket_transition(ticket=ticket, action="start", by=org.agent)
    ticket = ticket_transition(
        ticket=ticket,
        action="resolve",
        by=org.agent,
        customer_reply="已为您处理完毕。",
        note="已联系快递重新派送",
    )

    # The customer, on a phone, answers the survey link: not satisfied.
    phone = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    page = phone.new_page()
    page.goto(f"{live_server.url}/survey/{survey_token(ticket)}/")
    expect(page.locator("h1")).to_have_text("请评价我们的服务")
    page.check("input[name=score][value=dissatisfied]")
    page.fill("#comment", "还是没有收到")
    page.click("#survey-form button[type=submit]")
    expect(page.locator("#survey-thanks")).to_contain_text("主管会重新处理")
    phone.close()
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS

    # The supervisor sees it escalated on the board.
    context, page = signed_in(browser, live_server, "supervisor")
    page.goto(f"{live_server.url}/board/")
    expect(page.locator("#board")).to_contain_text(ticket.number)
    context.close()

    # The fix is resolved; the follow-up callback becomes due; the callback team calls: satisfied.
    ticket_transition(
        ticket=ticket,
        action="resolve",
        by=org.agent,
        customer_reply="已为您处理完毕。",
        note="已上门送达并致歉",
    )
    callback_plan_generate(plan=org.plan)
    task = CallbackTask.objects.get(ticket=ticket, state=CallbackTask.State.OPEN)
    context, page = signed_in(browser, live_server, "caller")
    page.goto(f"{live_server.url}/callbacks/")
    page.click(f"#callback-queue a[href='/callbacks/tasks/{task.pk}/']")
    page.check("#script-form input[value=已解决]")
    page.check("#script-form input[value=满意]")
    page.click("#script-form button[type=submit]")
    expect(page.locator("#answers")).to_contain_text("满意")
    context.close()
    assert Ticket.objects.get(pk=ticket.pk).status == Status.CLOSED
