"""Reading speech-recognition results (kefu.quality.asr): documents, formats, every check."""

import json

import pytest
from django.utils import translation

from kefu.quality import asr


@pytest.fixture(autouse=True)
def english():
    """Messages are checked in English here (zh-hans is the default language)."""
    with translation.override("en"):
        yield


def kefu_item(**overrides):
    item = {
        "call_id": "1732240200.42",
        "agent": "8001",
        "queue": "hotline",
        "recording_url": "https://pbx.example.com/rec/1732240200.42.wav",
        "started_at": "2026-11-22T09:30:00+08:00",
        "sentences": [
            {
                "role": "agent",
                "speaker": "8001",
                "text": "您好，很高兴为您服务",
                "start_ms": 0,
                "end_ms": 1800,
            },
            {
                "role": "customer",
                "speaker": "张女士",
                "text": "我的快递还没到",
                "start_ms": 2100,
                "end_ms": 3900,
            },
        ],
    }
    item.update(overrides)
    return item


def errors_of(item, **kwargs) -> dict:
    with pytest.raises(asr.ItemInvalid) as exc:
        asr.normalize(item, **kwargs)
    return exc.value.errors


# --- documents ---------------------------------------------------------------------------------------


def test_one_object_over_several_lines_is_one_item():
    entries = asr.read_document(json.dumps(kefu_item(), ensure_ascii=False, indent=2))
    assert len(entries) == 1 and entries[0].data["call_id"] == "1732240200.42" and entries[0].line == 1


def test_a_json_array_is_one_item_per_element():
    entries = asr.read_document(json.dumps([kefu_item(call_id="a"), kefu_item(call_id="b")]))
    assert [e.data["call_id"] for e in entries] == ["a", "b"] and [e.index for e in entries] == [0, 1]


def test_json_lines_keep_the_good_lines_and_name_the_bad_ones_line_and_column():
    text = "\n".join(
        [
            json.dumps(kefu_item(call_id="a")),
            '{"call_id": "b", "sentences": [}',
            "",
            json.dumps(kefu_item(call_id="c")),
        ]
    )
    entries = asr.read_document(text)
    assert [e.data["call_id"] for e in entries if not e.error] == ["a", "c"]
    bad = [e for e in entries if e.error]
    assert len(bad) == 1 and bad[0].line == 2
    assert "line 2" in bad[0].error and "column 32" in bad[0].error


def test_a_broken_first_line_of_json_lines_costs_only_itself():
    entries = asr.read_document('{"call_id": "a", "sentences": [\n' + json.dumps(kefu_item(call_id="b")))
    assert [(e.line, bool(e.error)) for e in entries] == [(1, True), (2, False)]


def test_a_broken_object_over_several_lines_is_one_error_even_if_a_sentence_line_parses():
    text = json.dumps(kefu_item(), indent=2).replace('"queue"', '"queue" "x"', 1)
    text = text.replace("},\n", '},\n    {"role": "agent", "text": "末句"}\n', 1)
    entries = asr.read_document(text)
    assert len(entries) == 1 and entries[0].error


def test_a_broken_array_is_reported_at_its_line_and_column():
    entries = asr.read_document('[\n  {"call_id": "a"},\n  {"call_id": }\n]')
    assert len(entries) == 1 and entries[0].error
    assert "line 3" in entries[0].error and "column 15" in entries[0].error


def test_an_empty_document_is_an_error_not_a_crash():
    assert asr.read_document("  \n").pop().error


# --- Kefu's format -----------------------------------------------------------------------------------


def test_kefu_format_is_read_as_given():
    item = asr.normalize(kefu_item())
    assert item.format == "kefu" and item.call_id == "1732240200.42" and item.agent == "8001"
    assert item.started_at.utcoffset().total_seconds() == 8 * 3600
    assert item.sentences[0] == {
        "role": "agent", "speaker": "8001", "text": "您好，很高兴为您服务", "start_ms": 0, "end_ms": 1800,
    }  # fmt: skip
    assert (item.dropped, item.sorted, item.overlaps) == (0, False, 0)


def test_an_item_that_is_not_an_object_is_refused():
    assert "item" in errors_of(["not", "an", "object"])


def test_unknown_format_is_refused_naming_format():
    errors = errors_of({"call_id": "x", "segments": []})
    assert list(errors) == ["format"] and "Result.Sentences" in errors["format"][0]


def test_an_unknown_declared_format_is_refused():
    assert errors_of(kefu_item(format="iflytek"))["format"][0].code == "invalid_choice"


def test_call_id_is_required():
    assert errors_of(kefu_item(call_id=""))["call_id"][0].code == "required"


def test_started_at_without_offset_is_refused():
    assert errors_of(kefu_item(started_at="2026-11-22T09:30:00"))["started_at"][0].code == "timezone_required"


def test_started_at_that_is_no_date_is_refused():
    assert errors_of(kefu_item(started_at="yesterday"))["started_at"][0].code == "wrong_type"


def test_recording_url_must_be_http():
    assert "recording_url" in errors_of(kefu_item(recording_url="file:///etc/passwd"))


def test_empty_sentences_are_dropped_and_counted():
    sentences = kefu_item()["sentences"] + [
        {"role": "customer", "text": "  ", "start_ms": 4000, "end_ms": 4100}
    ]
    item = asr.normalize(kefu_item(sentences=sentences))
    assert item.dropped == 1 and len(item.sentences) == 2


def test_a_transcript_with_no_text_left_is_refused():
    errors = errors_of(
        kefu_item(sentences=[{"role": "agent", "text": ""}, {"role": "customer", "text": " "}])
    )
    assert list(errors) == ["sentences"]


def test_no_sentences_at_all_is_refused():
    assert list(errors_of(kefu_item(sentences=[]))) == ["sentences"]


def test_end_before_start_names_the_sentence_and_field():
    sentences = [
        {"role": "agent", "text": f"第{i}句", "start_ms": i * 1000, "end_ms": i * 1000 + 500}
        for i in range(5)
    ]
    sentences[3]["end_ms"] = 2500
    errors = errors_of(kefu_item(sentences=sentences))
    assert list(errors) == ["sentences[3].end_ms"] and errors["sentences[3].end_ms"][0].code == "out_of_range"


def test_negative_times_name_the_field():
    sentences = kefu_item()["sentences"]
    sentences[1]["start_ms"] = -5
    assert list(errors_of(kefu_item(sentences=sentences))) == ["sentences[1].start_ms"]


def test_times_that_are_not_numbers_name_the_field():
    sentences = kefu_item()["sentences"]
    sentences[0]["end_ms"] = "1800"
    assert errors_of(kefu_item(sentences=sentences))["sentences[0].end_ms"][0].code == "wrong_type"


def test_an_unknown_role_names_the_sentence():
    sentences = kefu_item()["sentences"]
    sentences[1]["role"] = "caller"
    assert errors_of(kefu_item(sentences=sentences))["sentences[1].role"][0].code == "invalid_choice"


def test_every_bad_field_is_named_at_once():
    sentences = kefu_item()["sentences"]
    sentences[0]["end_ms"] = -1
    sentences[1]["role"] = "?"
    errors = errors_of(kefu_item(sentences=sentences, call_id=""))
    assert {"call_id", "sentences[0].end_ms", "sentences[1].role"} <= set(errors)


def test_unordered_sentences_are_sorted_by_start_and_reported():
    sentences = [
        {"role": "customer", "text": "第二句", "start_ms": 3000, "end_ms": 4000},
        {"role": "agent", "text": "第一句", "start_ms": 0, "end_ms": 2000},
        {"role": "agent", "text": "第三句", "start_ms": 5000, "end_ms": 6000},
    ]
    item = asr.normalize(kefu_item(sentences=sentences))
    assert item.sorted and [s["text"] for s in item.sentences] == ["第一句", "第二句", "第三句"]


def test_overlapping_sentences_are_kept_and_counted():
    sentences = [
        {"role": "customer", "text": "我说了好几遍了你们就是不处理", "start_ms": 0, "end_ms": 4000},
        {"role": "agent", "text": "您先别急", "start_ms": 2500, "end_ms": 3500},
    ]
    item = asr.normalize(kefu_item(sentences=sentences))
    assert len(item.sentences) == 2 and item.overlaps == 1 and not item.sorted


# --- Alibaba Cloud -----------------------------------------------------------------------------------

ALIYUN_RESULT = {
    "TaskId": "4b56f0c4b7e611e88f34c33c2a60fa24",
    "RequestId": "98BF4D1D-1D5B-4D9D-AB5D-4A8B5D5A6C3B",
    "StatusCode": 21050000,
    "StatusText": "SUCCESS",
    "BizDuration": 9000,
    "Result": {
        "Sentences": [
            {"BeginTime": 340, "EndTime": 2365, "Text": "您好，这里是客服中心", "ChannelId": 0,
             "SpeechRate": 177, "EmotionValue": 5.0, "SilenceDuration": 0},
            {"BeginTime": 2600, "EndTime": 5100, "Text": "我的快递三天没到", "ChannelId": 1,
             "SpeechRate": 190, "EmotionValue": 4.5, "SilenceDuration": 0},
        ]
    },
}  # fmt: skip


def test_alibaba_result_under_result_maps_channels_to_roles():
    item = asr.normalize({"call_id": "c1", "result": ALIYUN_RESULT})
    assert item.format == "aliyun"
    assert [(s["role"], s["text"], s["start_ms"], s["end_ms"]) for s in item.sentences] == [
        ("agent", "您好，这里是客服中心", 340, 2365),
        ("customer", "我的快递三天没到", 2600, 5100),
    ]


def test_alibaba_result_at_the_top_with_the_agent_on_channel_one():
    item = asr.normalize({"call_id": "c1", "agent_channel": 1, **ALIYUN_RESULT})
    assert [s["role"] for s in item.sentences] == ["customer", "agent"]


def test_the_callers_agent_channel_applies_unless_the_item_says():
    item = asr.normalize({"call_id": "c1", "result": ALIYUN_RESULT}, agent_channel=1)
    assert [s["role"] for s in item.sentences] == ["customer", "agent"]


def test_alibaba_diarised_mono_result_uses_speaker_ids():
    result = {
        "Result": {
            "Sentences": [
                {"BeginTime": 0, "EndTime": 1000, "Text": "您好", "ChannelId": 0, "SpeakerId": "1"},
                {"BeginTime": 1200, "EndTime": 2000, "Text": "你好", "ChannelId": 0, "SpeakerId": "2"},
            ]
        }
    }
    item = asr.normalize({"call_id": "c1", "agent_channel": "1", "result": result})
    assert [(s["role"], s["speaker"]) for s in item.sentences] == [("agent", "1"), ("customer", "2")]


def test_alibaba_errors_name_the_vendors_fields():
    result = json.loads(json.dumps(ALIYUN_RESULT))
    result["Result"]["Sentences"][1]["EndTime"] = 100
    errors = errors_of({"call_id": "c1", **result})
    assert list(errors) == ["Result.Sentences[1].EndTime"]


# --- Tencent Cloud -----------------------------------------------------------------------------------

TENCENT_RESULT = {
    "Response": {
        "RequestId": "c7a4b4a2-3a4e-4a0c-9bb4-6d5b5a4b3c2d",
        "Data": {
            "TaskId": 1234567,
            "Status": 2,
            "StatusStr": "success",
            "AudioDuration": 6.2,
            "Result": "[0:0.340,0:2.365,0]  您好，这里是客服中心\n[0:2.600,0:5.100,1]  我的快递三天没到\n",
            "ResultDetail": [
                {"FinalSentence": "您好，这里是客服中心", "SliceSentence": "您好 这里 是 客服 中心",
                 "StartMs": 340, "EndMs": 2365, "WordsNum": 5, "SpeechSpeed": 4.9, "SpeakerId": 0},
                {"FinalSentence": "我的快递三天没到", "SliceSentence": "我的 快递 三天 没 到",
                 "StartMs": 2600, "EndMs": 5100, "WordsNum": 5, "SpeechSpeed": 3.2, "SpeakerId": 1},
            ],
        },
    }
}  # fmt: skip


def test_tencent_describe_task_status_maps_speakers_to_roles():
    item = asr.normalize({"call_id": "c2", "result": TENCENT_RESULT})
    assert item.format == "tencent"
    assert [(s["role"], s["text"], s["start_ms"], s["end_ms"]) for s in item.sentences] == [
        ("agent", "您好，这里是客服中心", 340, 2365),
        ("customer", "我的快递三天没到", 2600, 5100),
    ]


def test_tencent_data_alone_is_read_too():
    item = asr.normalize({"call_id": "c2", **TENCENT_RESULT["Response"]})
    assert len(item.sentences) == 2


def test_tencent_errors_name_the_vendors_fields():
    result = json.loads(json.dumps(TENCENT_RESULT))
    result["Response"]["Data"]["ResultDetail"][0]["StartMs"] = -1
    errors = errors_of({"call_id": "c2", **result})
    assert list(errors) == ["Response.Data.ResultDetail[0].StartMs"]


def test_tencent_empty_final_sentences_are_dropped():
    result = json.loads(json.dumps(TENCENT_RESULT))
    result["Response"]["Data"]["ResultDetail"][1]["FinalSentence"] = ""
    item = asr.normalize({"call_id": "c2", "result": result})
    assert item.dropped == 1 and len(item.sentences) == 1
