"""The test and run machinery itself: databases, Redis, tasks, and the `kefu` command."""

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from urllib.parse import urlparse

import pytest
from django.db import connection
from huey import MemoryHuey
from huey.contrib.djhuey import HUEY, task

from kefu.cli import EmbeddedWorker, build_parser, web_options, worker_options


@task()
def add(a, b):
    return a + b


def test_database_is_the_one_kefu_database_url_names():
    scheme = urlparse(os.environ.get("KEFU_DATABASE_URL", "sqlite://")).scheme
    expected = {"sqlite": "sqlite", "postgres": "postgresql", "postgresql": "postgresql"}[scheme]
    assert connection.vendor == expected


@pytest.mark.django_db
def test_database_answers_a_query():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)


def test_redis_answers_ping(redis_url):
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        assert client.ping() is True
    finally:
        client.close()


def test_channel_layer_carries_a_message_over_redis(redis_url):
    from channels_redis.core import RedisChannelLayer

    async def round_trip():
        layer = RedisChannelLayer(hosts=[redis_url])
        channel = await layer.new_channel()
        await layer.send(channel, {"type": "ping", "text": "你好"})
        received = await asyncio.wait_for(layer.receive(channel), timeout=5)
        await layer.flush()
        return received

    assert asyncio.run(round_trip()) == {"type": "ping", "text": "你好"}


def test_tasks_run_inline_during_tests():
    assert HUEY.immediate
    assert add(2, 3).get() == 5


def test_embedded_worker_runs_a_queued_task_and_stops():
    huey = MemoryHuey("kefu-test", immediate=False)

    @huey.task()
    def double(n):
        return 2 * n

    worker = EmbeddedWorker(huey, workers=1)
    worker.start()
    try:
        assert double(21).get(blocking=True, timeout=10) == 42
    finally:
        worker.stop()
    assert not worker.thread.is_alive()


def test_run_defaults_to_loopback_port_8000_with_demo_and_worker():
    args = build_parser().parse_args(["run"])
    assert (args.host, args.port, args.demo, args.worker) == ("127.0.0.1", 8000, True, True)
    assert web_options(args) == {
        "app": "kefu.asgi:application",
        "host": "127.0.0.1",
        "port": 8000,
        "lifespan": "off",
        "log_level": os.environ.get("KEFU_LOG_LEVEL", "info").lower(),
    }


def test_run_options_turn_off_demo_and_worker():
    args = build_parser().parse_args(
        ["run", "--host", "0.0.0.0", "--port", "9000", "--no-demo", "--no-worker"]
    )
    assert (args.host, args.port, args.demo, args.worker) == ("0.0.0.0", 9000, False, False)


def test_web_passes_process_count_and_socket_to_uvicorn():
    options = web_options(build_parser().parse_args(["web", "--workers", "4", "--uds", "/run/kefu.sock"]))
    assert options["workers"] == 4
    assert options["uds"] == "/run/kefu.sock"
    assert options["app"] == "kefu.asgi:application"


def test_worker_stops_gracefully_on_sigterm_and_leaves_the_rest_to_settings():
    assert worker_options(build_parser().parse_args(["worker"])) == {
        "graceful_signal": "TERM",
        "shutdown_timeout": 30,
    }


def test_worker_passes_its_options_to_run_huey():
    args = build_parser().parse_args(["worker", "-w", "8", "-k", "process", "--no-periodic", "-t", "5"])
    assert worker_options(args) == {
        "workers": 8,
        "worker_type": "process",
        "periodic": False,
        "graceful_signal": "TERM",
        "shutdown_timeout": 5,
    }


def test_manage_passes_everything_to_django(capsys):
    from kefu.cli import main

    assert main(["manage", "check", "--deploy", "--fail-level", "CRITICAL"]) == 0
    assert "System check identified" in "".join(capsys.readouterr())


# --- `kefu run` as a person starts it -----------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def run_data_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("kefu-run")


def _http_status(url: str, process: subprocess.Popen, timeout: float) -> int | None:
    """Poll url until it answers or the process ends; the status, or None."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.status
        except OSError:
            time.sleep(0.2)
    return None


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_kefu_run_serves_http_and_stops_cleanly(stop_signal, run_data_dir, tmp_path):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEFU_")}
    env |= {"KEFU_DATA_DIR": str(run_data_dir), "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "kefu.cli", "run", "--port", str(port), "--no-demo"]
    log = tmp_path / "kefu-run.log"
    with log.open("w") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            # The first start migrates a fresh SQLite database: over a minute on a busy 2-core machine.
            status = _http_status(f"http://127.0.0.1:{port}/admin/login/", process, timeout=240)
            if status == 200:
                process.send_signal(stop_signal)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    output = log.read_text()
    assert status == 200, f"kefu run did not serve /admin/login/:\n{output}"
    assert process.returncode == 0, f"kefu run did not stop cleanly:\n{output}"
    assert f"Kefu is running at http://127.0.0.1:{port}/" in output
    assert "Kefu stopped." in output
