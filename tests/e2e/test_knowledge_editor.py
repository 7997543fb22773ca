"""The article editor in a real Chromium: typing Markdown shows the sanitized preview live (a static
script and the server's preview endpoint, under the site's strict CSP), and saving keeps it.

Playwright's sync API runs an event loop in the test's thread; Django would take that for async code
and refuse ORM calls, hence DJANGO_ALLOW_ASYNC_UNSAFE for this module.
"""

import os

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from playwright.sync_api import expect, sync_playwright  # noqa: E402

from kefu.core.calendars import clear_calendar_cache  # noqa: E402
from kefu.knowledge.models import Article  # noqa: E402
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
    yield build_org()
    clear_calendar_cache()


def test_the_editor_previews_markdown_live_and_strips_scripts(browser, live_server, org, tmp_path):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    problems = []
    # A script the CSP refused says so on the console (the missing x.png's 404 is no problem of ours).
    page.on(
        "console", lambda msg: problems.append(msg.text) if "Content Security Policy" in msg.text else None
    )
    page.on("dialog", lambda dialog: (problems.append(f"dialog: {dialog.message}"), dialog.dismiss()))
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "manager")
    page.fill("input[name=password]", PASSWORD)
    page.click("form.stack button[type=submit]")
    page.wait_for_load_state()

    page.goto(f"{live_server.url}/knowledge/new/")
    page.fill("input[name=title]", "退货须知")
    page.fill("input[name=keywords]", "退货 退换")
    page.fill(
        "textarea[name=body]",
        '## 退货须知\n\n- 保留**吊牌**\n\n<img src="x.png" onerror="alert(1)"><script>alert(2)</script>',
    )
    preview = page.locator("[data-markdown-preview]")
    expect(preview.locator("h2")).to_have_text("退货须知")
    expect(preview.locator("li strong")).to_have_text("吊牌")
    assert preview.locator("script").count() == 0
    assert preview.locator("img").get_attribute("onerror") is None
    page.screenshot(path=str(tmp_path / "editor.png"), full_page=True)

    page.click("form.panel button[type=submit]")
    expect(page.locator(".kb-body li strong")).to_have_text("吊牌")
    article = Article.objects.get(title="退货须知")
    assert article.keywords == "退货 退换" and "<script" not in article.body_html
    assert not problems, problems
    context.close()
