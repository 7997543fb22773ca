"""Per-process snapshots of small, rarely-changing reference tables (business calendars, SLA
policies, categories, active webhooks, group memberships), read on every new work order, and of
the API tokens in use (`KeyedRefCache`: one snapshot per key).

A `RefCache` loads its rows with one query and keeps them for `seconds` (a short TTL, so other
processes — web workers, Huey consumers — pick up a change within that time). Saves and deletes
of its models in this process clear it at once and again when the transaction commits. Inside a transaction that itself changed one of the models
the cache is bypassed (the rows it sees may yet be rolled back); once that transaction is over the
cache is cleared. Bulk writes (`QuerySet.update`, `bulk_create`) send no signals: call `clear()`
(or `clear_all()`) after them. Hand out copies of what you give to callers that could change it.
"""

import threading
import time as _time
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

CACHE_SECONDS = 30.0

_all: list["RefCache"] = []
_local = threading.local()  # .dirty: names of caches whose models this thread's transaction changed


class RefCache:
    def __init__(self, name: str, load: Callable[[], Any], *, seconds: float = CACHE_SECONDS):
        self.name = name
        self._load = load
        self.seconds = seconds
        self._lock = threading.Lock()
        self._value: tuple[float, Any] | None = None
        self._generation = 0
        _all.append(self)

    def get(self) -> Any:
        dirty = getattr(_local, "dirty", None)
        if dirty and self.name in dirty:
            if transaction.get_connection().in_atomic_block:
                return self._load()  # this transaction changed the rows: read them, keep nothing
            dirty.discard(self.name)  # that transaction is over (committed or rolled back)
            self._clear()
        now = _time.monotonic()
        with self._lock:
            hit, generation = self._value, self._generation
        if hit is not None and now - hit[0] < self.seconds:
            return hit[1]
        value = self._load()
        with self._lock:
            if generation == self._generation:  # nothing changed while we read: safe to keep
                self._value = (now, value)
        return value

    def refresh(self) -> Any:
        """Load again now (the snapshot may be missing a row another process just made)."""
        self._clear()
        return self.get()

    def clear(self, **_kwargs) -> None:
        """Forget the snapshot, now and again when the current transaction commits."""
        self._clear()
        if transaction.get_connection().in_atomic_block:
            if not hasattr(_local, "dirty"):
                _local.dirty = set()
            _local.dirty.add(self.name)
            transaction.on_commit(self._clear)

    def _clear(self) -> None:
        with self._lock:
            self._generation += 1
            self._value = None

    def watch(self, *models) -> "RefCache":
        """Clear on every save and delete of `models` (call from an AppConfig.ready)."""
        for model in models:
            for signal in (post_save, post_delete):
                signal.connect(
                    self.clear,
                    sender=model,
                    weak=False,
                    dispatch_uid=f"kefu.core.refcache.{self.name}.{signal is post_save}.{model.__name__}",
                )
        return self

    def watch_m2m(self, *throughs) -> "RefCache":
        """Clear whenever rows are added to or removed from these many-to-many relations."""
        for through in throughs:
            m2m_changed.connect(
                self._m2m_changed,
                sender=through,
                weak=False,
                dispatch_uid=f"kefu.core.refcache.{self.name}.m2m.{through.__name__}",
            )
        return self

    def _m2m_changed(self, action: str, **_kwargs) -> None:
        if action in ("post_add", "post_remove", "post_clear"):
            self.clear()


class KeyedRefCache(RefCache):
    """Like RefCache, but one snapshot per key, each loaded on first use (e.g. API token → owner).

    `load(key)` returns the value or None; None is not kept (a key unknown now may exist in a
    moment). At most `max_entries` keys are kept; past that the oldest half is dropped. Clearing
    (a save of a watched model, `clear()`) forgets every key.
    """

    def __init__(
        self,
        name: str,
        load: Callable[[Any], Any],
        *,
        seconds: float = CACHE_SECONDS,
        max_entries: int = 2048,
    ):
        super().__init__(name, load, seconds=seconds)
        self.max_entries = max_entries
        self._entries: dict[Any, tuple[float, Any]] = {}

    def get(self, key: Any) -> Any:  # type: ignore[override]
        dirty = getattr(_local, "dirty", None)
        if dirty and self.name in dirty:
            if transaction.get_connection().in_atomic_block:
                return self._load(key)
            dirty.discard(self.name)
            self._clear()
        now = _time.monotonic()
        with self._lock:
            hit, generation = self._entries.get(key), self._generation
        if hit is not None and now - hit[0] < self.seconds:
            return hit[1]
        value = self._load(key)
        if value is not None:
            with self._lock:
                if generation == self._generation:
                    if len(self._entries) >= self.max_entries:
                        for old in list(self._entries)[: self.max_entries // 2]:
                            del self._entries[old]
                    self._entries[key] = (now, value)
        return value

    def _clear(self) -> None:
        with self._lock:
            self._generation += 1
            self._value = None
            self._entries = {}


def clear_all() -> None:
    """Forget every snapshot (tests call this between tests: a rolled-back test sends no signal)."""
    for cache in _all:
        cache._clear()
    if hasattr(_local, "dirty"):
        _local.dirty.clear()
