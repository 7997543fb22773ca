"""Work orders over the API: record, read, edit, move on, merge, dispatch, note, escalate."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from kefu.customers.models import Customer
from kefu.notify.models import Notification
from kefu.tickets.models import Dispatch, Escalation, Status, Ticket, TicketEvent
from tests.api.conftest import new_ticket
from tests.factories import CategoryFactory
from tests.tickets.helpers import ticket_in


def row_counts() -> tuple[int, int, int]:
    return Ticket.objects.count(), Customer.objects.count(), TicketEvent.objects.count()


def test_create_answers_201_with_a_number_of_the_day(org, as_user):
    body = new_ticket(as_user(org.agent))
    today = timezone.localdate()
    assert body["number"] == f"TS-{today:%Y%m%d}-0001"
    assert body["status"] == "new"
    assert body["version"] == 1
    assert body["owner"]["id"] == org.agent.pk
    assert body["group"]["name"] == "热线一组"
    assert body["customer"]["name"] == "张女士"
    assert body["title"] == "快递三天没有送到，客服电话也打不通"
    second = new_ticket(as_user(org.agent))
    assert second["number"] == f"TS-{today:%Y%m%d}-0002"


def test_create_with_accept_takes_it_at_once(org, as_user):
    body = new_ticket(as_user(org.agent), accept=True, ticket_type="consultation")
    assert re.fullmatch(r"ZX-\d{8}-0001", body["number"])
    assert body["status"] == "accepted"
    assert body["accepted_at"] is not None


def test_datetimes_are_iso_8601_in_the_centers_time_zone(org, as_user):
    body = new_ticket(as_user(org.agent))
    assert body["created_at"].endswith("+08:00")  # Asia/Shanghai


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"content": None}, "content"),  # missing
        ({"content": "   "}, "content"),  # blank
        ({"category_id": 999999}, "category_id"),
        ({"channel": "pigeon"}, "channel"),
        ({"ticket_type": "gossip"}, "ticket_type"),
        ({"customer_phone": "12"}, "customer_phone"),
        ({"customer_email": "not-an-email"}, "customer_email"),
        ({"priority": 9}, "priority"),
        ({"title": "长" * 201}, "title"),
        ({"group_id": "abc"}, "group_id"),
    ],
)
def test_bad_input_answers_422_naming_the_field_and_creates_nothing(org, as_user, change, field):
    api = as_user(org.agent)
    before = row_counts()
    body = {
        "ticket_type": "complaint",
        "channel": "phone",
        "content": "东西坏了",
        "customer_phone": "13800138000",
    }
    body.update(change)
    body = {k: v for k, v in body.items() if v is not None}
    response = api.post("/tickets", body)
    assert response.status_code == 422, response.content
    error = response.json()
    assert error["code"] == "validation_error"
    assert field in error["errors"], error
    assert error["message"]
    assert row_counts() == before


def test_a_category_of_another_type_is_refused(org, as_user):
    category = CategoryFactory(ticket_type="consultation", name="营业时间")
    response = as_user(org.agent).post(
        "/tickets",
        {"ticket_type": "complaint", "channel": "phone", "content": "x", "category_id": category.pk},
    )
    assert response.status_code == 422
    assert "category_id" in response.json()["errors"]


def test_malformed_json_is_a_400_in_the_error_shape(org, as_user):
    api = as_user(org.agent)
    response = api.client.post("/api/tickets", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"
    response = api.client.post("/api/tickets", '{"content": "a\\u0000b"}', content_type="application/json")
    assert response.status_code == 400
    assert Ticket.objects.count() == 0


def test_a_body_that_is_not_an_object_is_422(org, as_user):
    response = as_user(org.agent).post("/tickets", ["not", "an", "object"])
    assert response.status_code == 422
    assert response.json()["errors"]


def test_department_staff_cannot_record_work_orders(org, as_user):
    response = as_user(org.logistics_staff).post(
        "/tickets", {"ticket_type": "complaint", "channel": "phone", "content": "x"}
    )
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert Ticket.objects.count() == 0


def test_detail_shows_the_register_sla_clocks_and_my_actions(org, as_user):
    api = as_user(org.agent)
    number = new_ticket(api, severity="general", demands="退款")["number"]
    body = api.get(f"/tickets/{number}").json()
    assert body["content"] == "快递三天没有送到，客服电话也打不通"
    assert body["demands"] == "退款"
    assert body["customer_phone"] == "13800138000"
    targets = {c["target"]: c for c in body["sla"]}
    assert set(targets) == {"first_response", "resolution"}
    first = targets["first_response"]
    assert first["state"] == "running"
    assert first["due_at"].endswith("+08:00")
    assert isinstance(first["seconds_left"], int)
    actions = {a["action"] for a in body["actions"]}
    assert "accept" in actions and "resolve" not in actions
    assert all(isinstance(a["label"], str) and a["label"] for a in body["actions"])


def test_an_unknown_number_is_404_in_the_error_shape(org, as_user):
    response = as_user(org.agent).get("/tickets/TS-20200101-9999")
    assert response.status_code == 404
    body = response.json()
    assert body == {"code": "not_found", "message": body["message"], "errors": {}, "details": []}


def test_transitions_move_the_work_order_and_write_the_timeline(org, as_user):
    api = as_user(org.agent)
    number = new_ticket(api)["number"]
    body = api.post(f"/tickets/{number}/transitions", {"action": "accept", "version": 1}).json()
    assert body["status"] == "accepted" and body["version"] == 2
    body = api.post(f"/tickets/{number}/transitions", {"action": "start", "version": 2}).json()
    assert body["status"] == "in_progress"
    body = api.post(
        f"/tickets/{number}/transitions",
        {
            "action": "resolve",
            "note": "仓库漏发",
            "customer_reply": "已补发快递。",
            "version": body["version"],
        },
    ).json()
    assert body["status"] == "resolved"
    assert (body["resolution"], body["customer_reply"]) == ("仓库漏发", "已补发快递。")
    events = api.get(f"/tickets/{number}/events").json()
    assert [e["kind"] for e in events][0] == "created"
    moves = [(e["action"], e["from_status"], e["to_status"]) for e in events if e["kind"] == "transition"]
    assert moves == [
        ("accept", "new", "accepted"),
        ("start", "accepted", "in_progress"),
        ("resolve", "in_progress", "resolved"),
    ]
    assert events[-1]["actor"]["id"] == org.agent.pk


def test_a_wrong_transition_is_409_and_changes_nothing(org, as_user):
    api = as_user(org.agent)
    number = new_ticket(api)["number"]
    events = TicketEvent.objects.count()
    response = api.post(f"/tickets/{number}/transitions", {"action": "close", "version": 1})
    assert response.status_code == 409
    assert response.json()["code"] == "transition_not_allowed"
    ticket = Ticket.objects.get(number=number)
    assert (ticket.status, ticket.version) == (Status.NEW, 1)
    assert TicketEvent.objects.count() == events


def test_a_transition_that_needs_a_note_names_the_note(org, as_user):
    api = as_user(org.agent)
    number = new_ticket(api, accept=True)["number"]
    response = api.post(f"/tickets/{number}/transitions", {"action": "resolve"})
    assert response.status_code == 422
    assert "note" in response.json()["errors"]
    assert Ticket.objects.get(number=number).status == Status.ACCEPTED


def test_resolving_needs_the_reply_to_the_customer_and_says_so_in_the_actions(org, as_user):
    api = as_user(org.agent)
    number = new_ticket(api, accept=True)["number"]
    actions = {a["action"]: a for a in api.get(f"/tickets/{number}").json()["actions"]}
    assert actions["resolve"]["customer_reply_required"] and not actions["cancel"]["customer_reply_required"]
    response = api.post(f"/tickets/{number}/transitions", {"action": "resolve", "note": "仓库漏发"})
    assert response.status_code == 422
    details = {d["field"]: d["code"] for d in response.json()["details"]}
    assert details == {"customer_reply": "required"}
    assert Ticket.objects.get(number=number).status == Status.ACCEPTED


def test_a_stale_version_is_409_and_changes_nothing(org, as_user):
    api = as_user(org.agent)
    number = new_ticket(api)["number"]
    api.post(f"/tickets/{number}/transitions", {"action": "accept", "version": 1})
    events = TicketEvent.objects.count()
    response = api.post(f"/tickets/{number}/transitions", {"action": "start", "version": 1})
    assert response.status_code == 409
    assert response.json()["code"] == "stale_version"
    response = api.patch(f"/tickets/{number}", {"version": 1, "title": "改过的标题"})
    assert response.status_code == 409
    assert response.json()["code"] == "stale_version"
    ticket = Ticket.objects.get(number=number)
    assert (ticket.status, ticket.version, ticket.title) == (
        Status.ACCEPTED,
        2,
        "快递三天没有送到，客服电话也打不通",
    )
    assert TicketEvent.objects.count() == events


def test_patch_changes_only_the_fields_sent(org, as_user):
    api = as_user(org.agent)
    category = CategoryFactory(ticket_type="complaint", name="物流")
    created = new_ticket(api)
    number = created["number"]
    response = api.patch(
        f"/tickets/{number}", {"version": 1, "title": "快递延误", "category_id": category.pk}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["title"] == "快递延误"
    assert body["category"] == {"id": category.pk, "path": "物流"}
    assert body["content"] == created["content"]
    assert body["version"] == 2
    response = api.patch(f"/tickets/{number}", {"version": 2, "category_id": None})
    assert response.json()["category"] is None
    update = TicketEvent.objects.filter(ticket__number=number, kind="update").first()
    assert "title" in update.data["changes"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "x"}, "version"),
        ({"version": 1, "title": None}, "title"),
        ({"version": 1, "severity": "apocalyptic"}, "severity"),
        ({"version": 1, "customer_phone": "1"}, "customer_phone"),
        ({"version": 1, "subject_person_id": 999999}, "subject_person_id"),
    ],
)
def test_patch_refuses_bad_input_by_field(org, as_user, body, field):
    api = as_user(org.agent)
    number = new_ticket(api)["number"]
    response = api.patch(f"/tickets/{number}", body)
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"]
    ticket = Ticket.objects.get(number=number)
    assert ticket.version == 1


def test_merge_folds_a_duplicate_into_another(org, as_user):
    api = as_user(org.agent)
    keep = new_ticket(api)["number"]
    duplicate = new_ticket(api)["number"]
    response = api.post(f"/tickets/{duplicate}/merge", {"into": keep, "note": "同一件事", "version": 1})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "merged"
    assert response.json()["merged_into"] == keep
    kinds = [e["kind"] for e in api.get(f"/tickets/{keep}/events").json()]
    assert "merge" in kinds


def test_merge_into_an_unseen_work_order_names_the_field(org, as_user):
    theirs = new_ticket(as_user(org.other_agent))["number"]
    api = as_user(org.agent)
    mine = new_ticket(api)["number"]
    for into in (theirs, "TS-20200101-0001"):
        response = api.post(f"/tickets/{mine}/merge", {"into": into})
        assert response.status_code == 422
        assert "into" in response.json()["errors"]
    assert Ticket.objects.get(number=mine).status == Status.NEW


def test_dispatch_to_departments(org, as_user):
    api = as_user(org.agent)
    number = new_ticket(api, accept=True)["number"]
    deadline = (timezone.localtime() + timedelta(days=5)).replace(microsecond=0)
    response = api.post(
        f"/tickets/{number}/dispatches",
        {
            "department_ids": [org.logistics.pk, org.store.pk],
            "instructions": "请核实配送记录",
            "deadline": deadline.isoformat(),
            "version": 2,
        },
    )
    assert response.status_code == 201, response.content
    rows = response.json()
    assert {r["department"]["name"] for r in rows} == {"物流部", "门店部"}
    assert all(r["state"] == "pending" and r["ticket"]["status"] == "dispatched" for r in rows)
    assert rows[0]["deadline"] == deadline.isoformat()
    listed = api.get(f"/tickets/{number}/dispatches").json()
    assert len(listed) == 2
    detail = api.get(f"/tickets/{number}").json()
    assert {c["department"]["name"] for c in detail["sla"] if c["target"] == "department_reply"} == {
        "物流部",
        "门店部",
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"department_ids": []}, "department_ids"),
        ({"department_ids": [999999]}, "department_ids"),
        ({"department_ids": ["物流"]}, "department_ids.0"),
        ({"department_ids": [0]}, "department_ids.0"),
        ({"deadline": "2020-01-01T10:00:00+08:00"}, "deadline"),
        ({"deadline": "2099-01-01T10:00:00"}, "deadline"),  # naive
        ({"deadline": "next tuesday"}, "deadline"),
    ],
)
def test_dispatch_refuses_bad_input_by_field(org, as_user, body, field):
    api = as_user(org.agent)
    number = new_ticket(api, accept=True)["number"]
    response = api.post(f"/tickets/{number}/dispatches", {"department_ids": [org.logistics.pk], **body})
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"], response.json()
    assert Dispatch.objects.count() == 0
    assert Ticket.objects.get(number=number).status == Status.ACCEPTED


def test_notes_go_on_the_timeline(org, as_user):
    api = as_user(org.agent)
    number = new_ticket(api)["number"]
    response = api.post(f"/tickets/{number}/notes", {"note": "客户要求下午回电"})
    assert response.status_code == 201
    assert response.json()["kind"] == "note"
    assert api.post(f"/tickets/{number}/notes", {"note": " "}).status_code == 422
    notes = [e["note"] for e in api.get(f"/tickets/{number}/events").json() if e["kind"] == "note"]
    assert notes == ["客户要求下午回电"]


def test_escalate_by_hand_goes_one_step_up(org, as_user):
    api = as_user(org.agent)
    number = new_ticket(api, ticket_type="consultation", accept=True)["number"]
    response = api.post(f"/tickets/{number}/escalate", {"note": "客户坚持要主管处理"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["to_user"]["id"] == org.supervisor.pk
    assert body["reason"] == "manual"
    assert body["ticket"]["number"] == number
    detail = api.get(f"/tickets/{number}").json()
    assert detail["escalated_to"]["id"] == org.supervisor.pk
    assert detail["version"] == body["ticket"]["version"]
    assert api.post(f"/tickets/{number}/escalate", {"note": ""}).status_code == 422


@pytest.mark.parametrize("status", [Status.CLOSED, Status.CANCELLED, Status.MERGED])
def test_escalate_refuses_a_finished_work_order_and_tells_nobody(org, as_user, status):
    # given a work order its owner finished (closed, cancelled or merged)
    ticket = ticket_in(org, status, ticket_type="consultation")
    escalations, told = Escalation.objects.count(), Notification.objects.filter(kind="escalation").count()
    # when the owner escalates it through the API
    response = as_user(org.agent).post(f"/tickets/{ticket.number}/escalate", {"note": "客户坚持要主管处理"})
    # then it is refused as a move the state machine does not allow, and nothing happened
    assert response.status_code == 409, response.content
    assert response.json()["code"] == "transition_not_allowed"
    assert Escalation.objects.count() == escalations
    assert Notification.objects.filter(kind="escalation").count() == told
    assert Ticket.objects.get(pk=ticket.pk).escalated_to is None


HUGE = 10**25  # beyond any 64-bit id: must be refused, never reach the database driver


@pytest.mark.parametrize(
    ("method", "path", "params"),
    [
        ("get", "/tickets", {"page": HUGE}),
        ("get", "/tickets", {"page_size": HUGE}),
        ("get", "/tickets", {"owner": HUGE}),
        ("get", "/tickets", {"customer": HUGE}),
        ("get", f"/customers/{HUGE}", None),
        (
            "post",
            "/tickets",
            {"ticket_type": "complaint", "channel": "phone", "content": "x", "category_id": HUGE},
        ),
        (
            "post",
            "/tickets",
            {"ticket_type": "complaint", "channel": "phone", "content": "x", "group_id": HUGE},
        ),
        ("post", f"/dispatches/{HUGE}/reply", {"reply": "x"}),
    ],
)
def test_out_of_range_numbers_are_422_not_500(org, as_user, method, path, params):
    api = as_user(org.agent)
    response = getattr(api, method)(path, params)
    assert response.status_code == 422, response.content
    assert response.json()["errors"]


def test_a_failed_escalation_leaves_nothing_half_saved(org, as_user, monkeypatch):
    api = as_user(org.agent)
    number = new_ticket(api, ticket_type="consultation", accept=True)["number"]

    def broken_notify(notices):
        raise RuntimeError("mail server on fire")

    monkeypatch.setattr("kefu.notify.services.notify_many", broken_notify)
    response = api.post(f"/tickets/{number}/escalate", {"note": "客户坚持要主管处理"})
    assert (response.status_code, response.json()["code"]) == (500, "server_error")  # JSON, not HTML
    ticket = Ticket.objects.get(number=number)
    assert (ticket.escalated_to_id, ticket.version) == (None, 2)
    assert not ticket.escalations.exists()
    assert not ticket.events.filter(kind="escalation").exists()
