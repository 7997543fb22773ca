"""Fixtures for the whole suite: test settings, and the real servers the test command starts.

scripts/test (`make test`) starts a private Redis and exports KEFU_TEST_REDIS_URL; it runs the
suite once on SQLite and once with KEFU_DATABASE_URL pointing at a private PostgreSQL. Nothing
uses Redis unless a test asks for the `redis_url` fixture. Under CI=true a missing server or
browser fails the test instead of skipping it, so CI can never go green by skipping.
"""

import os
import shutil

import pytest
from huey.contrib.djhuey import HUEY

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
CHROMIUM = "/usr/bin/chromium"
# Flags for Chromium as root in a sandbox with no network but loopback.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Tasks run inline when enqueued, so a test sees their effects at once (an enqueue deferred with
# transaction.on_commit runs under django_capture_on_commit_callbacks(execute=True)).
# pytest-django sets Django up before this file is imported, too late for settings.HUEY, so the
# switch is made on the Huey instance (it swaps to in-memory storage); scripts/test also exports
# KEFU_HUEY_IMMEDIATE=1.
HUEY.immediate = True


def _unavailable(reason: str):
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: the test command must provide it)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast logins


@pytest.fixture(autouse=True)
def _fresh_reference_caches():
    """Each test starts and ends without the per-process snapshots of policies, categories and
    webhooks (kefu.core.refcache): a test's rows are rolled back without a signal."""
    from kefu.core import refcache

    refcache.clear_all()
    yield
    refcache.clear_all()


@pytest.fixture
def redis_url():
    """URL of the private Redis started by the test command, its database emptied first."""
    url = os.environ.get("KEFU_TEST_REDIS_URL")
    if not url:
        _unavailable("needs Redis: KEFU_TEST_REDIS_URL is not set (run the suite with `make test`)")
    import redis

    client = redis.Redis.from_url(url)
    client.flushdb()
    client.close()
    return url


@pytest.fixture(scope="session")
def chromium_path():
    """Debian's Chromium, for Playwright's `executable_path` (Playwright's own browsers can't be downloaded)."""
    if not shutil.which(CHROMIUM):
        _unavailable(f"needs Chromium at {CHROMIUM} (apt-get install chromium)")
    return CHROMIUM


@pytest.fixture(scope="session")
def chromium_launch_options(chromium_path):
    """Keyword arguments for playwright's `chromium.launch(**chromium_launch_options)`."""
    return {"executable_path": chromium_path, "headless": True, "args": CHROMIUM_ARGS}
