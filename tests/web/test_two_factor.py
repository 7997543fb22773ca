"""Two-factor sign-in (TOTP) for administrators and managers: enrol, then every sign-in needs the code."""

from datetime import timedelta

import pyotp
import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from kefu.accounts import twofactor
from kefu.accounts.models import TwoFactor
from kefu.core.errors import PermissionDenied, ValidationError

pytestmark = pytest.mark.django_db

PASSWORD = "pass12345"  # tests.factories.UserFactory


def enrolled(user) -> tuple[str, list[str]]:
    """Turn two-factor sign-in on for `user`; their secret and recovery codes."""
    device = twofactor.two_factor_begin(user=user)
    # Confirmed with a code of a minute ago, so the current code is still unused.
    past = timezone.now() - timedelta(seconds=60)
    codes = twofactor.two_factor_confirm(user=user, code=pyotp.TOTP(device.secret).at(past), now=past)
    return device.secret, codes


def password_step(client: Client, username: str, next_url: str = ""):
    return client.post("/login/", {"username": username, "password": PASSWORD, "next": next_url})


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_once_enrolled_the_password_alone_does_not_sign_in(org, client):
    enrolled(org.manager)

    response = password_step(client, "manager")

    assert response.status_code == 302 and response["Location"] == "/login/verify/"
    assert not signed_in(client)
    assert client.get("/").status_code == 302  # the workspace still sends to the login page


def test_the_current_code_completes_the_sign_in_and_cannot_be_used_twice(org, client):
    secret, _codes = enrolled(org.manager)
    password_step(client, "manager", next_url="/board/")
    code = pyotp.TOTP(secret).now()

    response = client.post("/login/verify/", {"code": code})

    assert response.status_code == 302 and response["Location"] == "/board/"
    assert signed_in(client)
    other = Client()
    password_step(other, "manager")
    assert other.post("/login/verify/", {"code": code}).status_code == 400 and not signed_in(other)


def test_a_wrong_code_is_refused_and_counts_towards_the_lockout(org, client):
    enrolled(org.manager)
    password_step(client, "manager")

    statuses = [client.post("/login/verify/", {"code": "000000"}).status_code for _ in range(10)]

    assert statuses == [400] * 9 + [429] and not signed_in(client)


def test_a_recovery_code_signs_in_once(org, client):
    _secret, codes = enrolled(org.manager)
    password_step(client, "manager")
    assert client.post("/login/verify/", {"code": codes[0]}).status_code == 302

    again = Client()
    password_step(again, "manager")
    assert again.post("/login/verify/", {"code": codes[0]}).status_code == 400


def test_the_admin_login_goes_through_the_same_second_factor(org, client):
    org.manager.is_staff = org.manager.is_superuser = True
    org.manager.save(update_fields=["is_staff", "is_superuser"])
    enrolled(org.manager)

    assert client.get("/admin/login/?next=/admin/")["Location"] == "/login/?next=%2Fadmin%2F"
    assert client.post("/admin/login/", {"username": "manager", "password": PASSWORD}).status_code == 302
    assert not signed_in(client)


def test_without_enrolment_the_password_signs_in_as_before(org, client):
    response = password_step(client, "manager")

    assert response.status_code == 302 and signed_in(client)


def test_enrolment_page_shows_the_key_uri_and_qr_code_then_the_recovery_codes(org):
    client = Client()
    client.force_login(org.manager)
    page = client.post("/account/two-factor/", {"action": "begin"}).content.decode()
    secret = TwoFactor.objects.get(user=org.manager).secret

    assert secret in page and "otpauth://totp/Kefu:manager" in page and "<svg" in page
    with time_machine.travel(timezone.now() + timedelta(seconds=90)):
        done = client.post("/account/two-factor/", {"action": "confirm", "code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200 and done.content.decode().count("<li><code>") == 10
    assert twofactor.two_factor_of(org.manager) is not None


def test_a_wrong_first_code_does_not_turn_it_on(org):
    client = Client()
    client.force_login(org.manager)
    client.post("/account/two-factor/", {"action": "begin"})

    response = client.post("/account/two-factor/", {"action": "confirm", "code": "123456"})

    assert response.status_code == 400 and twofactor.two_factor_of(org.manager) is None


def test_agents_cannot_enrol(org):
    client = Client()
    client.force_login(org.agent)

    assert client.get("/account/two-factor/").status_code == 403
    with pytest.raises(PermissionDenied):
        twofactor.two_factor_begin(user=org.agent)


def test_turning_it_off_needs_a_code(org):
    secret, _codes = enrolled(org.manager)
    with pytest.raises(ValidationError):
        twofactor.two_factor_disable(user=org.manager, code="000000")

    twofactor.two_factor_disable(user=org.manager, code=pyotp.TOTP(secret).now())

    assert twofactor.two_factor_of(org.manager) is None
