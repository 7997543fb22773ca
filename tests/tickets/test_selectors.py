"""Reads that several pages share (kefu.tickets.selectors): the work order a person may open and the
customer card beside a capture form."""

import pytest

from kefu.tickets import selectors
from tests.tickets.helpers import new_ticket

pytestmark = pytest.mark.django_db


def test_a_work_order_is_found_only_by_those_who_may_see_it(org):
    ticket = new_ticket(org)

    assert selectors.visible_ticket(user=org.agent, number=ticket.number) == ticket
    assert selectors.visible_ticket(user=org.other_agent, number=ticket.number) is None
    assert selectors.visible_ticket(user=org.agent, number="TS-20261123-9999") is None


def test_the_customer_card_needs_a_valid_number_and_shows_only_visible_history(org):
    mine = new_ticket(org)
    new_ticket(org, by="other_agent")  # same customer, another group's work order

    for partial in ("1380", "12345"):  # not (yet) a phone number: no card, no "new record" promise
        assert selectors.customer_card(user=org.agent, phone=partial) == {
            "lookup_phone": "", "customer": None, "history": [],
        }  # fmt: skip
    card = selectors.customer_card(user=org.agent, phone="138-0013-8000")
    assert card["lookup_phone"] == "13800138000"
    assert card["customer"] == mine.customer
    assert list(card["history"]) == [mine]
