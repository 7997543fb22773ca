"""Fixtures of the quality tests: the small organisation, clients signed in to the API, and no
compiled rubric or phrase list left over from another test (their rows were rolled back)."""

import pytest

from kefu.quality.services.inspection import clear_compiled
from kefu.quality.services.phrases import clear as clear_phrases
from tests.api.conftest import token_client
from tests.org import build_org


@pytest.fixture(autouse=True)
def _fresh_compiled_rubrics():
    clear_compiled()
    clear_phrases()
    yield
    clear_compiled()
    clear_phrases()


@pytest.fixture
def org(db):
    return build_org()


@pytest.fixture
def as_user():
    """as_user(org.agent) → an Api signed in with a fresh personal token of that person."""
    return token_client
