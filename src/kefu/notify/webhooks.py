"""Outbound webhooks: every work-order event, signed, POSTed to the subscribed receivers.

Each delivery is a row (WebhookDelivery). The worker sends it after the event's transaction
commits, and a periodic sweep retries the failures with exponential back-off (BACKOFF).
2xx: delivered. Timeouts, connection errors, 5xx, 408 and 429: tried again later. Any other
answer: failed at once (the receiver refused it; retrying would not help). A person may redeliver.

Signature (see docs/notifications.md): X-Kefu-Timestamp is the Unix time of the attempt and
X-Kefu-Signature is "sha256=" + hex HMAC-SHA256(secret, "<timestamp>." + raw body) (kefu.core.signatures,
which the CTI endpoint verifies with the same scheme).
"""

import http.client
import json
import logging
import urllib.error
import urllib.request
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.core.errors import PermissionDenied
from kefu.core.refcache import RefCache
from kefu.core.signatures import sign
from kefu.core.tasks import run_later
from kefu.notify.models import Webhook, WebhookDelivery
from kefu.tickets.models import TicketEvent

log = logging.getLogger(__name__)

#: Pause after the 1st, 2nd, ... failed attempt; after the last one the delivery is failed.
BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=12),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
RETRYABLE_4XX = (408, 429)
SNIPPET = 1000


def event_payload(event: TicketEvent, delivery_id: str) -> dict:
    ticket = event.ticket
    return {
        "id": delivery_id,
        "event": event.kind,
        "action": event.action,
        "occurred_at": event.created_at.isoformat(),
        "ticket": {
            "number": ticket.number,
            "status": ticket.status,
            "type": ticket.ticket_type,
            "channel": ticket.channel,
            "severity": ticket.severity,
            "priority": ticket.priority,
            "title": ticket.title,
            "customer_name": ticket.customer_name,
            "owner": ticket.owner.username if ticket.owner_id else None,
            "group": ticket.group.name if ticket.group_id else None,
            "created_at": ticket.created_at.isoformat(),
            "updated_at": ticket.updated_at.isoformat(),
            "url": f"{settings.SITE_URL.rstrip('/')}/tickets/{ticket.number}/",
        },
        "data": {
            "from_status": event.from_status,
            "to_status": event.to_status,
            "note": event.note,
            "actor": event.actor.username if event.actor_id else None,
            **{k: v for k, v in (event.data or {}).items() if k not in ("from_status", "to_status")},
        },
    }


# Every event of the timeline asks which webhooks want it: the active ones are kept per process
# (kefu.core.refcache), so an installation without webhooks pays no query per event. Another
# process sees a new or changed webhook within refcache.CACHE_SECONDS.
active_webhooks = RefCache(
    "notify.active_webhooks", lambda: list(Webhook.objects.filter(is_active=True))
).watch(Webhook)


def webhooks_enqueue(*, event: TicketEvent) -> list[WebhookDelivery]:
    """Record a delivery of `event` for every active webhook that wants it; see webhooks_enqueue_many."""
    return webhooks_enqueue_many(events=[event])


def webhooks_enqueue_many(*, events: list[TicketEvent]) -> list[WebhookDelivery]:
    """Record a delivery of each event for every active webhook that wants it (inside the events'
    transaction) and send them after it commits. An event already enqueued is not enqueued again.
    A sweep's batch of events costs three queries, not three per event."""
    hooks = active_webhooks.get()
    if not hooks or not events:
        return []
    done = set(
        WebhookDelivery.objects.filter(webhook__in=hooks, event__in=events).values_list(
            "webhook_id", "event_id"
        )
    )
    rows = []
    for event in events:
        for hook in hooks:
            if not hook.wants(event.kind) or (hook.pk, event.pk) in done:
                continue
            row = WebhookDelivery(
                webhook=hook, event=event, event_kind=event.kind, created_at=event.created_at
            )
            row.payload = event_payload(event, str(row.uuid))
            row.next_attempt_at = min(event.created_at, timezone.now())
            rows.append(row)
    if not rows:
        return []
    WebhookDelivery.objects.bulk_create(rows)
    ids = [r.pk for r in rows]

    for pk in ids:
        run_later(webhook_deliver, delivery_id=pk)
    return rows


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # a receiver that moved must be fixed, not followed
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def _post(url: str, body: bytes, headers: dict, timeout: float) -> tuple[int | None, str, str]:
    """(status, answer snippet, error) of one POST; status None when no answer came."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with _opener.open(request, timeout=timeout) as response:
            return response.status, response.read(SNIPPET).decode("utf-8", "replace"), ""
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(SNIPPET).decode("utf-8", "replace"), f"HTTP {exc.code}"
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return None, "", f"{type(reason).__name__}: {reason}"[:SNIPPET]


def next_attempt(attempts: int, now: datetime) -> datetime | None:
    """When to try again after `attempts` failed attempts; None when there are no attempts left."""
    if attempts > len(BACKOFF):
        return None
    return now + BACKOFF[attempts - 1]


def webhook_deliver(*, delivery_id: int, now: datetime | None = None) -> str | None:
    """Make one attempt at a due pending delivery; returns its new state (None: not due / taken).

    The row is claimed first (attempts+1 and the next attempt time set, under a row lock that
    other workers skip), so two workers never send it at once, and a worker that dies while
    sending leaves it to be retried at the next back-off step.
    """
    now = now or timezone.now()
    with transaction.atomic():
        row = (
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("webhook")
            .filter(pk=delivery_id, state=WebhookDelivery.State.PENDING, next_attempt_at__lte=now)
            .first()
        )
        if row is None:
            return None
        row.attempts += 1
        row.last_attempt_at = now
        row.next_attempt_at = next_attempt(row.attempts, now) or now + BACKOFF[-1]
        row.save(update_fields=["attempts", "last_attempt_at", "next_attempt_at"])
    hook = row.webhook
    body = json.dumps(row.payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    stamp = str(int(now.timestamp()))
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "Kefu-Webhook/1",
        "X-Kefu-Event": row.event_kind,
        "X-Kefu-Delivery": str(row.uuid),
        "X-Kefu-Timestamp": stamp,
        "X-Kefu-Signature": sign(hook.secret, stamp, body),
    }
    status, snippet, error = _post(hook.url, body, headers, settings.KEFU_WEBHOOK_TIMEOUT)
    row.status_code, row.response_snippet, row.error = status, snippet, error
    update = ["status_code", "response_snippet", "error", "state", "next_attempt_at", "delivered_at"]
    if status is not None and 200 <= status < 300:
        row.state, row.next_attempt_at, row.delivered_at, row.error = (
            WebhookDelivery.State.DELIVERED,
            None,
            now,
            "",
        )
    elif status is not None and status < 500 and status not in RETRYABLE_4XX:
        row.state, row.next_attempt_at = WebhookDelivery.State.FAILED, None
        row.error = row.error or f"HTTP {status}"
    else:
        retry_at = next_attempt(row.attempts, now)
        row.state = WebhookDelivery.State.PENDING if retry_at else WebhookDelivery.State.FAILED
        row.next_attempt_at = retry_at
    row.save(update_fields=update)
    if row.state == WebhookDelivery.State.FAILED:
        log.warning("webhook %s delivery %s failed: %s", hook.name, row.uuid, row.error)
    return row.state


def webhook_sweep(*, now: datetime | None = None, limit: int = 200) -> int:
    """Attempt every due pending delivery (the periodic retry); returns how many were attempted.

    Safe to run twice or on several workers at once: each attempt claims its row first.
    """
    now = now or timezone.now()
    due = list(
        WebhookDelivery.objects.filter(state=WebhookDelivery.State.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(1 for pk in due if webhook_deliver(delivery_id=pk, now=now) is not None)


def can_manage_webhooks(user) -> bool:
    return (
        user is not None and user.is_active and (user.is_superuser or user.is_staff or user.role == "admin")
    )


@transaction.atomic
def webhook_redeliver(*, delivery: WebhookDelivery, by, now: datetime | None = None) -> WebhookDelivery:
    """Send a delivery again from the first attempt (same payload and X-Kefu-Delivery id, so a
    receiver can tell it already had it). Refuses anyone but administrators."""
    if by is not None and not can_manage_webhooks(by):
        raise PermissionDenied(_("Only administrators may redeliver webhooks."))
    now = now or timezone.now()
    row = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
    row.state, row.attempts, row.next_attempt_at = WebhookDelivery.State.PENDING, 0, now
    row.save(update_fields=["state", "attempts", "next_attempt_at"])
    run_later(webhook_deliver, delivery_id=row.pk)
    return row
