"""SMS backends. Each has `send(message: SmsMessage) -> dict` (delivery facts) and raises SmsError.

- ConsoleBackend: prints each SMS (development).
- FileBackend: appends each SMS as one JSON line to KEFU_SMS_FILE_DIR/sms-YYYYMMDD.jsonl
  (default <data dir>/sms), so people running `kefu run` can see what was sent.
- LocmemBackend: keeps them in kefu.notify.sms.backends.outbox (tests).
- HttpBackend: POSTs JSON to a provider (KEFU_SMS_HTTP_URL, ...), generic enough for the
  Chinese providers' gateways (phone numbers, sign name, template code and params).
"""

import hashlib
import hmac
import http.client
import json
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from kefu.notify.sms import SmsError, SmsMessage

outbox: list[SmsMessage] = []
_file_lock = threading.Lock()


class BaseSmsBackend:
    def __init__(self, fail_silently: bool = False, **kwargs):
        self.fail_silently = fail_silently

    def send(self, message: SmsMessage) -> dict:  # pragma: no cover - interface
        raise NotImplementedError


class ConsoleBackend(BaseSmsBackend):
    def __init__(self, stream=None, **kwargs):
        super().__init__(**kwargs)
        self.stream = stream

    def send(self, message: SmsMessage) -> dict:
        stream = self.stream or sys.stdout
        stream.write(
            f"SMS to {', '.join(message.to)} ({message.segments} segment(s)):\n{message.full_text}\n"
        )
        stream.flush()
        return {}


class LocmemBackend(BaseSmsBackend):
    def send(self, message: SmsMessage) -> dict:
        outbox.append(message)
        return {"external_id": f"locmem-{len(outbox)}"}


class FileBackend(BaseSmsBackend):
    def __init__(self, directory: str | Path | None = None, **kwargs):
        super().__init__(**kwargs)
        self.directory = Path(directory or settings.KEFU_SMS_FILE_DIR)

    def send(self, message: SmsMessage) -> dict:
        now = timezone.localtime()
        external_id = f"file-{uuid.uuid4().hex}"
        line = json.dumps({"id": external_id, "at": now.isoformat(), **message.as_dict()}, ensure_ascii=False)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            path = self.directory / f"sms-{now:%Y%m%d}.jsonl"
            with _file_lock, path.open("a", encoding="utf-8") as out:
                out.write(line + "\n")
        except OSError as exc:
            raise SmsError(f"could not write the SMS file in {self.directory}: {exc}") from exc
        return {"external_id": external_id, "file": str(path)}


class HttpBackend(BaseSmsBackend):
    """A provider's JSON gateway.

    Settings: KEFU_SMS_HTTP_URL, KEFU_SMS_HTTP_TOKEN (sent as `Authorization: Bearer ...`),
    KEFU_SMS_HTTP_SECRET (if set, `X-Kefu-Timestamp` and `X-Kefu-Signature: sha256=HMAC(secret,
    "<timestamp>.<body>")`), KEFU_SMS_SIGN_NAME (签名), KEFU_SMS_HTTP_TEMPLATES (template kind →
    the provider's template code), KEFU_SMS_HTTP_TIMEOUT (seconds). The body:

        {"phone_numbers": ["13800138000"], "sign_name": "某某客服", "template_code": "SMS_1",
         "template_params": {"ticket_no": "..."}, "content": "full text", "segments": 1}

    A 2xx answer is success; its JSON "id"/"message_id"/"biz_id"/"BizId" (if any) becomes the
    external id. Anything else raises SmsError naming the status and the start of the answer.
    """

    def __init__(self, url=None, token=None, secret=None, templates=None, timeout=None, **kwargs):
        super().__init__(**kwargs)
        self.url = url or settings.KEFU_SMS_HTTP_URL
        self.token = token if token is not None else settings.KEFU_SMS_HTTP_TOKEN
        self.secret = secret if secret is not None else settings.KEFU_SMS_HTTP_SECRET
        self.templates = templates if templates is not None else settings.KEFU_SMS_HTTP_TEMPLATES
        self.timeout = timeout or settings.KEFU_SMS_HTTP_TIMEOUT
        if not self.url:
            raise SmsError("KEFU_SMS_HTTP_URL is not set")

    def body(self, message: SmsMessage) -> dict:
        return {
            "phone_numbers": message.to,
            "sign_name": message.sign_name,
            "template_code": self.templates.get(message.template, ""),
            "template_params": {k: str(v) for k, v in message.params.items()},
            "content": message.full_text,
            "segments": message.segments,
        }

    def send(self, message: SmsMessage) -> dict:
        raw = json.dumps(self.body(message), ensure_ascii=False).encode("utf-8")
        headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "Kefu-SMS/1"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if self.secret:
            stamp = str(int(time.time()))
            digest = hmac.new(self.secret.encode(), stamp.encode() + b"." + raw, hashlib.sha256).hexdigest()
            headers["X-Kefu-Timestamp"] = stamp
            headers["X-Kefu-Signature"] = f"sha256={digest}"
        request = urllib.request.Request(self.url, data=raw, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 - configured URL
                status, answer = response.status, response.read(4096)
        except urllib.error.HTTPError as exc:
            snippet = exc.read(300).decode("utf-8", "replace")
            raise SmsError(f"SMS provider answered HTTP {exc.code}: {snippet}") from exc
        except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
            raise SmsError(f"SMS provider unreachable at {self.url}: {exc}") from exc
        if not 200 <= status < 300:
            raise SmsError(f"SMS provider answered HTTP {status}: {answer[:300].decode('utf-8', 'replace')}")
        facts: dict = {"status": status}
        try:
            data = json.loads(answer or b"{}")
        except ValueError:
            data = {}
        if isinstance(data, dict):
            for key in ("id", "message_id", "biz_id", "BizId", "sid"):
                if data.get(key):
                    facts["external_id"] = str(data[key])
                    break
        return facts
