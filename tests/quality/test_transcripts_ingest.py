"""Call transcripts arrive from speech recognition: the service, POST /api/quality/transcripts and
`kefu import-transcripts`; duplicates, calls that arrive later, nothing stored lost."""

import json
from datetime import UTC, datetime

import pytest
from django.utils import translation

from kefu.callcenter.imports import import_calls
from kefu.callcenter.models import AgentLine, CallRecord, Outcome, Source
from kefu.cli import main
from kefu.core.errors import PermissionDenied
from kefu.quality.models import Transcript
from kefu.quality.services.transcripts import transcript_ingest, transcripts_ingest
from kefu.quality.signals import transcript_ready
from tests.api.conftest import token_client
from tests.factories import CustomerFactory
from tests.org import build_org

from .test_transcripts_asr import ALIYUN_RESULT, TENCENT_RESULT, kefu_item

T0 = datetime(2026, 11, 22, 1, 30, tzinfo=UTC)


@pytest.fixture
def org(db):
    return build_org()


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def ready():
    """The transcripts announced by transcript_ready."""
    seen = []

    def receiver(sender, transcript, **kwargs):
        seen.append(transcript.pk)

    transcript_ready.connect(receiver, dispatch_uid="test-ready")
    yield seen
    transcript_ready.disconnect(dispatch_uid="test-ready")


def call(external_id: str, **fields) -> CallRecord:
    values = dict(
        source=Source.CTI, external_id=external_id, queue="hotline", arrived_at=T0, answered_at=T0,
        outcome=Outcome.ANSWERED, created_at=T0,
    )  # fmt: skip
    values.update(fields)
    return CallRecord.objects.create(**values)


# --- the service -----------------------------------------------------------------------------------------


def test_a_transcript_is_stored_and_announced_after_commit(org, ready, django_capture_on_commit_callbacks):
    AgentLine.objects.create(user=org.agent, extension="8001")
    with django_capture_on_commit_callbacks(execute=True):
        outcome = transcript_ingest(data=kefu_item(), by=org.qa)
    transcript = outcome.transcript
    assert outcome.status == "created" and transcript.channel == "phone" and transcript.vendor == "kefu"
    assert transcript.agent == org.agent and transcript.queue == "hotline"
    assert transcript.source_key == "phone:1732240200.42" and len(transcript.sentences) == 2
    assert ready == [transcript.pk]


def test_a_transcript_sent_twice_is_stored_once_and_the_answer_says_it_exists(
    org, ready, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = transcript_ingest(data=kefu_item(), by=org.qa)
        second = transcript_ingest(data=kefu_item(queue="other"), by=org.qa)
    assert second.status == "existing" and second.transcript.pk == first.transcript.pk
    assert Transcript.objects.count() == 1 and Transcript.objects.get().queue == "hotline"
    assert ready == [first.transcript.pk]


def test_a_refused_item_stores_nothing_and_names_the_field(org):
    item = kefu_item()
    item["sentences"][1]["end_ms"] = 10
    outcome = transcript_ingest(data=item, by=org.qa)
    assert outcome.status == "error" and list(outcome.errors) == ["sentences[1].end_ms"]
    assert not Transcript.objects.exists()


def test_a_refused_resend_leaves_the_stored_transcript_as_it_was(org):
    transcript_ingest(data=kefu_item(), by=org.qa)
    outcome = transcript_ingest(data=kefu_item(sentences=[]), by=org.qa)
    assert outcome.status == "error"
    assert len(Transcript.objects.get().sentences) == 2


def test_agents_may_not_send_transcripts(org):
    with pytest.raises(PermissionDenied):
        transcript_ingest(data=kefu_item(), by=org.agent)


def test_a_known_call_is_linked_at_once_and_fills_what_the_transcript_lacks(org):
    customer = CustomerFactory()
    known = call(
        "1732240200.42", agent=org.agent2, customer=customer, recording_url="https://pbx.example.com/r.wav"
    )
    item = kefu_item(agent="", queue="", recording_url="")
    del item["started_at"]
    outcome = transcript_ingest(data=item, by=org.qa)
    transcript = outcome.transcript
    assert outcome.linked and transcript.call == known
    assert (transcript.agent, transcript.customer, transcript.queue) == (org.agent2, customer, "hotline")
    assert transcript.recording_url == "https://pbx.example.com/r.wav" and transcript.started_at == T0


def test_an_unknown_call_is_kept_and_the_answer_says_it_waits(org):
    outcome = transcript_ingest(data=kefu_item(agent=""), by=org.qa)
    assert outcome.status == "created" and not outcome.linked and outcome.transcript.call is None
    assert any("call_id" in w for w in outcome.warnings)


def test_an_unknown_call_needs_its_start_time(org):
    item = kefu_item()
    del item["started_at"]
    outcome = transcript_ingest(data=item, by=org.qa)
    assert outcome.status == "error" and list(outcome.errors) == ["started_at"]


def test_a_cti_call_arriving_later_links_the_waiting_transcript_and_fills_it(org):
    transcript = transcript_ingest(data=kefu_item(agent="", queue=""), by=org.qa).transcript
    customer = CustomerFactory()
    arrived = call("1732240200.42", agent=org.agent, customer=customer, queue="投诉")
    transcript.refresh_from_db()
    assert transcript.call == arrived and transcript.agent == org.agent and transcript.customer == customer
    assert transcript.queue == "投诉"


def test_the_cti_hang_up_fills_the_recording_of_a_linked_transcript(org):
    ringing = call("c-77", outcome=Outcome.RINGING, answered_at=None)
    transcript = transcript_ingest(data=kefu_item(call_id="c-77", recording_url=""), by=org.qa).transcript
    assert transcript.call == ringing and transcript.recording_url == ""
    ringing.recording_url = "https://pbx.example.com/c-77.wav"
    ringing.save(update_fields=["recording_url"])
    transcript.refresh_from_db()
    assert transcript.recording_url == "https://pbx.example.com/c-77.wav"


def test_an_imported_queue_log_call_links_the_waiting_transcript(org, tmp_path):
    AgentLine.objects.create(user=org.agent, extension="1001")
    transcript = transcript_ingest(
        data=kefu_item(call_id="1764550800.1", agent="", queue="", started_at="2025-12-01T09:00:12+08:00"),
        by=org.qa,
    ).transcript
    t = 1764550800
    path = tmp_path / "queue_log"
    path.write_text(
        f"{t}|1764550800.1|support||ENTERQUEUE||13800138000|1\n"
        f"{t + 12}|1764550800.1|support|SIP/1001|CONNECT|12|1764550812.5|3\n"
        f"{t + 192}|1764550800.1|support|SIP/1001|COMPLETECALLER|12|180|1\n",
        encoding="utf-8",
    )
    assert import_calls(path=path, fmt="queue_log").imported == 1
    transcript.refresh_from_db()
    assert transcript.call.external_id == "1764550800.1|support"
    assert transcript.agent == org.agent and transcript.queue == "support"


def test_each_vendor_format_is_stored_with_its_vendor(org):
    outcomes = [
        transcript_ingest(data={"call_id": "a1", "started_at": "2026-11-22T09:30:00+08:00", "result": ALIYUN_RESULT}, by=org.qa),
        transcript_ingest(data={"call_id": "t1", "started_at": "2026-11-22T09:30:00+08:00", "result": TENCENT_RESULT}, by=org.qa),
    ]  # fmt: skip
    assert [o.transcript.vendor for o in outcomes] == ["aliyun", "tencent"]
    assert [s["role"] for s in outcomes[1].transcript.sentences] == ["agent", "customer"]


def test_a_document_keeps_good_lines_and_reports_bad_ones_by_line(org):
    bad = kefu_item(call_id="b")
    bad["sentences"][0]["start_ms"] = -1
    text = "\n".join(
        [
            json.dumps(kefu_item(call_id="a")),
            "{not json",
            json.dumps(bad),
            json.dumps(kefu_item(call_id="a")),
            json.dumps(kefu_item(call_id="c")),
        ]
    )
    outcomes = transcripts_ingest(text=text, by=org.qa)
    assert [(o.line, o.status) for o in outcomes] == [
        (1, "created"), (2, "error"), (3, "error"), (4, "existing"), (5, "created"),
    ]  # fmt: skip
    assert list(outcomes[1].errors) == ["line"] and list(outcomes[2].errors) == ["sentences[0].start_ms"]
    assert set(Transcript.objects.values_list("call_external_id", flat=True)) == {"a", "c"}


# --- the API ---------------------------------------------------------------------------------------------


def test_api_one_object_created_then_existing(org):
    api = token_client(org.qa)
    first = api.post("/quality/transcripts", kefu_item())
    assert first.status_code == 200 and first.json()["created"] == 1
    item = first.json()["items"][0]
    assert item["status"] == "created" and item["linked"] is False and item["id"]
    again = api.post("/quality/transcripts", kefu_item())
    assert again.status_code == 200 and again.json()["items"][0] == {
        "index": 0, "line": 1, "status": "existing", "call_id": "1732240200.42", "id": item["id"],
    }  # fmt: skip


def test_api_a_list_answers_per_item(org):
    bad = kefu_item(call_id="x")
    bad["sentences"][1]["end_ms"] = 1
    response = token_client(org.supervisor).post(
        "/quality/transcripts", [kefu_item(call_id="a"), bad, {"call_id": "y", "Result": {"Sentences": []}}]
    )
    body = response.json()
    assert response.status_code == 200 and (body["created"], body["failed"]) == (1, 2)
    # The API speaks the request's language, Chinese by default.
    assert body["items"][1]["errors"] == {
        "sentences[1].end_ms": ["结束时间（1 毫秒）早于开始时间（2100 毫秒）。"]
    }
    assert list(body["items"][2]["errors"]) == ["Result.Sentences"]


def test_api_all_failing_is_422_with_field_names(org):
    item = kefu_item()
    item["sentences"][3:] = [{"role": "agent", "text": "好的", "start_ms": 5000, "end_ms": 4000}]
    response = token_client(org.qa).post("/quality/transcripts", item)
    body = response.json()
    assert response.status_code == 422 and body["code"] == "validation_error"
    assert [d["field"] for d in body["details"]] == ["sentences[2].end_ms"]
    assert not Transcript.objects.exists()


def test_api_all_failing_list_prefixes_the_item(org):
    response = token_client(org.qa).post("/quality/transcripts", [kefu_item(call_id=""), {"foo": 1}])
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"[0].call_id", "[1].format"}


def test_api_malformed_json_is_422_naming_line_and_column(org):
    api = token_client(org.qa)
    response = api.client.post(
        "/api/quality/transcripts", '{"call_id": "a",\n "sentences": [}', content_type="application/json"
    )
    assert response.status_code == 422
    assert response.json()["errors"]["line"] == ["JSON 格式错误，第 2 行第 16 列：Expecting value"]


def test_api_refuses_agents_with_403(org):
    response = token_client(org.agent).post("/quality/transcripts", kefu_item())
    assert response.status_code == 403 and not Transcript.objects.exists()


def test_api_agent_channel_parameter_maps_vendor_channels(org):
    api = token_client(org.qa)
    body = {"call_id": "a1", "started_at": "2026-11-22T09:30:00+08:00", "result": ALIYUN_RESULT}
    response = api.client.post(
        "/api/quality/transcripts?agent_channel=1", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 200
    assert [s["role"] for s in Transcript.objects.get().sentences] == ["customer", "agent"]


# --- the command -----------------------------------------------------------------------------------------


def test_import_transcripts_reports_per_file_and_keeps_good_lines(org, tmp_path, capsys):
    good = tmp_path / "calls.jsonl"
    empty = kefu_item(call_id="b")
    empty["sentences"].append({"role": "customer", "text": "", "start_ms": 5000, "end_ms": 5100})
    good.write_text(
        "\n".join(
            [
                json.dumps(kefu_item(call_id="a")),
                "{broken",
                json.dumps(empty),
                json.dumps(kefu_item(call_id="a")),
            ]
        ),
        encoding="utf-8",
    )
    assert main(["import-transcripts", str(good)]) == 0
    out, err = capsys.readouterr()
    assert "4 items, 2 transcripts created" in out and "1 already present" in out
    assert "1 empty sentences dropped" in out and "1 refused" in out
    assert f"{good}:2: Malformed JSON at line 2, column 2" in err
    assert Transcript.objects.count() == 2


def test_import_transcripts_names_the_field_of_a_refused_item(org, tmp_path, capsys):
    path = tmp_path / "one.json"
    item = kefu_item()
    item["sentences"][0]["end_ms"] = -3
    path.write_text(json.dumps(item, indent=2), encoding="utf-8")
    assert main(["import-transcripts", str(path)]) == 0  # read, though refused
    assert f"{path}:1: sentences[0].end_ms: Must not be negative." in capsys.readouterr().err


def test_import_transcripts_exits_non_zero_when_nothing_could_be_read(org, tmp_path, capsys):
    broken = tmp_path / "broken.json"
    broken.write_text("[{", encoding="utf-8")
    assert main(["import-transcripts", str(broken), str(tmp_path / "missing.json")]) == 2
    err = capsys.readouterr().err
    assert "missing.json: not read" in err and "broken.json:1: Malformed JSON" in err
