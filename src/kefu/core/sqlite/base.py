"""Django's SQLite backend, with writers that wait their turn instead of failing.

SQLite has one writer at a time. Transactions begin IMMEDIATE (the write lock is taken at BEGIN, so
there is no read-to-write upgrade that no amount of waiting can resolve) and SQLite's busy handler
waits for the lock (busy_timeout, kept short: one attempt). Its waiting is not fair, though: it polls with growing sleeps (up to 100 ms), so
under a burst a writer that has waited long keeps losing to newcomers polling every millisecond, and
after busy_timeout it fails with "database is locked" (2 of 743 creations, 20 clients, in the review).

Here a statement that failed on the lock while no transaction was open — BEGIN IMMEDIATE itself, or a
lone autocommit write — had no effect, so it is simply tried again, with short jittered sleeps, until
KEFU_SQLITE_LOCK_TIMEOUT seconds have passed. Inside a transaction nothing is retried (the write lock
is held from BEGIN, so it does not happen). What still fails after that budget reaches
kefu.core.middleware.DatabaseBusyMiddleware, which answers 503 with Retry-After instead of a 500.
"""

import random
import time

from django.conf import settings
from django.db.backends.sqlite3 import base

LOCKED = "database is locked"


def is_lock_error(exc: BaseException) -> bool:
    return isinstance(exc, base.Database.OperationalError) and LOCKED in str(exc)


class RetryingCursor(base.SQLiteCursorWrapper):
    def _retry(self, run):
        deadline = time.monotonic() + lock_timeout()
        delay = 0.005
        while True:
            try:
                return run()
            except base.Database.OperationalError as exc:
                if LOCKED not in str(exc) or self.connection.in_transaction:
                    raise
                now = time.monotonic()
                if now >= deadline:
                    raise
                # Jitter, so that the waiters do not wake together; short, so that a long waiter
                # is back in the race as often as a newcomer.
                time.sleep(min(random.uniform(delay / 2, delay), max(deadline - now, 0)))
                delay = min(delay * 2, 0.05)

    def execute(self, query, params=None):
        return self._retry(lambda: base.SQLiteCursorWrapper.execute(self, query, params))

    def executemany(self, query, param_list):
        param_list = list(param_list)  # a generator could not be read twice
        return self._retry(lambda: base.SQLiteCursorWrapper.executemany(self, query, param_list))


def lock_timeout() -> float:
    """Seconds a statement outside a transaction may wait for the write lock in all."""
    return float(getattr(settings, "KEFU_SQLITE_LOCK_TIMEOUT", 30))


class DatabaseWrapper(base.DatabaseWrapper):
    def create_cursor(self, name=None):
        return self.connection.cursor(factory=RetryingCursor)
