"""Under `kefu web` (ASGI) each request runs in a thread of its own, so CONN_MAX_AGE kept nothing and
every request opened a PostgreSQL connection. With the pool, N requests open at most the pool's size.
"""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import dj_database_url
import pytest
from django.conf import settings
from django.db import connection
from tests.org import build_org

from kefu.accounts.models import ApiToken

ROOT = Path(__file__).resolve().parents[2]
REQUESTS = 60
POOL_MAX = 4

pytestmark = pytest.mark.skipif(
    not os.environ.get("KEFU_DATABASE_URL", "").startswith("postgres"),
    reason="the connection pool is the production profile's (PostgreSQL); the SQLite run has none",
)


def test_the_production_profile_pools_its_postgresql_connections():
    options = settings.DATABASES["default"]["OPTIONS"]
    assert options["pool"] == {"min_size": 2, "max_size": 10, "timeout": 10.0}
    assert settings.DATABASES["default"]["CONN_MAX_AGE"] == 0  # the pool requires it


def sessions_opened() -> int:
    with connection.cursor() as cur:
        cur.execute("SELECT sessions FROM pg_stat_database WHERE datname = current_database()")
        return cur.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_kefu_web_opens_at_most_the_pools_size_of_connections_for_many_requests(tmp_path):
    org = build_org()
    _token, raw = ApiToken.issue(user=org.agent, name="pool")
    url = dj_database_url.parse(os.environ["KEFU_DATABASE_URL"])
    test_db = connection.settings_dict["NAME"]
    database_url = os.environ["KEFU_DATABASE_URL"].rsplit("/", 1)[0] + f"/{test_db}"
    assert url["ENGINE"].endswith("postgresql")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEFU_")}
    env |= {
        "KEFU_DATABASE_URL": database_url,
        "KEFU_DATA_DIR": str(tmp_path),
        "KEFU_DB_POOL_MIN": "1",
        "KEFU_DB_POOL_MAX": str(POOL_MAX),
        "KEFU_LOG_LEVEL": "WARNING",
        # The production profile, as served behind a proxy that ends TLS: its own key, plain HTTP here.
        "KEFU_PROFILE": "production",
        "KEFU_SECRET_KEY": "pool-test-" + "x" * 50,
        "KEFU_SSL_REDIRECT": "0",
        "KEFU_SECURE_COOKIES": "0",
    }
    log = tmp_path / "kefu-web.log"
    base = f"http://127.0.0.1:{port}"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "kefu.cli", "web", "--port", str(port)],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and process.poll() is None:
                try:
                    urllib.request.urlopen(f"{base}/login/", timeout=2).close()
                    break
                except OSError:
                    time.sleep(0.2)
            before = sessions_opened()
            names = set()
            for _ in range(REQUESTS):
                request = urllib.request.Request(f"{base}/api/me", headers={"Authorization": f"Bearer {raw}"})
                with urllib.request.urlopen(request, timeout=30) as response:
                    names.add(json.loads(response.read())["username"])
            time.sleep(1.5)  # backends report their statistics at most once a second
            opened = sessions_opened() - before
        finally:
            process.terminate()
            process.wait(timeout=30)
    assert names == {"agent"}, log.read_text()
    assert opened <= POOL_MAX, f"{opened} connections for {REQUESTS} requests"
