"""Recording a work order over the API does its work once: what it answers is what it stored."""

import pytest

from kefu.core import refcache
from kefu.tickets.models import SlaClock, Ticket
from tests.api.conftest import new_ticket, token_client
from tests.org import build_org


def test_the_answer_shows_the_clocks_it_started(org, as_user):
    body = new_ticket(as_user(org.agent))
    stored = SlaClock.objects.filter(ticket__number=body["number"]).order_by("started_at", "id")
    assert [(c["id"], c["target"], c["state"]) for c in body["sla"]] == [
        (c.pk, c.target, "running") for c in stored
    ]
    assert all(c["due_at"] and c["seconds_left"] > 0 for c in body["sla"])


def test_the_answer_offers_accept_to_a_member_of_the_group(org, as_user):
    body = new_ticket(as_user(org.agent))
    assert "accept" in [a["action"] for a in body["actions"]]


def test_the_answer_offers_no_accept_outside_the_group(org, as_user):
    body = new_ticket(as_user(org.agent), group_id=org.other_group.pk)
    assert body["group"]["id"] == org.other_group.pk
    assert "accept" not in [a["action"] for a in body["actions"]]


def test_a_known_caller_keeps_one_phone_row(org, as_user):
    api = as_user(org.agent)
    first = new_ticket(api)
    second = new_ticket(api)
    assert first["customer"]["id"] == second["customer"]["id"]
    ticket = Ticket.objects.get(number=second["number"])
    assert list(ticket.customer.phones.values_list("number", flat=True)) == ["13800138000"]


@pytest.mark.django_db(transaction=True)
def test_a_member_moved_to_another_group_records_into_it_at_once():
    org = build_org()
    api = token_client(org.agent)
    assert new_ticket(api)["group"]["id"] == org.group.pk
    org.agent.agent_groups.set([org.other_group])
    body = new_ticket(api)
    assert body["group"]["id"] == org.other_group.pk
    assert Ticket.objects.get(number=body["number"]).group_id == org.other_group.pk


@pytest.mark.django_db(transaction=True)
def test_a_category_deactivated_in_this_process_is_refused_at_once():
    from tests.factories import CategoryFactory

    org = build_org()
    category = CategoryFactory(ticket_type="complaint")
    api = token_client(org.agent)
    new_ticket(api, category_id=category.pk)
    category.is_active = False
    category.save()
    response = api.post(
        "/tickets",
        {"ticket_type": "complaint", "channel": "phone", "content": "x", "category_id": category.pk},
    )
    assert response.status_code == 422
    assert "category_id" in response.json()["errors"]


@pytest.mark.django_db(transaction=True)
def test_a_repeated_create_reads_no_reference_table(django_assert_max_num_queries, settings):
    settings.KEFU_SMS_ACKNOWLEDGE = False  # the acknowledgement is the worker's work, inline in tests
    org = build_org()
    api = token_client(org.agent)
    refcache.clear_all()
    new_ticket(api)  # fills the per-process snapshots
    # token, customer by phone, day counter, ticket, call link, event, clocks (+ savepoint-free
    # transaction control): no policy, category, webhook or group look-up, no clocks read back.
    with django_assert_max_num_queries(9):
        new_ticket(api)
