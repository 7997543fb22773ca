"""Two workers sweeping at once never send the same webhook delivery twice (PostgreSQL row claims)."""

import threading
from collections import Counter

import pytest
from django.db import connection

from kefu.notify.models import Webhook, WebhookDelivery
from kefu.notify.webhooks import webhook_sweep
from tests.org import build_org
from tests.tickets.helpers import new_ticket


def test_two_sweeps_at_once_attempt_each_due_delivery_once(transactional_db, settings, http_receiver):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers, so two sweeps cannot race")
    settings.KEFU_SMS_ACKNOWLEDGE = False
    # given four deliveries whose first attempt failed and whose back-off has passed
    org = build_org()
    Webhook.objects.create(name="CRM", url=http_receiver.url, secret="s", events=["created"])
    http_receiver.status = 500
    for _ in range(4):
        new_ticket(org, channel="onsite")  # committed: the first attempt runs at once
    due = max(WebhookDelivery.objects.values_list("next_attempt_at", flat=True))
    assert WebhookDelivery.objects.filter(state="pending", attempts=1).count() == 4
    http_receiver.requests.clear()
    http_receiver.status = 200
    http_receiver.delay = 0.2  # keep each attempt in flight while the other worker looks
    barrier = threading.Barrier(2, timeout=10)
    errors: list[Exception] = []

    def sweep():
        try:
            barrier.wait()
            webhook_sweep(now=due)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    # when two workers sweep at the same moment
    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    # then every delivery was sent exactly once more, and delivered
    assert errors == []
    sent = Counter(r.headers["X-Kefu-Delivery"] for r in http_receiver.requests)
    assert sorted(sent.values()) == [1, 1, 1, 1]
    assert set(WebhookDelivery.objects.values_list("state", "attempts")) == {("delivered", 2)}
