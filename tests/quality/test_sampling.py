"""Sampling plans (抽检计划): each kind picks what it says, reproducibly, never twice, and records
the plan that picked it on the timeline."""

import random
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command

from kefu.callbacks.models import Satisfaction
from kefu.core.errors import PermissionDenied, ValidationError
from kefu.quality.models import Inspection, QualityEvent, Sample, SamplingPlan
from kefu.quality.services.sampling import sampling_plan_run, sampling_plan_save, sampling_plans_run
from kefu.quality.tasks import sample_inspections
from kefu.tickets.models import Ticket
from tests.factories import aware
from tests.quality.factories import InspectionFactory, RubricVersionFactory, SamplingPlanFactory, review_org

pytestmark = pytest.mark.django_db


@pytest.fixture
def org(db):
    return review_org()


State = Inspection.State
Kind = SamplingPlan.Kind
NOW = aware(2026, 11, 26, 12, 0)  # a Thursday
MONDAY = aware(2026, 11, 23, 10, 0)


@pytest.fixture
def version():
    return RubricVersionFactory()


def make(n, *, version, **kwargs) -> list[Inspection]:
    kwargs.setdefault("conversation_at", MONDAY)
    return [InspectionFactory(version=version, **kwargs) for _ in range(n)]


def ticket(ticket_type: str) -> Ticket:
    n = Ticket.objects.count() + 1
    return Ticket.objects.create(
        number=f"T{n:05d}", ticket_type=ticket_type, channel="phone", title="快递", content="快递没到",
        created_at=MONDAY, updated_at=MONDAY,
    )  # fmt: skip


def picked(plan) -> set[int]:
    return set(Sample.objects.filter(plan=plan).values_list("inspection_id", flat=True))


def test_random_picks_n_per_agent_per_week(org, version):
    mine = make(5, version=version, agent=org.agent)
    theirs = make(3, version=version, agent=org.agent2)
    last_week = make(4, version=version, agent=org.agent, conversation_at=MONDAY - timedelta(days=7))
    plan = SamplingPlanFactory(kind=Kind.RANDOM, count=2)
    ids = set(sampling_plan_run(plan=plan, now=NOW, rng=random.Random(1)))
    assert len(ids & {i.pk for i in mine}) == 2
    assert len(ids & {i.pk for i in theirs}) == 2
    assert len(ids & {i.pk for i in last_week}) == 2
    assert Inspection.objects.filter(pk__in=ids, state=State.SAMPLED).count() == 6


def test_random_choices_repeat_with_the_same_seed(org, version):
    make(6, version=version, agent=org.agent)
    plan = SamplingPlanFactory(kind=Kind.RANDOM, count=2)
    first = sampling_plan_run(plan=plan, now=NOW, rng=random.Random(7))
    # Undo and run again with the same seed: the same two.
    Sample.objects.all().delete()
    Inspection.objects.update(state=State.AUTO)
    again = sampling_plan_run(plan=plan, now=NOW, rng=random.Random(7))
    assert first == again


def test_running_a_plan_twice_in_a_week_tops_up_only(org, version):
    make(5, version=version, agent=org.agent)
    plan = SamplingPlanFactory(kind=Kind.RANDOM, count=2)
    assert len(sampling_plan_run(plan=plan, now=NOW, rng=random.Random(1))) == 2
    assert sampling_plan_run(plan=plan, now=NOW, rng=random.Random(2)) == []
    make(3, version=version, agent=org.agent)  # more conversations the same week: still two
    assert sampling_plan_run(plan=plan, now=NOW, rng=random.Random(3)) == []
    assert len(picked(plan)) == 2


def test_not_satisfied_picks_every_conversation_with_a_not_satisfied_answer(org, version):
    unhappy, unsolved, happy = ticket("inquiry"), ticket("inquiry"), ticket("inquiry")
    Satisfaction.objects.create(
        ticket=unhappy,
        source="survey",
        score="dissatisfied",
        ticket_type="inquiry",
        channel="phone",
        created_at=NOW,
    )
    Satisfaction.objects.create(
        ticket=unsolved,
        source="callback",
        score="fairly",
        solved=False,
        ticket_type="inquiry",
        channel="phone",
        created_at=NOW,
    )
    Satisfaction.objects.create(
        ticket=happy,
        source="survey",
        score="satisfied",
        ticket_type="inquiry",
        channel="phone",
        created_at=NOW,
    )
    a = InspectionFactory(version=version, transcript__ticket=unhappy)
    b = InspectionFactory(version=version, transcript__ticket=unsolved)
    InspectionFactory(version=version, transcript__ticket=happy)
    InspectionFactory(version=version)  # no work order
    plan = SamplingPlanFactory(kind=Kind.NOT_SATISFIED)
    assert set(sampling_plan_run(plan=plan, now=NOW)) == {a.pk, b.pk}


def test_complaint_picks_every_complaint(org, version):
    complaint = InspectionFactory(version=version, transcript__ticket=ticket("complaint"))
    InspectionFactory(version=version, transcript__ticket=ticket("inquiry"))
    plan = SamplingPlanFactory(kind=Kind.COMPLAINT)
    assert sampling_plan_run(plan=plan, now=NOW) == [complaint.pk]


def test_severe_picks_every_severe_or_fatal_finding(org, version):
    severe = InspectionFactory(version=version, worst_severity="severe")
    fatal = InspectionFactory(version=version, worst_severity="fatal")
    InspectionFactory(version=version, worst_severity="normal")
    InspectionFactory(version=version, worst_severity="")
    plan = SamplingPlanFactory(kind=Kind.SEVERE)
    assert set(sampling_plan_run(plan=plan, now=NOW)) == {severe.pk, fatal.pk}


def test_queue_percent_picks_a_share_of_each_queue_per_week(org, version):
    hotline = make(10, version=version, queue="热线")
    complaints = make(4, version=version, queue="投诉专线")
    plan = SamplingPlanFactory(kind=Kind.QUEUE_PERCENT, percent=Decimal(20), queues=["热线"])
    ids = set(sampling_plan_run(plan=plan, now=NOW, rng=random.Random(3)))
    assert len(ids) == 2 and ids <= {i.pk for i in hotline}
    assert not ids & {i.pk for i in complaints}
    assert sampling_plan_run(plan=plan, now=NOW, rng=random.Random(4)) == []  # idempotent


def test_a_plan_looks_only_at_its_channels(org, version):
    chat = InspectionFactory(version=version, channel="chat", worst_severity="severe")
    InspectionFactory(version=version, channel="phone", worst_severity="severe")
    plan = SamplingPlanFactory(kind=Kind.SEVERE, channels=["chat"])
    assert sampling_plan_run(plan=plan, now=NOW) == [chat.pk]


def test_an_inactive_plan_picks_nothing(org, version):
    InspectionFactory(version=version, worst_severity="fatal")
    plan = SamplingPlanFactory(kind=Kind.SEVERE, is_active=False)
    assert sampling_plan_run(plan=plan, now=NOW) == []


def test_an_inspection_is_never_sampled_twice(org, version):
    both = InspectionFactory(version=version, worst_severity="fatal", transcript__ticket=ticket("complaint"))
    severe = SamplingPlanFactory(name="a-严重", kind=Kind.SEVERE)
    complaint = SamplingPlanFactory(name="b-投诉", kind=Kind.COMPLAINT)
    assert sampling_plans_run(now=NOW) == {severe.pk: 1, complaint.pk: 0}
    assert sampling_plans_run(now=NOW) == {severe.pk: 0, complaint.pk: 0}
    assert Sample.objects.get(inspection=both).plan == severe
    assert QualityEvent.objects.filter(inspection=both, action="sample").count() == 1


def test_superseded_and_already_reviewed_inspections_are_not_picked(org, version):
    InspectionFactory(version=version, worst_severity="fatal", superseded=True)
    InspectionFactory(version=version, worst_severity="fatal", state=State.REVIEWED)
    assert sampling_plan_run(plan=SamplingPlanFactory(kind=Kind.SEVERE), now=NOW) == []


def test_picking_records_the_plan_on_the_timeline(org, version):
    inspection = InspectionFactory(version=version, worst_severity="fatal")
    plan = SamplingPlanFactory(kind=Kind.SEVERE)
    sampling_plan_run(plan=plan, now=NOW)
    event = QualityEvent.objects.get(inspection=inspection)
    assert (event.action, event.by, event.from_state, event.to_state) == ("sample", None, "auto", "sampled")
    assert event.details["plan"] == plan.pk and event.at == NOW


def test_the_periodic_task_and_the_command_run_every_active_plan(org, version):
    InspectionFactory(version=version, worst_severity="fatal")
    later = InspectionFactory(version=version, worst_severity="severe")
    plan = SamplingPlanFactory(kind=Kind.SEVERE)
    Inspection.objects.filter(pk=later.pk).update(state=State.REVIEWED)
    sample_inspections.call_local()
    assert len(picked(plan)) == 1
    Inspection.objects.filter(pk=later.pk).update(state=State.AUTO)
    call_command("quality_sample", "--seed", "1")
    assert len(picked(plan)) == 2


def test_saving_a_plan_names_each_bad_field(org):
    with pytest.raises(ValidationError) as err:
        sampling_plan_save(by=org.qa, name="", kind="random", count=0, channels=["fax"])
    assert set(err.value.errors) == {"name", "count", "channels"}
    with pytest.raises(ValidationError) as err:
        sampling_plan_save(by=org.qa, name="队列抽检", kind="queue_percent", percent="150")
    assert set(err.value.errors) == {"percent"}
    plan = sampling_plan_save(by=org.qa, name="随机抽检", kind="random", count=3, channels=["phone"])
    assert (plan.count, plan.channels) == (3, ["phone"])


def test_an_agent_may_not_keep_sampling_plans(org):
    with pytest.raises(PermissionDenied):
        sampling_plan_save(by=org.agent, name="随机抽检", kind="random", count=3)
