"""Automatic inspection: scores and findings, versions, idempotence, the task and re-inspection."""

from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from kefu.knowledge import cache
from kefu.knowledge.models import PhraseRule, RuleKind
from kefu.quality.models import Finding, Inspection
from kefu.quality.services import rubrics, rules
from kefu.quality.services.inspection import inspect_many, inspect_transcript, reinspect_period
from kefu.quality.signals import transcript_ready
from tests.quality.core_helpers import DAY, POLITE, RUDE, hotline, transcript


def test_a_rude_call_loses_the_points_of_its_findings(org):
    hotline()
    inspection = inspect_transcript(transcript=transcript(agent=org.agent), now=DAY)
    assert inspection.auto_score == Decimal("85.00")
    assert inspection.worst_severity == "severe"
    assert (inspection.agent, inspection.queue, inspection.channel) == (org.agent, "hotline", "phone")


def test_a_polite_call_keeps_the_start_score_and_has_no_finding(org):
    hotline()
    inspection = inspect_transcript(transcript=transcript(sentences=POLITE), now=DAY)
    assert (inspection.auto_score, inspection.worst_severity, inspection.findings.count()) == (100, "", 0)


def test_one_finding_per_item_holds_all_its_evidence_in_sentence_order(org):
    _rubric, _version, items = hotline()
    inspection = inspect_transcript(transcript=transcript(), now=DAY)
    assert sorted(inspection.findings.values_list("item__code", flat=True)) == ["greeting", "no_idea"]
    no_idea = inspection.findings.get(item=items["no_idea"])
    rule = no_idea.rule.pk
    assert no_idea.evidence == [
        {"sentence": 2, "start": 0, "end": 3, "quote": "不知道", "note": "不知道", "rule": rule},
        {"sentence": 2, "start": 4, "end": 7, "quote": "没办法", "note": "没办法", "rule": rule},
    ]
    assert (no_idea.sentence, no_idea.points, no_idea.occurrences) == (2, Decimal("-10.00"), 1)
    greeting = inspection.findings.get(item=items["greeting"])
    assert (greeting.sentence, greeting.points, greeting.rule.name) == (
        None,
        Decimal("-5.00"),
        "开头没有您好",
    )
    assert [e["sentence"] for e in greeting.evidence] == [None]  # about the conversation as a whole


def test_a_per_occurrence_finding_carries_its_points_times_its_sentences_a_once_item_once(org):
    _rubric, _version, items = hotline()
    sentences = [
        {"role": "agent", "text": "喂"}, {"role": "agent", "text": "不知道"}, {"role": "customer", "text": "啊？"},
        {"role": "agent", "text": "真不知道，没办法"}, {"role": "agent", "text": "没办法"},
    ]  # fmt: skip
    inspection = inspect_transcript(transcript=transcript(sentences=sentences), now=DAY)
    no_idea = inspection.findings.get(item=items["no_idea"])
    assert [e["sentence"] for e in no_idea.evidence] == [1, 3, 3, 4]
    assert (no_idea.points, no_idea.occurrences, no_idea.sentences) == (Decimal("-30.00"), 3, [1, 3, 4])
    assert inspection.findings.get(item=items["greeting"]).points == Decimal("-5.00")  # once
    assert inspection.auto_score == Decimal("65.00")


def test_the_score_is_recomputed_from_the_findings_points(org):
    hotline()
    for sentences in (RUDE, [*RUDE, {"role": "agent", "text": "真不知道"}], POLITE):
        inspection = inspect_transcript(transcript=transcript(sentences=sentences), now=DAY)
        assert 100 + sum(f.points for f in inspection.findings.all()) == inspection.auto_score


def test_a_per_occurrence_item_counts_every_sentence(org):
    hotline()
    sentences = [*RUDE, {"role": "agent", "text": "真不知道"}]
    inspection = inspect_transcript(transcript=transcript(sentences=sentences), now=DAY)
    assert inspection.auto_score == Decimal("75.00")


def test_a_fatal_finding_sets_the_score_to_the_floor(org):
    hotline(floor=20)
    sentences = [*POLITE, {"role": "agent", "text": "你给我滚"}]
    inspection = inspect_transcript(transcript=transcript(sentences=sentences), now=DAY)
    assert (inspection.auto_score, inspection.worst_severity) == (Decimal("20.00"), "fatal")


def test_a_customer_saying_the_words_is_not_the_agents_finding(org):
    hotline()
    sentences = [*POLITE, {"role": "customer", "text": "你们真是不知道怎么办事"}]
    assert inspect_transcript(transcript=transcript(sentences=sentences), now=DAY).auto_score == 100


def test_inspecting_twice_keeps_one_inspection_and_its_findings(org):
    hotline()
    call = transcript()
    first = inspect_transcript(transcript=call, now=DAY)
    second = inspect_transcript(transcript=call, now=DAY + timedelta(hours=1))
    assert first == second
    assert (Inspection.objects.count(), Finding.objects.count()) == (1, first.findings.count())
    assert inspect_many([call]).already == 1


def test_no_rubric_for_the_channel_means_no_inspection(org):
    hotline()
    assert inspect_transcript(transcript=transcript(channel="chat"), now=DAY) is None
    assert not Inspection.objects.exists()


def test_a_rubric_version_change_leaves_past_scores_unchanged(org):
    rubric, v1, _items = hotline()
    call = transcript(agent=org.agent)
    old = inspect_transcript(transcript=call, now=DAY)
    assert old.auto_score == 85
    v2 = rubrics.version_draft(rubric=rubric, by=org.qa)
    rubrics.item_update(item=v2.items.get(code="no_idea"), points=30, by=org.qa)
    rubrics.version_publish(version=v2, by=org.qa, now=DAY + timedelta(days=1))

    counts = reinspect_period(start=DAY - timedelta(days=1), end=DAY + timedelta(days=1), by=org.qa)

    old.refresh_from_db()
    new = Inspection.objects.get(transcript=call, version=v2)
    assert (old.version, old.auto_score, old.superseded) == (v1, Decimal("85.00"), True)
    assert (new.auto_score, new.superseded) == (Decimal("65.00"), False)
    assert old.findings.get(item__code="no_idea", points__lt=0).points == Decimal("-10.00")
    assert counts == {"transcripts": 1, "inspected": 1, "already": 0, "unrouted": 0, "superseded": 1}


def test_the_batch_scores_like_one_by_one(org):
    hotline(floor=20)
    calls = [
        transcript(sentences=RUDE), transcript(sentences=POLITE),
        transcript(sentences=[*POLITE, {"role": "agent", "text": "滚"}]),
    ]  # fmt: skip
    result = inspect_many(calls, now=DAY, batch_size=2)
    assert [i.auto_score for i in result.created] == [85, 100, 20]
    fields = (
        "inspection__transcript_id",
        "item__code",
        "rule_id",
        "sentence",
        "evidence",
        "points",
        "severity",
    )
    batch_findings = sorted(Finding.objects.values_list(*fields), key=str)
    Inspection.objects.all().delete()
    single = [inspect_transcript(transcript=c, now=DAY).auto_score for c in calls]
    assert single == [85, 100, 20]
    assert sorted(Finding.objects.values_list(*fields), key=str) == batch_findings


def test_the_batch_inspects_only_the_rubric_asked_for(org):
    hotline(name="热线")
    complaints, _v, _i = hotline(name="投诉", queues=["complaints"])
    calls = [transcript(queue="hotline"), transcript(queue="complaints")]
    result = inspect_many(calls, rubric=complaints)
    assert ([i.transcript for i in result.created], result.unrouted) == ([calls[1]], 1)


def test_inactive_rules_find_nothing(org):
    rubric, _v1, _items = hotline()
    v2 = rubrics.version_draft(rubric=rubric, by=None)
    rules.rule_update(rule=v2.rules.get(name="推诿"), is_active=False, by=None)
    rubrics.version_publish(version=v2, by=None)
    assert inspect_transcript(transcript=transcript(), now=DAY).auto_score == 95


def test_knowledge_base_phrases_are_found_by_a_phrases_rule(org):
    PhraseRule.objects.create(kind=RuleKind.DISCOURAGED, phrase="我晕")
    cache.bump("phrases")
    rubric = rubrics.rubric_create(name="口头语", channels=["chat"], by=None)
    version = rubric.versions.get()
    item = rubrics.item_create(
        version=version, code="filler", name="口头语", group="wording", points=2, by=None
    )
    rules.rule_create(
        version=version,
        item=item,
        name="口头语",
        condition={"type": "phrases", "kind": "discouraged"},
        by=None,
    )
    rubrics.version_publish(version=version, by=None)
    sentences = [{"role": "agent", "text": "您好"}, {"role": "agent", "text": "我晕，这个不行"}]
    inspection = inspect_transcript(transcript=transcript(channel="chat", sentences=sentences), now=DAY)
    assert inspection.auto_score == 98
    assert [e["quote"] for e in inspection.findings.get().evidence] == ["我晕"]


def test_the_task_runs_when_a_transcript_is_ready(org, django_capture_on_commit_callbacks):
    hotline()
    call = transcript(agent=org.agent)
    with django_capture_on_commit_callbacks(execute=True):
        transcript_ready.send(sender=type(call), transcript=call)
    assert Inspection.objects.get(transcript=call).auto_score == 85


def test_the_reinspect_command_prints_its_counts(org):
    rubric, _v1, _items = hotline()
    calls = [transcript(), transcript(started_at=DAY + timedelta(days=3))]
    for call in calls:
        inspect_transcript(transcript=call, now=DAY)
    rubrics.version_publish(version=rubrics.version_draft(rubric=rubric, by=None), by=None)
    out = StringIO()
    call_command("quality_reinspect", "--from", "2026-11-23", "--to", "2026-11-23", stdout=out)
    assert "Conversations 1: inspected 1" in out.getvalue()
    assert "superseded 1" in out.getvalue()
    assert Inspection.objects.filter(superseded=False, transcript=calls[1]).get().version.number == 1


def test_the_reinspect_command_names_a_bad_date(org):
    with pytest.raises(CommandError, match="--from"):
        call_command("quality_reinspect", "--from", "23/11/2026", "--to", "2026-11-23")


def test_a_published_version_is_compiled_once_per_process(org, monkeypatch):
    hotline()
    from kefu.quality.services import inspection as module

    compiled = []
    real = module.compile_rules
    monkeypatch.setattr(module, "compile_rules", lambda *a, **k: compiled.append(1) or real(*a, **k))
    for _ in range(3):
        inspect_transcript(transcript=transcript(), now=DAY)
    inspect_many([transcript(), transcript()], now=DAY)
    assert len(compiled) == 1


def test_a_changed_phrase_list_is_used_at_the_next_inspection(org):
    rubric = rubrics.rubric_create(name="禁用语", channels=["chat"], by=None)
    version = rubric.versions.get()
    item = rubrics.item_create(
        version=version, code="forbidden", name="禁用语", group="wording", points=3, by=None
    )
    rules.rule_create(
        version=version, item=item, name="禁用语", condition={"type": "phrases", "kind": "forbidden"}, by=None
    )
    rubrics.version_publish(version=version, by=None)
    sentences = [{"role": "agent", "text": "您好"}, {"role": "agent", "text": "这事我管不着"}]
    assert (
        inspect_transcript(transcript=transcript(channel="chat", sentences=sentences), now=DAY).auto_score
        == 100
    )
    PhraseRule.objects.create(kind=RuleKind.FORBIDDEN, phrase="管不着")
    cache.bump("phrases")
    assert (
        inspect_transcript(transcript=transcript(channel="chat", sentences=sentences), now=DAY).auto_score
        == 97
    )


def test_an_add_item_adds_points_up_to_the_ceiling(org):
    rubric = rubrics.rubric_create(name="加分", channels=["phone"], by=None)
    version = rubric.versions.get()
    rubrics.version_update(version=version, start_score=95, by=None)
    item = rubrics.item_create(
        version=version, code="praise", name="客户表扬", group="attitude", points=10, direction="add", by=None
    )
    rules.rule_create(
        version=version, item=item, name="表扬",
        condition={"type": "keywords", "words": ["谢谢你", "太好了"], "role": "customer"}, by=None,
    )  # fmt: skip
    rubrics.version_publish(version=version, by=None)
    sentences = [{"role": "agent", "text": "您好"}, {"role": "customer", "text": "太好了，谢谢你"}]
    inspection = inspect_transcript(transcript=transcript(sentences=sentences), now=DAY)
    assert (inspection.auto_score, inspection.findings.filter(points=10).count()) == (100, 1)


def test_the_batch_leaves_a_conversation_another_worker_inspected_meanwhile(org, monkeypatch):
    hotline()
    calls = [transcript(), transcript()]
    from kefu.quality.services import inspection as module

    real = module.evaluate
    raced = []

    def evaluate_while_another_worker_inspects(cv, call):
        if not raced:  # after the batch checked what was done, before it stores
            raced.append(None)
            raced[0] = inspect_transcript(transcript=calls[1], now=DAY)
        return real(cv, call)

    monkeypatch.setattr(module, "evaluate", evaluate_while_another_worker_inspects)
    result = inspect_many(calls, now=DAY)
    assert ([i.transcript for i in result.created], result.already) == ([calls[0]], 1)
    assert Inspection.objects.filter(transcript=calls[1]).get() == raced[0]
    assert Finding.objects.filter(inspection__transcript=calls[1]).count() == raced[0].findings.count()
