"""Escalation (升级): up the ladder on breach, complaints about people to their superior, major
complaints to a manager at once, by hand with a reason, and late departments to their head.

build_org(): agent → supervisor → manager → general manager (gm); the board contact is set in
EscalationSettings; the logistics department's head reports to the gm.
"""

from datetime import timedelta

import pytest
from huey.contrib.djhuey import HUEY

from kefu.core.errors import PermissionDenied, TransitionNotAllowed, ValidationError
from kefu.tickets import selectors
from kefu.tickets.models import Escalation, Status, TicketEvent
from kefu.tickets.services import sla_sweep, ticket_dispatch, ticket_escalate_manually, ticket_update
from tests.factories import SlaPolicyFactory, aware
from tests.tickets.helpers import MONDAY_9, default_calendar, new_ticket, notifications, stock, ticket_in

LATER = MONDAY_9 + timedelta(hours=1)


def escalations(ticket) -> list[tuple[str, str]]:
    return list(
        Escalation.objects.filter(ticket=ticket)
        .order_by("created_at", "id")
        .values_list("to_user__username", "reason")
    )


def holder(ticket):
    ticket.refresh_from_db()
    return ticket.escalated_to


# --- on breach -------------------------------------------------------------------------------------


def climbing_policy(**kwargs):
    """Complaints climb one step per working hour overdue."""
    return SlaPolicyFactory(
        name="投诉",
        ticket_type="complaint",
        calendar=default_calendar(),
        repeat_escalation_minutes=60,
        **kwargs,
    )


def test_breach_escalates_agent_to_supervisor_to_manager_to_general_manager(org):
    climbing_policy()
    ticket = new_ticket(org, now=MONDAY_9)  # first response due 09:30, nobody accepts it

    ladder = []
    for hour in (9, 10, 11, 12):
        sla_sweep(now=aware(2026, 11, 23, hour, 30))
        ladder.append(holder(ticket))

    assert ladder == [org.supervisor, org.manager, org.gm, org.gm]
    assert list(Escalation.objects.filter(ticket=ticket).order_by("step").values_list("step", "level")) == [
        (1, 2),
        (2, 3),
        (3, 4),
    ]
    ticket.refresh_from_db()
    assert ticket.escalation_level == 4


@pytest.mark.parametrize(("highest", "top"), [(1, "supervisor"), (2, "manager")])
def test_breach_escalation_stops_at_the_policys_highest_step(org, highest, top):
    climbing_policy(max_escalation_level=highest)
    ticket = new_ticket(org, now=MONDAY_9)
    for hour in range(9, 18):
        sla_sweep(now=aware(2026, 11, 23, hour, 30))
    assert [username for username, _reason in escalations(ticket)][-1] == top
    assert len(escalations(ticket)) == highest


def test_each_breach_climbs_one_step(org):
    # given a complaint never accepted: the first response breaches Monday, the resolution Wednesday
    ticket = new_ticket(org, now=MONDAY_9)

    sla_sweep(now=aware(2026, 11, 23, 10, 0))
    assert holder(ticket) == org.supervisor

    sla_sweep(now=aware(2026, 11, 25, 15, 0))
    assert holder(ticket) == org.manager
    assert escalations(ticket) == [("supervisor", "breach"), ("manager", "breach")]


def test_unowned_ticket_escalates_to_its_groups_leader_first(org):
    # given a portal contact routed to group two, which nobody accepted
    ticket = new_ticket(org, by=None, channel="portal", group_id=org.other_group.pk, now=MONDAY_9)

    sla_sweep(now=aware(2026, 11, 23, 10, 0))

    # then the group's leader hears first, not the person above the leader
    assert holder(ticket) == org.supervisor


def test_escalation_skips_an_inactive_superior(org):
    org.supervisor.is_active = False
    org.supervisor.save()
    ticket = new_ticket(org, now=MONDAY_9)
    sla_sweep(now=aware(2026, 11, 23, 10, 0))
    assert holder(ticket) == org.manager


def test_breach_never_climbs_past_the_general_manager_to_the_board(org):
    # given a complaint about the manager, which went to the general manager at once
    ticket = new_ticket(org, subject_person_id=org.manager.pk, now=MONDAY_9)
    assert holder(ticket) == org.gm

    # when its first response breaches
    result = sla_sweep(now=aware(2026, 11, 23, 10, 0))

    # then the breach is recorded, but the board (for complaints about the GM) is not involved
    assert result == {"breached": 1, "escalated": 0}
    assert holder(ticket) == org.gm
    assert escalations(ticket) == [("gm", Escalation.Reason.COMPLAINT)]


# --- complaints about people -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("about", "goes_to"),
    [("other_agent", "supervisor"), ("supervisor", "manager"), ("manager", "gm"), ("gm", "board")],
)
def test_complaint_about_a_person_goes_to_their_superior_at_once(org, about, goes_to):
    # when a complaint names a member of staff
    ticket = new_ticket(org, subject_person_id=getattr(org, about).pk, now=MONDAY_9)

    # then, before anyone touches it, it is with the person above them (the board above the GM)
    assert holder(ticket) == getattr(org, goes_to)
    escalation = Escalation.objects.get(ticket=ticket)
    assert (escalation.to_user, escalation.created_at, escalation.level) == (
        getattr(org, goes_to),
        MONDAY_9,
        getattr(org, goes_to).rank,
    )
    assert (escalation.reason, escalation.details["person"]) == ("complaint", getattr(org, about).pk)
    event = ticket.events.get(kind=TicketEvent.Kind.ESCALATION)
    assert (event.data["code"], event.data["params"]["person"]) == (
        "escalation.complaint",
        getattr(org, about).pk,
    )
    assert event.note == ""  # nobody typed anything: the reason is the code, rendered for each reader


def test_complaint_about_a_person_whose_superior_left_goes_higher(org):
    org.supervisor.is_active = False
    org.supervisor.save()
    ticket = new_ticket(org, subject_person_id=org.other_agent.pk)
    assert holder(ticket) == org.manager


def test_consultation_naming_a_person_is_not_escalated(org):
    ticket = new_ticket(org, ticket_type="consultation", subject_person_id=org.other_agent.pk)
    assert escalations(ticket) == []
    assert holder(ticket) is None


def test_naming_the_person_later_escalates_the_complaint(org):
    ticket = new_ticket(org)
    ticket_update(ticket=ticket, by=org.agent, version=1, now=LATER, subject_person_id=org.manager.pk)
    assert holder(ticket) == org.gm


# --- major complaints ------------------------------------------------------------------------------


def test_major_complaint_escalates_to_manager_at_once(org):
    ticket = new_ticket(org, severity="major", now=MONDAY_9)

    assert holder(ticket) == org.manager
    assert escalations(ticket) == [("manager", Escalation.Reason.MAJOR)]


def test_major_complaint_appears_on_the_managers_board(org):
    ticket = new_ticket(org, severity="major", now=MONDAY_9)

    board = selectors.supervisor_board(user=org.manager, now=LATER)

    assert ticket in board["major"]
    assert [e.ticket for e in board["mine"]] == [ticket]


def test_major_complaint_about_an_agent_reaches_a_manager_not_only_the_supervisor(org):
    ticket = new_ticket(org, severity="major", subject_person_id=org.other_agent.pk)
    assert holder(ticket) == org.manager


def test_major_complaint_about_the_general_manager_goes_to_the_board(org):
    ticket = new_ticket(org, severity="major", subject_person_id=org.gm.pk)
    assert holder(ticket) == org.board


def test_complaint_marked_major_later_reaches_a_manager(org):
    ticket = new_ticket(org)
    assert holder(ticket) is None
    ticket_update(ticket=ticket, by=org.agent, version=1, now=LATER, severity="major")
    assert holder(ticket) == org.manager


def test_major_complaint_nobody_has_taken_reaches_the_centers_manager_not_the_board(org):
    # given a major complaint arriving through the portal: no owner, no group, nobody named
    ticket = new_ticket(org, by=None, channel="portal", severity="major")
    assert (ticket.owner, ticket.group) == (None, None)

    # then it reaches the service center's manager at once
    assert holder(ticket) == org.manager


def test_policy_may_turn_off_escalating_major_complaints_at_once(org):
    SlaPolicyFactory(name="重大", ticket_type="complaint", severity="major", calendar=default_calendar(),
                     escalate_major_at_once=False)  # fmt: skip
    ticket = new_ticket(org, severity="major")
    assert escalations(ticket) == []


# --- telling people --------------------------------------------------------------------------------


def test_escalation_notifies_in_app_and_by_email(
    org, settings, mailoutbox, django_capture_on_commit_callbacks
):
    # given emails go to the test outbox and tasks run at once
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert HUEY.immediate

    # when a complaint about an agent is recorded (and the transaction commits)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = new_ticket(org, subject_person_id=org.other_agent.pk)

    # then the supervisor and the owner each get an in-app notification and an email
    assert notifications(org.supervisor, "escalation").filter(ticket=ticket).count() == 1
    assert notifications(org.agent, "escalation").filter(ticket=ticket).count() == 1
    assert sorted(m.to[0] for m in mailoutbox) == [org.agent.email, org.supervisor.email]
    assert all(ticket.number in m.subject for m in mailoutbox)


# --- by hand ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("note", ["", "   "])
def test_manual_escalation_needs_a_note(org, note):
    ticket = ticket_in(org, Status.IN_PROGRESS)
    before = stock(ticket)
    with pytest.raises(ValidationError) as refused:
        ticket_escalate_manually(ticket=ticket, by=org.agent, note=note, now=LATER)
    assert "note" in refused.value.errors
    assert stock(ticket) == before


def test_manual_escalation_goes_one_step_above_the_current_holder(org):
    ticket = ticket_in(org, Status.IN_PROGRESS)

    first = ticket_escalate_manually(ticket=ticket, by=org.agent, note="顾客要求主管处理", now=LATER)
    second = ticket_escalate_manually(ticket=ticket, by=org.agent, note="主管未能解决", now=LATER)

    assert (first.to_user, first.reason, second.to_user) == (
        org.supervisor,
        Escalation.Reason.MANUAL,
        org.manager,
    )
    event = ticket.events.filter(kind=TicketEvent.Kind.ESCALATION).first()
    assert (event.actor, event.note) == (org.agent, "顾客要求主管处理")


@pytest.mark.parametrize(
    "status",
    # The bug: closed, cancelled and merged work orders were escalated (and managers told) through
    # the API. Resolved ones wait for the callback, where a dissatisfied customer reopens them.
    [Status.CLOSED, Status.CANCELLED, Status.MERGED, Status.RESOLVED, Status.AWAITING_CALLBACK],
)
def test_work_order_no_longer_handled_cannot_be_escalated_by_hand(org, status):
    # given a work order past handling, and a lead who may escalate any work order
    ticket = ticket_in(org, status)
    before = stock(ticket)
    # when the lead escalates it by hand, then the state machine refuses, naming the status
    with pytest.raises(TransitionNotAllowed) as refused:
        ticket_escalate_manually(ticket=ticket, by=org.supervisor, note="顾客坚持要经理处理", now=LATER)
    assert str(Status(status).label) in refused.value.message
    # and nothing was written: no escalation, no event, nobody told
    assert stock(ticket) == before
    assert not notifications(org.manager, "escalation").exists()


def test_only_the_owner_or_a_lead_may_escalate_by_hand(org):
    ticket = ticket_in(org, Status.IN_PROGRESS)
    before = stock(ticket)
    with pytest.raises(PermissionDenied):
        ticket_escalate_manually(ticket=ticket, by=org.agent2, note="我也想升级", now=LATER)
    assert stock(ticket) == before


# --- late departments ------------------------------------------------------------------------------


def test_late_department_reply_escalates_to_the_department_head_first(org):
    # given a work order dispatched to logistics, due back Monday at 11:00
    ticket = ticket_in(org, Status.IN_PROGRESS, now=MONDAY_9)
    ticket_dispatch(
        ticket=ticket, by=org.agent, department_ids=[org.logistics.pk], deadline=aware(2026, 11, 23, 11, 0),
        now=MONDAY_9,
    )  # fmt: skip

    # when the sweep runs after the deadline and logistics has not replied
    result = sla_sweep(now=aware(2026, 11, 23, 11, 30))

    # then the head of logistics receives it, and the owner hears the department is late
    assert result == {"breached": 1, "escalated": 1}
    assert escalations(ticket) == [("logistics_head", Escalation.Reason.BREACH)]
    assert notifications(org.agent, "sla_breach").filter(ticket=ticket).count() == 1
    breach = ticket.events.get(kind=TicketEvent.Kind.SLA_BREACH)
    assert breach.data["target"] == "department_reply"
