"""Manual channels: each channel's required facts, its capture page, the API, and where the facts show."""

import json
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from kefu.accounts.models import ApiToken
from kefu.core.errors import ValidationError
from kefu.intake.manual.facts import FACTS
from kefu.intake.manual.services import channel_details_clean, ticket_create_with_details
from kefu.tickets.models import Ticket, TicketEvent
from kefu.tickets.services import ticket_update

# A complete set of facts per channel.
GOOD = {
    "walk_in": {"service_desk": "一楼服务台", "visitor_count": 2},
    "letter": {
        "received_on": "2026-11-20",
        "sender_address": "上海市静安区某路1号",
        "letter_reference": "X-1",
    },
    "media": {
        "outlet": "新民晚报",
        "link": "https://example.com/news/1",
        "published_on": "2026-11-19",
        "reporter": "李记者",
    },
    "regulator": {
        "body": "12315",
        "reference_number": "SH-12315-0099",
        "answer_by": "2026-12-05",
        "contact_person": "赵老师",
    },
    "transfer": {"from_department": "物业部", "reference": "WY-7", "original_handler": "孙工"},
}
REGISTER = {"ticket_type": "complaint", "content": "顾客反映空调不制冷。", "customer_phone": "13800138000"}
REQUIRED = [(channel, fact.name) for channel, facts in FACTS.items() for fact in facts if fact.required]


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page_data(channel: str, **facts) -> dict:
    data = {"ticket_type": "complaint", "content": "顾客反映空调不制冷。", "customer_phone": "13800138000"}
    data.update({"severity": "general", "priority": 2, "accept": "on"})
    data.update({f"fact_{k}": v for k, v in {**GOOD[channel], **facts}.items()})
    return data


@pytest.mark.parametrize(("channel", "name"), REQUIRED)
def test_a_missing_required_fact_is_refused_by_name_and_nothing_is_saved(org, channel, name):
    details = {k: v for k, v in GOOD[channel].items() if k != name}

    with pytest.raises(ValidationError) as refused:
        ticket_create_with_details(by=org.agent, channel=channel, channel_details=details, **REGISTER)

    assert f"channel_details.{name}" in refused.value.errors
    assert not Ticket.objects.exists()


@pytest.mark.parametrize("channel", list(FACTS))
def test_complete_facts_are_stored_on_the_work_order(org, channel):
    ticket = ticket_create_with_details(
        by=org.agent, channel=channel, channel_details=GOOD[channel], **REGISTER
    )

    ticket.refresh_from_db()
    assert ticket.channel == channel and ticket.channel_details == GOOD[channel]


def test_malformed_dates_counts_and_unknown_facts_are_refused_by_name(org):
    with pytest.raises(ValidationError) as refused:
        channel_details_clean(
            channel="walk_in", details={"service_desk": "A", "visitor_count": "many", "colour": "red"}
        )
    assert set(refused.value.errors) == {"channel_details.visitor_count", "channel_details.colour"}
    with pytest.raises(ValidationError) as refused:
        channel_details_clean(channel="regulator", details={**GOOD["regulator"], "answer_by": "next week"})
    assert set(refused.value.errors) == {"channel_details.answer_by"}


def test_a_channel_without_facts_refuses_details(org):
    with pytest.raises(ValidationError) as refused:
        channel_details_clean(channel="phone", details={"x": 1})
    assert "channel_details" in refused.value.errors
    assert channel_details_clean(channel="phone", details={}) == {}


# --- pages ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("channel", list(FACTS))
def test_the_capture_page_of_each_channel_records_a_work_order_with_its_facts(org, channel):
    client = login(org.agent)
    assert client.get(f"/intake/{channel}/new/").status_code == 200

    response = client.post(f"/intake/{channel}/new/", page_data(channel))

    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/tickets/{ticket.number}/"
    assert ticket.channel == channel and ticket.owner == org.agent
    assert ticket.channel_details == GOOD[channel]


@pytest.mark.parametrize("channel", list(FACTS))
def test_the_capture_page_names_the_missing_fact_at_its_field(org, channel):
    name = next(fact.name for fact in FACTS[channel] if fact.required)

    response = login(org.agent).post(f"/intake/{channel}/new/", page_data(channel, **{name: ""}))

    assert response.status_code == 400
    html = response.content.decode()
    assert re.search(rf'name="fact_{name}"[^>]*>.*?class="error"', html, re.S)
    assert not Ticket.objects.exists()


def test_an_unknown_channel_page_is_not_found(org):
    assert login(org.agent).get("/intake/phone/new/").status_code == 404


def test_department_staff_cannot_use_the_capture_pages(org):
    assert login(org.logistics_staff).get("/intake/letter/new/").status_code in (302, 403)


def test_the_quick_capture_links_to_the_channel_pages_and_leaves_their_channels_out(org):
    html = login(org.agent).get("/tickets/new/").content.decode()

    assert "/intake/regulator/new/" in html
    assert 'value="regulator"' not in html and 'value="phone"' in html


def test_the_regulator_deadline_shows_on_the_work_order_page_and_the_board(org):
    due = (timezone.localdate() + timedelta(days=1)).isoformat()
    ticket = ticket_create_with_details(
        by=org.agent, channel="regulator", channel_details={**GOOD["regulator"], "answer_by": due}, **REGISTER
    )

    detail = login(org.agent).get(f"/tickets/{ticket.number}/").content.decode()
    board = login(org.supervisor).get("/board/").content.decode()

    assert "SH-12315-0099" in detail and due in detail
    board_panel = board.split('id="board-regulator"')[1].split("</table>")[0]
    assert ticket.number in board_panel and due in board_panel


# --- API -----------------------------------------------------------------------------------------


def api(user):
    _token, raw = ApiToken.issue(user=user, name="tests")
    return Client(headers={"Authorization": f"Bearer {raw}"})


def test_the_api_stores_channel_details_on_creation(org):
    body = {**REGISTER, "channel": "media", "channel_details": GOOD["media"]}

    response = api(org.agent).post("/api/tickets", json.dumps(body), content_type="application/json")

    assert response.status_code == 201, response.content
    assert response.json()["channel_details"] == GOOD["media"]
    assert Ticket.objects.get().channel_details == GOOD["media"]


def test_the_api_refuses_a_missing_fact_by_its_dotted_name(org):
    details = {k: v for k, v in GOOD["regulator"].items() if k != "reference_number"}
    body = {**REGISTER, "channel": "regulator", "channel_details": details}

    response = api(org.agent).post("/api/tickets", json.dumps(body), content_type="application/json")

    assert response.status_code == 422
    assert "channel_details.reference_number" in response.json()["errors"]
    assert not Ticket.objects.exists()


def test_the_api_still_records_a_phone_call_without_details(org):
    body = {**REGISTER, "channel": "phone"}

    response = api(org.agent).post("/api/tickets", json.dumps(body), content_type="application/json")

    assert response.status_code == 201 and response.json()["channel_details"] == {}


# --- correcting facts after creation --------------------------------------------------------------


def regulator_ticket(org) -> Ticket:
    return ticket_create_with_details(
        by=org.agent, channel="regulator", channel_details=GOOD["regulator"], **REGISTER
    )


def test_correcting_a_fact_keeps_the_others_and_records_old_and_new_on_the_timeline(org):
    ticket = regulator_ticket(org)

    updated = ticket_update(
        ticket=ticket, by=org.agent, version=ticket.version, channel_details={"answer_by": "2026-12-09"}
    )

    assert updated.channel_details == {**GOOD["regulator"], "answer_by": "2026-12-09"}
    assert updated.version == ticket.version + 1
    event = TicketEvent.objects.filter(ticket=ticket, kind=TicketEvent.Kind.UPDATE).get()
    assert event.data["changes"] == {"channel_details.answer_by": ["2026-12-05", "2026-12-09"]}


def test_a_required_fact_cannot_be_cleared_and_a_malformed_one_is_refused_by_name(org):
    ticket = regulator_ticket(org)

    with pytest.raises(ValidationError) as cleared:
        ticket_update(ticket=ticket, by=org.agent, version=ticket.version, channel_details={"body": None})
    with pytest.raises(ValidationError) as malformed:
        ticket_update(
            ticket=ticket, by=org.agent, version=ticket.version, channel_details={"answer_by": "soon"}
        )

    assert "channel_details.body" in cleared.value.errors
    assert "channel_details.answer_by" in malformed.value.errors
    ticket.refresh_from_db()
    assert ticket.channel_details == GOOD["regulator"] and ticket.version == 1


def test_an_optional_fact_is_cleared_with_null(org):
    ticket = regulator_ticket(org)

    updated = ticket_update(
        ticket=ticket, by=org.agent, version=ticket.version, channel_details={"contact_person": None}
    )

    assert "contact_person" not in updated.channel_details


def test_the_facts_page_corrects_a_fact_and_the_timeline_names_it(org):
    ticket = regulator_ticket(org)
    client = login(org.agent)
    detail = client.get(f"/tickets/{ticket.number}/").content.decode()
    assert f"/tickets/{ticket.number}/facts/" in detail

    data = {"version": ticket.version, **{f"fact_{k}": v for k, v in GOOD["regulator"].items()}}
    response = client.post(f"/tickets/{ticket.number}/facts/", {**data, "fact_reference_number": "SH-2"})

    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.channel_details["reference_number"] == "SH-2"
    timeline = client.get(f"/tickets/{ticket.number}/").content.decode()
    label = next(str(f.label) for f in FACTS["regulator"] if f.name == "reference_number")
    assert label in timeline and "SH-12315-0099 → SH-2" in timeline


def test_the_facts_page_names_a_cleared_required_fact_and_saves_nothing(org):
    ticket = regulator_ticket(org)
    data = {"version": ticket.version, **{f"fact_{k}": v for k, v in GOOD["regulator"].items()}}

    response = login(org.agent).post(f"/tickets/{ticket.number}/facts/", {**data, "fact_body": ""})

    assert response.status_code == 400
    assert re.search(r'name="fact_body"[^>]*>.*?class="error"', response.content.decode(), re.S)
    ticket.refresh_from_db()
    assert ticket.channel_details == GOOD["regulator"]


def test_a_stale_facts_form_changes_nothing(org):
    ticket = regulator_ticket(org)
    ticket_update(
        ticket=ticket, by=org.agent, version=ticket.version, channel_details={"answer_by": "2026-12-09"}
    )
    data = {"version": 1, **{f"fact_{k}": v for k, v in GOOD["regulator"].items()}}

    response = login(org.agent).post(f"/tickets/{ticket.number}/facts/", {**data, "fact_body": "市场监管局"})

    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.channel_details["body"] == "12315" and ticket.channel_details["answer_by"] == "2026-12-09"


def test_another_groups_agent_cannot_open_the_facts_page(org):
    ticket = regulator_ticket(org)

    assert login(org.other_agent).get(f"/tickets/{ticket.number}/facts/").status_code == 404


def test_a_colleague_who_sees_but_does_not_own_it_cannot_correct_facts(org):
    ticket = regulator_ticket(org)
    data = {"version": ticket.version, **{f"fact_{k}": v for k, v in GOOD["regulator"].items()}}
    colleague = login(org.agent2)

    assert colleague.get(f"/tickets/{ticket.number}/").status_code == 200
    assert (
        f"/tickets/{ticket.number}/facts/" not in colleague.get(f"/tickets/{ticket.number}/").content.decode()
    )
    assert colleague.post(f"/tickets/{ticket.number}/facts/", {**data, "fact_body": "x"}).status_code == 403
    ticket.refresh_from_db()
    assert ticket.channel_details == GOOD["regulator"]


def test_a_phone_work_order_has_no_facts_page(org):
    body = {**REGISTER, "channel": "phone"}
    number = (
        api(org.agent)
        .post("/api/tickets", json.dumps(body), content_type="application/json")
        .json()["number"]
    )

    assert login(org.agent).get(f"/tickets/{number}/facts/").status_code == 404


def test_the_api_patch_corrects_a_fact_and_names_a_bad_one(org):
    ticket = regulator_ticket(org)
    client = api(org.agent)

    good = client.patch(
        f"/api/tickets/{ticket.number}",
        json.dumps({"version": ticket.version, "channel_details": {"answer_by": "2026-12-10"}}),
        content_type="application/json",
    )
    bad = client.patch(
        f"/api/tickets/{ticket.number}",
        json.dumps({"version": good.json()["version"], "channel_details": {"colour": "red"}}),
        content_type="application/json",
    )

    assert good.status_code == 200 and good.json()["channel_details"]["answer_by"] == "2026-12-10"
    assert bad.status_code == 422 and "channel_details.colour" in bad.json()["errors"]
    ticket.refresh_from_db()
    assert ticket.channel_details["answer_by"] == "2026-12-10"
