"""Chinese search over articles with the shared module (kefu.core.search): two-character words,
synonyms, exact titles first, highlighted snippets, and internal articles never public."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from kefu.core.search import (
    ensure_search_index_after_migrate,
    highlight,
    missing_index_parts,
    parse_query,
    uninstall_search_index,
)
from kefu.knowledge import selectors, services
from kefu.knowledge.models import Article, Audience
from kefu.knowledge.search import ARTICLES, parse, search_articles

pytestmark = pytest.mark.django_db


def write(org, title, body="", **kw):
    return services.article_create(title=title, body_html=f"<p>{body or title}</p>", by=org.manager, **kw)


def found(query, qs=None):
    return list(search_articles(Article.objects.all() if qs is None else qs, query))


def test_a_two_character_word_inside_a_sentence_is_found(org):
    hit = write(org, "售后政策", "顾客申请退款后三个工作日内到账")
    write(org, "门店营业时间", "每天九点开门")
    assert found("退款") == [hit]


def test_a_word_that_jieba_cuts_differently_is_still_found(org):
    hit = write(org, "配送", "快递员没有送货上门怎么办")
    assert found("快递") == [hit]


def test_a_synonym_finds_the_other_word(org):
    umbrella = write(org, "便民服务", "服务台可以借阳伞")
    services.synonym_save(words="雨伞 阳伞 遮阳伞", by=org.manager)
    assert found("雨伞") == [umbrella]


def test_without_the_synonym_the_other_word_is_not_found(org):
    write(org, "便民服务", "服务台可以借阳伞")
    assert found("雨伞") == []


def test_the_standard_synonyms_apply_without_a_table_row(org):
    refund = write(org, "售后政策", "七天内可以退钱")
    assert found("退款") == [refund]


def test_a_synonym_edit_takes_effect_at_once(org):
    umbrella = write(org, "便民服务", "服务台可以借阳伞")
    group = services.synonym_save(words="雨伞 雨具", by=org.manager)
    assert found("雨伞") == []
    services.synonym_save(synonym=group, words="雨伞 阳伞", by=org.manager)
    assert found("雨伞") == [umbrella]


def test_synonyms_also_serve_work_order_search(org):
    from kefu.tickets.models import Ticket
    from kefu.tickets.search import search_tickets
    from kefu.tickets.services import ticket_create

    ticket = ticket_create(by=org.agent, ticket_type="complaint", channel="phone", content="物流三天没动",
                           customer_name="张女士", customer_phone="13800138000").ticket  # fmt: skip
    services.synonym_save(words="快递 物流", by=org.manager)
    assert list(search_tickets(Ticket.objects.all(), "快递")) == [ticket]


def test_a_synonym_group_needs_two_words(org):
    from kefu.core.errors import ValidationError

    with pytest.raises(ValidationError) as error:
        services.synonym_save(words="退款", by=org.manager)
    assert "words" in error.value.errors


def test_an_agent_may_not_edit_synonyms(org):
    from kefu.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.synonym_save(words="退款 退钱", by=org.agent)


def test_an_exact_title_match_ranks_first(org):
    write(org, "退款到账时间说明", "退款 退款 退款 退款多久到账，退款到账时间")
    write(org, "退款的常见问题", "退款 退款 退款 退款")
    exact = write(org, "退款", "见售后政策")
    assert found("退款")[0] == exact


def test_a_title_holding_the_words_ranks_above_a_body_holding_them(org):
    body = write(org, "售后总览", "这里也提到运费险，运费险，运费险")
    title = write(org, "运费险说明", "见正文")
    assert found("运费险") == [title, body]


def test_the_snippet_marks_the_matched_words_and_escapes_html(org):
    text = "<b>注意</b>：顾客申请退款后三个工作日内到账"
    snippet = highlight(text, "退款")
    assert "<mark>退款</mark>" in snippet and "&lt;b&gt;" in snippet


def test_the_snippet_marks_a_synonym_the_article_used(org):
    services.synonym_save(words="退款 退钱", by=org.manager)
    assert "<mark>退钱</mark>" in highlight("七天内可以退钱", parse("退款"))


def test_internal_articles_are_never_found_by_the_public(org):
    write(org, "退款内部口径", "退款先走审批")
    public = write(org, "如何申请退款", "在订单页申请退款", audience=Audience.PUBLIC)
    assert found("退款", selectors.public_articles()) == [public]


def test_an_edited_article_is_found_by_its_new_words_only(org):
    article = write(org, "配送", "顺丰发货")
    services.article_update(article=article, by=org.manager, title="配送", body_html="<p>京东发货</p>")
    assert found("京东") == [article] and found("顺丰") == []


def test_synonyms_add_alternatives_only_when_a_group_word_is_in_the_query():
    groups = (("退款", "退钱"),)
    assert parse_query("退款", groups).alternatives and not parse_query("发票", groups).alternatives


def test_the_article_index_is_complete_after_migrations():
    assert missing_index_parts(connection, ARTICLES) == set()


def test_a_lost_article_index_is_put_back_after_migrate(org):
    article = write(org, "配送", "顺丰发货")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no deferred checks pending before the ALTER
    uninstall_search_index(connection, ARTICLES)  # as a later migration of the table would on SQLite
    assert missing_index_parts(connection, ARTICLES)

    ensure_search_index_after_migrate(sender=None, using=connection.alias)  # core's post_migrate receiver

    assert missing_index_parts(connection, ARTICLES) == set()
    assert found("顺丰") == [article]


def test_reindex_command_covers_articles_too(org):
    article = write(org, "配送", "顺丰发货")
    Article.objects.filter(pk=article.pk).update(search_text="")
    out = StringIO()
    call_command("kefu_reindex", stdout=out)
    assert "articles (1 changed)" in out.getvalue()
    assert found("顺丰") == [article]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the stored vector exists on PostgreSQL only")
def test_postgresql_article_search_matches_and_ranks_on_the_stored_vector_with_its_gin_index(org):
    write(org, "售后政策", "顾客申请退款后三个工作日内到账")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    plan = search_articles(Article.objects.all(), "退款").explain()
    assert ARTICLES.gin_index in plan and "to_tsvector" not in plan
