"""Helpers shared by the browser tests."""

from concurrent.futures import ThreadPoolExecutor


def in_thread(work):
    """Run `work` in a thread of its own and return its result: Playwright's event loop runs in the
    test's thread, and the chat services' pushes (async_to_sync) refuse a thread with a running loop."""
    from django.db import connection

    def run():
        try:
            return work()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()
