"""The transcript page in Chromium: the sentence being played is highlighted, a click on a sentence
seeks the recording there, and the page runs under the Content-Security-Policy without violations.

The recording is a short silent WAV made here with the `wave` module and served to the browser by
Playwright (page.route) at a same-origin address, which the policy's media-src allows.

DJANGO_ALLOW_ASYNC_UNSAFE: Playwright's sync API runs an event loop in the test's thread.
"""

import io
import os
import re
import wave
from datetime import UTC, datetime

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from playwright.sync_api import expect, sync_playwright  # noqa: E402

from kefu.core.calendars import clear_calendar_cache  # noqa: E402
from kefu.quality.models import Transcript  # noqa: E402
from tests.org import build_org  # noqa: E402

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "pass12345"  # tests.factories.UserFactory
PLAYING = re.compile(r"\bplaying\b")


def silent_wav(seconds: float = 4.0, rate: int = 8000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"\x00\x00" * int(seconds * rate))
    return buffer.getvalue()


def serve(route, data: bytes) -> None:
    """Answer the browser's (range) requests for the recording, as a file server would: Chromium
    seeks only in media served with byte ranges."""
    wanted = re.fullmatch(r"bytes=(\d+)-(\d*)", route.request.headers.get("range", ""))
    if not wanted:
        route.fulfill(status=200, body=data, headers={"Content-Type": "audio/wav", "Accept-Ranges": "bytes"})
        return
    start = int(wanted.group(1))
    end = min(int(wanted.group(2) or len(data) - 1), len(data) - 1)
    route.fulfill(
        status=206,
        body=data[start : end + 1],
        headers={
            "Content-Type": "audio/wav",
            "Accept-Ranges": "bytes",
            "Content-Range": f"bytes {start}-{end}/{len(data)}",
        },
    )


@pytest.fixture
def org(transactional_db):
    clear_calendar_cache()
    yield build_org()
    clear_calendar_cache()


def test_the_sentence_playing_is_highlighted_and_a_click_seeks_there(
    org, live_server, chromium_launch_options
):
    recording = f"{live_server.url}/recordings/call-1.wav"
    row = Transcript.objects.create(
        channel="phone", source_key="phone:call-1", call_external_id="call-1", agent=org.agent,
        queue="hotline", recording_url=recording, started_at=datetime(2026, 11, 22, 1, 30, tzinfo=UTC),
        sentences=[
            {"role": "agent", "speaker": "", "text": "您好，很高兴为您服务", "start_ms": 0, "end_ms": 1000},
            {"role": "customer", "speaker": "", "text": "我的快递还没到", "start_ms": 1000, "end_ms": 2000},
            {"role": "agent", "speaker": "", "text": "请您稍等，我帮您查一下", "start_ms": 2000, "end_ms": 3000},
        ],
    )  # fmt: skip
    wav = silent_wav()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**chromium_launch_options)
        context = browser.new_context(locale="zh-CN")
        context.set_default_timeout(15_000)
        page = context.new_page()
        violations: list[str] = []
        page.on(
            "console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None
        )
        page.route("**/recordings/call-1.wav", lambda route: serve(route, wav))
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", org.agent.username)
        page.fill("input[name=password]", PASSWORD)
        page.click("form.stack button[type=submit]")
        expect(page.locator(".who-name")).to_be_visible()

        page.goto(f"{live_server.url}/quality/transcripts/{row.pk}/")
        page.wait_for_function("document.getElementById('recording').readyState >= 1")
        page.click("#s2 .text")  # the third sentence starts at 2 s
        expect(page.locator("#s2")).to_have_class(PLAYING)
        assert 2.0 <= page.evaluate("document.getElementById('recording').currentTime") < 3.0

        # The player moves on its own (or the listener drags it): the highlight follows the time.
        page.evaluate("const a = document.getElementById('recording'); a.pause(); a.currentTime = 1.5")
        expect(page.locator("#s1")).to_have_class(PLAYING)
        expect(page.locator("#s2")).not_to_have_class(PLAYING)
        assert page.locator(".turn.playing").count() == 1
        browser.close()
    assert violations == []
