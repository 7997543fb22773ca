"""Sign-in lockout and back-off (django-axes through kefu.accounts.throttle), and the login audit."""

from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessFailureLog, AccessLog
from django.test import Client
from django.utils import timezone

pytestmark = pytest.mark.django_db

PASSWORD = "pass12345"  # tests.factories.UserFactory


def login(client: Client, username: str, password: str):
    return client.post("/login/", {"username": username, "password": password})


def signed_in(response) -> bool:
    return response.status_code == 302 and "_auth_user_id" in response.client.session


def fail(client: Client, username: str, times: int) -> None:
    for _ in range(times):
        login(client, username, "wrong-password")


def test_thirty_wrong_passwords_then_the_right_one_is_refused(org, client):
    fail(client, "agent", 30)

    response = login(client, "agent", PASSWORD)

    assert response.status_code == 429 and not signed_in(response)
    assert int(response["Retry-After"]) == 15 * 60 * 4  # 30 failures: three rounds past the limit
    assert "Content-Security-Policy" in response


def test_the_account_is_locked_from_any_address(org):
    fail(Client(REMOTE_ADDR="10.0.0.1"), "agent", 10)

    response = login(Client(REMOTE_ADDR="10.0.0.2"), "agent", PASSWORD)

    assert response.status_code == 429


def test_an_address_is_locked_for_every_account_only_at_its_own_higher_limit(org, settings):
    settings.KEFU_LOGIN_ADDRESS_FAILURE_LIMIT = 12
    client = Client(REMOTE_ADDR="10.0.0.9")
    for name in ("nobody-1", "nobody-2"):
        fail(client, name, 5)
    assert signed_in(login(client, "agent", PASSWORD))  # 10 typos behind one address lock nobody else

    client.logout()
    fail(client, "nobody-3", 2)

    assert login(client, "supervisor", PASSWORD).status_code == 429


def test_the_lockout_expires_after_the_cool_off(org, client):
    fail(client, "agent", 10)
    assert login(client, "agent", PASSWORD).status_code == 429

    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        assert signed_in(login(client, "agent", PASSWORD))


def test_each_further_round_of_failures_doubles_the_cool_off(org, client):
    start = timezone.now()
    fail(client, "agent", 10)
    with time_machine.travel(start + timedelta(minutes=16)):
        fail(client, "agent", 10)  # the second round within a day
    with time_machine.travel(start + timedelta(minutes=16 + 16)):
        refused = login(client, "agent", PASSWORD)  # a refused try restarts the cool-off, now 30 minutes
    assert refused.status_code == 429 and refused["Retry-After"] == str(30 * 60)
    with time_machine.travel(start + timedelta(minutes=16 + 16 + 29)):
        assert login(client, "agent", PASSWORD).status_code == 429
    with time_machine.travel(start + timedelta(minutes=16 + 16 + 29 + 31)):
        assert signed_in(login(client, "agent", PASSWORD))


def test_failed_and_successful_logins_are_kept_for_the_admins(org, client):
    fail(Client(REMOTE_ADDR="10.1.1.1"), "agent", 2)
    assert signed_in(login(client, "agent", PASSWORD))

    assert AccessFailureLog.objects.filter(username="agent", ip_address="10.1.1.1").count() == 2
    assert AccessLog.objects.filter(username="agent").count() == 1
    org.manager.is_staff = org.manager.is_superuser = True
    org.manager.save(update_fields=["is_staff", "is_superuser"])
    admin = Client()
    admin.force_login(org.manager)
    page = admin.get("/admin/axes/accessfailurelog/")
    assert page.status_code == 200 and "10.1.1.1" in page.content.decode()
    assert admin.get("/admin/axes/accesslog/").status_code == 200


def test_other_peoples_typos_behind_the_same_address_do_not_lengthen_an_accounts_cool_off(org):
    office = Client(REMOTE_ADDR="10.0.0.50")
    for name in ("clerk-1", "clerk-2", "clerk-3", "clerk-4"):
        fail(office, name, 7)  # 28 failures from the address, none locking it (limit 50)
    fail(office, "agent", 10)

    response = login(office, "agent", PASSWORD)

    assert response.status_code == 429 and response["Retry-After"] == str(15 * 60)


def test_spraying_many_accounts_from_one_address_backs_off_too(org, settings):
    settings.KEFU_LOGIN_ADDRESS_FAILURE_LIMIT = 20
    sprayer = Client(REMOTE_ADDR="10.0.0.66")
    for n in range(8):
        fail(sprayer, f"guess-{n}", 5)  # 40 failures: two rounds of the address limit

    response = login(sprayer, "agent", PASSWORD)

    assert response.status_code == 429 and response["Retry-After"] == str(30 * 60)
