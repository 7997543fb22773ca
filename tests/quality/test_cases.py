"""Promoting an inspected conversation to the case library keeps its findings and links back."""

import pytest
from django.test import Client

from kefu.accounts.models import ApiToken
from kefu.core.errors import PermissionDenied, ValidationError
from kefu.knowledge.cases import case_integrity_errors
from kefu.knowledge.models import Case
from kefu.quality.models import CasePromotion, Finding, InspectorScope
from kefu.quality.services.cases import inspection_promote_to_case
from tests.factories import CustomerFactory, aware
from tests.org import build_org
from tests.quality import factories_reports as f


@pytest.fixture
def inspected(db):
    org = build_org(with_policy=False)
    InspectorScope.objects.create(inspector=org.qa, queues=["hotline"])
    version = f.version(f.rubric())
    customer = CustomerFactory(name="王先生")
    transcript = f.transcript(at=aware(2026, 11, 17, 10, 0), agent=org.agent, customer=customer)
    org.inspection = f.inspection(
        transcript=transcript, version=version, auto=85,
        findings=[("GREET", Finding.Status.CONFIRMED, 0), ("POLITE", Finding.Status.REJECTED, 0),
                  ("THANKS", Finding.Status.PENDING, 4)],
    )  # fmt: skip
    return org


def test_promotion_builds_a_sound_case_quoting_the_findings_and_linking_back(inspected):
    case = inspection_promote_to_case(
        inspection=inspected.inspection, verdict="bad", title="问候缺失", by=inspected.qa
    )
    assert (case.verdict, case.source, case.title) == ("bad", Case.Source.TRANSCRIPT, "问候缺失")
    assert case_integrity_errors(case) == []
    root = case.nodes.get(parent=None)
    assert root.kind == "request" and "13812345678" not in root.text and "[电话]" in root.text
    assert "[GREET] 未问候 (-5): “你好，请问有什么可以帮你？” (#1)" in case.notes
    assert "[THANKS] 主动致谢 (+5): “明天送到，感谢您的耐心。” (#5)" in case.notes
    assert "POLITE" not in case.notes  # rejected by the reviewer
    assert f"/quality/reports/inspections/{inspected.inspection.pk}/" in case.notes
    assert CasePromotion.objects.get(case=case).inspection == inspected.inspection
    assert [n.kind for n in case.nodes.order_by("pk")] == ["request", "reply", "follow_up", "resolution"]


def test_promotion_is_refused_to_agents_and_needs_a_verdict(inspected):
    with pytest.raises(PermissionDenied):
        inspection_promote_to_case(inspection=inspected.inspection, verdict="good", by=inspected.agent)
    with pytest.raises(ValidationError) as err:
        inspection_promote_to_case(inspection=inspected.inspection, verdict="ugly", by=inspected.qa)
    assert "verdict" in err.value.errors
    assert not Case.objects.exists()


def test_promotion_is_refused_to_an_inspector_outside_their_queues(inspected):
    inspected.qa.inspector_scope.queues = ["web"]
    inspected.qa.inspector_scope.save()
    with pytest.raises(PermissionDenied):
        inspection_promote_to_case(inspection=inspected.inspection, verdict="good", by=inspected.qa)


def test_promotion_of_a_conversation_without_customer_words_is_refused(inspected):
    transcript = inspected.inspection.transcript
    transcript.sentences = [{"role": "agent", "text": "您好"}]
    transcript.save()
    with pytest.raises(ValidationError):
        inspection_promote_to_case(inspection=inspected.inspection, verdict="good", by=inspected.qa)
    assert not Case.objects.exists()


def test_promote_button_on_the_drill_down(inspected):
    client = Client()
    client.force_login(inspected.supervisor)
    url = f"/quality/reports/inspections/{inspected.inspection.pk}/"
    assert "Promote" in client.get(url).text or "案例库" in client.get(url).text
    response = client.post(url + "case/", {"verdict": "good", "title": "好例子"})
    assert response.status_code == 302
    assert Case.objects.get().title == "好例子"
    agent = Client()
    agent.force_login(inspected.agent)
    assert agent.get(url).status_code == 200  # their own inspection
    assert agent.post(url + "case/", {"verdict": "good"}).status_code == 403


def test_promote_endpoint(inspected):
    _token, raw = ApiToken.issue(user=inspected.qa, name="t")
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    url = f"/api/quality/reports/inspections/{inspected.inspection.pk}/case"
    bad = client.post(url, {"verdict": "ugly"}, content_type="application/json")
    assert bad.status_code == 422 and bad.json()["details"][0]["field"] == "verdict"
    made = client.post(url, {"verdict": "bad"}, content_type="application/json")
    assert made.status_code == 201 and "[GREET]" in made.json()["notes"]
