"""The API's error contract: one JSON shape with a code per problem, for every status, in the schema."""

import importlib
import json
import re
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

import pytest
from django.db import OperationalError
from django.test import Client

import kefu
from kefu.api import LocalTimeEncoder
from kefu.tickets.models import Ticket
from tests.api.conftest import new_ticket
from tests.factories import CategoryFactory

DOCS = Path(kefu.__file__).resolve().parents[2] / "docs" / "api.md"


def problems(response) -> dict[str, set[str]]:
    """{field: {codes}} from an error's `details`."""
    found: dict[str, set[str]] = {}
    for problem in response.json()["details"]:
        found.setdefault(problem["field"], set()).add(problem["code"])
    return found


def test_schema_errors_carry_a_code_per_field_beside_chinese_text(org, as_user):
    response = as_user(org.agent).post(
        "/tickets", {"ticket_type": "complaint", "channel": "pigeon", "title": "长" * 201, "priority": 99}
    )
    assert response.status_code == 422
    assert problems(response) == {
        "content": {"required"},
        "channel": {"invalid_choice"},
        "title": {"too_long"},
        "priority": {"invalid_choice"},
    }
    body = response.json()
    assert body["errors"]["content"] == ["这个字段是必填项。"]  # zh-hans by default, not pydantic's English
    assert body["errors"]["title"] == ["最多 200 个字符。"]
    assert all(p["message"] == body["errors"][p["field"]][0] for p in body["details"])


def test_an_unknown_category_and_one_of_another_type_have_their_own_codes(org, as_user):
    api_ = as_user(org.agent)
    other_type = CategoryFactory(ticket_type="repair", name="空调")
    missing = api_.post(
        "/tickets", {"ticket_type": "complaint", "channel": "phone", "content": "x", "category_id": 987654}
    )
    assert problems(missing) == {"category_id": {"unknown_category"}}
    wrong = api_.post(
        "/tickets",
        {"ticket_type": "complaint", "channel": "phone", "content": "x", "category_id": other_type.pk},
    )
    assert problems(wrong) == {"category_id": {"category_wrong_type"}}
    assert not Ticket.objects.exists()


def test_a_cancelled_work_order_is_not_editable_in_its_status(org, as_user):
    api_ = as_user(org.agent)
    number = new_ticket(api_, accept=True)["number"]
    cancelled = api_.post(f"/tickets/{number}/transitions", {"action": "cancel", "note": "客户撤回"})
    assert cancelled.status_code == 200, cancelled.content
    response = api_.patch(f"/tickets/{number}", {"version": cancelled.json()["version"], "title": "改"})
    assert response.status_code == 422
    assert problems(response) == {"status": {"not_editable_in_status"}}


def test_channel_facts_name_the_fact_and_the_problem(org, as_user):
    response = as_user(org.agent).post(
        "/tickets",
        {
            "ticket_type": "complaint",
            "channel": "regulator",
            "content": "12315 转来的投诉",
            "channel_details": {"body": "12315", "answer_by": "next week", "colour": "red"},
        },
    )
    assert response.status_code == 422
    assert problems(response) == {
        "channel_details.reference_number": {"required"},
        "channel_details.answer_by": {"wrong_type"},
        "channel_details.colour": {"unknown_channel_fact"},
    }


def test_dispatching_to_an_unknown_department_is_not_found_by_field(org, as_user):
    api_ = as_user(org.agent)
    number = new_ticket(api_, accept=True)["number"]
    response = api_.post(f"/tickets/{number}/dispatches", {"department_ids": [987654]})
    assert problems(response) == {"department_ids": {"not_found"}}


@pytest.mark.parametrize("body", [[], ["name", "x"], "a string", 12])
def test_a_patch_body_that_is_not_an_object_is_422_not_a_silent_200(org, as_user, body):
    api_ = as_user(org.supervisor)
    customer = api_.post("/customers", {"name": "张女士", "phone": "13800138000"}).json()
    response = api_.client.patch(
        f"/api/customers/{customer['id']}", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 422, response.content
    assert problems(response) == {"body": {"wrong_type"}}
    number = new_ticket(api_)["number"]
    response = api_.client.patch(f"/api/tickets/{number}", json.dumps(body), content_type="application/json")
    assert (response.status_code, problems(response)) == (422, {"body": {"wrong_type"}})


def test_an_unknown_api_path_and_a_wrong_method_answer_json(org, as_user):
    api_ = as_user(org.agent)
    missing = api_.get("/no-such-thing")
    assert (missing.status_code, missing["Content-Type"], missing.json()["code"]) == (
        404,
        "application/json; charset=utf-8",
        "not_found",
    )
    wrong = api_.delete("/me")
    assert (wrong.status_code, wrong.json()["code"]) == (405, "method_not_allowed")
    assert "GET" in wrong["Allow"]


def test_a_busy_database_is_a_json_503_with_retry_after(org, as_user, monkeypatch):
    def locked(**kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr("kefu.tickets.selectors.ticket_list", locked)
    response = as_user(org.agent).get("/tickets")
    assert (response.status_code, response.json()["code"]) == (503, "service_unavailable")
    assert int(response["Retry-After"]) > 0


def test_any_other_crash_is_a_json_500(org, as_user, monkeypatch):
    def broken(**kwargs):
        raise ZeroDivisionError

    monkeypatch.setattr("kefu.tickets.selectors.ticket_list", broken)
    response = as_user(org.agent).get("/tickets")
    assert (response.status_code, response.json()["code"]) == (500, "server_error")
    assert response.json()["details"] == []


def test_every_operation_declares_its_errors_with_the_error_schema(db):
    response = Client().get("/api/openapi.json")
    schema = response.json()
    assert b'"ge":' not in response.content  # bounds in JSON Schema's words (minimum), or clients ignore them
    error = {"$ref": "#/components/schemas/ErrorOut"}
    assert set(schema["components"]["schemas"]["ErrorOut"]["properties"]) == {
        "code",
        "message",
        "errors",
        "details",
    }
    operations = [(path, method, op) for path, ops in schema["paths"].items() for method, op in ops.items()]
    assert len(operations) > 30
    for path, method, op in operations:
        expected = {"401", "403", "404", "422", "default"} | ({"409"} if method != "get" else set())
        declared = set(op["responses"])
        assert expected <= declared, (method, path, declared)
        for status in expected:
            assert op["responses"][status]["content"]["application/json"]["schema"] == error, (
                method,
                path,
                status,
            )


def test_an_ancient_moment_is_written_as_valid_rfc3339():
    """Year 1271 in Asia/Shanghai is local mean time, +08:05:43; RFC 3339 offsets have no seconds."""
    text = json.loads(LocalTimeEncoder().encode(datetime(1271, 3, 1, 2, tzinfo=UTC)))
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", text), text
    assert (
        json.loads(LocalTimeEncoder().encode(datetime(2026, 12, 1, 2, tzinfo=UTC)))
        == "2026-12-01T10:00:00+08:00"
    )


def error_code_enums() -> list[type[StrEnum]]:
    """ErrorCode and FieldCode in core, the API's HTTP codes, and every app's error_codes.py."""
    from kefu.api import HttpErrorCode
    from kefu.core.errors import ErrorCode, FieldCode

    enums = [ErrorCode, FieldCode, HttpErrorCode]
    root = Path(kefu.__file__).resolve().parent
    for path in sorted(root.rglob("error_codes.py")):
        module = importlib.import_module("kefu." + ".".join(path.relative_to(root).with_suffix("").parts))
        enums += [
            v
            for v in vars(module).values()
            if isinstance(v, type) and issubclass(v, StrEnum) and v is not StrEnum
        ]
    return enums


def test_every_error_code_is_unique_and_documented():
    enums = error_code_enums()
    assert {e.__name__ for e in enums} >= {"TicketErrorCode", "ChannelFactCode"}
    codes = [code.value for enum in enums for code in enum]
    # `not_found` is both a request's code (404) and a field's (an id naming no record): the same meaning.
    field_codes = [c.value for e in enums if e.__name__ not in {"ErrorCode", "HttpErrorCode"} for c in e]
    assert len(field_codes) == len(set(field_codes)), "a field code is defined twice"
    docs = DOCS.read_text(encoding="utf-8")
    undocumented = [code for code in codes if f"`{code}`" not in docs]
    assert not undocumented, f"document these codes in docs/api.md: {undocumented}"


def test_a_body_that_is_not_json_is_a_chinese_400(org, as_user):
    response = as_user(org.agent).client.post("/api/tickets", "{not json", content_type="application/json")
    assert (response.status_code, response.json()["code"]) == (400, "bad_request")
    assert response.json()["message"] == "请求体不是有效的 JSON。"


def test_a_plain_refusal_under_api_from_outside_ninja_becomes_json_keeping_retry_after(db):
    """E.g. a throttling middleware's 429 for the token endpoints."""
    from django.http import HttpResponse
    from django.test import RequestFactory

    from kefu.api import ApiErrorsMiddleware

    middleware = ApiErrorsMiddleware(
        lambda request: HttpResponse("slow down", status=429, headers={"Retry-After": "30"})
    )
    response = middleware(RequestFactory().post("/api/tokens"))
    assert (response.status_code, json.loads(response.content)["code"]) == (429, "too_many_requests")
    assert response["Retry-After"] == "30"
    page = middleware(RequestFactory().post("/accounts/login/"))
    assert page.content == b"slow down"  # pages keep their own answers
