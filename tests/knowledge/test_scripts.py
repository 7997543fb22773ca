"""Scripts (话术): variables filled for a work order, personal and team sets, usage counts, suggestions."""

import pytest

from kefu.core.errors import PermissionDenied, ValidationError
from kefu.knowledge import services, suggest
from kefu.knowledge.models import Audience, Script, Stage
from kefu.tickets.services import ticket_create

pytestmark = pytest.mark.django_db


def make_ticket(org, **fields):
    values = {"ticket_type": "complaint", "channel": "phone", "content": "快递三天没有送到，要求退款",
              "customer_name": "张女士", "customer_phone": "13800138000"}  # fmt: skip
    values.update(fields)
    return ticket_create(by=org.agent, **values).ticket


def test_variables_are_filled_from_the_work_order_and_the_agent(org):
    org.agent.employee_no = "A1024"
    org.agent.save()
    ticket = make_ticket(org)
    script = services.script_create(
        title="致歉", text="{customer_name}您好，我是{agent_no}号，工单{ticket_no}将于{promised_time}前答复。",
        by=org.manager, stage=Stage.OBJECTION_DELAY,
    )  # fmt: skip
    text = services.script_use(script=script, by=org.agent, ticket=ticket)
    assert text.startswith("张女士您好，我是A1024号，工单" + ticket.number)
    assert "{" not in text


def test_each_insertion_counts_one_use(org):
    script = services.script_create(title="问候", text="您好", by=org.manager)
    services.script_use(script=script, by=org.agent)
    services.script_use(script=script, by=org.agent2)
    script.refresh_from_db()
    assert script.usage_count == 2


def test_an_unknown_variable_is_refused_naming_the_field(org):
    with pytest.raises(ValidationError) as error:
        services.script_create(title="x", text="您好{customer}", by=org.manager)
    assert "text" in error.value.errors
    assert not Script.objects.exists()


def test_a_personal_script_is_only_in_its_owners_set(org):
    mine = services.script_create(title="我的问候", text="亲，您好", by=org.agent, personal=True)
    services.script_use(script=mine, by=org.agent)
    with pytest.raises(PermissionDenied):
        services.script_use(script=mine, by=org.agent2)


def test_a_team_script_is_in_the_teams_set_only(org):
    team = services.script_create(title="一组问候", text="您好", by=org.supervisor, group=org.group)
    services.script_use(script=team, by=org.agent2)
    with pytest.raises(PermissionDenied):
        services.script_use(script=team, by=org.other_agent)


def test_an_agent_may_not_write_center_scripts(org):
    with pytest.raises(PermissionDenied):
        services.script_create(title="x", text="y", by=org.agent)


def test_fill_endpoint_returns_the_filled_text(org, as_user):
    ticket = make_ticket(org)
    script = services.script_create(title="确认", text="工单{ticket_no}已受理", by=org.manager)
    response = as_user(org.agent).post(
        f"/knowledge/scripts/{script.pk}/fill/", {"ticket": ticket.number}, content_type="application/json"
    )
    assert response.json()["text"] == f"工单{ticket.number}已受理"


def test_fill_endpoint_refuses_a_work_order_the_agent_may_not_see(org, as_user):
    ticket = make_ticket(org)
    script = services.script_create(title="确认", text="工单{ticket_no}已受理", by=org.manager)
    response = as_user(org.logistics_staff).post(
        f"/knowledge/scripts/{script.pk}/fill/", {"ticket": ticket.number}, content_type="application/json"
    )
    assert response.status_code == 403


def test_suggestions_come_from_the_customers_words(org):
    article = services.article_create(
        title="退款到账时间", body_html="<p>退款三个工作日内到账</p>", by=org.manager
    )
    services.article_create(title="门店营业时间", body_html="<p>每天九点开门</p>", by=org.manager)
    script = services.script_create(title="退款安抚", text="您的退款我们会尽快处理", by=org.manager)
    found = suggest.suggest(text="我的快递三天没有送到，我要退款！", user=org.agent)
    assert [a.pk for a in found.articles] == [article.pk]
    assert found.scripts == [script]


def test_suggestions_never_offer_internal_articles_to_the_public(org):
    from django.contrib.auth.models import AnonymousUser

    services.article_create(title="退款内部口径", body_html="<p>退款</p>", by=org.manager)
    public = services.article_create(title="退款说明", body_html="<p>退款</p>", by=org.manager,
                                     audience=Audience.PUBLIC)  # fmt: skip
    assert [a.pk for a in suggest.suggest(text="退款", user=AnonymousUser()).articles] == [public.pk]


def test_the_work_order_page_offers_scripts_and_suggestions(org, as_user):
    ticket = make_ticket(org)
    services.article_create(title="退款到账时间", body_html="<p>退款三个工作日内到账</p>", by=org.manager)
    services.script_create(title="问候语", text="您好", by=org.manager)
    page = as_user(org.agent).get(f"/tickets/{ticket.number}/").content.decode()
    assert "data-kb-tools" in page and "问候语" in page and "退款到账时间" in page


def test_suggest_endpoint_returns_articles_and_scripts_as_json(org, as_user):
    services.article_create(title="退款到账时间", body_html="<p>退款三个工作日内到账</p>", by=org.manager)
    services.script_create(title="退款安抚", text="您的退款我们会尽快处理", by=org.manager)
    body = as_user(org.agent).get("/knowledge/suggest/", {"q": "我要退款"}).json()
    assert [a["title"] for a in body["articles"]] == ["退款到账时间"]
    assert [s["title"] for s in body["scripts"]] == ["退款安抚"]
    assert "<mark>退款</mark>" in body["articles"][0]["snippet"]


# --- the reply to the customer when resolving ----------------------------------------------------


def test_the_resolve_reply_is_drafted_from_the_result_script_of_the_work_orders_type(org):
    ticket = make_ticket(org, ticket_type="complaint")
    assert (
        services.customer_reply_draft(ticket=ticket, by=org.agent)
        == "您反映的问题已处理完毕，感谢您的耐心等待。"
    )
    services.script_create(
        title="通用答复", text="{customer_name}，已为您处理。", by=org.manager, stage=Stage.RESULT
    )
    services.script_create(title="咨询答复", text="已答复您的咨询。", by=org.manager, stage=Stage.RESULT,
                           ticket_type="consultation")  # fmt: skip
    assert services.customer_reply_draft(ticket=ticket, by=org.agent) == "张女士，已为您处理。"
    services.script_create(
        title="投诉答复", text="{customer_name}您好，您的投诉{ticket_no}已核实处理，给您带来不便深表歉意。",
        by=org.manager, stage=Stage.RESULT, ticket_type="complaint",
    )  # fmt: skip
    draft = services.customer_reply_draft(ticket=ticket, by=org.agent)
    assert draft == f"张女士您好，您的投诉{ticket.number}已核实处理，给您带来不便深表歉意。"
    assert Script.objects.filter(usage_count__gt=0).count() == 0  # a draft is not a use


def test_a_script_for_an_unknown_work_order_type_is_refused(org):
    with pytest.raises(ValidationError) as error:
        services.script_create(
            title="x", text="您好", by=org.manager, stage=Stage.RESULT, ticket_type="nonsense"
        )
    assert "ticket_type" in error.value.errors
