"""Recusal (回避) and late dispatch deadlines in the pages: the accused finds no trace of the
complaint; a supervisor sees the mark on the work-order page and the board; a dispatch only the
accused could answer is refused at its field; a late deadline is warned about and listed."""

from datetime import timedelta

import pytest
from django.utils import timezone

from kefu.tickets.models import Dispatch, Ticket
from kefu.tickets.services import ticket_dispatch
from tests.web.conftest import make_ticket
from tests.web.test_capture import form_data

pytestmark = pytest.mark.django_db


def complaint_about(org, person, **fields) -> Ticket:
    return make_ticket(
        org,
        accept=True,
        subject_person_id=person.pk,
        title="送货员磕坏衣柜",
        content="送货员把衣柜磕坏了",
        **fields,
    )


def test_the_accused_finds_it_on_no_page(org, as_user):
    ticket = complaint_about(org, org.logistics_staff)
    ticket_dispatch(ticket=ticket, by=org.agent, department_ids=[org.logistics.pk], instructions="请核实")
    accused = as_user(org.logistics_staff)

    assert accused.get(f"/tickets/{ticket.number}/").status_code == 404
    assert ticket.number not in accused.get("/inbox/").content.decode()
    for query in ("衣柜", ticket.number):
        assert accused.get("/tickets/search/", {"q": query}).context["page"].rows == [], query
    # his head has it
    assert ticket.number in as_user(org.logistics_head).get("/inbox/").content.decode()


def test_an_agent_complained_about_finds_it_in_no_queue(org, as_user):
    ticket = make_ticket(org, by="agent", subject_person_id=org.agent2.pk, title="投诉陈静态度差")
    agent2 = as_user(org.agent2)

    for queue in ("mine", "group", "unassigned", "escalated"):
        assert ticket.number not in agent2.get("/", {"queue": queue}).content.decode(), queue
    assert agent2.get(f"/tickets/{ticket.number}/").status_code == 404
    assert ticket.number in as_user(org.agent).get("/", {"queue": "group"}).content.decode()


def test_recording_a_complaint_about_oneself_leads_back_to_the_workspace(org, as_user):
    # the customer, on the phone, complains about the agent who answers; "accept" is ticked
    response = as_user(org.agent).post(
        "/tickets/new/", form_data(content="接电话的客服态度很差", subject_person=org.agent.pk)
    )

    assert response.status_code == 302 and response.url == "/"
    ticket = Ticket.objects.get()
    assert ticket.owner_id is None and ticket.escalated_to == org.supervisor


def test_the_supervisor_sees_the_recusal_mark_on_the_page_and_the_board(org, as_user):
    ticket = complaint_about(org, org.logistics_staff, severity="major")
    supervisor = as_user(org.manager)

    html = supervisor.get(f"/tickets/{ticket.number}/").content.decode()
    assert 'class="badge recusal"' in html
    assert f"回避：{org.logistics_staff.label}" in html
    assert "ev-recusal" in html  # the timeline's record of it
    board = supervisor.get("/board/").content.decode()
    row = board[board.index(ticket.number) :][:400]
    assert 'class="badge recusal"' in row


def test_a_work_order_about_nobody_has_no_mark(org, as_user):
    ticket = make_ticket(org, accept=True, severity="major")

    html = as_user(org.manager).get(f"/tickets/{ticket.number}/").content.decode()

    assert 'class="badge recusal"' not in html


def test_a_dispatch_only_the_accused_could_answer_is_refused_at_the_field(org, as_user):
    ticket = complaint_about(org, org.store_staff)

    response = as_user(org.agent).post(
        f"/tickets/{ticket.number}/dispatch/", {"departments": [org.store.pk], "version": ticket.version}
    )

    assert response.status_code == 400
    [error] = response.context["dispatch_form"].errors["departments"]
    assert org.store_staff.label in error and "回避" in error
    assert not Dispatch.objects.exists()


def test_a_late_dispatch_deadline_is_warned_about_and_listed_on_the_board(org, as_user):
    ticket = make_ticket(org, accept=True, title="要部门处理的单子")
    client = as_user(org.agent)
    late = timezone.localtime() + timedelta(days=30)

    response = client.post(
        f"/tickets/{ticket.number}/dispatch/",
        {
            "departments": [org.logistics.pk],
            "deadline": late.strftime("%Y-%m-%dT%H:%M"),
            "version": ticket.version,
        },
        follow=True,
    )

    html = response.content.decode()
    assert Dispatch.objects.filter(ticket=ticket).count() == 1  # accepted all the same
    assert "晚于工单本身的办结时限" in html  # the warning after sending
    assert 'class="badge late-deadline"' in html  # and the mark on the dispatch
    board = as_user(org.supervisor).get("/board/").content.decode()
    panel = board[board.index('id="board-late-dispatches"') :]
    assert ticket.number in panel[: panel.index("</table>")]


def test_the_dispatch_form_proposes_no_deadline_after_the_work_orders_own(org, as_user):
    # the default policy resolves in 24 working hours; the default department deadline (three
    # working days) is cut to it, and the form shows the work order's own deadline beside it
    ticket = make_ticket(org, accept=True)

    html = as_user(org.agent).get(f"/tickets/{ticket.number}/").content.decode()

    assert "本工单办结时限" in html
    assert 'data-code="deadline_after_resolution"' not in html


def test_a_late_dispatch_deadline_is_sent_with_a_warning(org, as_user):
    ticket = make_ticket(org, accept=True)
    client = as_user(org.agent)

    answer = client.post(
        f"/tickets/{ticket.number}/dispatch/",
        {"version": ticket.version, "departments": [org.logistics.pk], "deadline": "2099-01-05 18:00"},
        follow=True,
    )

    assert ticket.dispatches.count() == 1
    assert "晚于工单本身的办结时限" in answer.content.decode()


def test_the_accused_cannot_answer_from_the_inbox_and_learns_nothing(org, as_user):
    ticket = complaint_about(org, org.logistics_staff)
    [sent] = ticket_dispatch(ticket=ticket, by=org.agent, department_ids=[org.logistics.pk])

    response = as_user(org.logistics_staff).post(f"/inbox/{sent.pk}/reply/", {"text": "出厂就有的"})

    assert response.status_code == 404
    assert Dispatch.objects.get(pk=sent.pk).state == Dispatch.State.PENDING
