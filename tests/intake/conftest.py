"""Fixtures for the channel tests: the small organisation, fresh calendars, an empty cache (rate limits)."""

import pytest
from django.core.cache import cache

from kefu.core.calendars import clear_calendar_cache
from tests.org import build_org


@pytest.fixture(autouse=True)
def _fresh_state():
    # Calendars are cached per process by id; rate-limit counters live in the cache.
    clear_calendar_cache()
    cache.clear()
    yield
    clear_calendar_cache()
    cache.clear()


@pytest.fixture
def org(db):
    return build_org()
