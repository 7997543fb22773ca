"""Every (status, action) pair, asked by the same person through the API and through the page, gets
the same answer, and that answer is the state machine's (workflow.allows).

Actions: every transition of the table, editing the register and escalating by hand. A refusal is
a 4xx on both sides; the API names the domain error's code and the page shows its message. Each
attempt is rolled back, so every action meets the work order in the status under test.
"""

import json

import pytest
from django.db import transaction
from django.test import Client
from django.utils.html import escape

from kefu.tickets import workflow
from kefu.tickets.models import Dispatch, Status, Ticket
from tests.tickets.helpers import new_ticket, stray_dispatch, ticket_in

pytestmark = pytest.mark.django_db

ACTIONS = [*workflow.ACTIONS, "edit", "escalate"]
DEPARTMENT_ACTIONS = ("department_reply", "department_return")
NOTE = "已与顾客核实"


class Attempt:
    """One action on one work order, by one signed-in person, through the API or the page."""

    def __init__(self, client: Client, org, ticket: Ticket, into: Ticket):
        self.client, self.org, self.ticket, self.into = client, org, ticket, into

    def _api(self, method: str, path: str, body: dict):
        return getattr(self.client, method)(f"/api{path}", json.dumps(body), content_type="application/json")

    def _pending(self) -> Dispatch:
        return self.ticket.dispatches.filter(
            state=Dispatch.State.PENDING, department=self.org.logistics
        ).first()

    def _free_department(self):
        pending = set(self.ticket.dispatches.filter(state="pending").values_list("department_id", flat=True))
        return self.org.store if self.org.logistics.pk in pending else self.org.logistics

    def api(self, action: str):
        number, version = self.ticket.number, self.ticket.version
        if action == "edit":
            return self._api("patch", f"/tickets/{number}", {"version": version, "title": "顾客补充说明"})
        if action == "escalate":
            return self._api("post", f"/tickets/{number}/escalate", {"note": NOTE})
        if action == "dispatch":
            body = {"department_ids": [self._free_department().pk], "instructions": NOTE, "version": version}
            return self._api("post", f"/tickets/{number}/dispatches", body)
        if action == "merge":
            return self._api(
                "post", f"/tickets/{number}/merge", {"into": self.into.number, "version": version}
            )
        if action in DEPARTMENT_ACTIONS:
            kind, field = ("reply", "reply") if action == "department_reply" else ("return", "reason")
            return self._api("post", f"/dispatches/{self._pending().pk}/{kind}", {field: NOTE})
        return self._api(
            "post",
            f"/tickets/{number}/transitions",
            {"action": action, "note": NOTE, "customer_reply": NOTE, "version": version},
        )

    def page(self, action: str):
        number, version = self.ticket.number, self.ticket.version
        base = f"/tickets/{number}"
        if action == "edit":
            form = self.client.get(f"{base}/edit/")
            if form.status_code != 200:
                return form
            data = {k: v for k, v in form.context["form"].initial.items() if v is not None}
            return self.client.post(f"{base}/edit/", {**data, "title": "顾客补充说明"})
        if action == "escalate":
            return self.client.post(f"{base}/escalate/", {"note": NOTE})
        if action == "dispatch":
            data = {"departments": [self._free_department().pk], "instructions": NOTE, "version": version}
            return self.client.post(f"{base}/dispatch/", data)
        if action == "merge":
            return self.client.post(f"{base}/merge/", {"into": self.into.number, "version": version})
        if action in DEPARTMENT_ACTIONS:
            kind = "reply" if action == "department_reply" else "return"
            return self.client.post(f"/inbox/{self._pending().pk}/{kind}/", {"text": NOTE})
        return self.client.post(
            f"{base}/action/", {"action": action, "note": NOTE, "customer_reply": NOTE, "version": version}
        )


def rolled_back(call, action: str):
    """The response to `call(action)`, with everything it wrote undone."""
    with transaction.atomic():
        response = call(action)
        transaction.set_rollback(True)
    return response


def answer_of(response) -> str:
    return "allowed" if response.status_code < 400 else "refused"


@pytest.mark.parametrize("who", ["agent", "agent2"], ids=["owner", "colleague"])
@pytest.mark.parametrize("status", list(Status), ids=lambda s: s.value)
def test_api_and_page_give_the_tables_answer_to_every_action(org, status, who):
    # given a consultation its owner drove to `status` (with a dispatch a department could answer),
    # and another open work order of the same customer to merge it into
    ticket = ticket_in(org, status, ticket_type="consultation")
    if not ticket.dispatches.filter(state="pending").exists():
        stray_dispatch(org, ticket)
    into = new_ticket(org, ticket_type="consultation", content="同一件事，顾客又打来一次")

    # the API's detail and the page offer the same things, those the table allows
    person = getattr(org, who)
    client = Client()
    client.force_login(person)
    offered = client.get(f"/api/tickets/{ticket.number}").json()
    shown = client.get(f"/tickets/{ticket.number}/").context
    can = shown["can"]
    on_page = {t.action for t in shown["actions"]} | {t.action for t in shown["replying"]}
    on_page |= {action for action in ("dispatch", "merge") if can[action]}
    assert {a["action"] for a in offered["actions"]} == on_page
    assert on_page == {a for a in workflow.ACTIONS if workflow.allows(ticket, a, person)} - set(
        DEPARTMENT_ACTIONS
    )
    assert (offered["can_edit"], offered["can_escalate"]) == (can["edit"], can["escalate"])
    assert (can["edit"], can["escalate"]) == (
        workflow.may_edit(ticket, person),
        workflow.may_escalate(ticket, person),
    )

    mismatches, seen = [], set()
    for action in ACTIONS:
        # the person: the owner or a colleague of the same group; a department's answer by its staff
        person = org.logistics_staff if action in DEPARTMENT_ACTIONS else getattr(org, who)
        client = Client()
        client.force_login(person)
        attempt = Attempt(client, org, Ticket.objects.get(pk=ticket.pk), into)
        expected = "allowed" if workflow.allows(attempt.ticket, action, person) else "refused"
        seen.add(expected)

        # when the same person asks through the API and through the page
        api = rolled_back(attempt.api, action)
        page = rolled_back(attempt.page, action)

        # then both answer as the table does
        answers = (answer_of(api), answer_of(page))
        if answers != (expected, expected):
            mismatches.append((action, expected, api.status_code, page.status_code, api.content[:200]))
            continue
        if expected == "allowed":
            assert page.status_code == 302, (action, page.status_code)
            continue
        # and a refusal is the domain error on both sides: its code and status in the API, its words
        # on the page
        error = api.json()
        assert api.status_code in (403, 409, 422), (action, api.status_code, error)
        assert error["code"] in ("permission_denied", "transition_not_allowed", "validation_error")
        assert 400 <= page.status_code < 500
        assert escape(error["message"]) in page.content.decode(), (action, error["message"])
    assert mismatches == []
    assert "refused" in seen  # every status refuses something; most allow something too
