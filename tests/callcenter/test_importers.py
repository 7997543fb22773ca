"""kefu import-calls: Asterisk queue_log, CDR (Master.csv) and mapped CSV; broken lines; idempotency."""

from datetime import UTC, datetime

import pytest

from kefu.callcenter.imports import import_calls
from kefu.callcenter.models import AgentLine, CallRecord, ImportRun, Outcome
from kefu.cli import main
from kefu.core.errors import ValidationError
from tests.factories import CustomerFactory

T0 = 1764550800  # 2025-12-01 01:00:00 UTC = 09:00 Asia/Shanghai

QUEUE_LOG = f"""\
{T0 - 100}|NONE|NONE|NONE|QUEUESTART|
{T0 - 50}|NONE|support|SIP/1001|ADDMEMBER|
{T0}|1764550800.1|support||ENTERQUEUE||13800138000|1
{T0 + 12}|1764550800.1|support|SIP/1001|CONNECT|12|1764550812.5|3
{T0 + 192}|1764550800.1|support|SIP/1001|COMPLETECALLER|12|180|1
{T0 + 222}|1764550800.1|support|SIP/1001|WRAPUP|30|退货咨询
{T0 + 5}|1764550805.2|support||ENTERQUEUE||13900139000|2
{T0 + 45}|1764550805.2|support||ABANDON|1|2|40
{T0 + 6}|1764550806.3|support||ENTERQUEUE||13700137000|3
{T0 + 306}|1764550806.3|support||EXITWITHTIMEOUT|1|3|300
{T0 + 7}|1764550807.4|sales||ENTERQUEUE||13600136000|1
{T0 + 17}|1764550807.4|sales|PJSIP/agent2|CONNECT|10|1764550817.9|2
{T0 + 77}|1764550807.4|sales|PJSIP/agent2|TRANSFER|8002|from-internal|10|60
"""

BROKEN_LINES = f"""\
this line is not a queue_log line
{T0 + 400}|1764551200.7|support||ENTERQUEUE||13500135000|1
notatime|1764551200.7|support|SIP/1001|CONNECT|5|x|1
{T0 + 405}|1764551200.7|support|SIP/1001|COMPLETEAGENT|five|100|1
{T0 + 505}|1764551200.7|support|SIP/1001|COMPLETEAGENT|5|100|1
{T0 + 506}|1764551200.7|support|SIP/1001|COMPLETECALLER|5|100|1
{T0 + 600}||support||ABANDON|1|1|10
{T0 + 700}|1764551300.8|support||ENTERQUEUE||13400134000|1
"""


def write(tmp_path, name: str, content: str | bytes):
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


def test_queue_log_keeps_queue_times_agent_outcome_and_wrap_up(org, tmp_path):
    AgentLine.objects.create(user=org.agent, extension="1001")
    customer = CustomerFactory(phone="13800138000")
    run = import_calls(path=write(tmp_path, "queue_log", QUEUE_LOG), fmt="queue_log")
    assert (run.imported, run.error_count, run.duplicates) == (4, 0, 0)
    answered = CallRecord.objects.get(external_id="1764550800.1|support")
    assert answered.queue == "support"
    assert answered.arrived_at == datetime.fromtimestamp(T0, tz=UTC)
    assert answered.answered_at == datetime.fromtimestamp(T0 + 12, tz=UTC)
    assert answered.ended_at == datetime.fromtimestamp(T0 + 192, tz=UTC)
    assert (answered.wait_seconds, answered.talk_seconds) == (12, 180)
    assert (answered.wrapup_seconds, answered.wrapup_code) == (30, "退货咨询")
    assert answered.agent == org.agent
    assert answered.customer == customer
    assert answered.outcome == Outcome.ANSWERED


def test_queue_log_outcomes_abandoned_timed_out_transferred(org, tmp_path):
    import_calls(path=write(tmp_path, "queue_log", QUEUE_LOG), fmt="queue_log")
    outcomes = dict(CallRecord.objects.values_list("caller_number", "outcome"))
    assert outcomes == {
        "13800138000": Outcome.ANSWERED,
        "13900139000": Outcome.ABANDONED,
        "13700137000": Outcome.TIMED_OUT,
        "13600136000": Outcome.TRANSFERRED,
    }
    abandoned = CallRecord.objects.get(caller_number="13900139000")
    assert (abandoned.wait_seconds, abandoned.answered_at, abandoned.agent) == (40, None, None)
    transferred = CallRecord.objects.get(caller_number="13600136000")
    assert transferred.agent == org.agent2  # matched by username from PJSIP/agent2
    assert transferred.talk_seconds == 60


def test_queue_log_broken_lines_reported_by_number_and_rest_imported_once(org, tmp_path):
    path = write(tmp_path, "queue_log", QUEUE_LOG + BROKEN_LINES)
    base = QUEUE_LOG.count("\n")
    run = import_calls(path=path, fmt="queue_log")
    reported = {e.line_no: e.reason for e in run.parsed_errors}
    assert sorted(reported) == [base + 1, base + 3, base + 4, base + 6, base + 7]
    assert "fields" in reported[base + 1]
    assert "time" in reported[base + 3]
    assert "data1" in reported[base + 4]
    assert "already ended" in reported[base + 6]
    assert "call id" in reported[base + 7]
    assert run.errors.count() == 5  # stored with the run as well
    assert run.imported == 5  # the four good calls and the one whose good COMPLETEAGENT survived
    assert run.incomplete == 1  # 1764551300.8 is still queueing at the end of the file
    again = import_calls(path=path, fmt="queue_log")
    assert (again.imported, again.duplicates) == (0, 5)
    assert CallRecord.objects.count() == 5


def test_queue_log_call_whose_connect_line_is_broken_still_gets_its_answer_time(org, tmp_path):
    import_calls(path=write(tmp_path, "queue_log", QUEUE_LOG + BROKEN_LINES), fmt="queue_log")
    call = CallRecord.objects.get(caller_number="13500135000")
    assert call.ended_at == datetime.fromtimestamp(T0 + 505, tz=UTC)
    assert call.answered_at == datetime.fromtimestamp(T0 + 405, tz=UTC)  # end minus the 100 s talk
    assert call.wait_seconds == 5


def test_queue_log_overlapping_rotated_file_adds_only_the_new_calls(org, tmp_path):
    import_calls(path=write(tmp_path, "a", QUEUE_LOG), fmt="queue_log")
    more = f"{T0 + 900}|1764551700.9|support||ENTERQUEUE||13300133000|1\n{T0 + 930}|1764551700.9|support||ABANDON|1|1|30\n"
    run = import_calls(path=write(tmp_path, "b", QUEUE_LOG + more), fmt="queue_log")
    assert (run.imported, run.duplicates) == (1, 4)


CDR = (
    '"","13800138000","4008001","from-trunk","""张女士"" <13800138000>","SIP/trunk-00000001",'
    '"SIP/1001-0000000a","Queue","support,t","2025-12-01 09:00:00","2025-12-01 09:00:20",'
    '"2025-12-01 09:05:20",320,300,"ANSWERED","DOCUMENTATION","1764550800.11",""\n'
    '"","13900139000","4008001","from-trunk","13900139000","SIP/trunk-00000002","",'
    '"Queue","support,t","2025-12-01 09:10:00","","2025-12-01 09:10:30",30,0,"NO ANSWER","DOCUMENTATION","1764551400.12",""\n'
    '"","13700137000","4008001","from-trunk","13700137000","SIP/trunk-00000003","",'
    '"Dial","SIP/1002","2025-12-01 09:20:00","","2025-12-01 09:20:03",3,0,"BUSY","DOCUMENTATION"\n'
    '"","short","row"\n'
    '"","13600136000","4008001","from-trunk","x","SIP/t","","Queue","support","yesterday","",'
    '"2025-12-01 09:20:03",3,0,"BUSY","DOCUMENTATION"\n'
)


def test_cdr_master_csv_imports_times_in_the_pbx_time_zone_and_refuses_bad_rows(org, tmp_path):
    AgentLine.objects.create(user=org.agent, extension="1001")
    path = write(tmp_path, "Master.csv", CDR)
    run = import_calls(path=path, fmt="cdr", time_zone="Asia/Shanghai")
    assert run.imported == 3
    assert {e.line_no for e in run.parsed_errors} == {4, 5}
    answered = CallRecord.objects.get(external_id__startswith="1764550800.11")
    assert answered.arrived_at == datetime(2025, 12, 1, 1, 0, tzinfo=UTC)
    assert (answered.wait_seconds, answered.talk_seconds) == (20, 300)
    assert (answered.queue, answered.agent, answered.outcome) == ("support", org.agent, Outcome.ANSWERED)
    outcomes = sorted(CallRecord.objects.values_list("outcome", flat=True))
    assert outcomes == [Outcome.ABANDONED, Outcome.ANSWERED, Outcome.FAILED]
    assert import_calls(path=path, fmt="cdr").imported == 0  # the row without uniqueid too (by digest)


def test_a_mapped_csv_column_gives_the_hold_time_and_a_bad_one_refuses_its_line(org, tmp_path):
    text = (
        "id,arrival,answer,end,outcome,保持时长\n"
        "H-1,2025-12-01 09:00:00,2025-12-01 09:00:10,2025-12-01 09:05:10,answered,00:00:40\n"
        "H-2,2025-12-01 09:01:00,2025-12-01 09:01:10,2025-12-01 09:02:10,answered,\n"
        "H-3,2025-12-01 09:02:00,2025-12-01 09:02:10,2025-12-01 09:03:10,answered,很久\n"
    )
    run = import_calls(path=write(tmp_path, "hold.csv", text), fmt="csv", mapping="hold=保持时长")
    assert run.imported == 2
    assert [(e.line_no, "hold" in e.reason) for e in run.parsed_errors] == [(4, True)]
    holds = dict(CallRecord.objects.values_list("external_id", "hold_seconds"))
    assert holds == {"H-1": 40, "H-2": None}


GENERIC = """\
流水号,队列,主叫号码,开始时间,接听时间,结束时间,坐席,结果,话后处理,话后原因
A-1,售后,138-0013-8000,2025/12/01 09:00:00,2025/12/01 09:00:15,2025/12/01 09:03:15,1001,已接通,00:00:45,退货
A-2,售后,13900139000,2025/12/01 09:05:00,,2025/12/01 09:05:40,,放弃,,
A-3,售后,13700137000,2025/12/01 09:06:00,,2025/12/01 09:06:10,,外星人,,
A-4,售后,13700137000,不是时间,,,,,,
"""
GENERIC_MAP = (
    "id=流水号,queue=队列,caller=主叫号码,arrival=开始时间,answer=接听时间,end=结束时间,"
    "agent=坐席,outcome=结果,wrapup=话后处理,wrapup_code=话后原因"
)


def test_generic_csv_in_gbk_with_a_chinese_column_mapping(org, tmp_path):
    AgentLine.objects.create(user=org.agent, extension="1001")
    customer = CustomerFactory(phone="13800138000")
    path = write(tmp_path, "calls.csv", GENERIC.encode("gbk"))
    run = import_calls(path=path, fmt="csv", mapping=GENERIC_MAP)
    assert run.imported == 2
    assert {e.line_no: e.reason for e in run.parsed_errors}.keys() == {4, 5}
    call = CallRecord.objects.get(external_id="A-1")
    assert (call.queue, call.caller_number, call.agent, call.customer) == (
        "售后",
        "13800138000",
        org.agent,
        customer,
    )
    assert (call.wait_seconds, call.talk_seconds, call.wrapup_seconds, call.wrapup_code) == (
        15,
        180,
        45,
        "退货",
    )
    assert call.arrived_at == datetime(2025, 12, 1, 1, 0, tzinfo=UTC)
    assert CallRecord.objects.get(external_id="A-2").outcome == Outcome.ABANDONED
    assert import_calls(path=path, fmt="csv", mapping=GENERIC_MAP).imported == 0


def test_generic_csv_in_utf8_with_bom_and_without_id_column_is_idempotent(org, tmp_path):
    text = "arrival,caller,talk\n2025-12-01 09:00:00,13800138000,60\n2025-12-01 09:01:00,13900139000,\n"
    path = write(tmp_path, "calls.csv", "\ufeff" + text)
    assert import_calls(path=path, fmt="csv").imported == 2
    assert import_calls(path=path, fmt="csv").imported == 0
    assert dict(CallRecord.objects.values_list("caller_number", "outcome")) == {
        "13800138000": Outcome.ANSWERED,
        "13900139000": Outcome.ABANDONED,
    }


def test_generic_csv_mapping_to_a_missing_column_is_refused_by_name_before_storing(org, tmp_path):
    path = write(tmp_path, "calls.csv", GENERIC)
    with pytest.raises(ValidationError) as caught:
        import_calls(path=path, fmt="csv", mapping="arrival=开始时间,agent=工号")
    assert "map.agent" in caught.value.errors
    assert not ImportRun.objects.exists()


def test_generic_csv_mapping_of_an_unknown_field_is_refused(org, tmp_path):
    with pytest.raises(ValidationError) as caught:
        import_calls(path=write(tmp_path, "c.csv", GENERIC), fmt="csv", mapping="colour=结果")
    assert "map" in caught.value.errors


@pytest.mark.django_db(transaction=True)
def test_cli_import_calls_prints_a_summary_and_each_refused_line(tmp_path, capsys):
    path = write(tmp_path, "queue_log", QUEUE_LOG + BROKEN_LINES)
    assert main(["import-calls", "-f", "queue_log", str(path)]) == 0
    out, err = capsys.readouterr()
    assert "5 calls imported, 0 already present" in out
    assert "5 lines refused" in out
    # No user exists, so the state changes are counted, not stored: SIP/1001 available, on the call,
    # wrap-up (its WRAPUP line), available again = 4; PJSIP/agent2 on the call, available = 2.
    assert "; 0 agent state changes imported, 6 of agents without an agent line (skipped)" in out
    base = QUEUE_LOG.count("\n")
    assert f"{path}:{base + 1}: " in err
    assert main(["import-calls", "-f", "queue_log", "--quiet-errors", str(path)]) == 0
    assert "0 calls imported, 5 already present" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
def test_cli_import_calls_exits_2_on_an_unreadable_file(tmp_path, capsys):
    assert main(["import-calls", "-f", "queue_log", str(tmp_path / "missing")]) == 2
    assert "not imported" in capsys.readouterr().err


def test_a_number_two_customers_share_goes_to_the_older_one_as_the_capture_form_picks(org, tmp_path):
    older = CustomerFactory(phone="13800138000")
    CustomerFactory(phone="13800138000")
    import_calls(path=write(tmp_path, "queue_log", QUEUE_LOG), fmt="queue_log")
    assert CallRecord.objects.get(caller_number="13800138000").customer == older


def _many_calls(count: int, start: int = 0) -> str:
    lines = []
    for n in range(start, start + count):
        t = T0 + n
        lines.append(f"{t}|{t}.{n}|support||ENTERQUEUE||139{n:08d}|1")
        lines.append(f"{t + 5}|{t}.{n}|support|SIP/1001|CONNECT|5|x|1")
        lines.append(f"{t + 65}|{t}.{n}|support|SIP/1001|COMPLETECALLER|5|60|1")
    return "\n".join(lines) + "\n"


@pytest.mark.django_db(transaction=True)
def test_batches_stored_side_by_side_on_postgresql_store_every_call_once(tmp_path):
    """Outside a transaction PostgreSQL stores batches on several connections (SQLite: one)."""
    from tests.org import build_org

    org = build_org()
    AgentLine.objects.create(user=org.agent, extension="1001")
    customer = CustomerFactory(phone="13900000007")
    path = write(tmp_path, "queue_log", _many_calls(230))

    run = import_calls(path=path, fmt="queue_log", batch_size=20)
    again = import_calls(path=write(tmp_path, "more", _many_calls(250)), fmt="queue_log", batch_size=20)

    assert (run.imported, run.duplicates) == (230, 0)
    assert (again.imported, again.duplicates) == (20, 230)
    assert CallRecord.objects.count() == 250
    assert CallRecord.objects.filter(agent=org.agent).count() == 250
    assert CallRecord.objects.get(caller_number="13900000007").customer == customer


@pytest.mark.django_db(transaction=True)
def test_a_batch_that_fails_on_another_connection_fails_the_import(tmp_path, monkeypatch):
    from kefu.callcenter.imports import storage

    real = storage.insert_calls
    calls = {"n": 0}

    def failing(conn, rows):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("the disk is full")
        return real(conn, rows)

    monkeypatch.setattr(storage, "insert_calls", failing)
    with pytest.raises(RuntimeError, match="disk is full"):
        import_calls(path=write(tmp_path, "queue_log", _many_calls(200)), fmt="queue_log", batch_size=20)
    monkeypatch.setattr(storage, "insert_calls", real)

    stored = CallRecord.objects.count()
    assert stored < 200 and stored % 20 == 0  # whole batches only: each is its own transaction
    run = import_calls(path=write(tmp_path, "queue_log", _many_calls(200)), fmt="queue_log", batch_size=20)
    assert (run.imported, run.duplicates) == (200 - stored, stored)  # the re-run finishes the job
