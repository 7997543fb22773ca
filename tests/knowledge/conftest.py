import pytest
from django.core.cache import cache

from tests.org import build_org


@pytest.fixture(autouse=True)
def _fresh_lists():
    """Synonyms and phrase rules are memoised per version kept in the cache: start and end clean."""
    from kefu.knowledge import cache as knowledge_cache

    cache.clear()
    knowledge_cache._memo.clear()
    yield
    cache.clear()
    knowledge_cache._memo.clear()


@pytest.fixture
def org(db):
    return build_org()


@pytest.fixture
def as_user():
    from django.test import Client

    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture(autouse=True)
def _fresh_calendars():
    from kefu.core.calendars import clear_calendar_cache

    clear_calendar_cache()
    yield
    clear_calendar_cache()
