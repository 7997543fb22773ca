"""Kefu's request signature, one scheme both ways: outgoing webhooks sign with it (kefu.notify.webhooks),
the CTI endpoint verifies it (kefu.callcenter.api).

X-Kefu-Timestamp is the Unix time of sending; X-Kefu-Signature is "sha256=" + hex
HMAC-SHA256(secret, "<timestamp>." + raw body). The timestamp is inside the MAC, so a receiver that
refuses old timestamps and remembers the signatures it accepted cannot be fed a captured request again.
"""

import hashlib
import hmac
import time

from django.core.cache import cache
from django.utils.translation import gettext as _

TIMESTAMP_HEADER = "X-Kefu-Timestamp"
SIGNATURE_HEADER = "X-Kefu-Signature"


class BadSignature(Exception):
    """The request is not signed by the secret, is outside the time tolerance, or was seen before."""


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The X-Kefu-Signature value for `body` sent at `timestamp`."""
    digest = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def verify(
    *, secret: str, timestamp: str, signature: str, body: bytes, tolerance: int, now: float | None = None
) -> None:
    """Accept a signed request once: right MAC, timestamp within `tolerance` seconds, not seen before.

    The accepted signatures are remembered in the cache (Redis in production, shared by every web
    process) for twice the tolerance, longer than any timestamp that could still pass.
    """
    now = time.time() if now is None else now
    try:
        stamp = int(timestamp)
    except (TypeError, ValueError):
        raise BadSignature(_("X-Kefu-Timestamp must be the Unix time in seconds.")) from None
    if abs(now - stamp) > tolerance:
        raise BadSignature(
            _("X-Kefu-Timestamp is more than %(seconds)s s away from the server's clock.")
            % {"seconds": tolerance}
        )
    expected = sign(secret, str(stamp), body)
    if not hmac.compare_digest(expected.encode(), (signature or "").strip().encode()):
        raise BadSignature(_("X-Kefu-Signature does not match the body and timestamp."))
    if not cache.add(f"kefu:signature-seen:{expected}", 1, timeout=2 * tolerance):
        raise BadSignature(_("This signed request was already received (a replay)."))
