"""Factories for quality inspection tests: rubrics with versions and items, transcripts, inspections
and findings created directly (without the automatic inspection), sampling plans."""

from decimal import Decimal

import factory
from django.utils import timezone

from kefu.quality.models import (
    Finding,
    Inspection,
    InspectorScope,
    Rubric,
    RubricItem,
    RubricVersion,
    SamplingPlan,
    Transcript,
)

SENTENCES = [
    {"role": "agent", "speaker": "坐席", "text": "你好，请问有什么可以帮您？", "start_ms": 0, "end_ms": 2000},
    {"role": "customer", "speaker": "客户", "text": "我的快递三天没到。", "start_ms": 2500, "end_ms": 4500},
    {"role": "agent", "speaker": "坐席", "text": "我晕，你等一下。", "start_ms": 5000, "end_ms": 6500},
    {"role": "agent", "speaker": "坐席", "text": "已经帮您催促，再见。", "start_ms": 9000, "end_ms": 11000},
]


class RubricFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Rubric

    name = factory.Sequence(lambda n: f"热线评分表{n}")
    channels = factory.LazyFunction(lambda: ["phone", "chat"])


class RubricVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RubricVersion

    rubric = factory.SubFactory(RubricFactory)
    number = 1
    state = RubricVersion.State.PUBLISHED
    start_score = Decimal(100)
    floor_score = Decimal(0)
    ceiling_score = Decimal(100)


class RubricItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RubricItem

    version = factory.SubFactory(RubricVersionFactory)
    code = factory.Sequence(lambda n: f"item{n}")
    group = "wording"
    name = factory.Sequence(lambda n: f"评分项{n}")
    points = Decimal(5)
    direction = "subtract"
    severity = "normal"


class TranscriptFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Transcript

    channel = "phone"
    source_key = factory.Sequence(lambda n: f"test:{n}")
    sentences = factory.LazyFunction(lambda: list(SENTENCES))
    queue = "热线"
    started_at = factory.LazyFunction(timezone.now)


class InspectionFactory(factory.django.DjangoModelFactory):
    """An automatic inspection as the automatic inspection leaves it (state `auto`)."""

    class Meta:
        model = Inspection

    transcript = factory.SubFactory(
        TranscriptFactory,
        agent=factory.SelfAttribute("..agent"),
        queue=factory.SelfAttribute("..queue"),
        channel=factory.SelfAttribute("..channel"),
        started_at=factory.SelfAttribute("..conversation_at"),
    )
    version = factory.SubFactory(RubricVersionFactory)
    agent = None
    channel = "phone"
    queue = "热线"
    conversation_at = factory.LazyFunction(timezone.now)
    inspected_at = factory.LazyFunction(timezone.now)
    auto_score = Decimal(100)


class FindingFactory(factory.django.DjangoModelFactory):
    """An automatic finding of an item of the inspection's version (pending review)."""

    class Meta:
        model = Finding

    inspection = factory.SubFactory(InspectionFactory)
    item = factory.SubFactory(RubricItemFactory, version=factory.SelfAttribute("..inspection.version"))
    source = Finding.Source.AUTO
    status = Finding.Status.PENDING
    sentence = 2
    evidence = factory.LazyAttribute(
        lambda o: [{"sentence": o.sentence, "start": 0, "end": 2, "quote": "我晕", "note": "", "rule": None}]
    )
    points = factory.LazyAttribute(
        lambda o: -o.item.points if o.item.direction == "subtract" else o.item.points
    )
    severity = factory.LazyAttribute(lambda o: o.item.severity)


class InspectorScopeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InspectorScope

    channels = factory.LazyFunction(lambda: ["phone"])
    queues = factory.LazyFunction(lambda: ["热线"])


class SamplingPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SamplingPlan

    name = factory.Sequence(lambda n: f"抽检计划{n}")
    kind = SamplingPlan.Kind.RANDOM
    count = 2


def review_org():
    """tests.org.build_org with the QA inspector given the hotline: phone conversations of the
    queue 热线 (the factories' defaults)."""
    from tests.org import build_org

    org = build_org()
    InspectorScopeFactory(inspector=org.qa, channels=["phone"], queues=["热线"])
    org.qa.refresh_from_db()
    return org
