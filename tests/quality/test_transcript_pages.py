"""The transcript page and list: who sees them, the dialogue, findings marked, the player's script."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from kefu.quality.models import (
    Finding,
    Inspection,
    InspectorScope,
    Rubric,
    RubricItem,
    RubricVersion,
    Transcript,
)
from kefu.quality.views import dialogue, sentence_parts
from tests.org import build_org

T0 = datetime(2026, 11, 22, 1, 30, tzinfo=UTC)


@pytest.fixture
def org(db):
    return build_org()


def transcript(org, **fields) -> Transcript:
    values = dict(
        channel="phone", source_key=f"phone:{fields.get('call_external_id', 'c1')}", call_external_id="c1",
        agent=org.agent, queue="hotline", started_at=T0, recording_url="https://pbx.example.com/c1.wav",
        sentences=[
            {"role": "agent", "speaker": "", "text": "您好，很高兴为您服务", "start_ms": 0, "end_ms": 1800},
            {"role": "customer", "speaker": "张女士", "text": "你们<b>太差</b>了，我要投诉", "start_ms": 2000, "end_ms": 4000},
            {"role": "system", "speaker": "", "text": "通话转接", "start_ms": 4100, "end_ms": 4200},
        ],
    )  # fmt: skip
    values.update(fields)
    return Transcript.objects.create(**values)


def inspect(row: Transcript, *, superseded=False, number=1) -> Inspection:
    rubric, _ = Rubric.objects.get_or_create(name="热线", defaults={"channels": ["phone"]})
    version = RubricVersion.objects.create(rubric=rubric, number=number, state="published")
    item = RubricItem.objects.create(
        version=version, code="emotion", group="attitude", name=f"客户负面情绪 v{number}", points=Decimal(5),
        severity="severe",
    )  # fmt: skip
    inspection = Inspection.objects.create(
        transcript=row, version=version, agent=row.agent, channel=row.channel, queue=row.queue,
        conversation_at=row.started_at, auto_score=Decimal(95), inspected_at=T0, superseded=superseded,
    )  # fmt: skip
    Finding.objects.create(
        inspection=inspection, item=item, sentence=1, points=Decimal(-5), severity="severe",
        evidence=[{"sentence": 1, "start": 2, "end": 11, "quote": "<b>太差</b>", "note": "", "rule": None}],
    )  # fmt: skip
    return inspection


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page(user, row):
    return client_for(user).get(f"/quality/transcripts/{row.pk}/")


# --- permissions ---------------------------------------------------------------------------------------


def test_the_agent_of_the_conversation_sees_it(org):
    assert page(org.agent, transcript(org)).status_code == 200


def test_another_agent_gets_404(org):
    assert page(org.agent2, transcript(org)).status_code == 404


def test_leads_see_every_transcript(org):
    row = transcript(org)
    assert page(org.supervisor, row).status_code == 200 and page(org.manager, row).status_code == 200


def test_an_inspector_sees_only_the_queues_given_to_them(org):
    row = transcript(org)
    assert page(org.qa, row).status_code == 404  # no scope: nothing
    InspectorScope.objects.create(inspector=org.qa, channels=["phone"], queues=["complaints"])
    assert page(org.qa, row).status_code == 404
    InspectorScope.objects.filter(inspector=org.qa).update(queues=["hotline"])
    assert page(org.qa, row).status_code == 200


def test_department_staff_get_404(org):
    assert page(org.logistics_staff, transcript(org)).status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(org):
    response = Client().get(f"/quality/transcripts/{transcript(org).pk}/")
    assert response.status_code == 302 and "login" in response["Location"]


# --- rendering -----------------------------------------------------------------------------------------


def test_the_dialogue_places_roles_and_times_and_the_player(org):
    html = page(org.agent, transcript(org)).content.decode()
    assert 'class="turn turn-agent" id="s0" data-index="0" data-start="0" data-end="1800"' in html
    assert 'class="turn turn-customer' in html and 'class="turn turn-system' in html
    assert '<time class="stamp">00:02</time>' in html
    assert '<audio id="recording"' in html and 'src="https://pbx.example.com/c1.wav"' in html
    assert "/static/quality/transcript.js" in html and "<script>" not in html


def test_customer_text_is_escaped(org):
    html = page(org.agent, transcript(org)).content.decode()
    assert "<b>太差</b>" not in html and "&lt;b&gt;太差&lt;/b&gt;" in html


def test_findings_of_the_current_inspection_are_marked_on_their_span(org):
    row = transcript(org)
    inspect(row, superseded=True, number=1)
    inspect(row, number=2)
    response = page(org.agent, row)
    findings = response.context["findings"]
    assert [(f["sentence"], f["label"], f["severity"]) for f in findings] == [
        (1, "客户负面情绪 v2", "severe")
    ]
    assert findings[0]["evidence"] == [{"sentence": 1, "start": 2, "end": 11, "note": ""}]
    html = response.content.decode()
    assert '<mark class="finding sev-severe" title="客户负面情绪 v2">&lt;b&gt;太差&lt;/b&gt;</mark>' in html
    assert "客户负面情绪 v1" not in html


def test_no_inspection_means_no_findings(org):
    response = page(org.agent, transcript(org))
    assert response.context["findings"] == [] and "<mark" not in response.content.decode()


def test_a_transcript_without_recording_has_no_player(org):
    html = page(org.agent, transcript(org, recording_url="")).content.decode()
    assert "<audio" not in html


def test_the_player_script_is_a_served_static_file():
    path = finders.find("quality/transcript.js")
    assert path and "timeupdate" in open(path, encoding="utf-8").read()


def test_the_player_script_is_served_over_http(client):
    response = client.get("/static/quality/transcript.js")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert response.status_code == 200 and b"currentTime" in body


# --- the list --------------------------------------------------------------------------------------------


def test_the_list_shows_an_agent_only_their_own(org):
    mine = transcript(org)
    transcript(org, call_external_id="c2", source_key="phone:c2", agent=org.agent2)
    response = client_for(org.agent).get("/quality/transcripts/")
    assert [t.pk for t in response.context["page"].object_list] == [mine.pk]


def test_the_list_filters_by_channel_agent_and_date(org):
    a = transcript(org)
    b = transcript(
        org,
        call_external_id="c2",
        source_key="phone:c2",
        agent=org.agent2,
        started_at=datetime(2026, 11, 25, 2, tzinfo=UTC),
    )
    c = transcript(org, channel="chat", call_external_id="", source_key="chat:1")
    lead = client_for(org.supervisor)

    def listed(**params):
        return {t.pk for t in lead.get("/quality/transcripts/", params).context["page"].object_list}

    assert listed() == {a.pk, b.pk, c.pk}
    assert listed(channel="chat") == {c.pk}
    assert listed(agent=org.agent2.pk) == {b.pk}
    assert listed(date="2026-11-25") == {b.pk}
    assert listed(date="not-a-date", channel="fax") == {a.pk, b.pk, c.pk}


def test_the_list_is_paginated(org):
    for i in range(55):
        transcript(org, call_external_id=f"c{i}", source_key=f"phone:c{i}")
    response = client_for(org.supervisor).get("/quality/transcripts/", {"page": 2})
    assert len(response.context["page"].object_list) == 5


# --- marking spans -----------------------------------------------------------------------------------------


def test_overlapping_spans_are_marked_once_the_earlier_keeping_the_overlap():
    first, second = {"start": 0, "end": 4, "label": "a"}, {"start": 2, "end": 6, "label": "b"}
    parts = sentence_parts("你好你好再见", [second, first])
    assert [(p["text"], p["finding"] and p["finding"]["label"]) for p in parts] == [
        ("你好你好", "a"),
        ("再见", "b"),
    ]


def test_spans_beyond_the_text_are_clipped_and_empty_ones_ignored():
    parts = sentence_parts("请稍等", [{"start": 1, "end": 99}, {"start": 0, "end": 0}])
    assert [(p["text"], bool(p["finding"])) for p in parts] == [("请", False), ("稍等", True)]


def _finding(label, *spans):
    evidence = [{"sentence": n, "start": start, "end": end, "note": ""} for n, start, end in spans]
    return {"sentence": spans[0][0] if spans else None, "label": label, "evidence": evidence}


def test_findings_without_a_sentence_are_about_the_whole_conversation(db):
    row = Transcript(sentences=[{"role": "agent", "text": "您好"}])
    findings = [
        _finding("没有结束语", (None, 0, 0)),
        _finding("旧句子", (7, 0, 1)),
        _finding("问候", (0, 0, 2)),
        _finding("人工补充"),  # a manual finding without a sentence
    ]
    rows, overall = dialogue(row, findings)
    assert [f["label"] for f in overall] == ["没有结束语", "旧句子", "人工补充"]
    assert [f["label"] for f in rows[0]["findings"]] == ["问候"]


def test_every_evidence_span_of_every_finding_is_marked(db):
    row = Transcript(
        sentences=[{"role": "agent", "text": "不知道，没办法"}, {"role": "agent", "text": "真不知道"}]
    )
    findings = [_finding("推诿", (0, 0, 3), (0, 4, 7), (1, 1, 4)), _finding("语气", (0, 3, 4))]
    rows, overall = dialogue(row, findings)
    assert overall == []
    assert [(p["text"], p["finding"] and p["finding"]["label"]) for p in rows[0]["parts"]] == [
        ("不知道", "推诿"), ("，", "语气"), ("没办法", "推诿"),
    ]  # fmt: skip
    assert [(p["text"], p["finding"] and p["finding"]["label"]) for p in rows[1]["parts"]] == [
        ("真", None), ("不知道", "推诿"),
    ]  # fmt: skip
    assert [f["label"] for f in rows[0]["findings"]] == ["推诿", "语气"]  # each finding once per sentence
