"""The review pages: who sees which, and that each form calls its service."""

from decimal import Decimal

import pytest
from django.test import Client

from kefu.quality.models import Finding, Inspection
from kefu.quality.services import reviews
from tests.quality.factories import FindingFactory, InspectionFactory, RubricItemFactory, review_org

pytestmark = pytest.mark.django_db


@pytest.fixture
def org(db):
    return review_org()


State = Inspection.State


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_review_queue_lists_sampled_inspections_in_scope_only(org):
    mine = InspectionFactory(state=State.SAMPLED, agent=org.agent)
    other_queue = InspectionFactory(state=State.SAMPLED, agent=org.agent, queue="投诉专线")
    not_sampled = InspectionFactory(state=State.AUTO, agent=org.agent)
    body = client_for(org.qa).get("/quality/reviews/").content.decode()
    assert f'id="inspection-{mine.pk}"' in body
    assert f'id="inspection-{other_queue.pk}"' not in body
    assert f'id="inspection-{not_sampled.pk}"' not in body


def test_agents_may_not_open_the_review_queue_or_the_appeals(org):
    assert client_for(org.agent).get("/quality/reviews/").status_code == 403
    assert client_for(org.agent).get("/quality/appeals/").status_code == 403


def test_an_agent_may_not_open_a_colleagues_review(org):
    inspection = InspectionFactory(state=State.REVIEWED, agent=org.agent2)
    assert client_for(org.agent).get(f"/quality/inspections/{inspection.pk}/review/").status_code == 404


def test_the_review_page_claims_judges_adds_and_submits(org):
    inspection = InspectionFactory(state=State.SAMPLED, agent=org.agent)
    finding = FindingFactory(inspection=inspection)
    item = RubricItemFactory(version=inspection.version, points=Decimal(2))
    client = client_for(org.qa)
    page = f"/quality/inspections/{inspection.pk}/review/"
    assert 'id="claim-form"' in client.get(page).content.decode()
    client.post(page, {"action": "claim"})
    client.post(page, {"action": "reject", "finding": finding.pk, "comment": "误判"})
    client.post(page, {"action": "add", "item": item.pk, "sentence": "1", "comment": "未安抚"})
    response = client.post(page, {"action": "submit", "comment": "良好"}, follow=True)
    inspection.refresh_from_db()
    finding.refresh_from_db()
    assert finding.status == Finding.Status.REJECTED
    assert (inspection.state, inspection.final_score) == (State.REVIEWED, Decimal("98.00"))
    assert "98.00" in response.content.decode()


def test_a_refused_step_on_the_page_is_a_message_not_an_error(org):
    inspection = InspectionFactory(state=State.SAMPLED, agent=org.agent)
    client = client_for(org.qa)
    page = f"/quality/inspections/{inspection.pk}/review/"
    client.post(page, {"action": "claim"})
    response = client.post(page, {"action": "add", "item": "", "comment": ""}, follow=True)
    assert response.status_code == 200
    assert inspection.findings.count() == 0


def test_the_agent_sees_their_results_and_appeals_from_the_page(org):
    inspection = InspectionFactory(state=State.SAMPLED, agent=org.agent)
    finding = FindingFactory(inspection=inspection)
    reviews.review_claim(inspection=inspection, by=org.qa)
    reviews.finding_review(inspection=inspection, finding_id=finding.pk, by=org.qa, confirm=True)
    reviews.review_submit(inspection=inspection, by=org.qa)
    client = client_for(org.agent)
    body = client.get("/quality/mine/").content.decode()
    assert f'id="result-{inspection.pk}"' in body and f'id="appeal-form-{inspection.pk}"' in body
    client.post("/quality/mine/", {"inspection": inspection.pk, f"reason_{finding.pk}": "这句不是我说的"})
    inspection.refresh_from_db()
    assert inspection.state == State.APPEALED
    assert inspection.appeal.reasons == [{"finding": finding.pk, "reason": "这句不是我说的"}]
    assert f'id="result-{inspection.pk}"' not in client_for(org.agent2).get("/quality/mine/").content.decode()


def test_a_lead_decides_an_appeal_from_the_page(org):
    inspection = InspectionFactory(state=State.SAMPLED, agent=org.agent)
    finding = FindingFactory(inspection=inspection)
    reviews.review_claim(inspection=inspection, by=org.qa)
    reviews.finding_review(inspection=inspection, finding_id=finding.pk, by=org.qa, confirm=True)
    reviews.review_submit(inspection=inspection, by=org.qa)
    reviews.appeal_file(inspection=inspection, by=org.agent, reason="不服")
    client = client_for(org.supervisor)
    assert f'id="appeal-{inspection.pk}"' in client.get("/quality/appeals/").content.decode()
    client.post(
        "/quality/appeals/",
        {"inspection": inspection.pk, "outcome": "changed", "reject": [finding.pk], "comment": "证据不足"},
    )
    inspection.refresh_from_db()
    assert (inspection.state, inspection.final_score) == (State.DECIDED, Decimal("100.00"))
    review_page = client.get(f"/quality/inspections/{inspection.pk}/review/").content.decode()
    assert (
        "不服" in review_page and "证据不足" in review_page
    )  # the appeal and its decision beside the review


def test_the_nav_links_fit_the_role(org):
    assert 'href="/quality/reviews/"' in client_for(org.qa).get("/quality/mine/").content.decode()
    agent_page = client_for(org.agent).get("/quality/mine/").content.decode()
    assert 'href="/quality/mine/"' in agent_page and 'href="/quality/reviews/"' not in agent_page


def test_a_lead_adds_a_sampling_plan_and_runs_it_from_the_page(org):
    from kefu.quality.models import SamplingPlan

    InspectionFactory(worst_severity="fatal")
    client = client_for(org.supervisor)
    client.post(
        "/quality/sampling/", {"action": "save", "name": "致命必检", "kind": "severe", "is_active": "1"}
    )
    plan = SamplingPlan.objects.get(name="致命必检")
    client.post("/quality/sampling/", {"action": "run"})
    assert plan.samples.count() == 1
    assert f'id="plan-{plan.pk}"' in client.get("/quality/sampling/").content.decode()


def test_a_bad_sampling_plan_is_refused_naming_the_field_on_the_page(org):
    response = client_for(org.qa).post(
        "/quality/sampling/", {"action": "save", "name": "随机", "kind": "random"}
    )
    assert response.status_code == 422
    assert "1 到 1000" in response.content.decode()


def test_agents_may_not_keep_sampling_plans(org):
    assert client_for(org.agent).get("/quality/sampling/").status_code == 403
