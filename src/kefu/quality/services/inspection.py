"""Automatic inspection (自动质检): every conversation scored against its rubric's current version.

The version's active rules are compiled once per process (a published version never changes; the
compiled form is rebuilt only when the knowledge base's phrase lists change) and every conversation
is checked in one pass. An inspection names the version it was scored against and is never
rescored: re-inspecting after a new version is published adds a new inspection and marks the
older ones `superseded`, their scores untouched.

One finding per item found (质检结果项), holding every piece of evidence of that item (each rule's
span in each sentence, in sentence order), so an inspector confirms or rejects the item once. A
finding's points are the item's whole signed effect, as kefu.quality.engine.scoring.score applies
it — the item's signed points for an item counted once; times the distinct sentences of its
evidence for an item counted per occurrence — so a score can be recomputed from its findings:
start + Σ finding.points, clamped to [floor, ceiling]; any fatal finding: the floor.

Inspections and findings are written by kefu.core.rows (build, insert_many): a conversation's
forty-odd findings cost Django's bulk_create more Python than the database spends storing them.
"""

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import islice

from django.db import IntegrityError, transaction
from django.utils import timezone

from kefu.core.rows import build, insert_many, save_new
from kefu.quality import selectors
from kefu.quality.engine.conversation import Conversation
from kefu.quality.engine.rules import Evidence, RuleSpec, compile_rules
from kefu.quality.engine.scoring import ItemSpec, score
from kefu.quality.models import Finding, Inspection, Rubric, RubricVersion, Severity, Transcript
from kefu.quality.services.phrases import phrase_entries, phrases_token

SEVERITY_ORDER = {Severity.MINOR: 1, Severity.NORMAL: 2, Severity.SEVERE: 3, Severity.FATAL: 4}
CENT = Decimal("0.01")
BATCH = 500  # conversations per transaction in inspect_many


@dataclass(frozen=True)
class CompiledVersion:
    """A published rubric version ready to inspect with: its compiled rules, and per item what the
    score needs."""

    version_id: int
    compiled: object  # kefu.quality.engine.rules.CompiledRules
    rule_items: dict  # rule pk → item pk
    items: dict  # item pk → ItemSpec
    severities: dict  # item pk → severity
    start: Decimal
    floor: Decimal
    ceiling: Decimal


_compiled: dict[int, tuple[tuple, object, CompiledVersion]] = {}
_lock = threading.Lock()


def compiled_version(version: RubricVersion) -> CompiledVersion:
    """The version's active rules compiled with the current phrase lists, built once per process."""
    token = phrases_token()
    # pk alone could name another row after a rollback (tests) or a restore; the timestamps pin it.
    identity = (version.pk, version.created_at, version.published_at)
    held = _compiled.get(version.pk)
    if held is not None and held[0] == identity and held[1] is token:
        return held[2]
    items = list(version.items.all())
    rules = list(version.rules.filter(is_active=True))
    built = CompiledVersion(
        version_id=version.pk,
        compiled=compile_rules(
            [RuleSpec(key=rule.pk, condition=rule.condition) for rule in rules], phrases=phrase_entries()
        ),
        rule_items={rule.pk: rule.item_id for rule in rules},
        items={
            item.pk: ItemSpec(
                key=item.pk,
                points=item.points,
                direction=item.direction,
                severity=item.severity,
                once=not item.per_occurrence,
            )  # fmt: skip
            for item in items
        },
        severities={item.pk: item.severity for item in items},
        start=version.start_score,
        floor=version.floor_score,
        ceiling=version.ceiling_score,
    )
    if version.state == RubricVersion.State.PUBLISHED:  # a draft may still change: never kept
        with _lock:
            _compiled[version.pk] = (identity, token, built)
    return built


def clear_compiled() -> None:
    """Forget every compiled version (tests; after restoring a database)."""
    with _lock:
        _compiled.clear()


@dataclass
class Outcome:
    """What the engine found in one conversation, ready to store."""

    auto_score: Decimal
    worst_severity: str
    findings: list[dict] = field(default_factory=list)  # Finding fields, without the inspection


def _quote(sentences, evidence: Evidence) -> str:
    if evidence.sentence is None or not 0 <= evidence.sentence < len(sentences):
        return ""
    text = sentences[evidence.sentence].text or ""
    if evidence.end > evidence.start:
        text = text[evidence.start : evidence.end]
    return text[:300]


def _order(pair: tuple) -> tuple:
    rule_pk, e = pair
    return (-1 if e.sentence is None else e.sentence, e.start, rule_pk)


def evaluate(cv: CompiledVersion, transcript: Transcript) -> Outcome:
    """Inspect one transcript with a compiled version: its score and findings, one per item found
    with all its evidence (nothing stored)."""
    conversation = Conversation.from_json(transcript.sentences or [], channel=transcript.channel)
    by_item: dict[int, list[tuple[int, Evidence]]] = {}
    for hit in cv.compiled.inspect(conversation):
        item_pk = cv.rule_items[hit.key]
        evidence = hit.evidence or (Evidence(sentence=None),)  # about the conversation as a whole
        by_item.setdefault(item_pk, []).extend((hit.key, e) for e in evidence)
    sentences = conversation.sentences
    fired: dict[int, int] = {}
    shown: dict[int, list[dict]] = {}
    for item_pk, pairs in by_item.items():
        pairs.sort(key=_order)
        shown[item_pk] = [
            {
                "sentence": e.sentence,
                "start": max(e.start, 0),
                "end": max(e.end, 0),
                "quote": _quote(sentences, e),
                "note": (e.note or "")[:300],
                "rule": rule_pk,
            }
            for rule_pk, e in pairs
        ]
        fired[item_pk] = len({e.sentence for _rule, e in pairs})  # distinct sentences, as score() counts
    result = score(start=cv.start, floor=cv.floor, ceiling=cv.ceiling, items=cv.items, fired=fired)
    findings: list[dict] = []
    worst = ""
    for item_pk, signed in result.lines:  # each item's whole signed effect, as score() applied it
        evidence = shown[item_pk]
        severity = cv.severities[item_pk]
        findings.append(
            {
                "item_id": item_pk, "rule_id": evidence[0]["rule"], "sentence": evidence[0]["sentence"],
                "evidence": evidence, "points": Decimal(repr(signed)).quantize(CENT), "severity": severity,
            }
        )  # fmt: skip
        if SEVERITY_ORDER[severity] > SEVERITY_ORDER.get(worst, 0):
            worst = severity
    return Outcome(
        auto_score=Decimal(str(result.score)).quantize(CENT), worst_severity=worst, findings=findings
    )


def _inspection_row(transcript: Transcript, version: RubricVersion, outcome: Outcome, now) -> Inspection:
    return build(
        Inspection,
        transcript=transcript,
        version=version,
        agent_id=transcript.agent_id,
        channel=transcript.channel,
        queue=transcript.queue or "",
        conversation_at=transcript.started_at,
        state=Inspection.State.AUTO,
        auto_score=outcome.auto_score,
        worst_severity=outcome.worst_severity,
        inspected_at=now,
    )


def _supersede(transcript_ids: list[int], version: RubricVersion) -> int:
    """Mark the transcripts' inspections against other (older) versions superseded; scores untouched."""
    return (
        Inspection.objects.filter(transcript_id__in=transcript_ids, superseded=False)
        .exclude(version=version)
        .update(superseded=True)
    )


def inspect_transcript(*, transcript: Transcript, now=None) -> Inspection | None:
    """Inspect one conversation against its rubric's current published version (质检).

    Idempotent: the inspection already made against that version is returned as it is. Returns None
    when no rubric in service fits the conversation's channel and queue. Older inspections of the
    transcript are marked superseded (their scores never change)."""
    now = now or timezone.now()
    picked = selectors.pick_rubric(
        selectors.routing(), channel=transcript.channel, queue=transcript.queue or ""
    )
    if picked is None:
        return None
    _rubric, version = picked
    existing = Inspection.objects.filter(transcript=transcript, version=version).first()
    if existing is not None:
        return existing
    outcome = evaluate(compiled_version(version), transcript)
    inspection, _created, _superseded = _store(transcript, version, outcome, now)
    return inspection


def _store(
    transcript: Transcript, version: RubricVersion, outcome: Outcome, now
) -> tuple[Inspection, bool, int]:
    """Store one inspection and its findings, marking older ones superseded: (the inspection, whether
    it was made here, how many were superseded). Another worker's inspection of the same transcript
    and version is returned as it is."""
    try:
        with transaction.atomic():
            inspection = save_new(_inspection_row(transcript, version, outcome, now))
            insert_many([build(Finding, inspection=inspection, **row) for row in outcome.findings])
            superseded = _supersede([transcript.pk], version)
    except IntegrityError:  # inspected meanwhile by another worker (the same transcript sent twice)
        return Inspection.objects.get(transcript=transcript, version=version), False, 0
    return inspection, True, superseded


@dataclass
class BatchResult:
    """What inspect_many did."""

    created: list[Inspection] = field(default_factory=list)
    already: int = 0  # already inspected against the current version (left as they are)
    unrouted: int = 0  # no rubric in service fits (or, with `rubric`, another rubric does)
    superseded: int = 0  # older inspections marked superseded


def inspect_many(
    transcripts: Iterable[Transcript], *, now=None, rubric: Rubric | None = None, batch_size: int = BATCH
) -> BatchResult:
    """Inspect many conversations at once (re-inspection, imports, the benchmark): routes are read
    once, each version compiled once, and inspections and findings bulk-created, `batch_size`
    conversations per transaction. With `rubric`, only conversations that rubric scores are
    inspected. Idempotent like inspect_transcript."""
    now = now or timezone.now()
    routes = selectors.routing()
    result = BatchResult()
    iterator = iter(transcripts)
    while chunk := list(islice(iterator, batch_size)):
        _inspect_chunk(chunk, routes=routes, rubric=rubric, now=now, result=result)
    return result


def _inspect_chunk(chunk, *, routes, rubric, now, result: BatchResult) -> None:
    groups: dict[int, tuple[RubricVersion, list[Transcript]]] = {}
    for transcript in chunk:
        picked = selectors.pick_rubric(routes, channel=transcript.channel, queue=transcript.queue or "")
        if picked is None or (rubric is not None and picked[0].pk != rubric.pk):
            result.unrouted += 1
            continue
        groups.setdefault(picked[1].pk, (picked[1], []))[1].append(transcript)
    for version, transcripts in groups.values():
        done = set(
            Inspection.objects.filter(
                version=version, transcript__in=[t.pk for t in transcripts]
            ).values_list("transcript_id", flat=True)
        )
        todo = [t for t in transcripts if t.pk not in done]
        result.already += len(transcripts) - len(todo)
        if not todo:
            continue
        cv = compiled_version(version)
        outcomes = [evaluate(cv, t) for t in todo]
        try:
            with transaction.atomic():
                rows = insert_many(
                    [_inspection_row(t, version, o, now) for t, o in zip(todo, outcomes, strict=True)]
                )
                insert_many(
                    [
                        build(Finding, inspection=row, **finding)
                        for row, outcome in zip(rows, outcomes, strict=True)
                        for finding in outcome.findings
                    ]
                )
                result.superseded += _supersede([t.pk for t in todo], version)
            result.created.extend(rows)
        except IntegrityError:  # another worker got some of them first: one by one, each idempotent
            for transcript, outcome in zip(todo, outcomes, strict=True):
                inspection, created, superseded = _store(transcript, version, outcome, now)
                if created:
                    result.created.append(inspection)
                    result.superseded += superseded
                else:
                    result.already += 1


def reinspect_period(*, start, end, rubric: Rubric | None = None, by, now=None) -> dict:
    """Re-inspect the conversations that started in [start, end) against their rubric's current
    version (重新质检); with `rubric`, only those that rubric scores. Older inspections are marked
    superseded, their scores never change. Returns the counts. Leads and QA inspectors only."""
    from kefu.quality.services.rubrics import require_manager

    require_manager(by)
    transcripts = Transcript.objects.filter(started_at__gte=start, started_at__lt=end).order_by("pk")
    total = transcripts.count()
    result = inspect_many(transcripts.iterator(chunk_size=BATCH), now=now, rubric=rubric)
    return {
        "transcripts": total,
        "inspected": len(result.created),
        "already": result.already,
        "unrouted": result.unrouted,
        "superseded": result.superseded,
    }
