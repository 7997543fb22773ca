"""POST /api/telephony/agent-states: the PBX reports agents' states (坐席状态)."""

import json
from datetime import UTC, datetime

import pytest
from django.test import Client

from kefu.callcenter.agent_states import state_seconds
from kefu.callcenter.models import AgentLine, AgentStateEvent
from tests.api.conftest import token_client

SECRET = "cti-shared-secret-for-tests"
T = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai


@pytest.fixture
def cti(settings):
    settings.KEFU_CTI_TOKEN = SECRET
    return Client(headers={"X-Kefu-CTI-Token": SECRET})


def post(client: Client, **body):
    return client.post("/api/telephony/agent-states", json.dumps(body), content_type="application/json")


def test_the_pbx_posts_states_by_extension_and_a_repeated_event_adds_nothing(cti, org):
    AgentLine.objects.create(user=org.agent, extension="8001")
    response = post(
        cti, agent="SIP/8001", state="break", reason="用餐", at="2026-12-01T09:00:00+08:00", event_id="e1"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["agent"], body["state"], body["reason"], body["source"]) == ("agent", "break", "用餐", "cti")
    assert (body["external_id"], body["duplicate"]) == ("e1", False)
    assert (
        post(cti, agent="8001", state="available", at="2026-12-01T09:20:00+08:00", event_id="e2").status_code
        == 200
    )

    again = post(
        cti, agent="8001", state="break", reason="用餐", at="2026-12-01T09:00:00+08:00", event_id="e1"
    )
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert again.json()["id"] == body["id"]
    assert AgentStateEvent.objects.count() == 2
    # break 09:00–09:20 = 1200 s, available 09:20–09:30 = 600 s
    seconds = state_seconds(start=T, end=datetime(2026, 12, 1, 1, 30, tzinfo=UTC))[org.agent.pk]
    assert (seconds["break"], seconds["available"]) == (1200.0, 600.0)


def test_an_unknown_agent_is_refused_naming_the_code(cti, org):
    response = post(cti, agent="9999", state="available", at=T.isoformat())
    assert response.status_code == 422
    problem = response.json()["details"][0]
    assert (problem["field"], problem["code"]) == ("agent", "not_found")
    assert "9999" in problem["message"]
    assert not AgentStateEvent.objects.exists()


def test_an_unknown_state_is_a_field_error_with_its_code(cti, org):
    AgentLine.objects.create(user=org.agent, extension="8001")
    response = post(cti, agent="8001", state="lunch", at=T.isoformat())
    assert response.status_code == 422
    problem = response.json()["details"][0]
    assert (problem["field"], problem["code"]) == ("state", "invalid_choice")
    assert not AgentStateEvent.objects.exists()


def test_without_the_cti_token_only_staff_post_and_an_agent_only_their_own_state(org):
    assert (
        Client().post("/api/telephony/agent-states", "{}", content_type="application/json").status_code == 401
    )
    own = token_client(org.agent).post("/telephony/agent-states", {"agent": "agent", "state": "break"})
    assert own.status_code == 200
    other = token_client(org.agent).post("/telephony/agent-states", {"agent": "agent2", "state": "break"})
    assert other.status_code == 403
    outsider = token_client(org.logistics_staff).post(
        "/telephony/agent-states", {"agent": "agent", "state": "break"}
    )
    assert outsider.status_code == 403
    assert AgentStateEvent.objects.count() == 1
