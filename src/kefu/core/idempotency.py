"""One create per request, however often it is sent: API Idempotency-Key headers and forms' one-time tokens.

A client that did not hear the answer sends the same request again; a person double-clicks Save
or presses Back and submits again. Either way the second request must get the first one's answer,
not a second work order. `run_once` does the work and records its key in the same transaction: a
second request with the key finds the record and replays it; two at the same moment meet at the
unique constraint, and the loser's work is rolled back and it replays the winner's. Keys are kept
KEY_TTL (24 hours) and forgotten by a periodic task (core/tasks.py). docs/api.md, "Idempotency".
"""

import hashlib
import json
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from django import forms
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.core.errors import DomainError, ErrorCode, FieldCode, ValidationError
from kefu.core.models import IdempotencyKey

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"  # "true" on an answer given again
KEY_TTL = timedelta(hours=24)
MAX_KEY = 255


class KeyReused(DomainError):
    """The key was used before for a different request: nothing was done."""

    code = ErrorCode.IDEMPOTENCY_KEY_REUSED
    http_status = 422


def form_token_field() -> forms.CharField:
    """A form's one-time token: a new random value each time the empty form is shown, sent back as
    the key of `run_once`, so the same filled-in form posted twice records once."""
    return forms.CharField(
        widget=forms.HiddenInput, required=False, max_length=64, initial=lambda: uuid.uuid4().hex
    )


def fingerprint(body) -> str:
    """The hash of a request body, the same for the same content whatever the key order."""
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def clean_key(raw: str | None, field: str = HEADER) -> str:
    key = (raw or "").strip()
    if len(key) > MAX_KEY:
        raise ValidationError.for_field(
            field, _("At most %(limit)s characters.") % {"limit": MAX_KEY}, FieldCode.TOO_LONG
        )
    return key


def _remembered(scope: str, owner: str, key: str, print_: str | None, now: datetime) -> IdempotencyKey | None:
    row = IdempotencyKey.objects.filter(scope=scope, owner=owner, key=key, expires_at__gt=now).first()
    if row is not None and print_ is not None and row.fingerprint != print_:
        raise KeyReused(
            _(
                "This Idempotency-Key was already used for a different request; use a new key for a new request."
            )
        )
    return row


def recorded(*, scope: str, owner: str, key: str) -> dict | None:
    """What the first request with this key created, if it was done (and not yet forgotten)."""
    if not key:
        return None
    row = _remembered(scope, owner, key, None, timezone.now())
    return row.result if row else None


def run_once(
    *,
    scope: str,
    owner: str,
    key: str,
    work: Callable[[], dict],
    body_print: str | None = None,
    now: datetime | None = None,
) -> tuple[dict, bool]:
    """`work()` once per (scope, owner, key): returns (its result, whether this is a replay).

    Without a key the work is simply done. `body_print` (see `fingerprint`), when given, must match
    the first request's, else KeyReused. `work` returns a small JSON-able dict saying what it created.
    """  # fmt: skip
    if not key:
        return work(), False
    now = now or timezone.now()
    found = _remembered(scope, owner, key, body_print, now)
    if found is not None:
        return found.result, True
    try:
        with transaction.atomic():
            IdempotencyKey.objects.filter(scope=scope, owner=owner, key=key, expires_at__lte=now).delete()
            result = work()
            IdempotencyKey.objects.create(
                scope=scope, owner=owner, key=key, fingerprint=body_print or "", result=result,
                created_at=now, expires_at=now + KEY_TTL,
            )  # fmt: skip
    except IntegrityError:
        found = _remembered(scope, owner, key, body_print, now)  # the same request, at the same moment
        if found is None:
            raise
        return found.result, True
    return result, False


def forget_expired(now: datetime | None = None) -> int:
    """Delete the keys past their 24 hours; returns how many (safe to run twice)."""
    deleted, _per_model = IdempotencyKey.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return deleted
