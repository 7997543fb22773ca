"""Each page renders for the roles it serves and refuses the others (403, 404 or a redirect)."""

import pytest
from django.test import Client

from kefu.tickets.services import ticket_dispatch
from tests.web.conftest import make_ticket

pytestmark = pytest.mark.django_db

OK, FORBIDDEN, NOT_FOUND, REDIRECT = 200, 403, 404, 302

# (path, {org attribute: expected status})
PAGES = [
    ("/", {"agent": OK, "supervisor": OK, "manager": OK, "gm": OK, "qa": OK, "logistics_staff": REDIRECT}),
    ("/tickets/new/", {"agent": OK, "supervisor": OK, "qa": FORBIDDEN, "logistics_staff": FORBIDDEN}),
    ("/tickets/search/?q=快递", {"agent": OK, "qa": OK, "logistics_staff": OK, "gm": OK}),
    (
        "/board/",
        {
            "supervisor": OK,
            "manager": OK,
            "gm": OK,
            "agent": FORBIDDEN,
            "qa": FORBIDDEN,
            "logistics_staff": FORBIDDEN,
        },
    ),
    (
        "/inbox/",
        {
            "logistics_staff": OK,
            "logistics_head": OK,
            "store_staff": OK,
            "agent": FORBIDDEN,
            "supervisor": FORBIDDEN,
            "qa": FORBIDDEN,
        },
    ),
    ("/customers/", {"agent": OK, "supervisor": OK, "qa": OK, "logistics_staff": FORBIDDEN}),
    (
        "/org/",
        {
            "supervisor": OK,
            "manager": OK,
            "gm": OK,
            "agent": FORBIDDEN,
            "qa": FORBIDDEN,
            "logistics_staff": FORBIDDEN,
        },
    ),
    ("/org/?tab=staff", {"supervisor": OK, "agent": FORBIDDEN}),
    ("/org/?tab=groups", {"manager": OK, "agent": FORBIDDEN}),
    ("/org/staff/new/", {"supervisor": OK, "agent": FORBIDDEN}),
    ("/org/departments/new/", {"manager": OK, "qa": FORBIDDEN}),
    ("/org/groups/new/", {"supervisor": OK, "logistics_staff": FORBIDDEN}),
    ("/notifications/", {"agent": OK, "logistics_staff": OK, "qa": OK}),
]


@pytest.mark.parametrize(
    ("path", "who", "expected"),
    [(path, who, status) for path, table in PAGES for who, status in table.items()],
)
def test_page_answers_each_role(org, as_user, path, who, expected):
    response = as_user(getattr(org, who)).get(path)
    assert response.status_code == expected, response.content[:500]


@pytest.mark.parametrize(
    "path", ["/", "/tickets/new/", "/board/", "/inbox/", "/customers/", "/org/", "/notifications/"]
)
def test_anonymous_visitors_are_sent_to_the_login_page(db, path):
    response = Client().get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


def test_department_staff_land_in_their_inbox(org, as_user):
    response = as_user(org.logistics_staff).get("/")
    assert response["Location"] == "/inbox/"


def test_login_page_renders_and_signs_in(org):
    client = Client()
    assert client.get("/login/").status_code == 200
    response = client.post("/login/", {"username": "agent", "password": "pass12345"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_logout_signs_out(org, as_user):
    client = as_user(org.agent)
    assert client.post("/logout/").status_code == 302
    assert client.get("/").status_code == 302


def test_work_order_page_is_404_for_those_who_may_not_see_it(org, as_user):
    ticket = make_ticket(org, accept=True)
    assert as_user(org.agent).get(f"/tickets/{ticket.number}/").status_code == OK
    assert as_user(org.agent2).get(f"/tickets/{ticket.number}/").status_code == OK  # same group
    assert as_user(org.qa).get(f"/tickets/{ticket.number}/").status_code == OK
    assert as_user(org.other_agent).get(f"/tickets/{ticket.number}/").status_code == NOT_FOUND
    assert as_user(org.logistics_staff).get(f"/tickets/{ticket.number}/").status_code == NOT_FOUND
    assert as_user(org.agent).get("/tickets/TS-19990101-0001/").status_code == NOT_FOUND


def test_department_staff_see_a_work_order_once_it_is_dispatched_to_them(org, as_user):
    ticket = make_ticket(org, accept=True)
    ticket_dispatch(ticket=ticket, by=org.agent, department_ids=[org.logistics.pk])
    assert as_user(org.logistics_staff).get(f"/tickets/{ticket.number}/").status_code == OK
    assert as_user(org.store_staff).get(f"/tickets/{ticket.number}/").status_code == NOT_FOUND


def test_actions_on_a_hidden_work_order_are_404(org, as_user):
    ticket = make_ticket(org)
    client = as_user(org.other_agent)
    response = client.post(
        f"/tickets/{ticket.number}/action/", {"action": "accept", "version": ticket.version}
    )
    assert response.status_code == NOT_FOUND
    assert client.post(f"/tickets/{ticket.number}/note/", {"note": "x"}).status_code == NOT_FOUND
    assert client.get(f"/tickets/{ticket.number}/edit/").status_code == NOT_FOUND


def test_header_shows_user_role_and_unread_count(org, as_user):
    ticket = make_ticket(org, accept=True)
    ticket_dispatch(ticket=ticket, by=org.agent, department_ids=[org.logistics.pk])
    html = as_user(org.logistics_staff).get("/inbox/").content.decode()
    assert org.logistics_staff.label in html
    assert "协同部门人员" in html  # the role, in Chinese
    assert 'id="notify-count"' in html and 'data-count="1"' in html


def test_leads_see_the_board_link_and_agents_do_not(org, as_user):
    assert 'href="/board/"' in as_user(org.supervisor).get("/").content.decode()
    assert 'href="/board/"' not in as_user(org.agent).get("/").content.decode()


def test_htmx_is_served_locally_never_from_a_cdn(org, as_user):
    html = as_user(org.agent).get("/").content.decode()
    assert "/static/django_htmx/htmx-2.min.js" in html
    assert "unpkg.com" not in html and "cdn" not in html.lower()
