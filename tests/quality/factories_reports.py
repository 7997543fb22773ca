"""Rows for the report, calibration and case tests, built directly (automatic inspection and review
are built elsewhere): a rubric with versions and items, transcripts, inspections and findings."""

from decimal import Decimal
from itertools import count

from django.utils import timezone

from kefu.quality.models import (
    Direction,
    Finding,
    Inspection,
    ItemGroup,
    Rubric,
    RubricItem,
    RubricVersion,
    Severity,
    Transcript,
)

_seq = count(1)

DIALOGUE = [
    {"role": "agent", "text": "你好，请问有什么可以帮你？", "start_ms": 0, "end_ms": 2000},
    {
        "role": "customer",
        "text": "我是王先生，电话13812345678，快递三天没到。",
        "start_ms": 2500,
        "end_ms": 6000,
    },
    {"role": "agent", "text": "我帮您查一下。", "start_ms": 6500, "end_ms": 8000},
    {"role": "customer", "text": "好的。", "start_ms": 8500, "end_ms": 9000},
    {"role": "agent", "text": "明天送到，感谢您的耐心。", "start_ms": 9500, "end_ms": 12000},
]


def rubric(name: str = "热线评分表", channels=("phone", "chat")) -> Rubric:
    return Rubric.objects.create(name=name, channels=list(channels))


def version(
    rubric: Rubric, number: int = 1, *, state=RubricVersion.State.PUBLISHED, items=None
) -> RubricVersion:
    """A version with `items`: (code, name, points, direction, severity) tuples; by default the four
    items GREET (−5), POLITE (−10), RUDE (fatal, −50) and THANKS (+5)."""
    v = RubricVersion.objects.create(
        rubric=rubric, number=number, state=state, start_score=Decimal(100), floor_score=Decimal(0),
        ceiling_score=Decimal(100), published_at=timezone.now() if state != RubricVersion.State.DRAFT else None,
    )  # fmt: skip
    items = items or [
        ("GREET", "未问候", 5, Direction.SUBTRACT, Severity.NORMAL),
        ("POLITE", "未使用“您”", 10, Direction.SUBTRACT, Severity.NORMAL),
        ("RUDE", "辱骂顾客", 50, Direction.SUBTRACT, Severity.FATAL),
        ("THANKS", "主动致谢", 5, Direction.ADD, Severity.MINOR),
    ]
    for position, (code, name, points, direction, severity) in enumerate(items):
        RubricItem.objects.create(
            version=v, code=code, name=name, points=Decimal(points), direction=direction, severity=severity,
            group=ItemGroup.WORDING, position=position,
        )  # fmt: skip
    return v


def transcript(
    *, at, agent=None, channel="phone", queue="hotline", sentences=None, customer=None
) -> Transcript:
    return Transcript.objects.create(
        channel=channel, source_key=f"test-{next(_seq)}", sentences=sentences or DIALOGUE, agent=agent,
        queue=queue, started_at=at, customer=customer,
    )  # fmt: skip


def inspection(
    *, transcript: Transcript, version: RubricVersion, auto, final=None, superseded=False, findings=()
) -> Inspection:
    """An inspection of `transcript` copying its agent, channel, queue and time; `findings` are
    (item code, status) or (item code, status, sentence index) tuples — one finding per item, a
    code named twice adding evidence to it."""
    row = Inspection.objects.create(
        transcript=transcript, version=version, agent=transcript.agent, channel=transcript.channel,
        queue=transcript.queue, conversation_at=transcript.started_at,
        state=Inspection.State.REVIEWED if final is not None else Inspection.State.AUTO,
        auto_score=Decimal(auto), final_score=None if final is None else Decimal(final), superseded=superseded,
        inspected_at=transcript.started_at,
    )  # fmt: skip
    # One automatic finding per item: specs naming the same item add evidence to its finding.
    made: dict[str, Finding] = {}
    for spec in findings:
        code, status, *rest = spec
        item = version.items.get(code=code)
        sentence = rest[0] if rest else None
        text = (transcript.sentences[sentence]["text"] if sentence is not None else "")[:300]
        entry = {"sentence": sentence, "start": 0, "end": 0, "quote": text, "note": "", "rule": None}
        signed = item.points if item.direction == Direction.ADD else -item.points
        if code in made:
            finding = made[code]
            finding.evidence.append(entry)
            if item.per_occurrence and sentence not in {e["sentence"] for e in finding.evidence[:-1]}:
                finding.points += signed
            finding.save(update_fields=["evidence", "points"])
            continue
        made[code] = Finding.objects.create(
            inspection=row, item=item, status=status, sentence=sentence, evidence=[entry], points=signed,
            severity=item.severity,
        )  # fmt: skip
    return row
