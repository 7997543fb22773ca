"""SMS backends (file, locmem, console, a provider's HTTP gateway) and segment counting."""

import hashlib
import hmac
import io
import json
import socket

import pytest

from kefu.notify.sms import SmsError, SmsMessage, get_backend, segment_count, send_sms
from kefu.notify.sms.backends import ConsoleBackend, FileBackend, HttpBackend


def test_seventy_chinese_characters_are_one_segment_and_seventy_one_are_two():
    assert segment_count("好" * 70) == 1
    assert segment_count("好" * 71) == 2


def test_long_chinese_sms_counts_sixty_seven_characters_per_segment():
    assert segment_count("好" * 134) == 2
    assert segment_count("好" * 135) == 3


def test_plain_ascii_sms_holds_160_characters():
    assert segment_count("a" * 160) == 1
    assert segment_count("a" * 161) == 2


def test_the_sign_name_counts_towards_the_segments(settings):
    settings.KEFU_SMS_SIGN_NAME = "客服中心"  # 【客服中心】 is six characters
    assert SmsMessage(to="13800138000", text="好" * 64).segments == 1
    assert SmsMessage(to="13800138000", text="好" * 65).segments == 2


def test_locmem_backend_keeps_the_sms_with_the_number_normalized(sms_outbox):
    facts = send_sms(to="+86 138-0013-8000", text="您的工单已受理")
    assert [m.to for m in sms_outbox] == [["13800138000"]]
    assert sms_outbox[0].full_text == "【客服中心】您的工单已受理"
    assert facts["segments"] == 1 and facts["external_id"]


def test_file_backend_writes_each_sms_as_one_json_line(tmp_path):
    backend = FileBackend(directory=tmp_path / "out")
    send_sms(to="13800138000", text="第一条", backend=backend)
    send_sms(to="13900139000", text="第二条" * 30, template="result", backend=backend)

    (path,) = (tmp_path / "out").glob("sms-*.jsonl")
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert [(r["to"], r["text"][:3], r["segments"]) for r in lines] == [
        (["13800138000"], "第一条", 1),
        (["13900139000"], "第二条", 2),
    ]
    assert lines[1]["template"] == "result"


def test_the_file_backend_is_chosen_by_the_dotted_path_setting(settings, tmp_path):
    settings.KEFU_SMS_BACKEND = "kefu.notify.sms.backends.FileBackend"
    settings.KEFU_SMS_FILE_DIR = tmp_path / "sms-dir"
    send_sms(to="13800138000", text="测试")
    assert len(list((tmp_path / "sms-dir").glob("*.jsonl"))) == 1


def test_console_backend_prints_number_and_text():
    out = io.StringIO()
    send_sms(to="13800138000", text="控制台短信", backend=ConsoleBackend(stream=out))
    assert "13800138000" in out.getvalue() and "【客服中心】控制台短信" in out.getvalue()


def test_an_sms_without_a_usable_number_is_refused(sms_outbox):
    with pytest.raises(SmsError, match="no phone number"):
        send_sms(to="---", text="x")
    assert sms_outbox == []


def http_backend(receiver, **kwargs):
    options = {
        "url": receiver.url,
        "token": "tok-123",
        "secret": "",
        "templates": {"acknowledgement": "SMS_000001"},
        "timeout": 2,
    }
    options.update(kwargs)
    return HttpBackend(**options)


def test_http_backend_posts_numbers_sign_name_template_code_and_params(http_receiver):
    facts = send_sms(
        to="+86 13800138000",
        text="工单TS-1已受理",
        template="acknowledgement",
        params={"ticket_no": "TS-1"},
        backend=http_backend(http_receiver),
    )

    (request,) = http_receiver.requests
    assert request.headers["Authorization"] == "Bearer tok-123"
    assert request.json() == {
        "phone_numbers": ["13800138000"],
        "sign_name": "客服中心",
        "template_code": "SMS_000001",
        "template_params": {"ticket_no": "TS-1"},
        "content": "【客服中心】工单TS-1已受理",
        "segments": 1,
    }
    assert facts["external_id"] == "prov-1"


def test_http_backend_signs_the_body_when_a_secret_is_set(http_receiver):
    send_sms(to="13800138000", text="签名测试", backend=http_backend(http_receiver, secret="s3cret"))
    (request,) = http_receiver.requests
    stamp = request.headers["X-Kefu-Timestamp"]
    expected = hmac.new(b"s3cret", stamp.encode() + b"." + request.body, hashlib.sha256).hexdigest()
    assert request.headers["X-Kefu-Signature"] == f"sha256={expected}"


def test_http_backend_raises_a_clear_error_on_an_error_status(http_receiver):
    http_receiver.status = 503
    http_receiver.answer = b'{"message": "quota exceeded"}'
    with pytest.raises(SmsError, match="HTTP 503.*quota exceeded"):
        send_sms(to="13800138000", text="x", backend=http_backend(http_receiver))


def test_http_backend_raises_when_the_provider_is_unreachable():
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    backend = HttpBackend(url=f"http://127.0.0.1:{port}/send", token="", secret="", templates={}, timeout=1)
    with pytest.raises(SmsError, match="unreachable"):
        send_sms(to="13800138000", text="x", backend=backend)


def test_http_backend_gives_up_after_its_timeout(http_receiver):
    http_receiver.delay = 1.5
    with pytest.raises(SmsError, match="unreachable|timed out"):
        send_sms(to="13800138000", text="x", backend=http_backend(http_receiver, timeout=0.3))


def test_http_backend_needs_its_url(settings):
    settings.KEFU_SMS_HTTP_URL = ""
    with pytest.raises(SmsError, match="KEFU_SMS_HTTP_URL"):
        get_backend("kefu.notify.sms.backends.HttpBackend")
