"""Review (复核) by an inspector: claim, release, confirm / reject findings, manual findings, the
final score; who may do it; and the timeline that keeps every step."""

from decimal import Decimal

import pytest

from kefu.core.errors import NotFound, PermissionDenied, TransitionNotAllowed, ValidationError
from kefu.notify.models import Notification
from kefu.quality.models import Finding, Inspection, QualityEvent
from kefu.quality.services import reviews
from tests.factories import UserFactory, aware
from tests.quality.factories import (
    FindingFactory,
    InspectionFactory,
    InspectorScopeFactory,
    RubricItemFactory,
    review_org,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def org(db):
    return review_org()


State = Inspection.State
NOW = aware(2026, 11, 23, 10, 0)


def sampled(org, **kwargs) -> Inspection:
    kwargs.setdefault("agent", org.agent)
    return InspectionFactory(state=State.SAMPLED, auto_score=Decimal(90), **kwargs)


def claimed(org, **kwargs) -> Inspection:
    inspection = sampled(org, **kwargs)
    return reviews.review_claim(inspection=inspection, by=org.qa, now=NOW)


def test_an_inspector_claims_a_sampled_inspection_and_becomes_its_reviewer(org):
    inspection = reviews.review_claim(inspection=sampled(org), by=org.qa, now=NOW)
    inspection.refresh_from_db()
    assert (inspection.state, inspection.reviewer) == (State.IN_REVIEW, org.qa)


def test_a_claimed_inspection_cannot_be_claimed_by_a_second_reviewer(org):
    inspection = claimed(org)
    with pytest.raises(TransitionNotAllowed):
        reviews.review_claim(inspection=inspection, by=org.supervisor, now=NOW)
    inspection.refresh_from_db()
    assert inspection.reviewer == org.qa


def test_claiming_reads_the_state_again_under_the_lock(org):
    inspection = sampled(org)
    stale = Inspection.objects.get(pk=inspection.pk)
    reviews.review_claim(inspection=inspection, by=org.qa, now=NOW)
    with pytest.raises(TransitionNotAllowed):
        reviews.review_claim(inspection=stale, by=org.supervisor, now=NOW)  # the copy still says "sampled"


def test_an_inspector_may_not_claim_outside_their_queues(org):
    inspection = sampled(org, queue="投诉专线")
    with pytest.raises(PermissionDenied):
        reviews.review_claim(inspection=inspection, by=org.qa, now=NOW)


def test_an_inspector_without_a_scope_reviews_nothing(org):
    other_qa = UserFactory(role="qa")
    with pytest.raises(PermissionDenied):
        reviews.review_claim(inspection=sampled(org), by=other_qa, now=NOW)


def test_nobody_reviews_their_own_conversation(org):
    inspection = sampled(org, agent=org.supervisor)
    with pytest.raises(PermissionDenied):
        reviews.review_claim(inspection=inspection, by=org.supervisor, now=NOW)
    qa_own = sampled(org, agent=org.qa)
    with pytest.raises(PermissionDenied):
        reviews.review_claim(inspection=qa_own, by=org.qa, now=NOW)


def test_an_agent_may_not_review(org):
    with pytest.raises(PermissionDenied):
        reviews.review_claim(inspection=sampled(org, agent=org.agent2), by=org.agent, now=NOW)


def test_release_gives_the_inspection_back_to_the_queue(org):
    inspection = reviews.review_release(inspection=claimed(org), by=org.qa, comment="交给同事", now=NOW)
    inspection.refresh_from_db()
    assert (inspection.state, inspection.reviewer) == (State.SAMPLED, None)


def test_only_the_claimant_or_a_lead_releases(org):
    inspection = claimed(org)
    other_qa = UserFactory(role="qa")
    InspectorScopeFactory(inspector=other_qa)
    other_qa.refresh_from_db()
    with pytest.raises(PermissionDenied):
        reviews.review_release(inspection=inspection, by=other_qa, now=NOW)
    reviews.review_release(inspection=inspection, by=org.supervisor, now=NOW)
    inspection.refresh_from_db()
    assert inspection.state == State.SAMPLED


def test_only_the_claimant_judges_findings(org):
    inspection = claimed(org)
    finding = FindingFactory(inspection=inspection)
    with pytest.raises(PermissionDenied):
        reviews.finding_review(
            inspection=inspection, finding_id=finding.pk, by=org.supervisor, confirm=True, now=NOW
        )


def test_rejecting_a_finding_needs_a_comment(org):
    inspection = claimed(org)
    finding = FindingFactory(inspection=inspection)
    with pytest.raises(ValidationError) as err:
        reviews.finding_review(
            inspection=inspection, finding_id=finding.pk, by=org.qa, confirm=False, comment=" "
        )
    assert "comment" in err.value.errors
    finding.refresh_from_db()
    assert finding.status == Finding.Status.PENDING


def test_a_finding_of_another_inspection_is_not_found(org):
    inspection = claimed(org)
    elsewhere = FindingFactory()
    with pytest.raises(NotFound):
        reviews.finding_review(inspection=inspection, finding_id=elsewhere.pk, by=org.qa, confirm=True)


def test_confirm_and_reject_keep_the_comment_and_the_reviewer(org):
    inspection = claimed(org)
    a, b = FindingFactory(inspection=inspection), FindingFactory(inspection=inspection)
    reviews.finding_review(
        inspection=inspection, finding_id=a.pk, by=org.qa, confirm=True, comment="属实", now=NOW
    )
    reviews.finding_review(
        inspection=inspection, finding_id=b.pk, by=org.qa, confirm=False, comment="误判", now=NOW
    )
    a.refresh_from_db(), b.refresh_from_db()
    assert (a.status, a.comment, a.by) == (Finding.Status.CONFIRMED, "属实", org.qa)
    assert (b.status, b.comment, b.by) == (Finding.Status.REJECTED, "误判", org.qa)


def test_a_manual_finding_needs_an_item_of_the_same_rubric_version(org):
    inspection = claimed(org)
    foreign = RubricItemFactory()  # another rubric's version
    with pytest.raises(ValidationError) as err:
        reviews.finding_add(inspection=inspection, by=org.qa, item_id=foreign.pk, comment="语气生硬")
    assert "item" in err.value.errors
    assert not inspection.findings.exists()


def test_a_manual_finding_names_an_existing_sentence_or_none(org):
    inspection = claimed(org)
    item = RubricItemFactory(version=inspection.version)
    with pytest.raises(ValidationError) as err:
        reviews.finding_add(
            inspection=inspection, by=org.qa, item_id=item.pk, sentence=99, comment="语气生硬"
        )
    assert "sentence" in err.value.errors
    at_sentence = reviews.finding_add(
        inspection=inspection, by=org.qa, item_id=item.pk, sentence=2, comment="语气生硬"
    )
    overall = reviews.finding_add(inspection=inspection, by=org.qa, item_id=item.pk, comment="整体语速过快")
    assert (at_sentence.source, at_sentence.status, at_sentence.sentence) == ("manual", "confirmed", 2)
    assert at_sentence.evidence == [
        {"sentence": 2, "start": 0, "end": 0, "quote": "我晕，你等一下。", "note": "", "rule": None}
    ]
    assert (overall.sentence, overall.evidence) == (None, [])
    assert at_sentence.points == overall.points == -item.points


def test_submit_is_refused_while_a_finding_is_pending(org):
    inspection = claimed(org)
    FindingFactory(inspection=inspection)
    with pytest.raises(ValidationError) as err:
        reviews.review_submit(inspection=inspection, by=org.qa, now=NOW)
    assert "findings" in err.value.errors
    inspection.refresh_from_db()
    assert inspection.state == State.IN_REVIEW and inspection.final_score is None


def test_the_final_score_counts_confirmed_and_manual_findings_only(org):
    inspection = claimed(org)
    version = inspection.version
    rude = RubricItemFactory(version=version, points=Decimal(10))
    slow = RubricItemFactory(version=version, points=Decimal(5))
    bonus = RubricItemFactory(version=version, points=Decimal(3), direction="add")
    confirmed = FindingFactory(inspection=inspection, item=rude)
    rejected = FindingFactory(inspection=inspection, item=slow)
    reviews.finding_review(inspection=inspection, finding_id=confirmed.pk, by=org.qa, confirm=True, now=NOW)
    reviews.finding_review(
        inspection=inspection, finding_id=rejected.pk, by=org.qa, confirm=False, comment="误判"
    )
    reviews.finding_add(inspection=inspection, by=org.qa, item_id=bonus.pk, comment="主动致歉")
    done = reviews.review_submit(inspection=inspection, by=org.qa, comment="总体良好", now=NOW)
    done.refresh_from_db()
    assert done.final_score == Decimal("93.00")  # 100 − 10 + 3; the rejected 5 does not count
    assert done.auto_score == Decimal(90)  # the automatic score stays beside it
    assert (done.state, done.reviewed_at, done.review_comment) == (State.REVIEWED, NOW, "总体良好")


def test_a_confirmed_fatal_finding_sets_the_final_score_to_the_floor(org):
    inspection = claimed(org)
    fatal = RubricItemFactory(version=inspection.version, points=Decimal(1), severity="fatal")
    reviews.finding_add(inspection=inspection, by=org.qa, item_id=fatal.pk, comment="辱骂客户")
    done = reviews.review_submit(inspection=inspection, by=org.qa, now=NOW)
    assert done.final_score == inspection.version.floor_score


def test_the_agent_is_told_of_the_review(org):
    inspection = claimed(org)
    reviews.review_submit(inspection=inspection, by=org.qa, now=NOW)
    assert Notification.objects.filter(user=org.agent, kind="quality").count() == 1


def test_every_review_step_is_on_the_timeline_in_order(org):
    inspection = sampled(org)
    finding = FindingFactory(inspection=inspection)
    item = RubricItemFactory(version=inspection.version)
    reviews.review_claim(inspection=inspection, by=org.qa, now=NOW)
    reviews.review_release(inspection=inspection, by=org.qa, comment="稍后", now=NOW)
    reviews.review_claim(inspection=inspection, by=org.qa, now=NOW)
    reviews.finding_review(
        inspection=inspection, finding_id=finding.pk, by=org.qa, confirm=False, comment="误判", now=NOW
    )
    reviews.finding_add(inspection=inspection, by=org.qa, item_id=item.pk, comment="补充", now=NOW)
    reviews.review_submit(inspection=inspection, by=org.qa, comment="完成", now=NOW)
    events = list(QualityEvent.objects.filter(inspection=inspection).order_by("at", "pk"))
    assert [(e.action, e.from_state, e.to_state) for e in events] == [
        ("claim", "sampled", "in_review"),
        ("release", "in_review", "sampled"),
        ("claim", "sampled", "in_review"),
        ("reject_finding", "in_review", "in_review"),
        ("add_finding", "in_review", "in_review"),
        ("submit", "in_review", "reviewed"),
    ]
    assert all(e.by == org.qa for e in events)
    assert events[1].comment == "稍后"
    assert events[3].details["finding"] == finding.pk
    assert events[-1].details["final_score"] == "95.00"


def test_a_refused_step_writes_nothing(org):
    inspection = sampled(org, agent=org.qa)
    with pytest.raises(PermissionDenied):
        reviews.review_claim(inspection=inspection, by=org.qa, now=NOW)
    assert not QualityEvent.objects.filter(inspection=inspection).exists()
