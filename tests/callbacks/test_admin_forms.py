"""Administrators configure lists by ticking boxes or writing one item a line, never by typing JSON:
a callback plan's work-order types and customer tiers, a survey question's answers, a webhook's events."""

import pytest

from kefu.callbacks.models import CallbackPlan, Question, Script
from kefu.notify.models import Webhook

pytestmark = pytest.mark.django_db


def plan_post(org, **fields):
    data = {
        "name": "维修回访",
        "trigger": "resolved",
        "period_days": 30,
        "visits": 1,
        "days_before": 30,
        "script": Script.objects.get(name="投诉回访").pk,
        "team": org.team.pk,
        "due_minutes": 1440,
        "max_attempts": 3,
        "retry_minutes": 120,
        "is_active": "on",
    }
    data.update(fields)
    return data


def test_a_plan_offers_work_order_types_and_tiers_as_labelled_checkboxes(org, admin_client):
    page = admin_client.get("/admin/callbacks/callbackplan/add/").content.decode()

    assert 'type="checkbox" name="ticket_types" value="complaint"' in page
    assert 'type="checkbox" name="customer_tiers" value="B"' in page
    assert '<textarea name="ticket_types"' not in page
    assert "投诉" in page  # the label, in the administrator's language


def test_a_plan_saves_the_ticked_types_as_a_list(org, admin_client):
    response = admin_client.post(
        "/admin/callbacks/callbackplan/add/",
        plan_post(org, ticket_types=["repair", "complaint"], customer_tiers=["B"]),
    )

    assert response.status_code == 302
    plan = CallbackPlan.objects.get(name="维修回访")
    assert plan.ticket_types == ["complaint", "repair"]  # in the choices' order
    assert plan.customer_tiers == ["B"]


def test_a_plan_refuses_an_unknown_type_and_shows_the_saved_ones_ticked(org, admin_client):
    response = admin_client.post("/admin/callbacks/callbackplan/add/", plan_post(org, ticket_types=["fraud"]))

    assert response.status_code == 200
    assert not CallbackPlan.objects.filter(name="维修回访").exists()
    assert "fraud" in response.context["adminform"].form.errors["ticket_types"][0]

    page = admin_client.get(f"/admin/callbacks/callbackplan/{org.plan.pk}/change/").content.decode()
    assert 'type="checkbox" name="ticket_types" value="complaint" id="id_ticket_types_1" checked' in page


def script_post(**question):
    data = {
        "name": "满意度回访",
        "is_active": "on",
        "questions-TOTAL_FORMS": 1,
        "questions-INITIAL_FORMS": 0,
        "questions-MIN_NUM_FORMS": 0,
        "questions-MAX_NUM_FORMS": 1000,
        "questions-0-position": 1,
        "questions-0-text": "您对处理结果满意吗？",
        "questions-0-required": "on",
    }
    data.update({f"questions-0-{key}": value for key, value in question.items()})
    return data


def test_a_choice_question_takes_its_answers_one_a_line(org, admin_client):
    response = admin_client.post(
        "/admin/callbacks/script/add/",
        script_post(kind="choice", role="satisfaction", choices="满意\n 基本满意 \n\n不满意\n满意"),
    )

    assert response.status_code == 302
    question = Question.objects.get(script__name="满意度回访")
    assert question.choices == ["满意", "基本满意", "不满意"]
    page = admin_client.get(f"/admin/callbacks/script/{question.script_id}/change/").content.decode()
    assert "满意\n基本满意\n不满意</textarea>" in page


def test_a_choice_question_needs_two_answers(org, admin_client):
    response = admin_client.post("/admin/callbacks/script/add/", script_post(kind="choice", choices="满意"))

    assert response.status_code == 200
    assert not Script.objects.filter(name="满意度回访").exists()
    assert "单选题至少需要两个选项，每行一个。" in response.content.decode()


def test_a_webhook_ticks_event_kinds_and_every_event_wins(org, admin_client):
    page = admin_client.get("/admin/notify/webhook/add/").content.decode()
    assert 'type="checkbox" name="events" value="*"' in page
    assert 'type="checkbox" name="events" value="transition"' in page

    response = admin_client.post(
        "/admin/notify/webhook/add/",
        {"name": "ERP", "url": "https://erp.example/hook", "secret": "s" * 32, "events": ["transition", "created"],
         "is_active": "on"},
    )  # fmt: skip
    assert response.status_code == 302
    assert Webhook.objects.get(name="ERP").events == ["created", "transition"]

    admin_client.post(
        "/admin/notify/webhook/add/",
        {"name": "BI", "url": "https://bi.example/hook", "secret": "s" * 32, "events": ["*", "created"]},
    )
    assert Webhook.objects.get(name="BI").events == ["*"]


def test_a_webhook_without_events_is_refused(org, admin_client):
    response = admin_client.post(
        "/admin/notify/webhook/add/", {"name": "ERP", "url": "https://erp.example/hook", "secret": "s" * 32}
    )

    assert response.status_code == 200
    assert not Webhook.objects.exists()
