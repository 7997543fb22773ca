"""Fixtures for the callbacks tests: the small organisation, a callback team and plan, a resolved complaint."""

import importlib

import pytest
from django.apps import apps

from kefu.callbacks.models import CallbackPlan, Script, Trigger
from kefu.core.calendars import clear_calendar_cache
from kefu.core.models import BusinessCalendar
from tests.factories import AgentGroupFactory, UserFactory
from tests.org import build_org
from tests.tickets.helpers import MONDAY_9, new_ticket, perform


@pytest.fixture(autouse=True)
def _fresh_calendars():
    clear_calendar_cache()
    yield
    clear_calendar_cache()


@pytest.fixture
def org(db):
    return plan_org(db)


def plan_org(db):
    """build_org() with a callback agent, the callback team and an after-resolution plan.

    The plan uses the script the migrations seed; a transactional test before this one flushed it,
    so it is seeded again here the way the migration does it.
    """
    if not Script.objects.filter(name="投诉回访").exists():
        importlib.import_module("kefu.callbacks.migrations.0002_seed_reasons_and_script").seed(apps, None)
    org = build_org()
    org.caller = UserFactory(username="caller", superior=org.supervisor, department=org.center)
    org.team = AgentGroupFactory(name="回访组", leader=org.supervisor, department=org.center)
    org.team.members.add(org.caller)
    org.plan = CallbackPlan.objects.create(
        name="投诉办结回访",
        trigger=Trigger.RESOLVED,
        ticket_types=["complaint"],
        script=Script.objects.get(name="投诉回访"),
        team=org.team,
        calendar=BusinessCalendar.objects.get(is_default=True),
        due_minutes=24 * 60,
        max_attempts=3,
        retry_minutes=120,
    )
    return org


def resolved_complaint(org, *, now=MONDAY_9, **fields):
    ticket = new_ticket(org, now=now, **fields)
    for action in ("accept", "start", "resolve"):
        ticket = perform(org, ticket, action, now=now)
    return ticket
