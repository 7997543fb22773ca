"""Fixtures for the KPI tests: the small organisation, a fresh calendar cache, and a fixed "now"
(figures that wait for a window to close, such as first-contact resolution, read the clock)."""

import pytest
import time_machine

from kefu.core.calendars import clear_calendar_cache
from tests.factories import aware
from tests.org import build_org

#: The moment the tests read their figures: Thursday 2026-12-03 12:00 in Asia/Shanghai, ten days
#: after the Monday (2026-11-23) their records start.
NOW = aware(2026, 12, 3, 12, 0)


@pytest.fixture(autouse=True)
def _fresh_calendars():
    clear_calendar_cache()
    yield
    clear_calendar_cache()


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def org(db):
    return build_org()
