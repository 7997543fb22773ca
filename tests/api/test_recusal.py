"""Recusal (回避) and late dispatch deadlines over the API: the person a complaint is about finds no
trace of it; a dispatch to a department only they could answer is refused by field and code; a
dispatch due after its work order is accepted with a warning."""

from datetime import timedelta

import pytest
from django.utils import timezone

from kefu.tickets.models import Dispatch, Ticket
from kefu.tickets.services import ticket_dispatch
from tests.api.conftest import new_ticket

pytestmark = pytest.mark.django_db


def complaint_about(api, person, **fields) -> dict:
    return new_ticket(
        api,
        subject_person_id=person.pk,
        accept=True,
        content="送货员把衣柜磕坏了，还说是出厂就有的",
        **fields,
    )


def test_the_accused_finds_no_trace_of_the_complaint(org, as_user):
    number = complaint_about(as_user(org.agent), org.logistics_staff)["number"]
    ticket = Ticket.objects.get(number=number)
    [sent] = ticket_dispatch(ticket=ticket, by=org.agent, department_ids=[org.logistics.pk])
    accused = as_user(org.logistics_staff)

    assert accused.get(f"/tickets/{number}").status_code == 404
    assert accused.get(f"/tickets/{number}/events").status_code == 404
    assert number not in {t["number"] for t in accused.get("/tickets").json()["items"]}
    assert accused.get("/tickets", {"q": "衣柜"}).json()["items"] == []
    assert accused.get("/dispatches").json()["items"] == []
    response = accused.post(f"/dispatches/{sent.pk}/reply", {"reply": "出厂就有的"})
    assert response.status_code == 404
    assert Dispatch.objects.get(pk=sent.pk).state == Dispatch.State.PENDING
    # his head has it in the department's inbox
    head = as_user(org.logistics_head)
    assert [d["id"] for d in head.get("/dispatches").json()["items"]] == [sent.pk]


def test_an_agent_cannot_accept_a_complaint_about_themselves(org, as_user):
    number = new_ticket(as_user(org.agent), subject_person_id=org.agent2.pk)["number"]

    response = as_user(org.agent2).post(f"/tickets/{number}/transitions", {"action": "accept"})

    assert response.status_code == 404
    assert Ticket.objects.get(number=number).owner_id == org.agent.pk


def test_a_department_only_the_accused_could_answer_is_refused_by_field_and_code(org, as_user):
    api = as_user(org.agent)
    number = complaint_about(api, org.store_staff)["number"]

    response = api.post(f"/tickets/{number}/dispatches", {"department_ids": [org.store.pk]})

    assert response.status_code == 422
    [detail] = response.json()["details"]
    assert (detail["field"], detail["code"]) == ("department_ids", "only_recused_staff")
    assert not Dispatch.objects.exists()


def test_the_supervisor_sees_the_recusal_on_the_timeline(org, as_user):
    number = complaint_about(as_user(org.agent), org.logistics_staff)["number"]

    events = as_user(org.supervisor).get(f"/tickets/{number}/events").json()

    [recusal] = [e for e in events if e["kind"] == "recusal"]
    assert org.logistics_staff.label in recusal["text"]  # what the system says, in the reader's language
    assert recusal["data"]["code"] == "recusal"


def test_a_dispatch_due_after_the_work_order_comes_back_with_a_warning(org, as_user):
    api = as_user(org.agent)
    number = new_ticket(api, accept=True)["number"]
    due = next(
        c["due_at"] for c in api.get(f"/tickets/{number}").json()["sla"] if c["target"] == "resolution"
    )
    late = (timezone.localtime() + timedelta(days=30)).replace(microsecond=0)

    response = api.post(
        f"/tickets/{number}/dispatches", {"department_ids": [org.logistics.pk], "deadline": late.isoformat()}
    )

    assert response.status_code == 201, response.content
    [row] = response.json()
    [warning] = row["warnings"]
    assert warning["code"] == "deadline_after_resolution"
    assert due[:10] in warning["message"]
    [listed] = api.get(f"/tickets/{number}/dispatches").json()
    assert listed["warnings"] == row["warnings"]


def test_a_dispatch_due_before_the_work_order_has_no_warning(org, as_user):
    api = as_user(org.agent)
    number = new_ticket(api, accept=True)["number"]
    soon = (timezone.localtime() + timedelta(minutes=30)).replace(microsecond=0)

    response = api.post(
        f"/tickets/{number}/dispatches", {"department_ids": [org.logistics.pk], "deadline": soon.isoformat()}
    )

    assert response.status_code == 201, response.content
    assert response.json()[0]["warnings"] == []
