"""Fixtures for the page tests: the small organisation, signed-in clients, work orders made by the services."""

import pytest
from django.test import Client

from kefu.core.calendars import clear_calendar_cache
from kefu.tickets.services import ticket_create
from tests.org import build_org


@pytest.fixture(autouse=True)
def _fresh_calendars():
    # Calendars are cached per process by id; a rolled-back test may leave an id another test reuses.
    clear_calendar_cache()
    yield
    clear_calendar_cache()


@pytest.fixture
def org(db):
    return build_org()


@pytest.fixture
def as_user():
    """as_user(org.agent) → a django.test.Client signed in as that person (Chinese, the default language)."""

    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


def make_ticket(org, *, by="agent", **fields):
    """A phone complaint recorded now by `by` (an Org attribute name)."""
    values = {
        "ticket_type": "complaint",
        "channel": "phone",
        "content": "快递三天没有送到，客服电话也打不通",
        "customer_name": "张女士",
        "customer_phone": "13800138000",
    }
    values.update(fields)
    return ticket_create(by=getattr(org, by), **values).ticket
