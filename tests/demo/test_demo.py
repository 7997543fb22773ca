"""The demo app (kefu.demo) loads the service center through the same services agents use."""

from io import StringIO

import pytest
from django.core.management import call_command

from kefu.accounts.models import User
from kefu.demo.data import DEMO_LOGINS
from kefu.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def test_kefu_demo_loads_staff_and_work_orders_once():
    out = StringIO()

    call_command("kefu_demo", "--tickets", "8", stdout=out)

    assert "Demo loaded: 8 work orders" in out.getvalue()
    assert Ticket.objects.count() >= 8  # merged duplicates stay as rows of their own
    assert {username for username, _password, _role in DEMO_LOGINS} <= set(
        User.objects.values_list("username", flat=True)
    )
    again = StringIO()
    call_command("kefu_demo", "--tickets", "8", stdout=again)
    assert "not loaded" in again.getvalue()
