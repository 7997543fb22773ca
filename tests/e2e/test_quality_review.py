"""Review and appeal in a real Chromium against a live server: the QA inspector claims a sampled
conversation, rejects an automatic finding, adds a manual one and submits; the agent appeals the
manual finding; the supervisor, as the second reviewer, changes the score; the agent sees it.

DJANGO_ALLOW_ASYNC_UNSAFE: see tests/e2e/test_workspace_flows.py.
"""

import os
from decimal import Decimal

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from playwright.sync_api import expect, sync_playwright  # noqa: E402

from kefu.core.calendars import clear_calendar_cache  # noqa: E402
from kefu.quality.models import Finding, Inspection  # noqa: E402
from tests.org import build_org  # noqa: E402
from tests.quality.factories import (  # noqa: E402
    FindingFactory,
    InspectionFactory,
    InspectorScopeFactory,
    RubricItemFactory,
)

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
    org = build_org()
    InspectorScopeFactory(inspector=org.qa, channels=["phone"], queues=["热线"])
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


def test_inspector_reviews_agent_appeals_supervisor_changes_the_score(browser, live_server, org):
    inspection = InspectionFactory(state=Inspection.State.SAMPLED, agent=org.agent, auto_score=Decimal(90))
    wrong = FindingFactory(
        inspection=inspection,
        item=RubricItemFactory(version=inspection.version, name="使用口头语", points=Decimal(10)),
    )
    slow = RubricItemFactory(version=inspection.version, name="未安抚客户情绪", points=Decimal(5))

    # The inspector finds it in the review queue, claims it, rejects the automatic finding, adds one.
    context, page = signed_in(browser, live_server, "qa")
    page.click("nav.nav a[href='/quality/reviews/']")
    page.click(f"#inspection-{inspection.pk} a")
    page.click("#claim-form button")
    expect(page.locator("#review-state")).to_have_text("复核中")
    row = page.locator(f"#finding-{wrong.pk}")
    row.locator("input[name=comment]").fill("“我晕”是客户说的")
    row.locator("button[value=reject]").click()
    expect(page.locator(f"#finding-status-{wrong.pk}")).to_have_text("已驳回")
    form = page.locator("#add-finding-form")
    form.locator("select[name=item]").select_option(str(slow.pk))
    form.locator("input[name=sentence]").fill("1")
    form.locator("textarea[name=comment]").fill("客户抱怨时没有安抚")
    form.locator("button[type=submit]").click()
    page.locator("#submit-form textarea[name=comment]").fill("整体尚可，注意安抚")
    page.click("#submit-form button[type=submit]")
    expect(page.locator("#final-score")).to_have_text("95.00")
    expect(page.locator("#auto-score")).to_have_text("90.00")
    context.close()

    # The agent sees the result and appeals the manual finding.
    manual = inspection.findings.get(source=Finding.Source.MANUAL)
    context, page = signed_in(browser, live_server, "agent")
    page.click("nav.nav a[href='/quality/mine/']")
    result = page.locator(f"#result-{inspection.pk}")
    expect(page.locator(f"#final-score-{inspection.pk}")).to_have_text("95.00")
    result.locator(f"input[name=reason_{manual.pk}]").fill("我已经道歉并安抚了")
    result.locator(f"#appeal-form-{inspection.pk} button[type=submit]").click()
    expect(page.locator(f"#result-state-{inspection.pk}")).to_have_text("已申诉")
    context.close()

    # The supervisor, a second reviewer, rejects the manual finding: the score changes.
    context, page = signed_in(browser, live_server, "supervisor")
    page.goto(f"{live_server.url}/quality/appeals/")
    appeal = page.locator(f"#appeal-{inspection.pk}")
    expect(appeal).to_contain_text("我已经道歉并安抚了")
    appeal.locator(f"input[name=reject][value='{manual.pk}']").check()
    appeal.locator("input[name=outcome][value=changed]").check()
    appeal.locator("textarea[name=comment]").fill("录音中有致歉，改判")
    appeal.locator("button[type=submit]").click()
    expect(page.locator(f"#appeal-{inspection.pk}")).to_have_count(0)
    context.close()

    # The agent sees the decided score.
    context, page = signed_in(browser, live_server, "agent")
    page.goto(f"{live_server.url}/quality/mine/")
    result = page.locator(f"#result-{inspection.pk}")
    expect(page.locator(f"#final-score-{inspection.pk}")).to_have_text("100.00")
    expect(page.locator(f"#result-state-{inspection.pk}")).to_have_text("申诉已裁定")
    expect(result).to_contain_text("录音中有致歉，改判")
    context.close()
