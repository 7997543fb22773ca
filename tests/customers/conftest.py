import pytest
from django.test import Client

from tests.api.conftest import token_client
from tests.org import build_org


@pytest.fixture
def web_org(db):
    return build_org()


@pytest.fixture
def org_api(web_org):
    return token_client(web_org.agent)


@pytest.fixture
def zh_client():
    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make
