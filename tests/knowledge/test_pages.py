"""Knowledge pages: agents read and acknowledge, editors edit and roll back, the portal FAQ is public only."""

import pytest

from kefu.knowledge import services
from kefu.knowledge.models import Audience

pytestmark = pytest.mark.django_db


@pytest.fixture
def articles(org):
    internal = services.article_create(
        title="退款内部审批口径", body_html="<p>内部：退款先走审批</p>", by=org.manager
    )
    public = services.article_create(
        title="如何申请退款", body_html="<p>在订单页申请退款</p>", by=org.manager, audience=Audience.PUBLIC
    )
    return internal, public


def test_the_portal_faq_lists_public_articles_and_never_internal_ones(client, articles):
    internal, public = articles
    page = client.get("/portal/faq/").content.decode()
    assert public.title in page and internal.title not in page


def test_a_portal_search_never_finds_internal_articles(client, articles):
    page = client.get("/portal/faq/", {"q": "退款"}).content.decode()
    assert "申请<mark>退款</mark>" in page and "内部" not in page


def test_an_internal_article_is_not_found_on_the_portal_even_for_signed_in_staff(as_user, org, articles):
    internal, _public = articles
    assert as_user(org.manager).get(f"/portal/faq/{internal.pk}/").status_code == 404


def test_a_public_article_reads_on_the_portal_without_signing_in(client, articles):
    _internal, public = articles
    assert "在订单页申请退款" in client.get(f"/portal/faq/{public.pk}/").content.decode()


def test_the_knowledge_base_needs_signing_in(client):
    assert client.get("/knowledge/").status_code == 302


def test_an_agent_finds_an_article_by_a_two_character_word_with_a_highlight(as_user, org, articles):
    page = as_user(org.agent).get("/knowledge/", {"q": "审批"}).content.decode()
    assert "<mark>审批</mark>" in page and "如何申请退款" not in page


def test_an_overdue_article_is_flagged_in_the_list(as_user, org):
    from datetime import date

    services.article_create(title="旧政策", body_html="x", by=org.manager, review_on=date(2020, 1, 1))
    assert "kb-overdue" in as_user(org.agent).get("/knowledge/").content.decode()


def test_an_agent_acknowledges_a_briefing_and_leaves_the_unread_list(as_user, org):
    article = services.article_create(title="新品说明", body_html="x", by=org.manager, must_read=True)
    agent = as_user(org.agent)
    assert "新品说明" in agent.get("/knowledge/").content.decode()  # among the briefings to read
    agent.post(f"/knowledge/{article.pk}/ack/")
    page = as_user(org.manager).get(f"/knowledge/{article.pk}/").content.decode()
    unread = page.split('class="kb-unread"')[1].split("</ul>")[0]
    assert org.agent.label not in unread and org.agent2.label in unread


def test_an_agent_cannot_open_the_editor(as_user, org, articles):
    internal, _public = articles
    assert as_user(org.agent).get(f"/knowledge/{internal.pk}/edit/").status_code == 403


def test_a_manager_edits_sees_the_diff_and_rolls_back(as_user, org, articles):
    internal, _public = articles
    manager = as_user(org.manager)
    response = manager.post(f"/knowledge/{internal.pk}/edit/", {
        "title": internal.title, "audience": "internal", "body": "内部：退款无需审批",
        "expected_version": 1, "note": "简化",
    })  # fmt: skip
    assert response.status_code == 302
    page = manager.get(f"/knowledge/{internal.pk}/history/").content.decode()
    assert "- 内部：退款先走审批" in page and "+ 内部：退款无需审批" in page
    manager.post(f"/knowledge/{internal.pk}/rollback/1/")
    internal.refresh_from_db()
    assert internal.body_text == "内部：退款先走审批" and internal.version == 3


def test_a_stale_edit_shows_a_message_and_keeps_the_newer_text(as_user, org, articles):
    internal, _public = articles
    manager = as_user(org.manager)
    form = {"title": internal.title, "audience": "internal", "body": "一", "expected_version": 1}
    manager.post(f"/knowledge/{internal.pk}/edit/", form)
    response = manager.post(f"/knowledge/{internal.pk}/edit/", {**form, "body": "二"})
    assert response.status_code == 200
    internal.refresh_from_db()
    assert internal.body_text == "一"


def test_an_attachment_is_downloaded_only_by_those_who_may_read_the_article(as_user, client, org, articles):
    from django.core.files.uploadedfile import SimpleUploadedFile

    internal, _public = articles
    as_user(org.manager).post(
        f"/knowledge/{internal.pk}/attach/", {"file": SimpleUploadedFile("表.txt", b"data")}
    )
    attachment = internal.attachments.get()
    assert as_user(org.agent).get(f"/knowledge/files/{attachment.pk}/").status_code == 200
    assert client.get(f"/knowledge/files/{attachment.pk}/").status_code == 302


def test_every_knowledge_page_renders(as_user, org, articles):
    manager = as_user(org.manager)
    for url in ("/knowledge/", "/knowledge/new/", "/knowledge/synonyms/", "/knowledge/phrases/",
                "/knowledge/scripts/", "/knowledge/cases/", f"/knowledge/{articles[0].pk}/"):  # fmt: skip
        assert manager.get(url).status_code == 200, url


def test_a_manager_adds_a_synonym_on_its_page(as_user, org):
    from kefu.knowledge.models import Synonym

    as_user(org.manager).post("/knowledge/synonyms/", {"words": "快递 物流"})
    assert Synonym.objects.get().word_list() == ["快递", "物流"]


def test_a_case_is_created_from_a_transcript_on_its_page(as_user, org):
    from kefu.knowledge.models import Case

    response = as_user(org.qa).post("/knowledge/cases/", {
        "title": "真实案例", "verdict": "good", "transcript": "客户：快递没到，电话13900001111\n客服：马上为您处理",
    })  # fmt: skip
    case = Case.objects.get()
    assert response.status_code == 302 and "13900001111" not in case.nodes.get(parent=None).text


def test_a_bad_category_filter_is_ignored_and_a_bad_rule_id_is_a_404_not_a_500(as_user, org):
    manager = as_user(org.manager)
    assert manager.get("/knowledge/", {"category": "abc"}).status_code == 200  # the whole list
    assert manager.post("/knowledge/phrases/", {"delete": "x"}).status_code == 404
    assert manager.post("/knowledge/synonyms/", {"delete": "1 OR 1"}).status_code == 404


def test_a_hostile_query_does_not_break_the_faq(client):
    for q in ('"', "退款 OR", "*", "(", "NEAR(", "'; DROP"):
        assert client.get("/portal/faq/", {"q": q}).status_code == 200
