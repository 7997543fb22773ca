"""Recusal (回避): the person a complaint is about neither sees it nor handles it, and the one above
them receives it instead. The rule's owner is tickets.permissions.is_recused, with the workflow's
guards (workflow.check_not_recused, stand_in, department_recusal) and notify_many asking it."""

from datetime import timedelta

import pytest

from kefu.core.errors import PermissionDenied, ValidationError, code_of
from kefu.notify.models import NotificationKind
from kefu.tickets import permissions, selectors, workflow
from kefu.tickets.models import Status, Ticket, TicketEvent
from kefu.tickets.services import (
    dispatch_reply,
    ticket_dispatch,
    ticket_escalate_manually,
    ticket_transition,
    ticket_update,
)
from kefu.tickets.services.escalation import Why, escalate
from kefu.tickets.timeline import describe
from tests.tickets.helpers import MONDAY_9, new_ticket, notifications, perform, stock

LATER = MONDAY_9 + timedelta(hours=1)


def complaint_about(org, person, **fields) -> Ticket:
    """A complaint naming `person`, recorded and started by org.agent."""
    ticket = new_ticket(
        org, subject_person_id=person.pk, content="送货员把衣柜磕坏了，还说是出厂就有的", **fields
    )
    for action in ("accept", "start"):
        ticket = perform(org, ticket, action)
    return ticket


def recusals(ticket) -> list[TicketEvent]:
    return list(ticket.events.filter(kind=TicketEvent.Kind.RECUSAL).order_by("id"))


# --- a department employee complained about -------------------------------------------------------


def test_the_accused_employee_never_sees_the_complaint_dispatched_to_his_department(org):
    # given a complaint about the logistics employee, dispatched to logistics
    ticket = complaint_about(org, org.logistics_staff)
    ticket_dispatch(ticket=ticket, by=org.agent, department_ids=[org.logistics.pk], now=LATER)
    accused, head = org.logistics_staff, org.logistics_head

    # then he cannot open it, list it, find it, or find it in his department's inbox ...
    assert not permissions.can_view(accused, ticket)
    assert not permissions.visible_tickets(accused).filter(pk=ticket.pk).exists()
    assert not selectors.ticket_list(user=accused).filter(pk=ticket.pk).exists()
    assert list(selectors.ticket_list(user=accused, query="衣柜")) == []
    assert not selectors.department_inbox(user=accused).filter(ticket=ticket).exists()
    assert selectors.visible_ticket(user=accused, number=ticket.number) is None
    # ... while his head sees it and has it in the inbox
    assert permissions.can_view(head, ticket)
    assert selectors.department_inbox(user=head).filter(ticket=ticket).exists()
    assert [t.pk for t in selectors.ticket_list(user=head, query="衣柜")] == [ticket.pk]


def test_the_complaint_goes_to_his_head_who_is_told_and_he_is_not(org):
    ticket = complaint_about(org, org.logistics_staff)

    ticket_dispatch(ticket=ticket, by=org.agent, department_ids=[org.logistics.pk], now=LATER)

    # the complaint about him was escalated to his superior when recorded, and the dispatch names
    # his head as the one who answers in his place
    assert Ticket.objects.get(pk=ticket.pk).escalated_to == org.logistics_head
    event = ticket.events.get(kind=TicketEvent.Kind.TRANSITION, action="dispatch")
    assert event.data["recusals"] == [
        {
            "person": org.logistics_staff.pk,
            "name": org.logistics_staff.label,
            "department": org.logistics.pk,
            "department_name": org.logistics.name,
            "instead": org.logistics_head.pk,
            "instead_name": org.logistics_head.label,
        }
    ]
    assert notifications(org.logistics_head, NotificationKind.DISPATCH).filter(ticket=ticket).count() == 1
    assert not notifications(org.logistics_staff).filter(ticket=ticket).exists()


def test_the_timeline_records_the_recusal_when_recorded_and_when_dispatched(org):
    ticket = complaint_about(org, org.logistics_staff)
    ticket_dispatch(ticket=ticket, by=org.agent, department_ids=[org.logistics.pk], now=LATER)

    recorded, dispatched = recusals(ticket)

    assert recorded.data["person"] == org.logistics_staff.pk
    assert recorded.data["instead"] == org.logistics_head.pk
    assert dispatched.data["department"] == org.logistics.name
    assert dispatched.data["instead"] == org.logistics_head.pk
    said = describe(dispatched)  # in the reader's language, from the event's code and params
    assert org.logistics_staff.label in said and org.logistics_head.label in said
    assert dispatched.note == ""  # nothing a person typed


def test_the_accused_cannot_answer_the_dispatch(org):
    ticket = complaint_about(org, org.logistics_staff)
    [sent] = ticket_dispatch(ticket=ticket, by=org.agent, department_ids=[org.logistics.pk], now=LATER)
    before = stock(ticket)

    with pytest.raises(PermissionDenied) as refused:
        dispatch_reply(dispatch=sent, by=org.logistics_staff, reply="出厂就有的，不是我们磕的", now=LATER)

    assert [code_of(m) for m in refused.value.errors["dispatch"]] == ["recused"]
    assert stock(ticket) == before
    # his head answers it
    dispatch_reply(dispatch=sent, by=org.logistics_head, reply="已核实，安排换新", now=LATER)
    assert Ticket.objects.get(pk=ticket.pk).status == Status.DEPARTMENT_REPLIED


def test_a_department_whose_only_staff_is_the_accused_is_refused_with_a_reason(org):
    # given the store: one employee and no head
    ticket = complaint_about(org, org.store_staff)
    before = stock(ticket)

    with pytest.raises(ValidationError) as refused:
        ticket_dispatch(ticket=ticket, by=org.agent, department_ids=[org.store.pk], now=LATER)

    [message] = refused.value.errors["department_ids"]
    assert code_of(message) == "only_recused_staff"
    assert org.store_staff.label in message and org.store.name in message
    assert stock(ticket) == before


def test_a_department_headed_by_the_accused_goes_to_the_one_above_the_head(org):
    # given a complaint about the logistics head himself: his employee may still answer, and the
    # one above the head (the GM) hears of it in his place
    ticket = complaint_about(org, org.logistics_head)

    ticket_dispatch(ticket=ticket, by=org.agent, department_ids=[org.logistics.pk], now=LATER)

    event = ticket.events.get(kind=TicketEvent.Kind.TRANSITION, action="dispatch")
    assert event.data["recusals"][0]["instead"] == org.gm.pk
    assert notifications(org.gm, NotificationKind.DISPATCH).filter(ticket=ticket).exists()
    assert notifications(org.logistics_staff, NotificationKind.DISPATCH).filter(ticket=ticket).exists()
    assert not notifications(org.logistics_head).filter(ticket=ticket).exists()
    assert not permissions.can_view(org.logistics_head, ticket)


def test_a_dispatch_elsewhere_mentions_no_recusal(org):
    ticket = complaint_about(org, org.logistics_staff)

    ticket_dispatch(ticket=ticket, by=org.agent, department_ids=[org.store.pk], now=LATER)

    event = ticket.events.get(kind=TicketEvent.Kind.TRANSITION, action="dispatch")
    assert "recusals" not in event.data


# --- an agent or a lead complained about ----------------------------------------------------------


def test_an_agent_complained_about_sees_it_in_no_queue_and_cannot_take_it(org):
    # given a complaint about agent2, recorded by a self-service channel into agent2's group
    ticket = new_ticket(org, by=None, subject_person_id=org.agent2.pk, group_id=org.group.pk)
    before = stock(ticket)

    for queue in ("mine", "group", "unassigned", "breaching", "escalated"):
        assert not selectors.ticket_queue(user=org.agent2, queue=queue).filter(pk=ticket.pk).exists(), queue
    assert selectors.ticket_queue(user=org.agent, queue="group").filter(pk=ticket.pk).exists()
    assert workflow.available(ticket, org.agent2) == []
    with pytest.raises(PermissionDenied) as refused:
        ticket_transition(ticket=ticket, action="accept", by=org.agent2, now=LATER)
    assert [code_of(m) for m in refused.value.errors["ticket"]] == ["recused"]
    assert stock(ticket) == before


def test_a_complaint_recorded_by_the_agent_it_is_about_is_not_theirs(org):
    # the customer complains, on the phone, about the agent who answers
    ticket = new_ticket(org, by="agent", subject_person_id=org.agent.pk)

    assert ticket.owner_id is None
    assert not permissions.can_view(org.agent, ticket)
    [event] = recusals(ticket)
    assert event.data["owner_removed"] is True
    assert event.data["instead"] == org.supervisor.pk == ticket.escalated_to_id


def test_naming_the_owner_as_the_person_complained_about_takes_it_from_them(org):
    ticket = complaint_about(org, org.store_staff)
    assert ticket.owner == org.agent

    ticket_update(ticket=ticket, by=org.supervisor, version=ticket.version, subject_person_id=org.agent.pk)

    ticket.refresh_from_db()
    assert ticket.owner_id is None
    assert ticket.escalated_to == org.supervisor
    assert recusals(ticket)[-1].data["person"] == org.agent.pk


def test_a_supervisor_complained_about_does_not_see_it_even_as_a_lead(org):
    ticket = complaint_about(org, org.supervisor)

    assert not permissions.can_view(org.supervisor, ticket)
    assert not selectors.ticket_list(user=org.supervisor).filter(pk=ticket.pk).exists()
    assert ticket.pk not in {t.pk for t in selectors.supervisor_board(user=org.supervisor)["major"]}
    assert not workflow.may_edit(ticket, org.supervisor)
    assert not workflow.may_escalate(ticket, org.supervisor)
    # the manager above sees it, with the escalation that brought it
    assert permissions.can_view(org.manager, ticket)
    assert Ticket.objects.get(pk=ticket.pk).escalated_to == org.manager


def test_an_escalation_that_would_reach_the_accused_goes_past_them(org):
    # given a complaint about the supervisor held by its owner, an escalation aimed at the
    # supervisor (the owner's superior) reaches the manager instead, and the timeline says why
    ticket = complaint_about(org, org.supervisor)

    escalation = escalate(ticket=ticket, to_user=org.supervisor, why=Why.major(), by=None, now=LATER)

    assert escalation.to_user == org.manager
    event = ticket.events.filter(kind=TicketEvent.Kind.ESCALATION).latest("id")
    assert event.data["recused"] == org.supervisor.pk
    assert recusals(ticket)[-1].data["instead"] == org.manager.pk
    assert not notifications(org.supervisor).filter(ticket=ticket).exists()


def test_escalating_by_hand_never_lands_on_the_accused(org):
    # a suggestion naming the supervisor is not escalated when recorded: the owner's manual
    # escalation would reach the supervisor, and reaches the manager
    ticket = new_ticket(org, ticket_type="suggestion", subject_person_id=org.supervisor.pk)
    ticket = perform(org, ticket, "accept")

    escalation = ticket_escalate_manually(
        ticket=ticket, by=org.agent, note="顾客要求主管以外的人处理", now=LATER
    )

    assert escalation.to_user == org.manager
    assert Ticket.objects.get(pk=ticket.pk).escalated_to == org.manager
