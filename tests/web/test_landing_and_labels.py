"""Where each person lands, and what the measures page calls things: a supervisor does not land on an
empty "我的" tab, codes and usernames are shown as labels and names, and the callback reach rate is not
called by the call answer rate's name."""

from datetime import timedelta

import pytest
from django.utils import timezone

from kefu.callbacks.models import Satisfaction, Score
from tests.web.conftest import make_ticket

pytestmark = pytest.mark.django_db


def active_tab(html: str) -> str:
    start = html.index('class="tab active"')
    return html[start : html.index("</a>", start)]


def test_an_agent_lands_on_their_own_work(org, as_user):
    assert "我的" in active_tab(as_user(org.agent).get("/").content.decode())


def test_a_supervisor_lands_on_their_teams_work(org, as_user):
    org.group.members.add(org.supervisor)
    queued = make_ticket(org, by="agent2")

    html = as_user(org.supervisor).get("/").content.decode()

    assert "我的组" in active_tab(html)
    assert queued.number in html


def test_a_manager_and_qa_land_on_everything_and_may_still_choose_mine(org, as_user):
    ticket = make_ticket(org, by="agent2")
    for person in (org.manager, org.supervisor, org.qa):  # this supervisor belongs to no group
        html = as_user(person).get("/").content.decode()
        assert "全部" in active_tab(html), person.username
        assert ticket.number in html
    assert "我的" in active_tab(as_user(org.manager).get("/?queue=mine").content.decode())
    assert "全部" in active_tab(as_user(org.manager).get("/?queue=nonsense").content.decode())


def test_department_staff_land_on_their_departments_dispatches(org, as_user):
    response = as_user(org.logistics_staff).get("/", follow=True)

    assert response.redirect_chain[-1][0].endswith("/inbox/")
    assert "待我部门回复" in active_tab(response.content.decode())


def test_measures_show_labels_names_and_the_callback_reach_rate(org, as_user):
    org.agent.display_name = "刘洋"
    org.agent.save()
    ticket = make_ticket(org, accept=True)
    Satisfaction.objects.create(
        ticket=ticket, source=Satisfaction.Source.CALLBACK, score=Score.SATISFIED, agent=org.agent,
        ticket_type="complaint", channel="phone", created_at=timezone.now() - timedelta(hours=1),
    )  # fmt: skip

    html = as_user(org.supervisor).get("/callbacks/measures/").content.decode()
    cells = html.replace("<td>", "\n<td>")

    assert "<td>投诉</td>" in cells and "<td>电话</td>" in cells and "<td>刘洋</td>" in cells
    for code in ("complaint", "phone", "agent"):
        assert f"<td>{code}</td>" not in cells
    assert "回访接通率" in html
    assert ">接通率<" not in html

    english = as_user(org.supervisor)
    english.cookies["django_language"] = "en"
    html = english.get("/callbacks/measures/").content.decode()
    assert "Callback reach rate" in html and "<td>Complaint" in html and "<td>Phone hotline" in html
