"""Signing in to the API: personal tokens and the pages' session with CSRF."""

import json
import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kefu.accounts.models import ApiToken
from kefu.tickets.models import Ticket
from tests.api.conftest import Api

TICKET = {"ticket_type": "consultation", "channel": "phone", "content": "营业时间是几点？"}


def bearer(raw: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {raw}"})


def test_a_valid_token_signs_in(org):
    _token, raw = ApiToken.issue(user=org.agent, name="cti")
    response = bearer(raw).get("/api/me")
    assert response.status_code == 200
    assert response.json()["username"] == "agent"
    assert response.json()["role"] == "agent"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer kf_not-a-real-token"},
        {"Authorization": "Bearer "},
        {"Authorization": "Basic eDp5"},
    ],
    ids=["missing", "unknown", "empty", "other-scheme"],
)
def test_no_valid_credentials_answer_401_in_the_error_shape(org, headers):
    response = Client(headers=headers).get("/api/tickets")
    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "not_authenticated"
    assert body["message"]
    assert body["errors"] == {}


def test_a_write_without_credentials_is_401_not_a_csrf_refusal(org):
    response = Client().post("/api/tickets", json.dumps(TICKET), content_type="application/json")
    assert response.status_code == 401
    assert Ticket.objects.count() == 0


def test_a_revoked_token_is_refused(org):
    token, raw = ApiToken.issue(user=org.agent, name="old")
    token.revoked = True
    token.save()
    assert bearer(raw).get("/api/me").status_code == 401


def test_a_token_of_an_inactive_person_is_refused(org):
    _token, raw = ApiToken.issue(user=org.agent, name="cti")
    org.agent.is_active = False
    org.agent.save()
    assert bearer(raw).get("/api/me").status_code == 401


def test_a_bad_token_does_not_fall_back_to_the_session(org):
    client = Client(headers={"Authorization": "Bearer kf_wrong"})
    client.force_login(org.agent)
    assert client.get("/api/me").status_code == 401


def test_last_used_at_is_written_at_most_once_a_minute(org):
    token, raw = ApiToken.issue(user=org.agent, name="cti")
    client = bearer(raw)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.get("/api/me")
    token.refresh_from_db()
    assert token.last_used_at == start
    with time_machine.travel(start + timedelta(seconds=30), tick=False):
        client.get("/api/me")
    token.refresh_from_db()
    assert token.last_used_at == start
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        client.get("/api/me")
    token.refresh_from_db()
    assert token.last_used_at == start + timedelta(seconds=61)


def test_a_token_writes_without_csrf(org, as_user):
    response = as_user(org.agent).post("/tickets", TICKET)
    assert response.status_code == 201


def test_the_session_reads_without_csrf(org):
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.agent)
    assert client.get("/api/tickets").status_code == 200


def test_a_session_write_without_the_csrf_token_is_refused(org):
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.agent)
    client.get("/api/me")  # sets the csrftoken cookie, but the header is not sent
    response = client.post("/api/tickets", json.dumps(TICKET), content_type="application/json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert Ticket.objects.count() == 0


def test_a_session_write_with_the_csrf_header_from_the_cookie_succeeds(org):
    """What a page's script does: read the csrftoken cookie (set by GET /api/me) and send it back."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.agent)
    me = client.get("/api/me")
    csrf = me.cookies["csrftoken"].value
    response = client.post(
        "/api/tickets", json.dumps(TICKET), content_type="application/json", headers={"X-CSRFToken": csrf}
    )
    assert response.status_code == 201, response.content


def test_a_page_s_htmx_csrf_header_is_accepted_by_the_api(org):
    """base.html puts the page's CSRF token in hx-headers; htmx calls to /api/ then pass the check."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.agent)
    page = client.get(reverse("workspace:home"))
    assert page.status_code == 200
    found = re.search(r'"X-CSRFToken": "([^"]+)"', page.content.decode())
    assert found, "the page carries no CSRF token for htmx"
    response = client.post(
        "/api/tickets", json.dumps(TICKET), content_type="application/json", headers={"X-CSRFToken": found[1]}
    )
    assert response.status_code == 201, response.content


def test_tokens_are_issued_to_the_session_user_and_shown_once(org):
    client = Client()
    client.force_login(org.agent)
    api = Api(client)
    response = api.post("/tokens", {"name": "呼叫中心集成"})
    assert response.status_code == 201
    raw = response.json()["token"]
    assert raw.startswith("kf_")
    token = ApiToken.objects.get(pk=response.json()["id"])
    assert token.user == org.agent
    assert token.digest == ApiToken.hash(raw) and raw not in (token.digest, token.prefix)
    listed = api.get("/tokens").json()
    assert [t["name"] for t in listed] == ["呼叫中心集成"]
    assert "token" not in listed[0]
    assert bearer(raw).get("/api/me").json()["username"] == "agent"


def test_a_token_cannot_issue_tokens(org, as_user):
    response = as_user(org.agent).post("/tokens", {"name": "more"})
    assert response.status_code == 401
    assert ApiToken.objects.filter(name="more").count() == 0


def test_revoking_a_token_ends_it(org, as_user):
    _token, raw = ApiToken.issue(user=org.agent, name="cti")
    other_token, _other_raw = ApiToken.issue(user=org.agent2, name="theirs")
    api = Api(bearer(raw))
    mine = ApiToken.objects.get(name="cti")
    assert api.delete(f"/tokens/{other_token.pk}").status_code == 404  # not mine
    assert api.delete(f"/tokens/{mine.pk}").status_code == 204
    assert api.get("/me").status_code == 401
    other_token.refresh_from_db()
    assert other_token.revoked is False


def test_me_describes_the_caller(org, as_user):
    body = as_user(org.agent).get("/me").json()
    assert body["department"]["name"] == "客服中心"
    assert body["superior"]["id"] == org.supervisor.pk
    assert [g["name"] for g in body["groups"]] == ["热线一组"]
    assert body["is_center_staff"] is True and body["is_lead"] is False


def test_departments_come_as_a_tree(org, as_user):
    sub = type(org.logistics).objects.create(name="仓储组", code="warehouse", parent=org.logistics)
    rows = as_user(org.agent).get("/departments").json()
    names = [r["name"] for r in rows]
    assert names.index("仓储组") == names.index("物流部") + 1
    warehouse = next(r for r in rows if r["id"] == sub.pk)
    assert warehouse["parent"] == org.logistics.pk and warehouse["depth"] == 1
    logistics = next(r for r in rows if r["id"] == org.logistics.pk)
    assert logistics["head"]["id"] == org.logistics_head.pk and logistics["depth"] == 0


# --- the per-process token snapshot (accounts.api.api_tokens) ---------------------------------------
# transaction=True: inside a transaction that changed tokens or people the snapshot is bypassed, so
# only committed rows show what a running web process does.


def _token_reads(client: Client) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/api/me").status_code == 200
    return sum('FROM "accounts_apitoken"' in q["sql"] for q in ctx.captured_queries)


@pytest.mark.django_db(transaction=True)
def test_a_token_is_read_once_then_kept_for_a_few_seconds():
    from tests.org import build_org

    org = build_org()
    _token, raw = ApiToken.issue(user=org.agent, name="cti")
    client = bearer(raw)
    assert _token_reads(client) == 1
    assert _token_reads(client) == 0


@pytest.mark.django_db(transaction=True)
def test_revoking_a_kept_token_through_the_api_ends_it_at_once():
    from tests.org import build_org

    org = build_org()
    token, raw = ApiToken.issue(user=org.agent, name="cti")
    api = Api(bearer(raw))
    assert api.get("/me").status_code == 200  # now kept
    assert api.delete(f"/tokens/{token.pk}").status_code == 204
    assert api.get("/me").status_code == 401


@pytest.mark.django_db(transaction=True)
def test_deactivating_the_owner_of_a_kept_token_ends_it_at_once():
    from tests.org import build_org

    org = build_org()
    _token, raw = ApiToken.issue(user=org.agent, name="cti")
    client = bearer(raw)
    assert client.get("/api/me").status_code == 200
    org.agent.is_active = False
    org.agent.save()
    assert client.get("/api/me").status_code == 401


@pytest.mark.django_db(transaction=True)
def test_a_revocation_by_another_process_applies_within_the_token_cache_time(monkeypatch):
    from kefu.accounts.api import TOKEN_CACHE_SECONDS
    from kefu.core import refcache
    from tests.org import build_org

    org = build_org()
    token, raw = ApiToken.issue(user=org.agent, name="cti")
    client = bearer(raw)
    clock = [1000.0]
    monkeypatch.setattr(refcache._time, "monotonic", lambda: clock[0])
    assert client.get("/api/me").status_code == 200
    # An UPDATE sends no signal: this process learns of it only when its snapshot expires.
    ApiToken.objects.filter(pk=token.pk).update(revoked=True)
    assert client.get("/api/me").status_code == 200
    clock[0] += TOKEN_CACHE_SECONDS + 1
    assert client.get("/api/me").status_code == 401


@pytest.mark.django_db(transaction=True)
def test_what_a_request_pins_on_its_user_does_not_reach_the_next_request(monkeypatch):
    from kefu.accounts import api as accounts_api
    from tests.org import build_org

    org = build_org()
    _token, raw = ApiToken.issue(user=org.agent, name="cti")
    seen = []
    original = accounts_api.TokenAuth.authenticate

    def pinning(self, request, token):
        user = original(self, request, token)
        seen.append(user)
        user.pinned_by_this_request = True
        return user

    monkeypatch.setattr(accounts_api.TokenAuth, "authenticate", pinning)
    client = bearer(raw)
    client.get("/api/me")
    client.get("/api/me")
    assert seen[0] is not seen[1]
    assert "pinned_by_this_request" not in accounts_api.api_tokens.get(ApiToken.hash(raw)).user.__dict__


def test_guessing_tokens_locks_the_address_with_a_json_429(org):
    _token, raw = ApiToken.issue(user=org.agent, name="cti")
    guesser = Client(REMOTE_ADDR="10.2.0.1", headers={"Authorization": "Bearer kf_guess"})
    statuses = [guesser.get("/api/me").status_code for _ in range(10)]

    assert statuses == [401] * 9 + [429]
    refused = guesser.get("/api/me")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert refused.json()["code"] == "too_many_requests" and refused.json()["message"]


def test_a_locked_address_does_not_lock_other_addresses_or_the_owner_of_a_token(org):
    _token, raw = ApiToken.issue(user=org.agent, name="cti")
    guesser = Client(REMOTE_ADDR="10.2.0.1", headers={"Authorization": "Bearer kf_guess"})
    for _ in range(12):
        guesser.get("/api/me")

    other = Client(REMOTE_ADDR="10.2.0.2", headers={"Authorization": f"Bearer {raw}"})
    assert other.get("/api/me").status_code == 200
    assert (
        Client(REMOTE_ADDR="10.2.0.2")
        .post("/login/", {"username": "agent", "password": "pass12345"})
        .status_code
        == 302
    )
