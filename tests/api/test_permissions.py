"""Who sees and touches what, over the API: the rules of tickets/permissions.py and the services."""

import pytest

from kefu.tickets.models import Dispatch, Status, Ticket
from tests.api.conftest import new_ticket


@pytest.fixture
def dispatched(org, as_user):
    """A work order of 热线一组, accepted by the agent and dispatched to logistics."""
    api = as_user(org.agent)
    number = new_ticket(api, accept=True)["number"]
    response = api.post(f"/tickets/{number}/dispatches", {"department_ids": [org.logistics.pk], "version": 2})
    assert response.status_code == 201, response.content
    return number, response.json()[0]["id"]


def test_an_agent_of_another_group_gets_404_and_does_not_see_it_in_the_list(org, as_user):
    number = new_ticket(as_user(org.agent))["number"]
    other = as_user(org.other_agent)
    response = other.get(f"/tickets/{number}")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert number not in [t["number"] for t in other.get("/tickets").json()["items"]]
    for path in ("/events", "/dispatches"):
        assert other.get(f"/tickets/{number}{path}").status_code == 404


def test_writes_on_an_unseen_work_order_are_404_and_change_nothing(org, as_user):
    number = new_ticket(as_user(org.agent))["number"]
    other = as_user(org.other_agent)
    assert other.post(f"/tickets/{number}/transitions", {"action": "accept"}).status_code == 404
    assert other.patch(f"/tickets/{number}", {"version": 1, "title": "x"}).status_code == 404
    assert other.post(f"/tickets/{number}/notes", {"note": "x"}).status_code == 404
    assert other.post(f"/tickets/{number}/escalate", {"note": "x"}).status_code == 404
    ticket = Ticket.objects.get(number=number)
    assert (ticket.status, ticket.version) == (Status.NEW, 1)


def test_a_colleague_of_the_group_sees_it_but_may_not_edit_anothers_work_order(org, as_user):
    number = new_ticket(as_user(org.agent), accept=True)["number"]
    colleague = as_user(org.agent2)
    assert colleague.get(f"/tickets/{number}").status_code == 200
    response = colleague.patch(f"/tickets/{number}", {"version": 2, "title": "x"})
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    response = colleague.post(f"/tickets/{number}/transitions", {"action": "start", "version": 2})
    assert response.status_code == 403
    assert Ticket.objects.get(number=number).status == Status.ACCEPTED


def test_actions_are_those_of_the_caller(org, as_user):
    number = new_ticket(as_user(org.agent), accept=True)["number"]
    mine = {a["action"] for a in as_user(org.agent).get(f"/tickets/{number}").json()["actions"]}
    theirs = {a["action"] for a in as_user(org.agent2).get(f"/tickets/{number}").json()["actions"]}
    assert "start" in mine
    assert theirs == set()


def test_leads_and_qa_see_every_work_order(org, as_user):
    number = new_ticket(as_user(org.other_agent))["number"]
    for person in (org.supervisor, org.manager, org.qa):
        assert as_user(person).get(f"/tickets/{number}").status_code == 200


def test_department_staff_see_only_what_was_dispatched_to_them(org, as_user, dispatched):
    number, _dispatch_id = dispatched
    undispatched = new_ticket(as_user(org.agent))["number"]
    logistics = as_user(org.logistics_staff)
    listed = [t["number"] for t in logistics.get("/tickets").json()["items"]]
    assert listed == [number]
    assert logistics.get(f"/tickets/{number}").status_code == 200
    assert logistics.get(f"/tickets/{undispatched}").status_code == 404
    store = as_user(org.store_staff)
    assert store.get("/tickets").json()["count"] == 0
    assert store.get(f"/tickets/{number}").status_code == 404


def test_department_staff_reply_from_their_inbox(org, as_user, dispatched):
    number, dispatch_id = dispatched
    logistics = as_user(org.logistics_staff)
    inbox = logistics.get("/dispatches").json()
    assert inbox["count"] == 1
    assert inbox["items"][0]["id"] == dispatch_id
    assert inbox["items"][0]["ticket"]["number"] == number
    response = logistics.post(f"/dispatches/{dispatch_id}/reply", {"reply": "已重新派送，明天上午送达"})
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "replied"
    assert response.json()["answered_by"]["id"] == org.logistics_staff.pk
    assert response.json()["ticket"]["status"] == "department_replied"
    assert logistics.get("/dispatches").json()["count"] == 0
    assert logistics.get("/dispatches", {"state": "replied"}).json()["count"] == 1
    assert logistics.get("/dispatches", {"state": "all"}).json()["count"] == 1
    assert logistics.get("/dispatches", {"state": "lost"}).status_code == 422
    again = logistics.post(f"/dispatches/{dispatch_id}/reply", {"reply": "again"})
    assert again.status_code == 422


def test_department_staff_send_it_back_with_a_reason(org, as_user, dispatched):
    number, dispatch_id = dispatched
    logistics = as_user(org.logistics_staff)
    assert logistics.post(f"/dispatches/{dispatch_id}/return", {"reason": " "}).status_code == 422
    response = logistics.post(f"/dispatches/{dispatch_id}/return", {"reason": "不是物流问题"})
    assert response.status_code == 200
    assert response.json()["state"] == "returned"
    assert Ticket.objects.get(number=number).status == Status.IN_PROGRESS


def test_department_staff_may_not_move_the_work_order_themselves(org, as_user, dispatched):
    number, _dispatch_id = dispatched
    logistics = as_user(org.logistics_staff)
    response = logistics.post(f"/tickets/{number}/transitions", {"action": "resolve", "note": "done"})
    assert response.status_code == 409  # not allowed from "dispatched" at all
    response = logistics.patch(f"/tickets/{number}", {"version": 3, "title": "x"})
    assert response.status_code == 403
    assert {a["action"] for a in logistics.get(f"/tickets/{number}").json()["actions"]} == set()


def test_agents_cannot_reply_to_dispatches(org, as_user, dispatched):
    _number, dispatch_id = dispatched
    response = as_user(org.agent).post(f"/dispatches/{dispatch_id}/reply", {"reply": "我替物流部回复"})
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert Dispatch.objects.get(pk=dispatch_id).state == Dispatch.State.PENDING


def test_another_department_gets_404_for_a_dispatch_it_cannot_see(org, as_user, dispatched):
    _number, dispatch_id = dispatched
    response = as_user(org.store_staff).post(f"/dispatches/{dispatch_id}/reply", {"reply": "x"})
    assert response.status_code == 404
    assert (
        as_user(org.other_agent).post(f"/dispatches/{dispatch_id}/reply", {"reply": "x"}).status_code == 404
    )
    assert Dispatch.objects.get(pk=dispatch_id).state == Dispatch.State.PENDING


def test_department_staff_may_not_use_customer_records(org, as_user):
    logistics = as_user(org.logistics_staff)
    for response in (
        logistics.get("/customers"),
        logistics.get("/customers/lookup", {"phone": "13800138000"}),
        logistics.get("/customers/1"),
        logistics.post("/customers", {"name": "李先生"}),
        logistics.patch("/customers/1", {"name": "x"}),
    ):
        assert response.status_code == 403, response.content
        assert response.json()["code"] == "permission_denied"
