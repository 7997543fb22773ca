"""The article editor: Markdown in, sanitized HTML out, a live preview from the server, and articles
written as HTML before the editor still shown as they were."""

import pytest

from kefu.knowledge import services
from kefu.knowledge.models import Article

pytestmark = pytest.mark.django_db

MARKDOWN = "## 退货须知\n\n1. 保留**吊牌**\n2. 带上小票\n\n| 方式 | 时间 |\n| --- | --- |\n| 微信 | 即时 |\n"
HOSTILE = '正文<script>alert(1)</script><img src="x.png" onerror="alert(2)">[链接](javascript:alert(3))'


def test_markdown_is_saved_as_html_with_its_source_kept(org):
    article = services.article_create(title="退货须知", body_markdown=MARKDOWN, by=org.manager)
    assert "<h2>退货须知</h2>" in article.body_html
    assert "<li>保留<strong>吊牌</strong></li>" in article.body_html and "<td>微信</td>" in article.body_html
    assert article.body_markdown == MARKDOWN.strip()
    assert "保留吊牌" in article.body_text  # search and diffs read the text


def test_script_event_handlers_and_javascript_links_are_stripped_from_markdown(org):
    article = services.article_create(title="x", body_markdown=HOSTILE, by=org.manager)
    html = article.body_html
    assert "<script" not in html and "alert(1)" not in html and "onerror" not in html
    assert "javascript:" not in html.replace("[链接](javascript:alert(3))", "")
    assert "<a " not in html and '<img src="x.png">' in html


def test_the_preview_renders_and_sanitizes_for_editors_only(as_user, org):
    manager = as_user(org.manager)
    response = manager.post(
        "/knowledge/preview/", {"text": MARKDOWN + HOSTILE}, content_type="application/json"
    )
    assert response.status_code == 200
    html = response.json()["html"]
    assert "<h2>退货须知</h2>" in html and "<script" not in html and "onerror" not in html
    assert (
        as_user(org.agent)
        .post("/knowledge/preview/", {"text": "x"}, content_type="application/json")
        .status_code
        == 403
    )


def test_the_edit_page_has_the_editor_and_its_static_script(as_user, org):
    page = as_user(org.manager).get("/knowledge/new/").content.decode()
    assert "data-markdown-editor" in page and "data-markdown-preview" in page
    assert "knowledge/editor.js" in page and "<script>" not in page  # no inline script (CSP)


def test_an_article_saved_from_the_edit_page_is_markdown_with_keywords(as_user, org):
    response = as_user(org.manager).post("/knowledge/new/", {
        "title": "停车说明", "audience": "internal", "body": "- 首小时 **5 元**", "keywords": "停车费，车位 停车费",
    })  # fmt: skip
    article = Article.objects.get(title="停车说明")
    assert response.status_code == 302
    assert "<li>首小时 <strong>5 元</strong></li>" in article.body_html and article.keywords == "停车费 车位"


def test_an_article_written_as_html_still_displays_and_opens_in_the_editor(as_user, org):
    legacy = services.article_create(title="旧文章", body_html="<p>旧的<b>HTML</b>正文</p>", by=org.manager)
    assert legacy.body_markdown == ""
    manager = as_user(org.manager)
    assert "<p>旧的<b>HTML</b>正文</p>" in manager.get(f"/knowledge/{legacy.pk}/").content.decode()
    page = manager.get(f"/knowledge/{legacy.pk}/edit/").content.decode()
    assert "&lt;p&gt;旧的&lt;b&gt;HTML&lt;/b&gt;正文&lt;/p&gt;" in page  # the source, in the textarea
    manager.post(f"/knowledge/{legacy.pk}/edit/", {
        "title": "旧文章", "audience": "internal", "body": legacy.body_html, "expected_version": 1,
    })  # fmt: skip
    legacy.refresh_from_db()
    assert "<b>HTML</b>" in legacy.body_html and legacy.body_text == "旧的HTML正文"


def test_a_rollback_brings_back_the_markdown_too(org):
    article = services.article_create(title="须知", body_markdown="**一**", by=org.manager)
    services.article_update(article=article, by=org.manager, title="须知", body_markdown="**二**")
    article = services.article_rollback(article=article, number=1, by=org.manager)
    assert article.body_markdown == "**一**" and "<strong>一</strong>" in article.body_html
