"""Two-factor sign-in (双重验证) with TOTP (pyotp), optional for administrators and managers.

Enrolment: `two_factor_begin` makes a secret (shown as text, otpauth URI and QR code);
`two_factor_confirm` turns it on with a first code and returns ten recovery codes, shown once
(only their digests are kept). At sign-in, after the password, `two_factor_check` takes a code
from the app or an unused recovery code (which is then spent).
"""

import hashlib
import secrets

import pyotp
import segno
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.models import Role, TwoFactor, User
from kefu.core.errors import PermissionDenied, ValidationError

ISSUER = "Kefu"
RECOVERY_CODES = 10
TWO_FACTOR_ROLES = {Role.MANAGER, Role.GENERAL_MANAGER, Role.ADMIN}


def may_use_two_factor(user: User) -> bool:
    return user.is_active and (user.is_superuser or user.role in TWO_FACTOR_ROLES)


def two_factor_of(user: User) -> TwoFactor | None:
    """The person's active second factor, or None."""
    return TwoFactor.objects.filter(user=user, confirmed_at__isnull=False).first()


def _digest(code: str) -> str:
    return hashlib.sha256(code.replace("-", "").strip().lower().encode()).hexdigest()


def otpauth_uri(device: TwoFactor) -> str:
    return pyotp.TOTP(device.secret).provisioning_uri(name=device.user.username, issuer_name=ISSUER)


def qr_svg(device: TwoFactor) -> str:
    """The otpauth URI as an inline SVG QR code, drawn here (segno), nothing fetched."""
    return segno.make(otpauth_uri(device), error="m").svg_inline(scale=4, dark="#1d2733")


@transaction.atomic
def two_factor_begin(*, user: User) -> TwoFactor:
    """A new, not yet active secret for `user`; refuses other roles and replacing an active one."""
    if not may_use_two_factor(user):
        raise PermissionDenied(_("Two-factor sign-in is for administrators and managers."))
    device, _created = TwoFactor.objects.select_for_update().get_or_create(
        user=user, defaults={"secret": pyotp.random_base32()}
    )
    if device.active:
        raise ValidationError.for_field("code", _("Two-factor sign-in is already on; turn it off first."))
    device.secret = pyotp.random_base32()
    device.save(update_fields=["secret"])
    return device


def _valid_step(device: TwoFactor, code: str, now) -> int | None:
    """The time step `code` belongs to (this one or a neighbour, for clock drift), or None."""
    totp = pyotp.TOTP(device.secret)
    code = (code or "").replace(" ", "").strip()
    if not code.isdigit():
        return None
    for drift in (0, -1, 1):
        at = now.timestamp() + drift * totp.interval
        if totp.verify(code, for_time=at, valid_window=0):
            return int(at // totp.interval)
    return None


@transaction.atomic
def two_factor_confirm(*, user: User, code: str, now=None) -> list[str]:
    """Turn the begun secret on with its first code; returns the recovery codes (shown once)."""
    now = now or timezone.now()
    # Locked: a second confirmation at the same time must not hand out a second set of codes.
    device = TwoFactor.objects.select_for_update().filter(user=user).first()
    if device is None or device.active:
        raise ValidationError.for_field("code", _("Start the set-up first."))
    step = _valid_step(device, code, now)
    if step is None:
        raise ValidationError.for_field("code", _("The code is wrong or expired; try the current one."))
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODES)]
    device.recovery_digests = [_digest(c) for c in codes]
    device.confirmed_at = now
    device.last_step = step
    device.save(update_fields=["recovery_digests", "confirmed_at", "last_step"])
    return codes


@transaction.atomic
def two_factor_check(*, user: User, code: str, now=None) -> bool:
    """Whether `code` (from the app, or a recovery code, which is spent) proves the second factor.

    A code already used in its time step is refused: a code seen over a shoulder cannot be reused.
    """
    now = now or timezone.now()
    device = TwoFactor.objects.select_for_update().filter(user=user, confirmed_at__isnull=False).first()
    if device is None:
        return False
    step = _valid_step(device, code, now)
    if step is not None:
        if step <= device.last_step:
            return False
        device.last_step = step
        device.save(update_fields=["last_step"])
        return True
    digest = _digest(code or "")
    if digest in device.recovery_digests:
        device.recovery_digests = [d for d in device.recovery_digests if d != digest]
        device.save(update_fields=["recovery_digests"])
        return True
    return False


@transaction.atomic
def two_factor_disable(*, user: User, code: str, now=None) -> None:
    """Turn the second factor off; needs a current code (or a recovery code)."""
    if not two_factor_check(user=user, code=code, now=now):
        raise ValidationError.for_field("code", _("The code is wrong or expired; try the current one."))
    TwoFactor.objects.filter(user=user).delete()
