"""Helpers of the rubric, rule and inspection tests: a hotline rubric with three items and their
rules, and transcripts to inspect."""

import itertools
from datetime import UTC, datetime, timedelta

from kefu.quality.models import InspectorScope, Transcript
from kefu.quality.services import rubrics, rules

DAY = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # Monday 09:00 in Shanghai
_keys = itertools.count(1)

NO_GREETING = {"not": {"type": "keywords", "words": ["您好"], "range": {"kind": "first", "n": 2}}}
NO_IDEA = {"type": "keywords", "words": ["不知道", "没办法"]}
ABUSE = {"type": "keywords", "words": ["滚"]}

# Agent: no greeting (-5, once), one sentence with two no-idea phrases (-10 per sentence): 85.
RUDE = [
    {"role": "agent", "text": "喂，什么事？"},
    {"role": "customer", "text": "我的快递三天没到"},
    {"role": "agent", "text": "不知道，没办法"},
    {"role": "agent", "text": "再见"},
]
POLITE = [
    {"role": "agent", "text": "您好，很高兴为您服务"},
    {"role": "customer", "text": "我的快递三天没到"},
    {"role": "agent", "text": "请您稍等，我帮您查一下"},
    {"role": "agent", "text": "感谢来电，再见"},
]


def hotline(*, by=None, name="热线评分表", channels=("phone",), queues=(), position=0, no_idea_points=10,
            floor=0, publish=True):  # fmt: skip
    """A rubric with three items (no greeting −5 once; no-idea phrases −N per sentence; abuse fatal)
    and a rule for each; published unless `publish=False`. Returns (rubric, version, items)."""
    rubric = rubrics.rubric_create(
        name=name, channels=list(channels), queues=list(queues), position=position, by=by
    )
    version = rubric.versions.get()
    rubrics.version_update(version=version, floor_score=floor, by=by)
    greeting = rubrics.item_create(version=version, code="greeting", name="未使用问候语", group="opening", points=5,
                                   by=by)  # fmt: skip
    no_idea = rubrics.item_create(
        version=version, code="no_idea", name="推诿用语", group="wording", points=no_idea_points,
        severity="severe", per_occurrence=True, by=by,
    )  # fmt: skip
    abuse = rubrics.item_create(version=version, code="abuse", name="辱骂客户", group="attitude", points=50,
                                severity="fatal", by=by)  # fmt: skip
    rules.rule_create(version=version, item=greeting, name="开头没有您好", condition=NO_GREETING, by=by)
    rules.rule_create(version=version, item=no_idea, name="推诿", condition=NO_IDEA, by=by)
    rules.rule_create(version=version, item=abuse, name="辱骂", condition=ABUSE, by=by)
    if publish:
        rubrics.version_publish(version=version, by=by, now=DAY)
    return rubric, version, {"greeting": greeting, "no_idea": no_idea, "abuse": abuse}


def transcript(*, agent=None, sentences=RUDE, channel="phone", queue="hotline", started_at=DAY) -> Transcript:
    return Transcript.objects.create(
        channel=channel, source_key=f"test-{next(_keys)}", sentences=list(sentences), agent=agent, queue=queue,
        started_at=started_at, ended_at=started_at + timedelta(minutes=3),
    )  # fmt: skip


def scope(user, *, queues=(), channels=()) -> InspectorScope:
    return InspectorScope.objects.create(inspector=user, queues=list(queues), channels=list(channels))
