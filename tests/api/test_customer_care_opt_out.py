"""POST / DELETE /api/customers/{id}/care-opt-out: staff record a customer's care opt-out (退订) and
undo it; who may not edit customer records may not either."""

import pytest

from kefu.crm.models import CareOptOut
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_an_agent_records_and_undoes_an_opt_out(org, as_user):
    wang = CustomerFactory(name="王芳")
    api = as_user(org.agent)
    first = api.post(f"/customers/{wang.pk}/care-opt-out")
    assert first.status_code == 200, first.content
    body = first.json()
    assert (body["opted_out"], body["via"]) == (True, f"staff: {org.agent.label}")
    again = api.post(f"/customers/{wang.pk}/care-opt-out")  # idempotent: the first stands
    assert again.json()["at"] == body["at"] and CareOptOut.objects.count() == 1

    assert api.delete(f"/customers/{wang.pk}/care-opt-out").status_code == 204
    assert not CareOptOut.objects.exists()
    assert api.delete(f"/customers/{wang.pk}/care-opt-out").status_code == 204  # nothing to undo


def test_qa_and_department_staff_may_not_change_it(org, as_user):
    wang = CustomerFactory()
    CareOptOut.objects.create(customer=wang, at="2026-12-01T10:00:00+08:00", via="email link")
    for person in (org.qa, org.store_staff):
        api = as_user(person)
        assert api.post(f"/customers/{wang.pk}/care-opt-out").status_code == 403
        refused = api.delete(f"/customers/{wang.pk}/care-opt-out")
        assert (refused.status_code, refused.json()["code"]) == (403, "permission_denied")
    assert CareOptOut.objects.get().via == "email link"


def test_an_unknown_customer_is_404(org, as_user):
    assert as_user(org.agent).post("/customers/999999/care-opt-out").status_code == 404
