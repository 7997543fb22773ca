"""The wallboard (实时监控大屏): agents by state, and a refresh whenever an agent's state changes."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from kefu.callcenter.agent_states import StateRow, agent_state_record, agent_states_store
from kefu.reports import wallboard

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 3, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def refreshes(monkeypatch):
    calls = []
    monkeypatch.setattr(wallboard, "changed", lambda: calls.append(1))
    return calls


def test_a_state_change_refreshes_the_open_boards(org, refreshes):
    agent_state_record(agent=org.agent, state="available", source="cti", by=None, at=NOW, now=NOW)

    assert len(refreshes) == 1


def test_an_imported_batch_of_states_refreshes_them_once_and_a_repeat_not_at_all(org, refreshes):
    rows = [
        StateRow("q-1", org.agent.pk, "available", NOW.replace(hour=9)),
        StateRow("q-2", org.agent2.pk, "break", NOW.replace(hour=9), "用餐"),
    ]

    assert agent_states_store(source="queue_log", states=rows, now=NOW) == 2
    assert len(refreshes) == 1
    assert agent_states_store(source="queue_log", states=rows, now=NOW) == 0  # nothing new
    assert len(refreshes) == 1


def test_the_board_shows_agents_by_state(org, refreshes):
    agent_state_record(
        agent=org.agent, state="available", source="cti", by=None, at=NOW.replace(hour=9), now=NOW
    )
    agent_state_record(
        agent=org.agent2, state="break", source="cti", by=None, at=NOW.replace(hour=9), now=NOW
    )

    counts = {row["state"]: row["count"] for row in wallboard.agent_counts(now=NOW)}

    assert counts == {"logged_out": 0, "available": 1, "on_contact": 0, "wrap_up": 0, "break": 1}


def test_the_wallboard_page_shows_agents_by_state_in_chinese(org, client, refreshes):
    from django.utils import timezone

    now = timezone.now()
    agent_state_record(agent=org.agent, state="on_contact", source="cti", by=None, at=now, now=now)
    client.force_login(org.supervisor)

    page = client.get("/reports/wallboard/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert 'data-agents="on_contact">1<' in page
    assert 'data-agents="available">0<' in page  # every state, 0 included
    assert "服务中" in page and "签出" in page
