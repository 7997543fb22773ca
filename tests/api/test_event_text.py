"""The API's timeline gives each event's `text` in the request's language beside its code and data,
and an escalation's reason in words naming what it names."""

from django.test import Client

from kefu.accounts.models import ApiToken
from tests.api.conftest import Api, new_ticket


def speaking(user, language: str) -> Api:
    _token, raw = ApiToken.issue(user=user, name=f"tests-{language}")
    return Api(Client(headers={"Authorization": f"Bearer {raw}", "Accept-Language": language}))


def escalation_of(api: Api, number: str) -> dict:
    return next(e for e in api.get(f"/tickets/{number}/events").json() if e["kind"] == "escalation")


def test_the_same_event_has_chinese_and_english_text(org):
    number = new_ticket(speaking(org.agent, "zh-hans"), subject_person_id=org.other_agent.pk)["number"]

    chinese = escalation_of(speaking(org.supervisor, "zh-hans"), number)
    english = escalation_of(speaking(org.supervisor, "en"), number)

    assert chinese["text"] == f"投诉 {org.other_agent.label}：转交其上级处理"
    assert english["text"] == f"Complaint about {org.other_agent.label}: sent to their superior"
    assert chinese["data"] == english["data"]
    assert (english["data"]["code"], english["data"]["params"]["person"]) == (
        "escalation.complaint",
        org.other_agent.pk,
    )
    assert english["note"] == ""


def test_a_manual_escalation_answers_with_its_reason_naming_the_person(org):
    agent = speaking(org.agent, "en")
    number = new_ticket(agent, accept=True)["number"]

    response = agent.post(f"/tickets/{number}/escalate", {"note": "The customer insists"})

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["reason"], body["details"]["by"]) == ("manual", org.agent.pk)
    assert body["reason_text"] == f"Raised by hand by {org.agent.label}"
    assert escalation_of(agent, number)["note"] == "The customer insists"
