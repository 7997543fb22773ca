"""The knowledge API: search with snippets, the phrase check, the rule export, a filled script."""

import pytest

from kefu.knowledge import phrases, services

pytestmark = pytest.mark.django_db


def test_article_search_returns_the_best_first_with_a_marked_snippet(org, as_user):
    services.article_create(title="售后总览", body_html="<p>退款退款退款</p>", by=org.manager)
    services.article_create(title="退款", body_html="<p>七天无理由退款</p>", by=org.manager)
    rows = as_user(org.agent).get("/api/knowledge/articles", {"q": "退款"}).json()
    assert [r["title"] for r in rows] == ["退款", "售后总览"]
    assert "<mark>退款</mark>" in rows[0]["snippet"]


def test_the_api_needs_signing_in(client):
    assert client.get("/api/knowledge/articles").status_code == 401


def test_phrase_check_over_the_api(org, as_user):
    phrases.phrase_rule_save(phrase="不知道", alternative="我帮您确认", by=org.manager)
    body = as_user(org.agent).post("/api/knowledge/phrases/check", {"text": "不知道"},
                                   content_type="application/json").json()  # fmt: skip
    assert body["ok"] is False and body["forbidden"][0]["alternative"] == "我帮您确认"


def test_rule_export_over_the_api(org, as_user):
    phrases.phrase_rule_save(phrase="不知道", by=org.manager)
    assert [r["phrase"] for r in as_user(org.qa).get("/api/knowledge/phrases").json()] == ["不知道"]


def test_a_script_another_team_keeps_is_refused_over_the_api(org, as_user):
    script = services.script_create(title="一组", text="您好", by=org.supervisor, group=org.group)
    response = as_user(org.other_agent).post(f"/api/knowledge/scripts/{script.pk}/fill", {},
                                             content_type="application/json")  # fmt: skip
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"


def test_the_reply_draft_for_resolving_comes_from_the_result_script_over_the_api(org, as_user):
    from kefu.knowledge.models import Stage
    from kefu.tickets.services import ticket_create

    ticket = ticket_create(by=org.agent, ticket_type="complaint", channel="phone", content="快递没到",
                           customer_name="张女士", customer_phone="13800138000").ticket  # fmt: skip
    script = services.script_create(title="投诉答复", text="{customer_name}，已为您补发。", by=org.manager,
                                    stage=Stage.RESULT, ticket_type="complaint")  # fmt: skip
    body = as_user(org.agent).get("/api/knowledge/reply-draft", {"ticket": ticket.number}).json()
    assert body == {"text": "张女士，已为您补发。", "script_id": script.pk}
    hidden = as_user(org.logistics_staff).get("/api/knowledge/reply-draft", {"ticket": ticket.number})
    assert hidden.status_code == 404  # a work order the caller may not see is not found
