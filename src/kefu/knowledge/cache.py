"""Per-process memo of data rebuilt from the database when a list changes.

The version lives in Django's cache (Redis when several processes serve, so all of them see a bump);
a process keeps the value built for the version it last saw. A missing version (cache cleared,
restarted) just means one rebuild.
"""

import threading
import uuid

from django.core.cache import cache

_memo: dict[str, tuple[str, object]] = {}
_lock = threading.Lock()


def bump(key: str) -> None:
    """The list behind `key` changed: every process rebuilds on next use."""
    cache.set(f"kefu:knowledge:{key}:version", uuid.uuid4().hex, None)


def versioned(key: str, build):
    """The value `build()` made for the current version of `key`."""
    cache_key = f"kefu:knowledge:{key}:version"
    version = cache.get(cache_key)
    held = _memo.get(key)
    if version is not None and held is not None and held[0] == version:
        return held[1]
    with _lock:
        if version is None:
            version = uuid.uuid4().hex
            cache.set(cache_key, version, None)
        value = build()
        _memo[key] = (version, value)
        return value


def bump_on_commit(key: str) -> None:
    """Bump now (this transaction sees its own change at once) and again when it commits: a process
    that rebuilt from the old rows in between rebuilds once more."""
    from django.db import transaction

    bump(key)
    transaction.on_commit(lambda: bump(key))
