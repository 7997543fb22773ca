"""The agent's appeal (申诉) within N working days, and the second reviewer's decision."""

from decimal import Decimal

import pytest

from kefu.core.calendars import clear_calendar_cache
from kefu.core.errors import PermissionDenied, TransitionNotAllowed, ValidationError
from kefu.core.models import CalendarOverride
from kefu.notify.models import Notification
from kefu.quality import review_selectors as selectors
from kefu.quality import workflow
from kefu.quality.models import Appeal, Finding, Inspection, QualityEvent
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
# Friday 2026-11-20, 16:00: three working days later is Wednesday 2026-11-25, 18:00.
FRIDAY = aware(2026, 11, 20, 16, 0)


def reviewed(org, *, at=FRIDAY) -> Inspection:
    """An inspection of org.agent reviewed by org.qa at `at`: one confirmed finding (−10), one
    manual (−5): final 85."""
    inspection = InspectionFactory(state=State.SAMPLED, agent=org.agent)
    rude = RubricItemFactory(version=inspection.version, points=Decimal(10))
    slow = RubricItemFactory(version=inspection.version, points=Decimal(5))
    finding = FindingFactory(inspection=inspection, item=rude)
    reviews.review_claim(inspection=inspection, by=org.qa, now=at)
    reviews.finding_review(inspection=inspection, finding_id=finding.pk, by=org.qa, confirm=True, now=at)
    reviews.finding_add(inspection=inspection, by=org.qa, item_id=slow.pk, comment="语速过快", now=at)
    return reviews.review_submit(inspection=inspection, by=org.qa, comment="需改进", now=at)


def test_the_review_gives_the_expected_final_score(org):
    assert reviewed(org).final_score == Decimal("85.00")


def test_the_appeal_window_counts_working_days_over_the_weekend(org):
    inspection = reviewed(org)
    assert workflow.appeal_deadline(inspection) == aware(2026, 11, 25, 18, 0)
    reviews.appeal_file(
        inspection=inspection, by=org.agent, reason="客户先骂人", now=aware(2026, 11, 25, 17, 59)
    )
    inspection.refresh_from_db()
    assert inspection.state == State.APPEALED


def test_an_appeal_after_the_window_is_refused(org):
    inspection = reviewed(org)
    with pytest.raises(TransitionNotAllowed):
        reviews.appeal_file(
            inspection=inspection, by=org.agent, reason="晚了", now=aware(2026, 11, 25, 18, 1)
        )
    inspection.refresh_from_db()
    assert inspection.state == State.REVIEWED and not Appeal.objects.exists()


def test_a_holiday_does_not_count_in_the_appeal_window(org):
    CalendarOverride.objects.create(date=aware(2026, 11, 24, 0, 0).date(), kind="holiday", name="测试假日")
    clear_calendar_cache()
    inspection = reviewed(org)
    assert workflow.appeal_deadline(inspection) == aware(2026, 11, 26, 18, 0)
    reviews.appeal_file(inspection=inspection, by=org.agent, reason="假日顺延", now=aware(2026, 11, 26, 9, 0))


def test_the_appeal_window_follows_the_setting(org, settings):
    settings.KEFU_QUALITY_APPEAL_DAYS = 1
    inspection = reviewed(org)
    assert workflow.appeal_deadline(inspection) == aware(2026, 11, 23, 18, 0)


def test_only_the_agent_appeals(org):
    inspection = reviewed(org)
    for person in (org.agent2, org.qa, org.supervisor):
        with pytest.raises(PermissionDenied):
            reviews.appeal_file(inspection=inspection, by=person, reason="不服", now=FRIDAY)


def test_an_appeal_needs_a_reason_overall_or_per_finding(org):
    inspection = reviewed(org)
    with pytest.raises(ValidationError) as err:
        reviews.appeal_file(inspection=inspection, by=org.agent, reason=" ", reasons={}, now=FRIDAY)
    assert "reason" in err.value.errors
    finding = inspection.findings.first()
    appeal = reviews.appeal_file(
        inspection=inspection, by=org.agent, reasons={str(finding.pk): "这句是客户说的"}, now=FRIDAY
    )
    assert appeal.reasons == [{"finding": finding.pk, "reason": "这句是客户说的"}]


def test_a_reason_for_a_finding_of_another_inspection_names_the_field(org):
    inspection = reviewed(org)
    other = FindingFactory()
    with pytest.raises(ValidationError) as err:
        reviews.appeal_file(inspection=inspection, by=org.agent, reasons={str(other.pk): "不对"}, now=FRIDAY)
    assert f"reasons.{other.pk}" in err.value.errors


def test_an_inspection_is_appealed_once(org):
    inspection = reviewed(org)
    reviews.appeal_file(inspection=inspection, by=org.agent, reason="不服", now=FRIDAY)
    with pytest.raises(TransitionNotAllowed):
        reviews.appeal_file(inspection=inspection, by=org.agent, reason="再申诉", now=FRIDAY)


def appealed(org) -> Inspection:
    inspection = reviewed(org)
    reviews.appeal_file(inspection=inspection, by=org.agent, reason="客户先骂人", now=FRIDAY)
    return inspection


def test_the_first_reviewer_may_not_decide_the_appeal(org):
    inspection = appealed(org)
    with pytest.raises(PermissionDenied):
        reviews.appeal_decide(inspection=inspection, by=org.qa, outcome="upheld", comment="维持")


def test_the_agent_may_not_decide_their_own_appeal(org):
    inspection = appealed(org)
    with pytest.raises(PermissionDenied):
        reviews.appeal_decide(inspection=inspection, by=org.agent, outcome="upheld", comment="维持")


def test_an_inspector_outside_the_scope_may_not_decide(org):
    inspection = appealed(org)
    other_qa = UserFactory(role="qa")
    InspectorScopeFactory(inspector=other_qa, queues=["投诉专线"])
    other_qa.refresh_from_db()
    with pytest.raises(PermissionDenied):
        reviews.appeal_decide(inspection=inspection, by=other_qa, outcome="upheld", comment="维持")


def test_a_second_in_scope_inspector_may_decide(org):
    inspection = appealed(org)
    second = UserFactory(role="qa")
    InspectorScopeFactory(inspector=second)
    second.refresh_from_db()
    assert [i.pk for i in selectors.appeals_to_decide(second)] == [inspection.pk]
    assert selectors.appeals_to_decide(org.qa) == []  # the first reviewer does not see it to decide
    appeal = reviews.appeal_decide(inspection=inspection, by=second, outcome="upheld", comment="证据充分")
    assert appeal.decided_by == second


def test_upheld_leaves_the_score(org):
    inspection = appealed(org)
    appeal = reviews.appeal_decide(
        inspection=inspection, by=org.supervisor, outcome="upheld", comment="维持原判"
    )
    inspection.refresh_from_db()
    assert (inspection.state, inspection.final_score) == (State.DECIDED, Decimal("85.00"))
    assert (appeal.outcome, appeal.score_before, appeal.score_after) == (
        "upheld",
        Decimal("85.00"),
        Decimal("85.00"),
    )


def test_changed_rejects_findings_and_recomputes_the_score(org):
    inspection = appealed(org)
    manual = inspection.findings.get(source=Finding.Source.MANUAL)
    appeal = reviews.appeal_decide(
        inspection=inspection,
        by=org.supervisor,
        outcome="changed",
        comment="语速正常",
        reject_finding_ids=[manual.pk],
    )
    inspection.refresh_from_db()
    manual.refresh_from_db()
    assert manual.status == Finding.Status.REJECTED
    assert inspection.final_score == Decimal("90.00")
    assert (appeal.score_before, appeal.score_after) == (Decimal("85.00"), Decimal("90.00"))


def test_changed_without_findings_is_refused_naming_the_field(org):
    inspection = appealed(org)
    with pytest.raises(ValidationError) as err:
        reviews.appeal_decide(inspection=inspection, by=org.supervisor, outcome="changed", comment="改")
    assert "findings" in err.value.errors
    inspection.refresh_from_db()
    assert inspection.state == State.APPEALED


def test_an_unknown_outcome_is_refused_naming_the_field(org):
    inspection = appealed(org)
    with pytest.raises(ValidationError) as err:
        reviews.appeal_decide(inspection=inspection, by=org.supervisor, outcome="maybe", comment="?")
    assert "outcome" in err.value.errors


def test_the_decision_tells_the_agent_and_the_first_reviewer(org):
    inspection = appealed(org)
    Notification.objects.all().delete()
    reviews.appeal_decide(inspection=inspection, by=org.supervisor, outcome="upheld", comment="维持")
    assert set(Notification.objects.filter(kind="quality").values_list("user", flat=True)) == {
        org.agent.pk,
        org.qa.pk,
    }


def test_the_appeal_tells_the_first_reviewer(org):
    inspection = reviewed(org)
    Notification.objects.all().delete()
    reviews.appeal_file(inspection=inspection, by=org.agent, reason="不服", now=FRIDAY)
    assert Notification.objects.filter(kind="quality", user=org.qa).exists()


def test_the_timeline_keeps_the_whole_life_of_an_appealed_inspection(org):
    inspection = appealed(org)
    reviews.appeal_decide(inspection=inspection, by=org.supervisor, outcome="upheld", comment="维持")
    steps = list(QualityEvent.objects.filter(inspection=inspection).values_list("action", "by", "to_state"))
    assert steps == [
        ("claim", org.qa.pk, "in_review"),
        ("confirm_finding", org.qa.pk, "in_review"),
        ("add_finding", org.qa.pk, "in_review"),
        ("submit", org.qa.pk, "reviewed"),
        ("appeal", org.agent.pk, "appealed"),
        ("decide", org.supervisor.pk, "decided"),
    ]


def test_an_agent_sees_only_their_own_results(org):
    mine = reviewed(org)
    theirs = InspectionFactory(agent=org.agent2, state=State.REVIEWED)
    assert [i.pk for i in selectors.my_results(org.agent)] == [mine.pk]
    assert theirs.pk not in [i.pk for i in selectors.my_results(org.agent)]
