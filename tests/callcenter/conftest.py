import pytest

from tests.org import build_org


@pytest.fixture
def org(db):
    return build_org()
