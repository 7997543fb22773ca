"""The embedded profile (SQLite) under concurrent writers, over HTTP against a real `kefu web`.

SQLite has one write lock. A writer that cannot get it within the wait must get a 503 with
Retry-After (JSON from the API, a page elsewhere), never a 500, and a burst of clients while the
lock is taken must all get their work orders once it is free again. The lock is held here by a
plain sqlite3 connection for longer than SQLite's own busy_timeout used to allow (10 s), which is
what a slow writer under a burst looks like to the others.
"""

import contextlib
import http.cookiejar
import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CLIENTS = 20
SETUP = """
from kefu.accounts.models import ApiToken
from tests.org import build_org
org = build_org()
org.agent.set_password("load-test-pass-1")
org.agent.save()
print("TOKEN", ApiToken.issue(user=org.agent, name="load")[1])
"""


def _env(data_dir: Path, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEFU_")}  # always SQLite here
    return (
        env | {"KEFU_DATA_DIR": str(data_dir), "KEFU_LOG_LEVEL": "WARNING", "PYTHONUNBUFFERED": "1"} | extra
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A migrated embedded data directory with the test organisation and the agent's API token."""
    data_dir = tmp_path_factory.mktemp("kefu-embedded")
    kefu = [sys.executable, "-m", "kefu.cli", "manage"]
    subprocess.run([*kefu, "migrate", "-v0"], env=_env(data_dir), cwd=ROOT, check=True, timeout=600)
    out = subprocess.run(
        [*kefu, "shell", "-c", SETUP],
        env=_env(data_dir),
        cwd=ROOT,
        check=True,
        timeout=300,
        capture_output=True,
    ).stdout.decode()
    token = re.search(r"TOKEN (\S+)", out).group(1)
    return data_dir, token


@contextlib.contextmanager
def kefu_web(data_dir: Path, tmp_path: Path, **env: str):
    """`kefu web` on the embedded profile; yields its base URL and its log file."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = tmp_path / f"kefu-web-{port}.log"
    base = f"http://127.0.0.1:{port}"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "kefu.cli", "web", "--port", str(port)],
            env=_env(data_dir, **env),
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 120
            while process.poll() is None and time.monotonic() < deadline:
                try:
                    urllib.request.urlopen(f"{base}/login/", timeout=2).close()
                    break
                except OSError:
                    time.sleep(0.2)
            else:
                pytest.fail(f"kefu web did not start:\n{log.read_text()}")
            yield base, log
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextlib.contextmanager
def write_lock_held(data_dir: Path, seconds: float):
    """Another writer takes SQLite's write lock and keeps it `seconds`; yields once it has it."""
    taken = threading.Event()

    def hold():
        conn = sqlite3.connect(data_dir / "kefu.sqlite3", timeout=30, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
            taken.set()
            time.sleep(seconds)
            conn.execute("COMMIT")
        finally:
            conn.close()

    holder = threading.Thread(target=hold)
    holder.start()
    assert taken.wait(30), "could not take the write lock"
    try:
        yield
    finally:
        holder.join()


def post_json(url: str, token: str, body: dict) -> tuple[int, object, dict]:
    """(status, headers (case-insensitive), JSON body) of one POST."""
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, response.headers, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        try:
            data = json.loads(raw)
        except ValueError:
            data = {"raw": raw[:300].decode(errors="replace")}
        return exc.code, exc.headers, data


def work_order(i: int) -> dict:
    return {
        "ticket_type": "complaint",
        "channel": "phone",
        "content": f"第{i}位客户：空调不制冷，维修师傅没有按约上门。",
        "customer_name": "张先生",
        "customer_phone": f"1380000{i:04d}",
    }


def count_work_orders(data_dir: Path) -> int:
    with contextlib.closing(sqlite3.connect(data_dir / "kefu.sqlite3", timeout=30)) as conn:
        return conn.execute("SELECT count(*) FROM tickets_ticket").fetchone()[0]


def test_twenty_clients_creating_while_the_write_lock_is_taken_all_get_their_work_orders(site, tmp_path):
    data_dir, token = site
    before = count_work_orders(data_dir)
    results: list[tuple[int, dict]] = []
    lock = threading.Lock()

    def client(n: int) -> None:
        for k in range(3):
            status, _headers, data = post_json(f"{base}/api/tickets", token, work_order(n * 10 + k))
            with lock:
                results.append((status, data))

    with kefu_web(data_dir, tmp_path) as (base, log):
        clients = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
        with write_lock_held(data_dir, seconds=12):  # longer than the 10 s busy_timeout alone waited
            for thread in clients:
                thread.start()
            time.sleep(1)  # every client is waiting on the lock before it is let go
        for thread in clients:
            thread.join()
    failures = [(status, data) for status, data in results if status != 201]
    assert failures == [], f"{failures[:3]}\n{log.read_text()[-3000:]}"
    assert count_work_orders(data_dir) - before == CLIENTS * 3


def test_a_write_that_cannot_get_the_lock_in_time_answers_503_with_retry_after(site, tmp_path):
    data_dir, token = site
    before = count_work_orders(data_dir)
    with kefu_web(data_dir, tmp_path, KEFU_SQLITE_LOCK_TIMEOUT="1") as (base, log):
        # A browser on the sign-in page, with its CSRF cookie, before the lock is taken.
        jar = http.cookiejar.CookieJar()
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        page = browser.open(f"{base}/login/", timeout=30).read().decode()
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        form = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": csrf, "username": "agent", "password": "load-test-pass-1"}
        ).encode()
        with write_lock_held(data_dir, seconds=5):
            status, headers, data = post_json(f"{base}/api/tickets", token, work_order(999))
            try:
                browser.open(urllib.request.Request(f"{base}/login/", data=form, headers={"Referer": base}))
                page_status, page_headers, page_text = 200, {}, ""
            except urllib.error.HTTPError as exc:
                page_status, page_headers, page_text = exc.code, exc.headers, exc.read().decode()
        logged = log.read_text()
    assert status == 503, (status, data, logged[-3000:])
    assert data["code"] == "service_unavailable" and data["message"] and data["errors"] == {}
    assert int(headers["Retry-After"]) > 0
    assert page_status == 503, (page_status, page_text[:500], logged[-3000:])
    assert int(page_headers["Retry-After"]) > 0
    assert "服务繁忙" in page_text  # zh-hans, the default language
    assert "Traceback" not in logged  # an expected refusal is one line
    assert count_work_orders(data_dir) == before
