"""Fixtures for kefu.notify: the small organisation, SMS kept in memory, and a real local HTTP
server (http.server in a thread) standing in for SMS providers and webhook receivers."""

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from kefu.core.calendars import clear_calendar_cache
from kefu.notify.sms import backends
from tests.org import build_org


@pytest.fixture(autouse=True)
def _notify_settings(settings, tmp_path):
    settings.KEFU_SMS_BACKEND = "kefu.notify.sms.backends.LocmemBackend"
    settings.KEFU_SMS_FILE_DIR = tmp_path / "sms"
    settings.KEFU_SMS_SIGN_NAME = "客服中心"
    settings.KEFU_SMS_QUIET_HOURS = ""  # the quiet-hours tests switch them on with a fixed clock
    settings.KEFU_SMS_ACKNOWLEDGE = True
    settings.KEFU_SMS_RESULT_NOTICE = True
    settings.KEFU_WEBHOOK_TIMEOUT = 2
    backends.outbox.clear()
    clear_calendar_cache()
    yield
    backends.outbox.clear()
    clear_calendar_cache()


@pytest.fixture
def org(db):
    return build_org()


@pytest.fixture
def sms_outbox():
    return backends.outbox


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes

    def json(self):
        return json.loads(self.body)


@dataclass
class Receiver:
    """What the local server got, and what it answers next (a queue of statuses, then `status`)."""

    url: str
    requests: list[Received] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    status: int = 200
    answer: bytes = b'{"id": "prov-1"}'
    delay: float = 0.0

    def next_status(self) -> int:
        return self.statuses.pop(0) if self.statuses else self.status


@pytest.fixture
def http_receiver():
    """A real HTTP server on 127.0.0.1 that records each POST and answers as told."""
    receiver = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length", 0))
            body = self.rfile.read(length)
            receiver.requests.append(Received(self.path, dict(self.headers.items()), body))
            if receiver.delay:
                time.sleep(receiver.delay)
            status = receiver.next_status()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(receiver.answer)))
                self.end_headers()
                self.wfile.write(receiver.answer)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout tests)
                pass

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    yield receiver
    server.shutdown()
    server.server_close()
