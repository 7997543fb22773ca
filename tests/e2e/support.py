"""Helpers shared by the browser tests."""

import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager


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


@contextmanager
def asgi_served():
    """kefu.asgi served by uvicorn (websockets on) on a free port, in a thread; yields its base URL.
    pytest-django's live_server speaks WSGI only, and the pages' websockets need ASGI. The channel
    layer is made in uvicorn's event loop, so it is dropped before and after."""
    import uvicorn
    from channels.layers import channel_layers

    channel_layers.backends.clear()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(
            "kefu.asgi:application", host="127.0.0.1", port=port, lifespan="off", log_level="warning",
            ws="websockets",
        )
    )  # fmt: skip
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        channel_layers.backends.clear()
