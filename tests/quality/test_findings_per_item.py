"""One finding per rubric item (质检结果项 per 质检项): the score recomputed from the findings is the
automatic one, and a review that rejects a finding takes exactly its points away."""

from decimal import Decimal

import pytest

from kefu.quality.models import Finding, Inspection
from kefu.quality.services import reviews
from kefu.quality.services.inspection import inspect_many, inspect_transcript
from tests.quality.core_helpers import DAY, POLITE, RUDE, hotline, scope, transcript

MANY = [
    {"role": "agent", "text": "喂"}, {"role": "agent", "text": "不知道"}, {"role": "customer", "text": "啊？"},
    {"role": "agent", "text": "真不知道，没办法"}, {"role": "agent", "text": "没办法"},
]  # fmt: skip


def claimed(org, inspection: Inspection) -> Inspection:
    scope(org.qa, queues=["hotline"])
    Inspection.objects.filter(pk=inspection.pk).update(state=Inspection.State.SAMPLED)
    return reviews.review_claim(inspection=inspection, by=org.qa, now=DAY)


@pytest.mark.parametrize("sentences", [RUDE, MANY, POLITE], ids=["rude", "per-occurrence", "polite"])
def test_confirming_every_finding_gives_the_automatic_score(org, sentences):
    hotline()
    inspection = claimed(
        org, inspect_transcript(transcript=transcript(sentences=sentences, agent=org.agent), now=DAY)
    )
    # Before the review every pending finding counts, as for the automatic score.
    assert reviews.final_score(inspection) == inspection.auto_score
    for finding in inspection.findings.all():
        reviews.finding_review(inspection=inspection, finding_id=finding.pk, by=org.qa, confirm=True, now=DAY)
    done = reviews.review_submit(inspection=inspection, by=org.qa, now=DAY)
    assert done.final_score == done.auto_score == 100 + sum(f.points for f in done.findings.all())


def test_rejecting_a_finding_changes_the_final_score_by_exactly_its_points(org):
    _rubric, _version, items = hotline()
    inspection = claimed(
        org, inspect_transcript(transcript=transcript(sentences=MANY, agent=org.agent), now=DAY)
    )
    no_idea = inspection.findings.get(item=items["no_idea"])
    assert no_idea.points == Decimal("-30.00")  # three sentences, one finding
    reviews.finding_review(
        inspection=inspection, finding_id=no_idea.pk, by=org.qa, confirm=False, comment="客户先说的", now=DAY
    )
    for finding in inspection.findings.filter(status=Finding.Status.PENDING):
        reviews.finding_review(inspection=inspection, finding_id=finding.pk, by=org.qa, confirm=True, now=DAY)
    done = reviews.review_submit(inspection=inspection, by=org.qa, now=DAY)
    assert done.final_score - done.auto_score == -no_idea.points == Decimal(30)


def test_a_batch_writes_one_finding_per_item_through_the_fast_path(org):
    _rubric, _version, items = hotline()
    calls = [transcript(sentences=MANY), transcript(sentences=RUDE), transcript(sentences=POLITE)]
    result = inspect_many(calls, now=DAY)
    assert len(result.created) == 3 and all(i.pk for i in result.created)
    rows = Finding.objects.filter(inspection__transcript=calls[0]).order_by("item__code")
    assert [(f.item.code, f.points, len(f.evidence)) for f in rows] == [
        ("greeting", Decimal("-5.00"), 1),
        ("no_idea", Decimal("-30.00"), 4),
    ]
    no_idea = rows.get(item=items["no_idea"])
    assert [(e["sentence"], e["quote"]) for e in no_idea.evidence] == [
        (1, "不知道"), (3, "不知道"), (3, "没办法"), (4, "没办法"),
    ]  # fmt: skip
    for inspection in result.created:
        inspection.refresh_from_db()
        assert inspection.auto_score == 100 + sum(f.points for f in inspection.findings.all())
    assert not Finding.objects.filter(inspection__transcript=calls[2]).exists()
