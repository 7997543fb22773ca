"""Abuse protection: counters in the Django cache and a small arithmetic challenge.

Counters are fixed windows of KEFU_PORTAL_RATE_WINDOW seconds kept in the default cache: Redis in
production, so every web process shares them; the in-process cache when embedded (`kefu run` is one
process). A counter is a nicety that may be lost (a cache restart forgets it), which is acceptable for
rate limits and keeps the hot path free of database writes.

The challenge hides nothing from a person: "what is 3 + 5?". Its answer travels in a hidden field as
a keyed hash (salted_hmac over a nonce and the answer) inside a timestamped signature, so a bot can
neither read nor forge it, and each solved challenge is accepted once.
"""

import logging
import secrets
import time

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.utils.crypto import constant_time_compare, salted_hmac

log = logging.getLogger(__name__)

CHALLENGE_SALT = "kefu.intake.portal.challenge"
CHALLENGE_MAX_AGE = 30 * 60


def client_ip(request) -> str:
    """REMOTE_ADDR, or the header a trusted reverse proxy sets (KEFU_PORTAL_CLIENT_IP_HEADER)."""
    header = settings.KEFU_PORTAL_CLIENT_IP_HEADER
    if header:
        value = request.META.get(header, "")
        if value:
            # X-Forwarded-For: the proxy appends the address it saw, so the last entry is the trusted one.
            return value.split(",")[-1].strip()[:64]
    return request.META.get("REMOTE_ADDR", "")[:64]


def _key(kind: str, ident: str) -> str:
    window = settings.KEFU_PORTAL_RATE_WINDOW
    return f"kefu:portal:{kind}:{ident}:{int(time.time() // window)}"


def count(kind: str, ident: str) -> int:
    try:
        return int(cache.get(_key(kind, ident), 0) or 0)
    except Exception as exc:  # the cache is down: let customers through rather than answer 500
        log.warning("portal rate-limit cache unavailable: %s", exc)
        return 0


def hit(kind: str, ident: str) -> int:
    """Count one more event in the current window; returns the new count (0 if the cache is down)."""
    key = _key(kind, ident)
    try:
        cache.add(key, 0, timeout=settings.KEFU_PORTAL_RATE_WINDOW)
        try:
            return cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=settings.KEFU_PORTAL_RATE_WINDOW)
            return 1
    except Exception as exc:  # the cache is down: let customers through rather than answer 500
        log.warning("portal rate-limit cache unavailable: %s", exc)
        return 0


def over(kind: str, ident: str, limit: int) -> bool:
    return bool(ident) and count(kind, ident) >= limit


def _digest(nonce: str, answer: int) -> str:
    return salted_hmac(CHALLENGE_SALT, f"{nonce}:{answer}").hexdigest()


def new_challenge() -> dict:
    """{"question": "3 + 5", "token": ...}: the token carries the answer's keyed hash, signed and dated."""
    a, b = secrets.randbelow(9) + 1, secrets.randbelow(9) + 1
    nonce = secrets.token_hex(8)
    token = signing.dumps({"n": nonce, "h": _digest(nonce, a + b)}, salt=CHALLENGE_SALT)
    return {"question": f"{a} + {b}", "token": token}


def challenge_passed(token: str, answer) -> bool:
    """The answer is right, the challenge is recent, and it was not used before."""
    try:
        data = signing.loads(token or "", salt=CHALLENGE_SALT, max_age=CHALLENGE_MAX_AGE)
        answer = int(str(answer).strip())
    except (signing.BadSignature, TypeError, ValueError):
        return False
    if not isinstance(data, dict) or not constant_time_compare(
        data.get("h", ""), _digest(data.get("n", ""), answer)
    ):
        return False
    try:
        return cache.add(f"kefu:portal:challenge-used:{data['n']}", 1, timeout=CHALLENGE_MAX_AGE)
    except Exception as exc:  # the cache is down: a right answer is enough
        log.warning("portal challenge cache unavailable: %s", exc)
        return True
