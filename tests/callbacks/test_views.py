"""The callback pages, the public survey page and the measures API."""

from datetime import timedelta

import time_machine
from django.test import Client
from django.utils import timezone

from kefu.accounts.models import ApiToken
from kefu.callbacks.models import CallbackTask, Feedback, Satisfaction, SurveySettings
from kefu.callbacks.services import callback_plan_generate
from kefu.callbacks.services.surveys import survey_token
from kefu.tickets.models import Escalation, Status
from tests.callbacks.conftest import resolved_complaint
from tests.tickets.helpers import MONDAY_9, REPLY, new_ticket, perform


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_survey_page_in_english_records_a_not_satisfied_answer(org):
    ticket = resolved_complaint(org)
    client = Client(headers={"Accept-Language": "en"})
    url = f"/survey/{survey_token(ticket)}/"
    page = client.get(url)
    assert page.status_code == 200 and "How did we do?" in page.text
    response = client.post(url, {"score": "dissatisfied", "comment": "还是没解决"})
    assert response.status_code == 302
    assert "A supervisor will look into your request again" in client.get(url).text
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
    assert Escalation.objects.filter(ticket=ticket, reason="dissatisfied").exists()


def test_survey_page_is_chinese_by_default(org):
    ticket = resolved_complaint(org)
    page = Client().get(f"/survey/{survey_token(ticket)}/")
    assert "请评价我们的服务" in page.text and "基本满意" in page.text


def test_survey_page_shows_the_reply_to_the_customer_never_the_internal_note(org):
    ticket = new_ticket(org)
    for action in ("accept", "start"):
        ticket = perform(org, ticket, action)
    ticket = perform(org, ticket, "resolve", note="仓库漏发，已扣仓库主管绩效")
    page = Client().get(f"/survey/{survey_token(ticket)}/")
    assert REPLY in page.text
    assert "仓库主管" not in page.text


def test_survey_page_without_a_choice_names_the_problem_and_saves_nothing(org):
    ticket = resolved_complaint(org)
    response = Client(headers={"Accept-Language": "en"}).post(
        f"/survey/{survey_token(ticket)}/", {"comment": "x"}
    )
    assert response.status_code == 422
    assert "Choose one of the ratings." in response.text
    assert not Satisfaction.objects.exists()


def test_survey_page_on_the_five_point_scale(org):
    config = SurveySettings.load()
    config.scale = SurveySettings.ScaleKind.FIVE
    config.save()
    ticket = resolved_complaint(org)
    Client().post(f"/survey/{survey_token(ticket)}/", {"scale": "5"})
    assert Satisfaction.objects.get().scale == 5


def test_expired_survey_link_answers_410(org):
    ticket = resolved_complaint(org)
    with time_machine.travel(timezone.now() - timedelta(days=30), tick=False):
        token = survey_token(ticket)
    assert Client().get(f"/survey/{token}/").status_code == 410
    assert Client().get("/survey/garbage/").status_code == 404


def test_callback_queue_and_script_page_for_the_team(org):
    ticket = resolved_complaint(org)
    callback_plan_generate(plan=org.plan, now=MONDAY_9)
    task = CallbackTask.objects.get()
    client = signed_in(org.caller)
    queue = client.get("/callbacks/")
    assert queue.status_code == 200 and ticket.number in queue.text
    assert (
        client.post(f"/callbacks/tasks/{task.pk}/", {"action": "attempt", "result": "busy"}).status_code
        == 302
    )
    questions = {q.role or q.kind: q for q in task.plan.script.questions.all()}
    response = client.post(
        f"/callbacks/tasks/{task.pk}/",
        {"action": "complete", f"q{questions['solved'].pk}": "已解决", f"q{questions['satisfaction'].pk}": "满意",
         f"q{questions['feedback'].pk}": "谢谢你们"},
    )  # fmt: skip
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.state == CallbackTask.State.DONE and task.attempt_count == 2
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    assert Feedback.objects.filter(kind="praise").exists()


def test_bad_script_answers_are_shown_not_a_500(org):
    resolved_complaint(org)
    callback_plan_generate(plan=org.plan, now=MONDAY_9)
    task = CallbackTask.objects.get()
    response = signed_in(org.caller).post(f"/callbacks/tasks/{task.pk}/", {"action": "complete"})
    assert response.status_code == 422
    assert task.attempts.count() == 0


def test_someone_outside_the_team_cannot_open_a_task(org):
    resolved_complaint(org)
    callback_plan_generate(plan=org.plan, now=MONDAY_9)
    task = CallbackTask.objects.get()
    assert signed_in(org.agent).get(f"/callbacks/tasks/{task.pk}/").status_code == 403


def test_supervisor_pages_render_and_report_exports_xlsx(org):
    ticket = resolved_complaint(org)
    Client().post(f"/survey/{survey_token(ticket)}/", {"score": "dissatisfied"})
    client = signed_in(org.supervisor)
    assert ticket.number in client.get("/callbacks/reviews/").text
    assert client.get("/callbacks/report/?week=2026-W48").status_code == 200
    xlsx = client.get("/callbacks/report/?week=2026-W48&format=xlsx")
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert client.get("/callbacks/measures/").status_code == 200
    assert client.get("/callbacks/feedback/").status_code == 200
    assert signed_in(org.agent).get("/callbacks/reviews/").status_code == 403


def test_measures_api_for_supervisors(org):
    ticket = resolved_complaint(org)
    Client().post(f"/survey/{survey_token(ticket)}/", {"score": "satisfied"})
    _token, raw = ApiToken.issue(user=org.supervisor, name="t")
    api = Client(headers={"Authorization": f"Bearer {raw}"})
    body = api.get("/api/callbacks/measures", {"by": "channel"}).json()
    assert body["satisfaction"] == [{"key": "phone", "answers": 1, "not_satisfied": 0, "rate": 1.0}]
    assert api.get("/api/callbacks/measures", {"by": "colour"}).status_code == 422
    _t, agent_raw = ApiToken.issue(user=org.agent, name="t")
    assert (
        Client(headers={"Authorization": f"Bearer {agent_raw}"}).get("/api/callbacks/measures").status_code
        == 403
    )


def test_measures_api_refusals_are_chinese_with_codes(org):
    _token, raw = ApiToken.issue(user=org.supervisor, name="t")
    api = Client(headers={"Authorization": f"Bearer {raw}"})
    colour = api.get("/api/callbacks/measures", {"by": "colour"}).json()
    assert colour["details"][0]["code"] == "invalid_choice"
    assert colour["errors"]["by"][0].startswith("可选值：")
    backwards = api.get(
        "/api/callbacks/measures", {"start": "2026-12-02T00:00:00+08:00", "end": "2026-12-01T00:00:00+08:00"}
    ).json()
    assert (backwards["details"][0]["field"], backwards["details"][0]["code"]) == ("start", "out_of_range")
    assert backwards["errors"]["start"] == ["必须早于结束时间。"]
    _t, agent_raw = ApiToken.issue(user=org.agent, name="t")
    denied = Client(headers={"Authorization": f"Bearer {agent_raw}"}).get("/api/callbacks/measures").json()
    assert denied["message"] == "仅限主管、经理和质检员。"
