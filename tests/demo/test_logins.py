"""The demo's logins: every account listed once, with its role, by `kefu_demo` and by `kefu run`."""

import argparse
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import translation

from kefu import cli
from kefu.accounts.models import Role, User
from kefu.demo.data import STAFF
from kefu.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def test_kefu_demo_loads_once_and_lists_every_login_once_with_its_role():
    out = StringIO()

    call_command("kefu_demo", "--tickets", "8", stdout=out)

    text = out.getvalue()
    assert "Demo loaded: 8 work orders" in text
    assert Ticket.objects.count() >= 8  # merged duplicates and chats stay as rows of their own
    lines = text.splitlines()[1:]
    accounts = User.objects.filter(is_active=True)  # the colleagues who left (离职交接) sign in no more
    assert len(lines) == accounts.count() == len(STAFF) + 1  # and the board contact
    for user in accounts:
        mine = [line for line in lines if line.split()[0] == user.username]
        assert len(mine) == 1, user.username
        assert user.display_name in mine[0]
        with translation.override("en"):
            assert str(Role(user.role).label) in mine[0]
    again = StringIO()
    call_command("kefu_demo", "--tickets", "8", stdout=again)
    assert "not loaded" in again.getvalue()


def test_kefu_run_prints_the_logins_once(capsys):
    """`kefu run`'s first start loads the demo, then its banner lists the logins: once, not twice."""
    cli._load_demo_once()
    cli._print_banner(argparse.Namespace(host="127.0.0.1", port=8000))

    printed = capsys.readouterr().out
    for user in User.objects.filter(is_active=True):  # not the colleagues who left (离职交接)
        assert sum(line.split()[:1] == [user.username] for line in printed.splitlines()) == 1, user.username
