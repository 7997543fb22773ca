"""The review and appeal transition table (kefu.quality.workflow): what it allows, and that every
other (state, action) pair is refused."""

import pytest

from kefu.core.errors import PermissionDenied, TransitionNotAllowed
from kefu.quality import workflow
from kefu.quality.models import Inspection
from tests.quality.factories import InspectionFactory, review_org


@pytest.fixture
def org(db):
    return review_org()


State = Inspection.State

ALLOWED = {
    (State.AUTO, "sample"): State.SAMPLED,
    (State.SAMPLED, "claim"): State.IN_REVIEW,
    (State.IN_REVIEW, "release"): State.SAMPLED,
    (State.IN_REVIEW, "confirm_finding"): State.IN_REVIEW,
    (State.IN_REVIEW, "reject_finding"): State.IN_REVIEW,
    (State.IN_REVIEW, "add_finding"): State.IN_REVIEW,
    (State.IN_REVIEW, "submit"): State.REVIEWED,
    (State.REVIEWED, "appeal"): State.APPEALED,
    (State.APPEALED, "decide"): State.DECIDED,
}

REFUSED = [(s, a) for s in State.values for a in workflow.ACTIONS if (s, a) not in ALLOWED]


def test_the_table_holds_exactly_the_review_and_appeal_transitions():
    assert {k: t.target for k, t in workflow.BY_KEY.items()} == ALLOWED


@pytest.mark.parametrize(("state", "action"), REFUSED)
def test_every_other_state_and_action_is_refused(state, action):
    with pytest.raises(TransitionNotAllowed):
        workflow.find(state, action)


def test_an_unknown_action_is_refused_by_name():
    with pytest.raises(TransitionNotAllowed, match="publish"):
        workflow.find(State.AUTO, "publish")


def test_the_decided_state_is_final():
    assert not [a for a in workflow.ACTIONS if (State.DECIDED, a) in workflow.BY_KEY]


@pytest.mark.django_db
def test_only_sampling_may_be_done_by_the_system():
    inspection = InspectionFactory(state=State.SAMPLED)
    with pytest.raises(PermissionDenied):
        workflow.check(inspection, "claim", None)
    assert workflow.check(InspectionFactory(state=State.AUTO), "sample", None).target == State.SAMPLED


@pytest.mark.django_db
def test_an_agent_may_not_pick_an_inspection_for_review(org):
    inspection = InspectionFactory(state=State.AUTO, agent=org.agent2)
    with pytest.raises(PermissionDenied):
        workflow.check(inspection, "sample", org.agent)
