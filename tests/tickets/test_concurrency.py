"""Concurrent edits (optimistic locking): a form saved over someone else's change is refused, and
two people racing for the same work order never both win."""

import threading
from datetime import timedelta

import pytest
from django.db import connection

from kefu.core.errors import StaleVersion, TransitionNotAllowed
from kefu.tickets.models import Status, Ticket, TicketEvent
from kefu.tickets.services import (
    sla_sweep,
    ticket_dispatch,
    ticket_merge,
    ticket_transition,
    ticket_update,
)
from tests.factories import aware
from tests.org import build_org
from tests.tickets.helpers import MONDAY_9, new_ticket, stock, ticket_in

LATER = MONDAY_9 + timedelta(hours=1)


def test_second_of_two_editors_of_the_same_version_is_refused(org):
    # given two people opened version 1 of the same work order
    ticket = new_ticket(org, title="快递没到")
    alices_copy, bobs_copy = Ticket.objects.get(pk=ticket.pk), Ticket.objects.get(pk=ticket.pk)

    # when the first saves, the work order moves to version 2
    saved = ticket_update(ticket=alices_copy, by=org.agent, version=1, now=LATER, title="快递三天没到")
    assert saved.version == 2
    before = stock(ticket)

    # then the second, still on version 1, is refused and the first person's change stands
    with pytest.raises(StaleVersion):
        ticket_update(ticket=bobs_copy, by=org.supervisor, version=1, now=LATER, title="顾客要求退款")
    ticket.refresh_from_db()
    assert (ticket.title, ticket.version) == ("快递三天没到", 2)
    assert stock(ticket) == before
    assert ticket.events.filter(kind=TicketEvent.Kind.UPDATE).count() == 1


def test_transition_with_a_stale_version_is_refused(org):
    ticket = new_ticket(org)
    ticket_update(ticket=ticket, by=org.agent, version=1, now=LATER, demands="退款")
    before = stock(ticket)
    with pytest.raises(StaleVersion):
        ticket_transition(ticket=ticket, action="accept", by=org.agent, version=1, now=LATER)
    assert stock(ticket) == before


def test_transition_with_the_current_version_goes_through(org):
    ticket = new_ticket(org)
    ticket = ticket_transition(ticket=ticket, action="accept", by=org.agent, version=1, now=LATER)
    assert (ticket.status, ticket.version) == (Status.ACCEPTED, 2)


def test_dispatch_with_a_stale_version_is_refused(org):
    ticket = ticket_in(org, Status.IN_PROGRESS)
    stale = ticket.version - 1
    before = stock(ticket)
    with pytest.raises(StaleVersion):
        ticket_dispatch(
            ticket=ticket, by=org.agent, department_ids=[org.logistics.pk], version=stale, now=LATER
        )
    assert stock(ticket) == before


def test_merge_with_a_stale_version_is_refused(org):
    target = ticket_in(org, Status.IN_PROGRESS)
    ticket = ticket_in(org, Status.ACCEPTED)
    before = stock(ticket)
    with pytest.raises(StaleVersion):
        ticket_merge(ticket=ticket, into=target, by=org.agent, version=1, now=LATER)
    assert stock(ticket) == before


def test_escalation_by_the_sweep_makes_an_open_form_stale(org):
    # given an agent has version 1 open while the sweep escalates the breached work order
    ticket = new_ticket(org, now=MONDAY_9)
    sla_sweep(now=aware(2026, 11, 23, 10, 0))
    ticket.refresh_from_db()
    assert ticket.version == 2

    # then saving the form is refused instead of hiding the escalation
    with pytest.raises(StaleVersion):
        ticket_update(ticket=ticket, by=org.agent, version=1, now=LATER, title="改标题")


# --- a real race (PostgreSQL) ----------------------------------------------------------------------


@pytest.mark.parametrize(("version", "loser_error"), [(1, StaleVersion), (None, TransitionNotAllowed)])
def test_two_agents_racing_to_accept_the_same_new_ticket_exactly_one_wins(
    transactional_db, version, loser_error
):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers, so two transactions cannot race")
    # given a portal contact both agents of the group loaded at version 1
    org = build_org()
    ticket = new_ticket(org, by=None, channel="portal", group_id=org.group.pk)
    barrier = threading.Barrier(2, timeout=10)
    outcome: dict[str, object] = {}

    def accept(user):
        try:
            mine = Ticket.objects.get(pk=ticket.pk)  # each loads the form before anyone saves
            barrier.wait()
            ticket_transition(ticket=mine, action="accept", by=user, version=version, now=LATER)
            outcome[user.username] = "won"
        except Exception as exc:  # the loser's refusal is the point; anything else fails below
            outcome[user.username] = exc
        finally:
            connection.close()

    # when both press "accept" at once
    threads = [threading.Thread(target=accept, args=(user,)) for user in (org.agent, org.agent2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    # then exactly one owns it, and the other was told why
    winners = [name for name, result in outcome.items() if result == "won"]
    losers = [result for result in outcome.values() if result != "won"]
    assert len(winners) == 1, outcome
    assert len(losers) == 1 and isinstance(losers[0], loser_error), outcome
    ticket.refresh_from_db()
    assert (ticket.status, ticket.owner.username, ticket.version) == (Status.ACCEPTED, winners[0], 2)
    assert ticket.events.filter(kind=TicketEvent.Kind.TRANSITION, action="accept").count() == 1


def test_two_contacts_recorded_at_once_get_consecutive_numbers(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers, so two transactions cannot race")
    # given the first two complaints of a new day, recorded at the same moment
    org = build_org()
    barrier = threading.Barrier(2, timeout=10)
    outcome: dict[str, object] = {}

    def record(user):
        try:
            barrier.wait()
            outcome[user.username] = new_ticket(org, by=user, now=aware(2026, 11, 24, 9, 0)).number
        except Exception as exc:  # any refusal fails the assertion below
            outcome[user.username] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=record, args=(user,)) for user in (org.agent, org.other_agent)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    # then neither fails on the day's counter, and the numbers are 0001 and 0002
    assert sorted(outcome.values()) == ["TS-20261124-0001", "TS-20261124-0002"], outcome
