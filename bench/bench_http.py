"""The same pages and API calls over HTTP, against a real `kefu web` on the bench's own database.

In-process figures (django.test.Client) leave out what users also wait for: the ASGI server, a
thread per request, opening a database connection. `WebServer` starts `kefu web` with the bench's
settings (the environment the bench configured, and its SECRET_KEY so that its sessions and tokens
are valid), `timed_http` measures sequential requests on one keep-alive connection, as the
in-process figures are sequential too. Everything listens on 127.0.0.1 and is stopped at exit.
"""

from __future__ import annotations

import atexit
import http.client
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class WebServer:
    """`kefu web -w workers` on 127.0.0.1, configured like this (already set-up) bench process."""

    def __init__(self, *, workers: int = 1) -> None:
        self.workers = workers
        self.proc: subprocess.Popen | None = None
        self.log = Path(tempfile.mkstemp(prefix="kefu-bench-web.", suffix=".log")[1])
        atexit.register(self.stop)

    def start(self) -> str:
        from django.conf import settings

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        env = dict(os.environ)
        env |= {"KEFU_SECRET_KEY": settings.SECRET_KEY, "KEFU_LOG_LEVEL": "WARNING", "PYTHONUNBUFFERED": "1"}
        env["KEFU_ALLOWED_HOSTS"] = ",".join({*settings.ALLOWED_HOSTS, "127.0.0.1"})
        args = [sys.executable, "-m", "kefu.cli", "web", "--port", str(port), "-w", str(self.workers)]
        with self.log.open("w") as out:
            self.proc = subprocess.Popen(
                args, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"kefu web stopped:\n{self.log.read_text()[-3000:]}")
            try:
                urllib.request.urlopen(f"{base}/login/", timeout=2).close()
                self.port = port
                return base
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"kefu web did not answer within 180 s:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.proc = None
        self.log.unlink(missing_ok=True)


def session_cookie(user) -> str:
    """A signed-in session of `user` (in the database both processes share), as a Cookie header."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def timed_http(
    port: int,
    requests: list[tuple[str, str, bytes | None]],
    *,
    headers: dict,
    expect: int = 200,
    warmup: int = 10,
) -> tuple[list[float], list]:
    """Milliseconds of each (method, path, body), one after the other on one keep-alive connection;
    and the unexpected answers (path, status). The first `warmup` requests are sent but not kept."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    sent = {"Host": f"127.0.0.1:{port}", **headers}
    ms, bad = [], []
    try:
        for i, (method, path, body) in enumerate(requests[:warmup] + requests):
            t = time.perf_counter()
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            response.read()
            if i >= warmup:
                ms.append((time.perf_counter() - t) * 1000)
                if response.status != expect:
                    bad.append((path, response.status))
    finally:
        conn.close()
    return ms, bad


def sessions_opened() -> int | None:
    """PostgreSQL connections opened so far to this database (pg_stat_database.sessions), or None."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cur:
        cur.execute("SELECT sessions FROM pg_stat_database WHERE datname = current_database()")
        return cur.fetchone()[0]
