"""The demo shows recusal (回避): its complaint about the logistics employee 吴强 goes to his head 郑华,
who answers the dispatch in his place, and 吴强 never sees it."""

import pytest

from kefu.accounts.models import User
from kefu.demo.data import load_demo
from kefu.tickets import permissions, selectors
from kefu.tickets.models import Ticket, TicketEvent

pytestmark = pytest.mark.django_db


def test_the_demo_complaint_about_the_logistics_employee_goes_to_his_head():
    load_demo(tickets=4)
    accused = User.objects.get(username="logistics")
    head = User.objects.get(username="logistics_head")

    ticket = Ticket.objects.get(subject_person=accused)

    assert ticket.escalated_to == head
    assert not permissions.visible_tickets(accused).filter(pk=ticket.pk).exists()
    assert not selectors.department_inbox(user=accused).filter(ticket=ticket).exists()
    assert selectors.department_inbox(user=head).filter(ticket=ticket).exists()
    instead = {e.data.get("instead") for e in ticket.events.filter(kind=TicketEvent.Kind.RECUSAL)}
    assert instead == {head.pk}
