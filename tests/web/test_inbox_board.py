"""The department inbox shows only its department's dispatches; the board shows what leads must act on."""

import pytest

from kefu.tickets.models import Dispatch, Status, Ticket
from kefu.tickets.services import dispatch_reply, ticket_dispatch
from tests.web.conftest import make_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def dispatched(org):
    """One work order sent to logistics, another to the store."""
    to_logistics = make_ticket(org, accept=True, title="物流的单子")
    to_store = make_ticket(org, accept=True, title="门店的单子", customer_phone="13911112222")
    ticket_dispatch(
        ticket=to_logistics, by=org.agent, department_ids=[org.logistics.pk], instructions="请查物流"
    )
    ticket_dispatch(ticket=to_store, by=org.agent, department_ids=[org.store.pk], instructions="请查门店")
    return to_logistics, to_store


def test_inbox_shows_only_the_departments_own_dispatches(org, as_user, dispatched):
    to_logistics, to_store = dispatched
    html = as_user(org.logistics_staff).get("/inbox/").content.decode()
    assert to_logistics.number in html and "请查物流" in html
    assert to_store.number not in html and "请查门店" not in html
    store_html = as_user(org.store_staff).get("/inbox/").content.decode()
    assert to_store.number in store_html and to_logistics.number not in store_html


def test_the_department_head_sees_the_departments_inbox(org, as_user, dispatched):
    to_logistics, _to_store = dispatched
    assert to_logistics.number in as_user(org.logistics_head).get("/inbox/").content.decode()


def test_reply_from_the_inbox_answers_and_moves_it_to_the_answered_tab(org, as_user, dispatched):
    to_logistics, _ = dispatched
    client = as_user(org.logistics_staff)
    dispatch = to_logistics.dispatches.get()
    response = client.post(f"/inbox/{dispatch.pk}/reply/", {"text": "已联系快递，明天送达"})
    assert response.status_code == 302 and response["Location"] == "/inbox/"
    dispatch.refresh_from_db()
    assert dispatch.state == Dispatch.State.REPLIED and dispatch.answered_by == org.logistics_staff
    assert Ticket.objects.get(pk=to_logistics.pk).status == Status.DEPARTMENT_REPLIED
    assert client.get("/inbox/").context["page"].rows == []
    answered = client.get("/inbox/?tab=answered").content.decode()
    assert to_logistics.number in answered and "已联系快递，明天送达" in answered


def test_send_back_needs_a_reason_shown_at_that_dispatch(org, as_user, dispatched):
    to_logistics, _ = dispatched
    dispatch = to_logistics.dispatches.get()
    response = as_user(org.logistics_staff).post(f"/inbox/{dispatch.pk}/return/", {"text": "  "})
    assert response.status_code == 400
    assert "请填写原因。" in response.content.decode()
    dispatch.refresh_from_db()
    assert dispatch.state == Dispatch.State.PENDING


def test_send_back_returns_the_work_order_to_the_owner(org, as_user, dispatched):
    to_logistics, _ = dispatched
    dispatch = to_logistics.dispatches.get()
    as_user(org.logistics_staff).post(f"/inbox/{dispatch.pk}/return/", {"text": "不是物流问题"})
    assert Ticket.objects.get(pk=to_logistics.pk).status == Status.IN_PROGRESS


def test_another_department_cannot_answer(org, as_user, dispatched):
    to_logistics, _ = dispatched
    dispatch = to_logistics.dispatches.get()
    response = as_user(org.store_staff).post(f"/inbox/{dispatch.pk}/reply/", {"text": "不是我们的"})
    assert response.status_code == 404
    dispatch.refresh_from_db()
    assert dispatch.state == Dispatch.State.PENDING


def test_inbox_answers_only_by_post(org, as_user, dispatched):
    to_logistics, _ = dispatched
    dispatch = to_logistics.dispatches.get()
    assert as_user(org.logistics_staff).get(f"/inbox/{dispatch.pk}/reply/").status_code == 405


def test_a_major_complaint_is_on_the_managers_board_at_once(org, as_user):
    ticket = make_ticket(org, accept=True, severity="major", title="顾客摔伤")
    html = as_user(org.manager).get("/board/").content.decode()
    assert ticket.number in html and "顾客摔伤" in html
    assert 'hx-trigger="every 30s"' in html


def test_board_lists_escalations_to_me_first(org, as_user):
    from kefu.tickets.services import ticket_escalate_manually

    to_supervisor = make_ticket(org, accept=True, title="给主管的")
    ticket_escalate_manually(ticket=to_supervisor, by=org.agent, note="催办")
    to_manager = make_ticket(org, accept=True, severity="major", title="给经理的")  # major: reaches a manager
    html = as_user(org.supervisor).get("/board/").content.decode()
    section = html[html.index("升级记录") :]
    assert section.index(to_supervisor.number) < section.index(to_manager.number)


def test_board_refresh_returns_only_the_panels_to_htmx(org, as_user):
    make_ticket(org, accept=True, severity="major")
    response = as_user(org.supervisor).get("/board/", headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="board"') and "<html" not in html


def test_board_shows_breached_clocks(org, as_user):
    from datetime import timedelta

    from django.utils import timezone

    from kefu.tickets.services import sla_sweep

    ticket = make_ticket(org, accept=True)
    [dispatch] = ticket_dispatch(
        ticket=ticket,
        by=org.agent,
        department_ids=[org.logistics.pk],
        deadline=timezone.now() + timedelta(minutes=5),
    )
    sla_sweep(now=timezone.now() + timedelta(days=30))
    html = as_user(org.manager).get("/board/").content.decode()
    assert "超时" in html and ticket.number in html
    dispatch_reply(dispatch=dispatch, by=org.logistics_staff, reply="迟到的回复")
