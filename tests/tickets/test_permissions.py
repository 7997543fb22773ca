"""Who sees and edits which work order: the visibility matrix, can_edit, and every queue.

The fixture records eight work orders on Monday 09:00 (group one = agent, agent2; group two =
other_agent); dispatched ones are accepted, started and sent to one department.
"""

from datetime import timedelta

import pytest

from kefu.tickets import permissions, selectors
from kefu.tickets.models import Status
from kefu.tickets.services import ticket_dispatch, ticket_escalate_manually, ticket_transition
from tests.tickets.helpers import MONDAY_9, new_ticket

EVERYONE = ("own", "group", "unrouted", "portal_one", "portal_two", "other", "at_logistics", "at_store")


def dispatched(org, ticket, by, department):
    ticket = ticket_transition(ticket=ticket, action="accept", by=by, now=MONDAY_9)
    ticket = ticket_transition(ticket=ticket, action="start", by=by, now=MONDAY_9)
    ticket_dispatch(ticket=ticket, by=by, department_ids=[department.pk], now=MONDAY_9)
    ticket.refresh_from_db()
    assert ticket.status == Status.DISPATCHED
    return ticket


@pytest.fixture
def tickets(org):
    return {
        "own": new_ticket(org, by="agent"),
        "group": new_ticket(org, by="agent2"),
        "unrouted": new_ticket(org, by=None, channel="portal"),
        "portal_one": new_ticket(org, by=None, channel="portal", group_id=org.group.pk),
        "portal_two": new_ticket(org, by=None, channel="portal", group_id=org.other_group.pk),
        "other": new_ticket(org, by="other_agent"),
        "at_logistics": dispatched(org, new_ticket(org, by="other_agent"), org.other_agent, org.logistics),
        "at_store": dispatched(org, new_ticket(org, by="agent"), org.agent, org.store),
    }


def names(tickets, queryset) -> set[str]:
    by_pk = {t.pk: name for name, t in tickets.items()}
    return {by_pk[t.pk] for t in queryset}


VISIBLE = {
    # an agent: their own, their group's and unrouted work; never another group's
    "agent": {"own", "group", "unrouted", "portal_one", "at_store"},
    "agent2": {"own", "group", "unrouted", "portal_one", "at_store"},
    "other_agent": {"unrouted", "portal_two", "other", "at_logistics"},
    # oversight sees everything
    "qa": set(EVERYONE),
    "supervisor": set(EVERYONE),
    "manager": set(EVERYONE),
    "gm": set(EVERYONE),
    # a department sees only what was dispatched to it
    "logistics_staff": {"at_logistics"},
    "store_staff": {"at_store"},
}


@pytest.mark.parametrize("who", list(VISIBLE))
def test_visible_tickets_follow_the_matrix(org, tickets, who):
    assert names(tickets, permissions.visible_tickets(getattr(org, who))) == VISIBLE[who]


@pytest.mark.parametrize("who", list(VISIBLE))
def test_can_view_agrees_with_the_list(org, tickets, who):
    user = getattr(org, who)
    assert {name for name, t in tickets.items() if permissions.can_view(user, t)} == VISIBLE[who]


def test_inactive_staff_see_nothing(org, tickets):
    org.supervisor.is_active = False
    org.supervisor.save()
    assert list(permissions.visible_tickets(org.supervisor)) == []
    assert not permissions.can_view(org.supervisor, tickets["own"])


def test_department_staff_without_a_department_see_nothing(org, tickets):
    org.store_staff.department = None
    org.store_staff.save()
    assert list(permissions.visible_tickets(org.store_staff)) == []


def test_agent_sees_another_groups_ticket_escalated_to_them(org, tickets):
    from kefu.tickets.services.escalation import Why, escalate

    escalate(
        ticket=tickets["other"],
        to_user=org.agent,
        why=Why.by_hand(org.supervisor),
        by=org.supervisor,
        now=MONDAY_9,
    )
    assert "other" in names(tickets, permissions.visible_tickets(org.agent))


# --- editing ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "ticket", "allowed"),
    [
        ("agent", "own", True),  # the owner
        ("supervisor", "own", True),  # a lead
        ("manager", "other", True),
        ("agent2", "own", False),  # same group, but owned by someone else
        ("agent", "portal_one", True),  # unowned, in the agent's group
        ("other_agent", "portal_one", False),  # unowned, in another group
        ("other_agent", "unrouted", True),  # unowned and unrouted
        ("qa", "own", False),  # inspects, does not edit
        ("logistics_staff", "at_logistics", False),  # replies through the dispatch, does not edit
    ],
)
def test_can_edit(org, tickets, who, ticket, allowed):
    assert permissions.can_edit(getattr(org, who), tickets[ticket]) is allowed


def test_inactive_owner_cannot_edit(org, tickets):
    org.agent.is_active = False
    org.agent.save()
    assert permissions.can_edit(org.agent, tickets["own"]) is False


# --- queues ----------------------------------------------------------------------------------------

AGENT_QUEUES = {
    "mine": {"own", "at_store"},
    "group": {"own", "group", "portal_one", "at_store"},
    "unassigned": {"unrouted", "portal_one"},
    # first responses due at 09:30 on every work order nobody accepted
    "breaching": {"own", "group", "unrouted", "portal_one"},
    "escalated": set(),
    "all": VISIBLE["agent"],
}


@pytest.mark.parametrize("queue", selectors.QUEUES)
def test_agent_queues_hold_only_what_the_agent_may_see(org, tickets, queue):
    found = names(tickets, selectors.ticket_queue(user=org.agent, queue=queue, now=MONDAY_9))
    assert found == AGENT_QUEUES[queue]
    assert found <= VISIBLE["agent"]


@pytest.mark.parametrize("queue", selectors.QUEUES)
def test_department_queues_hold_only_what_was_dispatched_to_it(org, tickets, queue):
    found = names(tickets, selectors.ticket_queue(user=org.logistics_staff, queue=queue, now=MONDAY_9))
    assert found <= {"at_logistics"}
    if queue == "all":
        assert found == {"at_logistics"}


def test_breaching_queue_holds_work_about_to_breach_not_work_already_overdue(org, tickets):
    # first responses were due at 09:30: at 09:00 they are about to breach, at 10:00 overdue
    soon = names(tickets, selectors.ticket_queue(user=org.agent, queue="breaching", now=MONDAY_9))
    later = names(
        tickets, selectors.ticket_queue(user=org.agent, queue="breaching", now=MONDAY_9 + timedelta(hours=1))
    )
    assert soon == AGENT_QUEUES["breaching"]
    assert later == set()


def test_an_agent_moved_out_of_a_group_no_longer_sees_its_queue(org, tickets):
    org.group.members.remove(org.agent)
    found = names(tickets, selectors.ticket_queue(user=org.agent, queue="group", now=MONDAY_9))
    assert found == set()


def test_escalated_queue_holds_what_was_escalated_to_me(org, tickets):
    ticket_escalate_manually(
        ticket=tickets["other"], by=org.other_agent, note="顾客要求主管处理", now=MONDAY_9
    )
    found = names(tickets, selectors.ticket_queue(user=org.supervisor, queue="escalated", now=MONDAY_9))
    assert found == {"other"}
    assert names(tickets, selectors.ticket_queue(user=org.agent, queue="escalated", now=MONDAY_9)) == set()


def test_closed_work_is_not_in_the_working_queues(org, tickets):
    ticket = ticket_transition(
        ticket=tickets["own"], action="cancel", by=org.agent, note="误登记", now=MONDAY_9
    )
    assert ticket.status == Status.CANCELLED
    for queue in ("mine", "group", "unassigned"):
        assert "own" not in names(tickets, selectors.ticket_queue(user=org.agent, queue=queue, now=MONDAY_9))


def test_ticket_list_is_limited_to_what_the_user_may_see(org, tickets):
    found = names(tickets, selectors.ticket_list(user=org.other_agent, status="new,dispatched"))
    assert found == {"unrouted", "portal_two", "other", "at_logistics"}


def test_supervisor_board_shows_breaches_only_within_what_the_user_may_see(org, tickets):
    later = MONDAY_9 + timedelta(hours=1)
    board = selectors.supervisor_board(user=org.supervisor, now=later)
    assert {c.ticket_id for c in board["breached"]} == {
        tickets[n].pk for n in ("own", "group", "unrouted", "portal_one", "portal_two", "other")
    }


# --- the agent-group snapshot ----------------------------------------------------------------------


def test_an_access_snapshot_answers_group_checks_without_reading_the_groups(org, django_assert_num_queries):
    # given an unowned work order of group two, and agent's snapshot (group one) read once
    ticket = new_ticket(org, by=None, channel="portal", group_id=org.other_group.pk)
    access = permissions.Access.of(org.agent)
    # when the checks are asked with it, then no query reads the groups again, and the answer is theirs
    with django_assert_num_queries(0):
        assert not permissions.in_ticket_group(ticket, org.agent, access)
        assert permissions.agent_group_ids(org.agent, access) == [org.group.pk]
        assert permissions.first_agent_group(org.agent, access) == org.group


def test_an_access_snapshot_of_someone_else_is_not_used(org):
    # given a work order of group two and agent's snapshot, asked about other_agent (of group two)
    ticket = new_ticket(org, by=None, channel="portal", group_id=org.other_group.pk)
    access = permissions.Access.of(org.agent)
    # then other_agent's own groups answer, not agent's
    assert permissions.in_ticket_group(ticket, org.other_agent, access)
    assert permissions.agent_group_ids(org.other_agent, access) == [org.other_group.pk]
