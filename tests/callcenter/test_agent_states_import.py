"""kefu import-calls: a queue_log's member events and calls become agents' state changes (坐席状态)."""

from datetime import UTC, datetime

from kefu.callcenter.agent_states import state_seconds
from kefu.callcenter.imports import import_calls
from kefu.callcenter.models import AgentLine, AgentStateEvent, CallRecord

T0 = 1764550800  # 2025-12-01 01:00:00 UTC = 09:00 Asia/Shanghai
NOW = datetime(2025, 12, 2, tzinfo=UTC)

LINES = [
    f"{T0 - 600}|NONE|support|SIP/1001|ADDMEMBER|",  # 08:50 available
    f"{T0 - 590}|NONE|sales|SIP/1001|ADDMEMBER|",  # a second queue: still available
    f"{T0 - 300}|NONE|support|SIP/7777|ADDMEMBER|",  # an extension without an agent line
    "notatime|NONE|support|SIP/1001|PAUSE|小休",  # refused: no time
    f"{T0 + 100}|NONE|support|NONE|ADDMEMBER|",  # refused: no agent
    f"{T0}|1764550800.1|support||ENTERQUEUE||13800138000|1",
    f"{T0 + 12}|1764550800.1|support|SIP/1001|CONNECT|12|1764550812.5|3",  # 09:00:12 on the call
    f"{T0 + 192}|1764550800.1|support|SIP/1001|COMPLETECALLER|12|180|1",  # 09:03:12 wrap-up …
    f"{T0 + 222}|1764550800.1|support|SIP/1001|WRAPUP|30|退货咨询",  # … of 30 s, to 09:03:42
    f"{T0 + 1800}|NONE|support|SIP/1001|PAUSE|用餐",  # 09:30 break
    f"{T0 + 3600}|NONE|support|SIP/1001|UNPAUSE|",  # 10:00 available
    f"{T0 + 7200}|NONE|support|SIP/1001|REMOVEMEMBER|",  # 11:00 still in sales
    f"{T0 + 7210}|NONE|sales|SIP/1001|REMOVEMEMBER|",  # 11:00:10 logged out
]


def write(tmp_path, text: str):
    path = tmp_path / "queue_log"
    path.write_text(text, encoding="utf-8")
    return path


def test_member_events_and_calls_of_a_queue_log_give_the_agents_states(org, tmp_path):
    AgentLine.objects.create(user=org.agent, extension="1001")
    path = write(tmp_path, "\n".join(LINES) + "\n")

    run = import_calls(path=path, fmt="queue_log", now=NOW)

    assert CallRecord.objects.count() == 1  # the call is imported as before
    events = list(
        AgentStateEvent.objects.filter(agent=org.agent).order_by("at").values_list("state", "reason")
    )
    assert events == [
        ("available", ""),
        ("on_contact", ""),
        ("wrap_up", ""),
        ("available", ""),  # the end of the wrap-up
        ("break", "用餐"),
        ("available", ""),
        ("logged_out", ""),
    ]
    assert (run.agent_states, run.agent_states_unknown) == (7, 1)  # 7 for 1001, 1 for SIP/7777
    refused = {error.line_no: error.reason for error in run.errors.all()}
    assert set(refused) == {4, 5}  # the lines without a time and without an agent
    assert "without an agent" in refused[5]
    assert run.error_count == 2

    seconds = state_seconds(
        start=datetime(2025, 12, 1, 1, tzinfo=UTC), end=datetime(2025, 12, 1, 4, tzinfo=UTC)
    )
    assert seconds[org.agent.pk] == {
        # 09:00–09:00:12 + 09:03:42–09:30 + 10:00–11:00:10 = 12 + 1578 + 3610
        "available": 5200.0,
        "on_contact": 180.0,  # 09:00:12–09:03:12
        "wrap_up": 30.0,  # 09:03:12–09:03:42
        "break": 1800.0,  # 09:30–10:00 用餐
    }  # together 7210 s: logged in from 09:00 (the period's start) to 11:00:10

    again = import_calls(path=path, fmt="queue_log", now=NOW)
    assert again.agent_states == 0
    assert AgentStateEvent.objects.count() == 7


def test_a_member_line_further_ahead_than_the_skew_is_refused_and_a_little_ahead_is_taken_as_now(
    org, tmp_path, settings
):
    settings.KEFU_CALL_SKEW_SECONDS = 5
    AgentLine.objects.create(user=org.agent, extension="1001")
    now = int(NOW.timestamp())
    path = write(
        tmp_path, f"{now + 3}|NONE|support|SIP/1001|ADDMEMBER|\n{now + 60}|NONE|support|SIP/1001|PAUSE|小休\n"
    )
    run = import_calls(path=path, fmt="queue_log", now=NOW)
    assert [(e.line_no, "60 s in the future" in e.reason) for e in run.errors.all()] == [(2, True)]
    assert list(AgentStateEvent.objects.values_list("state", "at")) == [("available", NOW)]
