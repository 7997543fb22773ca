import pytest

from tests.org import build_org


@pytest.fixture
def org(db):
    return build_org()


@pytest.fixture(autouse=True)
def english():
    """Messages are checked in English here (zh-hans is the default language)."""
    from django.utils import translation

    with translation.override("en"):
        yield
