"""Articles: sanitized text, versions with a diff and rollback, review flags, must-read receipts."""

from datetime import UTC, date, datetime

import pytest

from kefu.core.errors import NotFound, PermissionDenied, StaleVersion, ValidationError
from kefu.knowledge import selectors, services
from kefu.knowledge.models import Article, ArticleVersion, Audience
from kefu.knowledge.views import version_diff

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def test_article_html_is_sanitized_and_kept_as_text_too(org):
    article = services.article_create(
        title="退款流程", body_html='<p onclick="x()">申请<script>alert(1)</script>退款</p>', by=org.manager
    )
    assert "script" not in article.body_html and "onclick" not in article.body_html
    assert article.body_text == "申请退款"


def test_an_agent_may_not_write_articles(org):
    with pytest.raises(PermissionDenied):
        services.article_create(title="x", body_html="y", by=org.agent)


def test_a_blank_title_is_refused_naming_the_field_and_nothing_is_saved(org):
    with pytest.raises(ValidationError) as error:
        services.article_create(title="  ", body_html="正文", by=org.manager)
    assert "title" in error.value.errors
    assert not Article.objects.exists()


def test_each_text_change_is_a_new_version_and_settings_alone_are_not(org):
    article = services.article_create(title="运费说明", body_html="<p>满99包邮</p>", by=org.manager)
    services.article_update(article=article, by=org.manager, title="运费说明", body_html="<p>满199包邮</p>")
    services.article_update(
        article=article,
        by=org.manager,
        title="运费说明",
        body_html="<p>满199包邮</p>",
        review_on=date(2027, 1, 1),
    )
    article.refresh_from_db()
    assert article.version == 2
    assert list(article.versions.values_list("number", flat=True)) == [2, 1]


def test_rollback_brings_back_an_old_text_as_a_new_version(org):
    article = services.article_create(title="运费说明", body_html="<p>满99包邮</p>", by=org.manager)
    services.article_update(article=article, by=org.manager, title="运费新规", body_html="<p>满199包邮</p>")
    services.article_rollback(article=article, number=1, by=org.manager)
    article.refresh_from_db()
    assert (article.version, article.title, article.body_text) == (3, "运费说明", "满99包邮")
    assert ArticleVersion.objects.filter(article=article).count() == 3


def test_rollback_to_a_missing_version_is_refused(org):
    article = services.article_create(title="运费说明", body_html="x", by=org.manager)
    with pytest.raises(NotFound):
        services.article_rollback(article=article, number=9, by=org.manager)


def test_a_stale_edit_is_refused_and_the_newer_text_kept(org):
    article = services.article_create(title="运费说明", body_html="<p>一</p>", by=org.manager)
    services.article_update(article=article, by=org.manager, title="运费说明", body_html="<p>二</p>")
    with pytest.raises(StaleVersion):
        services.article_update(
            article=article, by=org.supervisor, title="运费说明", body_html="<p>三</p>", expected_version=1
        )
    article.refresh_from_db()
    assert article.body_text == "二"


def test_the_diff_between_versions_shows_removed_and_added_lines(org):
    article = services.article_create(
        title="运费说明", body_html="<p>满99包邮</p><p>偏远地区除外</p>", by=org.manager
    )
    services.article_update(
        article=article, by=org.manager, title="运费说明", body_html="<p>满199包邮</p><p>偏远地区除外</p>"
    )
    old, new = article.versions.get(number=1), article.versions.get(number=2)
    lines = version_diff(old, new)
    assert ("del", "满99包邮") in lines and ("add", "满199包邮") in lines
    assert ("same", "偏远地区除外") in lines


def test_an_article_past_its_review_date_is_flagged(org):
    article = services.article_create(
        title="会员权益", body_html="x", by=org.manager, review_on=date(2026, 11, 21)
    )
    assert article.review_overdue(today=date(2026, 11, 22))
    assert not article.review_overdue(today=date(2026, 11, 21))


def test_an_article_without_a_review_date_is_never_flagged(org):
    article = services.article_create(title="会员权益", body_html="x", by=org.manager)
    assert not article.review_overdue(today=date(2030, 1, 1))


def test_unread_list_shrinks_as_agents_acknowledge_a_briefing(org):
    article = services.article_create(title="新品上市说明", body_html="x", by=org.manager, must_read=True)
    assert {org.agent, org.agent2, org.other_agent} <= set(selectors.unread_by(article))
    services.article_acknowledge(article=article, by=org.agent, now=NOW)
    services.article_acknowledge(article=article, by=org.agent, now=NOW)  # twice: one receipt
    unread = set(selectors.unread_by(article))
    assert org.agent not in unread and org.agent2 in unread
    assert article.acknowledgements.count() == 1
    assert list(selectors.unread_briefings(org.agent)) == []
    assert list(selectors.unread_briefings(org.agent2)) == [article]


def test_an_ordinary_article_cannot_be_acknowledged(org):
    article = services.article_create(title="普通文章", body_html="x", by=org.manager)
    with pytest.raises(ValidationError):
        services.article_acknowledge(article=article, by=org.agent)


def test_customers_see_only_public_articles(org):
    services.article_create(title="内部口径", body_html="x", by=org.manager)
    public = services.article_create(
        title="如何退货", body_html="x", by=org.manager, audience=Audience.PUBLIC
    )
    from django.contrib.auth.models import AnonymousUser

    assert list(selectors.articles_visible_to(AnonymousUser())) == [public]
    assert list(selectors.public_articles()) == [public]
    assert selectors.articles_visible_to(org.agent).count() == 2
