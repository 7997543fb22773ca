"""The review and appeal API under /api/quality/inspections/{id}/...: each step, and JSON errors
that name the field (422), the state (409), the person (403) or the record (404)."""

from decimal import Decimal

import pytest

from kefu.quality.models import Inspection
from tests.api.conftest import token_client
from tests.quality.factories import FindingFactory, InspectionFactory, RubricItemFactory, review_org

pytestmark = pytest.mark.django_db


@pytest.fixture
def org(db):
    return review_org()


State = Inspection.State


@pytest.fixture
def inspection(org):
    inspection = InspectionFactory(state=State.SAMPLED, agent=org.agent, auto_score=Decimal(95))
    inspection.rude = RubricItemFactory(version=inspection.version, points=Decimal(10))
    inspection.slow = RubricItemFactory(version=inspection.version, points=Decimal(5))
    inspection.finding = FindingFactory(inspection=inspection, item=inspection.rude)
    return inspection


def url(inspection, rest: str) -> str:
    return f"/quality/inspections/{inspection.pk}/{rest}"


def test_the_whole_review_and_appeal_through_the_api(org, inspection):
    qa, agent, lead = token_client(org.qa), token_client(org.agent), token_client(org.supervisor)
    assert qa.post(url(inspection, "claim")).json()["state"] == "in_review"
    r = qa.post(url(inspection, f"findings/{inspection.finding.pk}/reject"), {"comment": "客户先说的"})
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    r = qa.post(
        url(inspection, "findings"), {"item": inspection.slow.pk, "sentence": 3, "comment": "语速过快"}
    )
    assert r.status_code == 201 and r.json()["source"] == "manual"
    r = qa.post(url(inspection, "submit"), {"comment": "尚可"})
    assert (r.status_code, r.json()["final_score"]) == (200, "95.00")
    manual = r.json()
    r = agent.post(url(inspection, "appeal"), {"reason": "语速正常"})
    assert r.status_code == 201, r.content
    manual_id = inspection.findings.get(source="manual").pk
    r = lead.post(
        url(inspection, "decide"), {"outcome": "changed", "comment": "同意", "reject_findings": [manual_id]}
    )
    assert (r.status_code, r.json()["score_after"]) == (200, "100.00"), r.content
    review = agent.get(url(inspection, "review")).json()
    assert review["state"] == "decided" and manual["state"] == "reviewed"
    assert [e["action"] for e in review["events"]] == [
        "claim", "reject_finding", "add_finding", "submit", "appeal", "decide",
    ]  # fmt: skip


def test_a_second_claim_is_a_409(org, inspection):
    token_client(org.qa).post(url(inspection, "claim"))
    r = token_client(org.supervisor).post(url(inspection, "claim"))
    assert (r.status_code, r.json()["code"]) == (409, "transition_not_allowed")


def test_a_lead_claims_a_colleagues_conversation_but_not_their_own_403(org):
    other = InspectionFactory(state=State.SAMPLED, agent=org.agent2)
    r = token_client(org.manager).post(url(other, "claim"))
    assert r.status_code == 200
    own = InspectionFactory(state=State.SAMPLED, agent=org.manager)
    r = token_client(org.manager).post(url(own, "claim"))
    assert (r.status_code, r.json()["code"]) == (403, "permission_denied")


def test_an_agent_cannot_see_a_colleagues_inspection_404(org, inspection):
    r = token_client(org.agent2).get(url(inspection, "review"))
    assert (r.status_code, r.json()["code"]) == (404, "not_found")


def test_a_manual_finding_with_a_foreign_item_is_a_422_naming_item(org, inspection):
    qa = token_client(org.qa)
    qa.post(url(inspection, "claim"))
    r = qa.post(url(inspection, "findings"), {"item": RubricItemFactory().pk, "comment": "x"})
    assert r.status_code == 422
    assert [d["field"] for d in r.json()["details"]] == ["item"]


def test_a_manual_finding_without_a_comment_is_a_422_naming_comment(org, inspection):
    qa = token_client(org.qa)
    qa.post(url(inspection, "claim"))
    r = qa.post(url(inspection, "findings"), {"item": inspection.slow.pk})
    assert r.status_code == 422
    assert "comment" in [d["field"] for d in r.json()["details"]]


def test_submitting_with_a_pending_finding_is_a_422_naming_findings(org, inspection):
    qa = token_client(org.qa)
    qa.post(url(inspection, "claim"))
    r = qa.post(url(inspection, "submit"), {})
    assert r.status_code == 422
    assert r.json()["details"][0] == {
        "field": "findings", "code": "quality_findings_pending", "message": r.json()["errors"]["findings"][0],
    }  # fmt: skip


def test_an_unknown_outcome_is_a_422_naming_outcome(org, inspection):
    r = token_client(org.supervisor).post(url(inspection, "decide"), {"outcome": "maybe", "comment": "?"})
    assert r.status_code == 422
    assert r.json()["details"][0]["field"] == "outcome"
