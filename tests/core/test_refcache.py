"""Per-process snapshots of reference rows (kefu.core.refcache): kept, expired, cleared, bypassed."""

import pytest
from django.db import transaction
from tests.factories import SlaPolicyFactory

from kefu.core import refcache
from kefu.notify.models import Webhook
from kefu.tickets.models import SlaPolicy
from kefu.tickets.services import sla


class Loads:
    """A loader that counts its calls and returns the current value."""

    def __init__(self):
        self.calls = 0
        self.value = "first"

    def __call__(self):
        self.calls += 1
        return self.value


@pytest.fixture
def loads():
    return Loads()


def test_a_snapshot_is_kept_within_its_time(loads):
    cache = refcache.RefCache("test.kept", loads, seconds=60)
    assert cache.get() == "first"
    loads.value = "second"
    assert cache.get() == "first"
    assert loads.calls == 1


def test_a_snapshot_is_read_again_once_expired(loads, monkeypatch):
    cache = refcache.RefCache("test.expired", loads, seconds=10)
    clock = [1000.0]
    monkeypatch.setattr(refcache._time, "monotonic", lambda: clock[0])
    assert cache.get() == "first"
    loads.value = "second"
    clock[0] += 9
    assert cache.get() == "first"
    clock[0] += 2
    assert cache.get() == "second"


def test_clear_outside_a_transaction_reads_again_at_once(loads):
    cache = refcache.RefCache("test.cleared", loads, seconds=60)
    cache.get()
    loads.value = "second"
    cache.clear()
    assert cache.get() == "second"


def test_clear_all_forgets_every_snapshot(loads):
    cache = refcache.RefCache("test.all", loads, seconds=60)
    cache.get()
    loads.value = "second"
    refcache.clear_all()
    assert cache.get() == "second"


@pytest.mark.django_db(transaction=True)
def test_inside_the_transaction_that_changed_the_rows_nothing_is_kept(loads):
    cache = refcache.RefCache("test.dirty", loads, seconds=60)
    cache.get()
    with transaction.atomic():
        cache.clear()  # what a save of a watched model does
        loads.value = "uncommitted"
        assert cache.get() == "uncommitted"
        loads.value = "rolled back"
        assert cache.get() == "rolled back"
        transaction.set_rollback(True)
    loads.value = "committed"
    assert cache.get() == "committed"  # nothing from inside the rolled-back transaction was kept
    calls = loads.calls
    assert cache.get() == "committed"
    assert loads.calls == calls  # and from now on it is kept again


def test_a_load_that_raced_a_clear_is_not_kept(loads):
    cache = refcache.RefCache("test.race", loads, seconds=60)

    def load_then_changed():
        value = loads()
        cache._clear()  # another thread saved a row while this one was reading
        return value

    cache._load = load_then_changed
    assert cache.get() == "first"
    cache._load = loads
    loads.value = "second"
    assert cache.get() == "second"


@pytest.mark.django_db(transaction=True)
def test_a_policy_saved_in_this_process_is_used_for_the_next_work_order():
    from tests.org import build_org

    build_org()
    ticket = type("T", (), {"customer_id": None, "ticket_type": "complaint", "severity": "general"})()
    assert sla.policy_for(ticket).name == "默认"
    SlaPolicyFactory(name="投诉", ticket_type="complaint", calendar=SlaPolicy.objects.get().calendar)
    assert sla.policy_for(ticket).name == "投诉"
    SlaPolicy.objects.filter(name="投诉").get().delete()
    assert sla.policy_for(ticket).name == "默认"


@pytest.mark.django_db(transaction=True)
def test_the_policy_handed_out_is_a_copy_of_the_snapshot():
    from tests.org import build_org

    build_org()
    ticket = type("T", (), {"customer_id": None, "ticket_type": "complaint", "severity": "general"})()
    first = sla.policy_for(ticket)
    first.name = "changed by a caller"
    assert sla.policy_for(ticket).name == "默认"


@pytest.mark.django_db(transaction=True)
def test_a_webhook_saved_in_this_process_is_seen_at_once():
    from kefu.notify.webhooks import active_webhooks

    assert active_webhooks.get() == []
    hook = Webhook.objects.create(name="crm", url="http://127.0.0.1:9/hook", secret="s", events=["*"])
    assert [h.pk for h in active_webhooks.get()] == [hook.pk]
    hook.is_active = False
    hook.save()
    assert active_webhooks.get() == []
