"""Call logs as real PBXs write them: clock skew, the queue fact, outcome words, changed lines, files
without ids, and garbage numbers (inf, nan, huge, 0)."""

import hashlib
from datetime import UTC, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kefu.callcenter.imports import import_calls
from kefu.callcenter.models import CallRecord, ImportRun, Outcome, OutcomeWord
from kefu.cli import main
from tests.callcenter.test_importers import T0, write
from tests.factories import CustomerFactory


def at(seconds: int) -> datetime:
    return datetime.fromtimestamp(T0 + seconds, tz=UTC)


def iso(seconds: int) -> str:
    return at(seconds).isoformat()


def csv_file(tmp_path, *rows: str, header: str = "id,arrival,answer,end,outcome", name: str = "calls.csv"):
    return write(tmp_path, name, "\n".join([header, *rows]) + "\n")


def errors_of(run) -> dict[int, str]:
    return {e.line_no: e.reason for e in run.parsed_errors}


# --- clock skew ---------------------------------------------------------------------------------


def test_an_answer_stamped_seconds_before_the_arrival_is_clamped_and_counted(org, tmp_path):
    path = csv_file(
        tmp_path,
        f"A-1,{iso(0)},{iso(-2)},{iso(60)},answered",  # the PBX's clocks disagree by 2 s
        f"A-2,{iso(0)},{iso(5)},{iso(60)},answered",
    )
    run = import_calls(path=path, fmt="csv")
    assert (run.imported, run.skewed, run.error_count) == (2, 1, 0)
    call = CallRecord.objects.get(external_id="A-1")
    assert call.answered_at == call.arrived_at == at(0)
    assert (call.wait_seconds, call.talk_seconds) == (0, 60)
    assert ImportRun.objects.get().skewed == 1


def test_skew_beyond_the_tolerance_refuses_the_line_naming_both_times(org, tmp_path):
    path = csv_file(
        tmp_path,
        f"A-1,{iso(0)},{iso(-30)},{iso(60)},answered",
        f"A-2,{iso(0)},{iso(5)},{iso(60)},answered",
    )
    run = import_calls(path=path, fmt="csv")
    assert (run.imported, run.skewed) == (1, 0)
    reason = errors_of(run)[2]
    assert "the answer is 30 s before the arrival" in reason and "5 s clock skew" in reason


def test_the_skew_tolerance_comes_from_the_setting_or_the_import_option(org, tmp_path, settings):
    path = csv_file(tmp_path, f"A-1,{iso(0)},{iso(-8)},{iso(60)},answered")
    assert import_calls(path=path, fmt="csv").error_count == 1  # default 5 s
    settings.KEFU_CALL_SKEW_SECONDS = 10
    assert import_calls(path=path, fmt="csv").skewed == 1
    CallRecord.objects.all().delete()
    assert import_calls(path=path, fmt="csv", skew_seconds=0).error_count == 1


def test_queue_log_connect_logged_a_second_before_enterqueue_is_clamped(org, tmp_path):
    log = (
        f"{T0}|c1|support||ENTERQUEUE||13800138000|1\n"
        f"{T0 - 1}|c1|support|SIP/1001|CONNECT|0|x|1\n"
        f"{T0 + 60}|c1|support|SIP/1001|COMPLETECALLER|0|61|1\n"
        f"{T0}|c2|support||ENTERQUEUE||13900139000|1\n"
        f"{T0 - 60}|c2|support|SIP/1001|CONNECT|0|x|1\n"
        f"{T0 + 60}|c2|support|SIP/1001|COMPLETECALLER|0|120|1\n"
    )
    run = import_calls(path=write(tmp_path, "queue_log", log), fmt="queue_log")
    assert (run.imported, run.skewed) == (1, 1)
    assert CallRecord.objects.get(external_id="c1|support").answered_at == at(0)
    assert list(errors_of(run)) == [6]  # c2, reported at its ending line
    assert "60 s before the arrival" in errors_of(run)[6]


def test_cdr_end_stamped_before_the_answer_is_clamped(org, tmp_path):
    row = (
        '"","13800138000","4008001","ctx","x","SIP/t-1","SIP/1001-2","Queue","support",'
        '"2025-12-01 09:00:00","2025-12-01 09:00:20","2025-12-01 09:00:18",18,0,"ANSWERED","DOCUMENTATION","u1"\n'
    )
    run = import_calls(path=write(tmp_path, "Master.csv", row), fmt="cdr", time_zone="Asia/Shanghai")
    assert (run.imported, run.skewed) == (1, 1)
    call = CallRecord.objects.get()
    assert call.ended_at == call.answered_at == datetime(2025, 12, 1, 1, 0, 20, tzinfo=UTC)


# --- queued or not, and when ----------------------------------------------------------------------


def test_queue_log_calls_are_queued_from_their_enterqueue_time(org, tmp_path):
    log = f"{T0}|c1|support||ENTERQUEUE||13800138000|1\n{T0 + 40}|c1|support||ABANDON|1|1|40\n"
    import_calls(path=write(tmp_path, "queue_log", log), fmt="queue_log")
    call = CallRecord.objects.get()
    assert (call.queued, call.queued_at) == (True, at(0))


def test_cdr_says_queued_when_the_last_application_is_queue(org, tmp_path):
    rows = (
        '"","13800138000","400","ctx","x","SIP/t-1","","Queue","support,t",'
        '"2025-12-01 09:00:00","","2025-12-01 09:00:30",30,0,"NO ANSWER","DOCUMENTATION","u1"\n'
        '"","13900139000","400","ctx","x","SIP/t-2","","Dial","SIP/1002",'
        '"2025-12-01 09:01:00","","2025-12-01 09:01:03",3,0,"BUSY","DOCUMENTATION","u2"\n'
    )
    import_calls(path=write(tmp_path, "Master.csv", rows), fmt="cdr")
    assert dict(CallRecord.objects.values_list("caller_number", "queued")) == {
        "13800138000": True,
        "13900139000": False,
    }


def test_csv_keeps_the_queued_column_and_the_queue_entry_time(org, tmp_path):
    path = csv_file(
        tmp_path,
        f"A-1,{iso(0)},{iso(10)},{iso(60)},是,{iso(3)}",
        f"A-2,{iso(0)},,{iso(5)},否,",
        f"A-3,{iso(0)},,{iso(5)},,{iso(-1)}",  # entered the queue 1 s "before" arriving: skew
        f"A-4,{iso(0)},,{iso(5)},,",
        f"A-5,{iso(0)},,{iso(5)},maybe,",
        f"A-6,{iso(0)},{iso(1)},{iso(60)},,{iso(4)}",  # answered before entering the queue
        header="id,arrival,answer,end,queued,queued_at",
    )
    run = import_calls(path=path, fmt="csv")
    facts = {c.external_id: (c.queued, c.queued_at) for c in CallRecord.objects.all()}
    assert facts == {
        "A-1": (True, at(3)),
        "A-2": (False, None),
        "A-3": (True, at(0)),
        "A-4": (None, None),
        "A-6": (True, at(4)),
    }
    assert run.skewed == 2
    assert CallRecord.objects.get(external_id="A-6").answered_at == at(4)
    assert "neither yes nor no" in errors_of(run)[6]


# --- outcome words ------------------------------------------------------------------------------------


def test_freeswitch_hangup_causes_map_to_outcomes(org, tmp_path):
    path = csv_file(
        tmp_path,
        f"F-1,{iso(0)},{iso(9)},{iso(60)},NORMAL_CLEARING",
        f"F-2,{iso(0)},,{iso(30)},NORMAL_CLEARING",
        f"F-3,{iso(0)},,{iso(8)},ORIGINATOR_CANCEL",
        f"F-4,{iso(0)},,{iso(2)},USER_BUSY",
        f"F-5,{iso(0)},,{iso(40)},呼损",
        f"F-6,{iso(0)},,{iso(40)},no_answer",
    )
    run = import_calls(path=path, fmt="csv")
    assert run.error_count == 0
    assert dict(CallRecord.objects.values_list("external_id", "outcome")) == {
        "F-1": Outcome.ANSWERED,
        "F-2": Outcome.ABANDONED,
        "F-3": Outcome.ABANDONED,
        "F-4": Outcome.FAILED,
        "F-5": Outcome.ABANDONED,
        "F-6": Outcome.ABANDONED,
    }


def test_an_unknown_outcome_word_is_a_line_error_saying_how_to_map_it_then_the_mapping_imports_it(
    org, tmp_path
):
    path = csv_file(tmp_path, f"A-1,{iso(0)},,{iso(30)},客户速挂", f"A-2,{iso(0)},,{iso(30)},放弃")
    run = import_calls(path=path, fmt="csv")
    assert run.imported == 1
    assert "'客户速挂'" in errors_of(run)[2] and "Outcome words" in errors_of(run)[2]
    OutcomeWord.objects.create(word=" 客户速挂 ", outcome=Outcome.ABANDONED)
    again = import_calls(path=path, fmt="csv")
    assert (again.imported, again.error_count) == (1, 0)
    assert CallRecord.objects.get(external_id="A-1").outcome == Outcome.ABANDONED


def test_a_sites_outcome_word_overrides_a_built_in_one_in_every_format(org, tmp_path):
    OutcomeWord.objects.create(word="EXITEMPTY", outcome=Outcome.TIMED_OUT)
    OutcomeWord.objects.create(word="congestion", outcome=Outcome.ABANDONED)
    log = f"{T0}|c1|support||ENTERQUEUE||13800138000|1\n{T0 + 9}|c1|support||EXITEMPTY|1|1|9\n"
    import_calls(path=write(tmp_path, "queue_log", log), fmt="queue_log")
    cdr = (
        '"","13900139000","400","ctx","x","SIP/t-2","","Dial","SIP/1002",'
        '"2025-12-01 09:01:00","","2025-12-01 09:01:03",3,0,"CONGESTION","DOCUMENTATION","u2"\n'
        '"","13700137000","400","ctx","x","SIP/t-3","","Dial","SIP/1002",'
        '"2025-12-01 09:02:00","","2025-12-01 09:02:03",3,0,"RINGING?","DOCUMENTATION","u3"\n'
    )
    run = import_calls(path=write(tmp_path, "Master.csv", cdr), fmt="cdr")
    assert dict(CallRecord.objects.values_list("caller_number", "outcome")) == {
        "13800138000": Outcome.TIMED_OUT,
        "13900139000": Outcome.ABANDONED,
    }
    assert "unknown outcome 'RINGING?'" in errors_of(run)[2]


def test_an_unanswered_cdr_with_a_zero_answer_date_is_not_refused(org, tmp_path):
    row = (
        '"","13800138000","400","ctx","x","SIP/t-1","","Queue","support",'
        '"2025-12-01 09:00:00","0000-00-00 00:00:00","2025-12-01 09:00:30",30,0,"NO ANSWER","DOCUMENTATION","u1"\n'
    )
    run = import_calls(path=write(tmp_path, "Master.csv", row), fmt="cdr")
    assert (run.imported, run.error_count) == (1, 0)


# --- changed lines under the same ids -------------------------------------------------------------


def test_a_line_changed_under_the_same_id_is_reported_changed_and_kept(org, tmp_path):
    first = csv_file(tmp_path, f"A-1,{iso(0)},{iso(5)},{iso(60)},answered", f"A-2,{iso(0)},,{iso(9)},放弃")
    import_calls(path=first, fmt="csv")
    second = csv_file(
        tmp_path,
        f"A-1,{iso(0)},{iso(5)},{iso(90)},answered",  # the PBX re-exported it with the real end
        f"A-2,{iso(0)},,{iso(9)},放弃",
        f"A-3,{iso(0)},,{iso(9)},放弃",
        name="again.csv",
    )
    run = import_calls(path=second, fmt="csv")
    assert (run.imported, run.duplicates, run.changed, run.updated) == (1, 1, 1, 0)
    assert CallRecord.objects.get(external_id="A-1").ended_at == at(60)


def test_update_changed_rewrites_the_changed_calls_and_keeps_their_work_order(org, tmp_path):
    from kefu.tickets.models import Ticket
    from kefu.tickets.services import ticket_create

    import_calls(path=csv_file(tmp_path, f"A-1,{iso(0)},{iso(5)},{iso(60)},answered"), fmt="csv")
    ticket_create(by=org.agent, ticket_type="consultation", channel="email", content="来电后补的邮件")
    ticket = Ticket.objects.latest("pk")  # whatever ticket_create returns
    CallRecord.objects.filter(external_id="A-1").update(ticket=ticket)
    customer = CustomerFactory(phone="13800138000")
    path = csv_file(
        tmp_path,
        f"A-1,{iso(0)},{iso(5)},{iso(90)},answered,13800138000",
        header="id,arrival,answer,end,outcome,caller",
        name="again.csv",
    )
    run = import_calls(path=path, fmt="csv", update_changed=True)
    assert (run.imported, run.duplicates, run.changed, run.updated) == (0, 0, 1, 1)
    call = CallRecord.objects.get(external_id="A-1")
    assert (call.ended_at, call.talk_seconds, call.caller_number) == (at(90), 85, "13800138000")
    assert (call.ticket, call.customer) == (ticket, customer)
    assert import_calls(path=path, fmt="csv", update_changed=True).duplicates == 1  # now the same


@pytest.mark.django_db(transaction=True)
def test_cli_reports_changed_lines_and_updates_them_with_the_flag(tmp_path, capsys):
    import_calls(path=csv_file(tmp_path, f"A-1,{iso(0)},{iso(5)},{iso(60)},answered"), fmt="csv")
    path = csv_file(tmp_path, f"A-1,{iso(0)},{iso(5)},{iso(90)},answered", name="again.csv")
    assert main(["import-calls", "-f", "csv", str(path)]) == 0
    assert "0 already present, 1 changed (kept; --update-changed rewrites them)" in capsys.readouterr().out
    assert main(["import-calls", "-f", "csv", "--update-changed", str(path)]) == 0
    assert "1 changed (1 updated)" in capsys.readouterr().out
    assert CallRecord.objects.get().ended_at == at(90)


# --- files without ids ------------------------------------------------------------------------------


def test_identical_lines_of_a_file_without_ids_are_distinct_calls_and_a_reimport_adds_nothing(org, tmp_path):
    line = "2025-12-01 09:00:00,13800138000,60"
    path = csv_file(tmp_path, line, line, "2025-12-01 09:01:00,13900139000,", header="arrival,caller,talk")
    run = import_calls(path=path, fmt="csv")
    assert (run.imported, run.duplicates) == (3, 0)
    digest = "sha1:" + hashlib.sha1("\x1f".join(line.split(",")).encode()).hexdigest()
    assert set(
        CallRecord.objects.filter(caller_number="13800138000").values_list("external_id", flat=True)
    ) == {
        digest,  # the first copy keeps the id imports gave it before copies were told apart
        f"{digest}#2",
    }
    again = import_calls(path=path, fmt="csv")
    assert (again.imported, again.duplicates) == (0, 3)
    # An export of the same calls in another order, with a new one on top, adds only the new one.
    reordered = csv_file(
        tmp_path,
        "2025-12-01 09:02:00,13700137000,30",
        "2025-12-01 09:01:00,13900139000,",
        line,
        line,
        header="arrival,caller,talk",
        name="newest-first.csv",
    )
    assert import_calls(path=reordered, fmt="csv").imported == 1


def test_identical_cdr_rows_without_uniqueid_are_distinct_calls(org, tmp_path):
    row = (
        '"","13700137000","400","ctx","x","SIP/t","","Dial","SIP/1002",'
        '"2025-12-01 09:20:00","","2025-12-01 09:20:03",3,0,"BUSY","DOCUMENTATION"\n'
    )
    path = write(tmp_path, "Master.csv", row * 2)
    assert import_calls(path=path, fmt="cdr").imported == 2
    assert import_calls(path=path, fmt="cdr").duplicates == 2


# --- non-finite, huge and zero values ------------------------------------------------------------------

GARBAGE_CSV = f"""\
id,arrival,answer,end,talk,wait
G-1,{iso(0)},{iso(5)},{iso(65)},inf,
G-2,{iso(0)},,{iso(9)},,nan
G-3,{iso(0)},{iso(5)},{iso(65)},1e300,
G-4,0,,,,
G-5,99999999999,,,,
G-6,{iso(0)},{iso(5)},{iso(65)},-inf,
G-7,{iso(0)},{iso(5)},{iso(65)},99999999999999999999,
G-8,1970-01-01 08:00:00,,,,
OK,{iso(0)},{iso(5)},{iso(65)},60,5
"""

GARBAGE_QUEUE_LOG = f"""\
{T0}|g1|support||ENTERQUEUE||13800138000|1
{T0 + 5}|g1|support|SIP/1001|CONNECT|inf|x|1
{T0 + 65}|g1|support|SIP/1001|COMPLETECALLER|5|1e999|1
0|g2|support||ENTERQUEUE||13900139000|1
{T0 + 9}|g2|support||ABANDON|1|1|nan
{T0}|ok|support||ENTERQUEUE||13700137000|1
{T0 + 9}|ok|support||ABANDON|1|1|9
"""


def test_non_finite_huge_and_zero_values_are_line_errors_and_the_rest_imports(org, tmp_path):
    run = import_calls(path=write(tmp_path, "calls.csv", GARBAGE_CSV), fmt="csv")
    assert run.imported == 1 and CallRecord.objects.get().external_id == "OK"
    reasons = errors_of(run)
    assert sorted(reasons) == list(range(2, 10))
    assert "talk 'inf' is not a duration" in reasons[2]
    assert "wait 'nan'" in reasons[3]
    assert "arrival '0' is not a call time" in reasons[5]
    assert "before 2000 or after 2099" in reasons[6]
    assert "arrival '1970-01-01 08:00:00' is not a call time" in reasons[9]


def test_queue_log_with_inf_nan_and_a_zero_time_refuses_those_lines_only(org, tmp_path):
    run = import_calls(path=write(tmp_path, "queue_log", GARBAGE_QUEUE_LOG), fmt="queue_log")
    reasons = errors_of(run)
    assert sorted(reasons) == [2, 3, 4, 5]
    assert "CONNECT: data1 must be a number of seconds" in reasons[2]
    assert "time '0' is not a call time" in reasons[4]
    assert CallRecord.objects.get().external_id == "ok|support"


@pytest.mark.django_db(transaction=True)
def test_cli_prints_the_line_errors_of_a_file_with_inf_and_no_traceback(tmp_path, capsys):
    path = write(tmp_path, "calls.csv", GARBAGE_CSV)
    assert main(["import-calls", "-f", "csv", str(path)]) == 0
    out, err = capsys.readouterr()
    assert "1 calls imported" in out and "8 lines refused" in out
    assert f"{path}:2: talk 'inf'" in err and "Traceback" not in err


def test_the_upload_page_answers_a_file_with_inf_with_its_line_errors_not_a_500(org, client):
    client.force_login(org.supervisor)
    for name, content, fmt in (
        ("calls.csv", GARBAGE_CSV, "csv"),
        ("queue_log", GARBAGE_QUEUE_LOG, "queue_log"),
    ):
        response = client.post(
            "/calls/import/",
            {"file": SimpleUploadedFile(name, content.encode()), "encoding": "auto", "fmt": fmt},
        )
        assert response.status_code == 200
        assert 'id="import-errors"' in response.content.decode()
    assert set(CallRecord.objects.values_list("external_id", flat=True)) == {"OK", "ok|support"}


def test_the_upload_page_updates_changed_lines_when_ticked_and_validates_the_skew(org, client):
    client.force_login(org.supervisor)

    def upload(end: int, **fields):
        content = f"id,arrival,answer,end\nA-1,{iso(0)},{iso(5)},{iso(end)}\n".encode()
        data = {"file": SimpleUploadedFile("c.csv", content), "encoding": "auto", "fmt": "csv", **fields}
        return client.post("/calls/import/", data)

    def last_run():
        run = ImportRun.objects.latest("pk")
        return run.changed, run.updated

    upload(60)
    response = upload(90)
    assert 'id="import-corrections"' in response.content.decode()
    assert last_run() == (1, 0) and CallRecord.objects.get().ended_at == at(60)
    upload(90, update_changed="on")
    assert last_run() == (1, 1) and CallRecord.objects.get().ended_at == at(90)
    assert upload(90, skew_seconds="-1").status_code == 400
