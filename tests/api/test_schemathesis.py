"""Schemathesis over every operation of the API: no server error, every answer in the schema."""

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import ignored_auth, positive_data_acceptance

from kefu.accounts.models import ApiToken
from kefu.api import api
from tests.org import build_org

schema = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api"))
schema.app = WSGIHandler()


@pytest.fixture
def staff_token(db):
    org = build_org()
    _token, raw = ApiToken.issue(user=org.supervisor, name="schemathesis")
    # As django.test.Client does: the test's transaction must survive each request's end.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield raw
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_operation(case, staff_token):
    case.call_and_validate(
        headers={"Authorization": f"Bearer {staff_token}"},
        # A valid shape is not yet a valid request: unknown ids and blank text are refused by the
        # services (422/404), as documented. And every call carries the staff token, so a check
        # that removes one credential would find the other.
        excluded_checks=[positive_data_acceptance, ignored_auth],
    )
