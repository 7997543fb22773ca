"""POST /api/telephony/events: ring → answer → hangup, the screen pop over a real websocket, auth, validation."""

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import channel_layers, get_channel_layer
from channels.testing import WebsocketCommunicator
from django.test import Client

from kefu.asgi import application
from kefu.callcenter.models import AgentLine, CallRecord, Outcome
from kefu.tickets.services import ticket_create
from tests.api.conftest import token_client
from tests.factories import CustomerFactory
from tests.org import build_org

SECRET = "cti-shared-secret-for-tests"
T = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
def cti(settings):
    settings.KEFU_CTI_TOKEN = SECRET
    return Client(headers={"X-Kefu-CTI-Token": SECRET})


def post(client: Client, body: dict):
    return client.post("/api/telephony/events", json.dumps(body), content_type="application/json")


def event(kind: str, at: datetime, **fields) -> dict:
    return {"event": kind, "call_id": "1764554400.42", "at": at.isoformat(), **fields}


async def ring_and_listen(cti: Client, cookie: bytes) -> dict:
    """Open the agent's notification socket through kefu.asgi, ring their extension, return what arrives."""
    socket = WebsocketCommunicator(
        application, "/ws/notifications/", headers=[(b"cookie", cookie), (b"origin", b"http://127.0.0.1")]
    )
    connected, _subprotocol = await socket.connect()
    assert connected
    response = await sync_to_async(post)(cti, event("ring", T, caller="+86 138 0013 8000", agent="8001"))
    assert response.status_code == 200, response.content
    pop = await socket.receive_json_from(timeout=5)
    await socket.disconnect()
    return pop


def session_cookie(user) -> bytes:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


@pytest.mark.django_db(transaction=True)
def test_ring_pops_the_customer_card_and_open_work_orders_on_the_agents_websocket(cti):
    org = build_org()
    AgentLine.objects.create(user=org.agent, extension="8001")
    customer = CustomerFactory(name="王先生", tier_id="A", phone="13800138000")
    open_ticket = ticket_create(
        by=org.agent,
        ticket_type="complaint",
        channel="phone",
        content="空调坏了",
        customer_phone="13800138000",
    ).ticket
    cookie = session_cookie(org.agent)

    pop = async_to_sync(ring_and_listen)(cti, cookie)
    assert pop["kind"] == "screen_pop"
    assert pop["caller"] == "13800138000"
    assert pop["customer"]["name"] == "王先生"
    assert pop["customer"]["tier"] == "A"
    assert pop["customer"]["phones"] == ["13800138000"]
    assert [t["number"] for t in pop["tickets"]] == [open_ticket.number]
    assert pop["new_ticket_url"] == "/tickets/new/?phone=13800138000"
    assert CallRecord.objects.get().customer == customer


@pytest.mark.django_db(transaction=True)
def test_ring_answer_hangup_records_times_durations_and_outcome(cti):
    org = build_org()
    AgentLine.objects.create(user=org.agent, extension="8001")
    assert post(cti, event("ring", T, caller="13900139000", agent="8001", queue="hotline")).status_code == 200
    assert post(cti, event("answer", T + timedelta(seconds=9), agent="8001")).status_code == 200
    response = post(
        cti,
        event(
            "hangup",
            T + timedelta(seconds=129),
            wrapup_seconds=20,
            wrapup_code="咨询",
            recording_url="https://pbx/r/1.wav",
        ),
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["outcome"], body["wait_seconds"], body["talk_seconds"]) == ("answered", 9, 120)
    call = CallRecord.objects.get()
    assert (call.agent, call.queue, call.wrapup_seconds, call.wrapup_code) == (
        org.agent,
        "hotline",
        20,
        "咨询",
    )
    assert call.ended_at == T + timedelta(seconds=129)


def test_a_hangup_states_the_hold_time_and_a_bad_one_is_refused_naming_it(org, cti):
    assert post(cti, event("ring", T, queue="hotline")).status_code == 200
    assert post(cti, event("answer", T + timedelta(seconds=5))).status_code == 200
    bad = post(cti, event("hangup", T + timedelta(seconds=65), hold_seconds=-3))
    assert bad.status_code == 422 and list(bad.json()["errors"]) == ["hold_seconds"]
    assert CallRecord.objects.get().ended_at is None  # nothing half-saved
    done = post(cti, event("hangup", T + timedelta(seconds=65), hold_seconds=15))
    assert (done.json()["talk_seconds"], done.json()["hold_seconds"]) == (60, 15)
    assert CallRecord.objects.get().hold_seconds == 15


@pytest.mark.django_db(transaction=True)
def test_repeated_events_change_nothing(cti):
    org = build_org()
    AgentLine.objects.create(user=org.agent, extension="8001")
    for _ in range(2):
        post(cti, event("ring", T, caller="13900139000", agent="8001"))
        post(cti, event("answer", T + timedelta(seconds=5)))
        post(cti, event("hangup", T + timedelta(seconds=65)))
    post(cti, event("answer", T + timedelta(seconds=30)))  # a late duplicate with another time
    call = CallRecord.objects.get()
    assert (call.answered_at, call.talk_seconds, call.outcome) == (
        T + timedelta(seconds=5),
        60,
        Outcome.ANSWERED,
    )


@pytest.mark.django_db(transaction=True)
def test_hangup_without_answer_is_abandoned_with_its_wait(cti):
    build_org()
    post(cti, event("ring", T, caller="13900139000"))
    body = post(cti, event("hangup", T + timedelta(seconds=25))).json()
    assert (body["outcome"], body["wait_seconds"], body["talk_seconds"]) == ("abandoned", 25, None)


@pytest.mark.django_db(transaction=True)
def test_a_wrong_or_missing_cti_token_is_refused(cti, settings):
    build_org()
    wrong = Client(headers={"X-Kefu-CTI-Token": "guess"})
    assert post(wrong, event("ring", T)).status_code == 401
    assert post(Client(), event("ring", T)).status_code == 401
    settings.KEFU_CTI_TOKEN = ""  # no secret configured: the header opens nothing
    assert post(Client(headers={"X-Kefu-CTI-Token": ""}), event("ring", T)).status_code == 401
    assert not CallRecord.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_an_api_token_of_center_staff_may_send_events_but_department_staff_may_not():
    org = build_org()
    assert token_client(org.supervisor).post("/telephony/events", event("ring", T)).status_code == 200
    refused = token_client(org.logistics_staff).post("/telephony/events", event("ring", T, call_id="x2"))
    assert refused.status_code == 403


@pytest.mark.django_db(transaction=True)
def test_bad_payloads_get_422_naming_the_fields(cti):
    build_org()
    response = post(
        cti, {"event": "explode", "call_id": " ", "at": "2026-12-01T10:00:00", "wrapup_seconds": -1}
    )
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"event", "call_id", "at", "wrapup_seconds"}
    outcome = post(cti, event("ring", T, outcome="answered"))
    assert list(outcome.json()["errors"]) == ["outcome"]
    assert not CallRecord.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_an_agent_kefu_does_not_know_is_kept_as_the_pbx_names_it(cti):
    build_org()
    response = post(cti, event("ring", T, caller="13900139000", agent="IVR/7"))
    assert response.status_code == 200
    call = CallRecord.objects.get()
    assert (call.agent, call.agent_code) == (None, "IVR/7")


@pytest.mark.django_db(transaction=True)
def test_phone_work_order_recorded_by_the_agent_during_the_call_is_linked_to_it(cti):
    org = build_org()
    AgentLine.objects.create(user=org.agent, extension="8001")
    now = datetime.now(UTC)
    post(cti, event("ring", now - timedelta(minutes=3), caller="13900139000", agent="8001"))
    post(cti, event("answer", now - timedelta(minutes=2)))
    ticket = ticket_create(
        by=org.agent,
        ticket_type="consultation",
        channel="phone",
        content="问发票",
        customer_phone="13900139000",
    ).ticket
    call = CallRecord.objects.get()
    assert call.ticket == ticket
    assert call.customer == ticket.customer
    listed = token_client(org.agent).get("/telephony/calls", {"ticket": ticket.number})
    assert [c["external_id"] for c in listed.json()] == ["1764554400.42"]


@pytest.mark.django_db(transaction=True)
def test_work_order_of_another_agent_or_channel_is_not_linked(cti):
    org = build_org()
    AgentLine.objects.create(user=org.agent, extension="8001")
    post(cti, event("ring", datetime.now(UTC), caller="13900139000", agent="8001"))
    ticket_create(by=org.agent2, ticket_type="consultation", channel="phone", content="别人的电话")
    ticket_create(by=org.agent, ticket_type="consultation", channel="email", content="邮件来信")
    assert CallRecord.objects.get().ticket is None


@pytest.mark.django_db(transaction=True)
def test_call_ended_long_ago_is_not_linked_to_a_new_work_order(cti):
    org = build_org()
    AgentLine.objects.create(user=org.agent, extension="8001")
    now = datetime.now(UTC)
    post(cti, event("ring", now - timedelta(hours=1), caller="13900139000", agent="8001"))
    post(cti, event("hangup", now - timedelta(minutes=50)))
    ticket_create(by=org.agent, ticket_type="consultation", channel="phone", content="下一通电话")
    assert CallRecord.objects.get().ticket is None


@pytest.mark.django_db(transaction=True)
def test_a_call_is_linked_by_hand_and_shown_on_the_work_order_page(cti):
    org = build_org()
    post(cti, event("ring", T, caller="13900139000"))
    ticket = ticket_create(
        by=org.agent, ticket_type="consultation", channel="email", content="补登电话"
    ).ticket
    api = token_client(org.agent)
    call = CallRecord.objects.get()
    assert api.post(f"/telephony/calls/{call.pk}/link", {"ticket": ticket.number}).status_code == 200
    other = ticket_create(by=org.agent, ticket_type="consultation", channel="email", content="另一张").ticket
    refused = api.post(f"/telephony/calls/{call.pk}/link", {"ticket": other.number})
    assert refused.status_code == 422
    page = Client()
    page.force_login(org.agent)
    html = page.get(f"/tickets/{ticket.number}/").content.decode()
    assert 'id="ticket-calls"' in html
    assert "13900139000" in html


@pytest.mark.django_db
def test_capture_form_prefills_the_callers_phone(client):
    org = build_org()
    client.force_login(org.agent)
    html = client.get("/tickets/new/?phone=%2B86%20139-0013-9000").content.decode()
    assert 'value="13900139000"' in html


@pytest.mark.django_db(transaction=True)
def test_calls_of_a_customer_are_listed_for_center_staff_only(cti):
    org = build_org()
    customer = CustomerFactory(phone="13900139000")
    post(cti, event("ring", T, caller="13900139000"))
    listed = token_client(org.agent).get("/telephony/calls", {"customer": customer.pk})
    assert [c["caller_number"] for c in listed.json()] == ["13900139000"]
    assert (
        token_client(org.logistics_staff).get("/telephony/calls", {"customer": customer.pk}).status_code
        == 403
    )
    assert token_client(org.agent).get("/telephony/calls").status_code == 422


@pytest.fixture
def redis_layer(settings, redis_url):
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [redis_url]}}
    }
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest.mark.django_db(transaction=True)
def test_screen_pop_travels_over_the_redis_channel_layer_that_several_web_processes_share(cti, redis_layer):
    org = build_org()
    AgentLine.objects.create(user=org.agent, extension="8001")
    CustomerFactory(name="王先生", phone="13800138000")
    assert type(get_channel_layer()).__name__ == "RedisChannelLayer"
    pop = async_to_sync(ring_and_listen)(cti, session_cookie(org.agent))
    assert (pop["kind"], pop["customer"]["name"]) == ("screen_pop", "王先生")


RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")


@pytest.mark.parametrize(
    "at",
    [
        "1271-03-01T10:00:00+08:00",
        "1969-12-31T23:59:59Z",
        "2100-01-01T00:00:00Z",
        "99999-01-01T00:00:00Z",
        "1764554400",
        1764554400,
    ],
)
def test_a_time_out_of_range_or_not_a_date_is_422_naming_at(org, cti, at):
    """Year 1271 came back as 1271-03-01T10:05:43+08:05:43 (local mean time): no valid RFC 3339."""
    response = post(cti, {"event": "ring", "call_id": "c1", "at": at})
    assert response.status_code == 422, response.content
    body = response.json()
    assert list(body["errors"]) == ["at"]
    assert body["details"][0]["code"] in {"out_of_range", "wrong_type"}
    assert not CallRecord.objects.exists()


def test_times_in_the_answer_are_rfc3339_in_the_center_zone(org, cti):
    response = post(cti, event("ring", datetime(1970, 1, 1, 0, 0, 1, tzinfo=UTC)))
    assert response.status_code == 200, response.content
    assert RFC3339.fullmatch(response.json()["arrived_at"])
    assert response.json()["arrived_at"] == "1970-01-01T08:00:01+08:00"


def test_validation_messages_are_chinese_with_a_code_per_field(org, cti):
    response = post(
        cti,
        {
            "event": "explode",
            "call_id": "c1",
            "at": "2026-12-01T10:00:00",
            "wrapup_seconds": -1,
            "direction": "up",
        },
    )
    assert response.status_code == 422
    body = response.json()
    assert {p["field"]: p["code"] for p in body["details"]} == {
        "event": "invalid_choice",
        "at": "timezone_required",
        "wrapup_seconds": "out_of_range",
        "direction": "invalid_choice",
    }
    for messages in body["errors"].values():
        for message in messages:
            assert re.search(r"[\u4e00-\u9fff]", message) and "Input should" not in message, message
    assert body["errors"]["wrapup_seconds"] == ["不能小于 0。"]
