"""Fixtures of the quality tests: the small organisation, a QA inspector with the hotline queue."""

import pytest

from kefu.core.calendars import clear_calendar_cache
from tests.org import build_org
from tests.quality.factories import InspectorScopeFactory


@pytest.fixture
def org(db):
    clear_calendar_cache()
    org = build_org()
    InspectorScopeFactory(inspector=org.qa, channels=["phone"], queues=["热线"])
    org.qa.refresh_from_db()
    yield org
    clear_calendar_cache()
