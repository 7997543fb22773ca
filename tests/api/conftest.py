"""API test helpers: a small organisation, clients signed in by token or by session, JSON calls."""

import json

import pytest
from django.test import Client

from kefu.accounts.models import ApiToken
from tests.org import build_org


@pytest.fixture
def org(db):
    return build_org()


class Api:
    """A django.test.Client speaking JSON to /api/ as one person."""

    def __init__(self, client: Client):
        self.client = client

    def get(self, path: str, params: dict | None = None):
        return self.client.get(f"/api{path}", params or {})

    def post(self, path: str, body=None):
        return self.client.post(f"/api{path}", json.dumps(body or {}), content_type="application/json")

    def patch(self, path: str, body=None):
        return self.client.patch(f"/api{path}", json.dumps(body or {}), content_type="application/json")

    def delete(self, path: str):
        return self.client.delete(f"/api{path}")


def token_client(user) -> Api:
    _token, raw = ApiToken.issue(user=user, name="tests")
    return Api(Client(headers={"Authorization": f"Bearer {raw}"}))


@pytest.fixture
def as_user():
    """as_user(org.agent) → an Api signed in with a fresh personal token of that person."""
    return token_client


def new_ticket(api: Api, **fields) -> dict:
    body = {
        "ticket_type": "complaint",
        "channel": "phone",
        "content": "快递三天没有送到，客服电话也打不通",
        "customer_name": "张女士",
        "customer_phone": "13800138000",
        **fields,
    }
    response = api.post("/tickets", body)
    assert response.status_code == 201, response.content
    return response.json()
