"""Fixtures for the work-order service tests: the small organisation and a fresh calendar cache."""

import pytest

from kefu.core.calendars import clear_calendar_cache
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
