"""SMS (短信) sending through a pluggable backend chosen by settings, like Django's email backends.

    from kefu.notify.sms import SmsMessage, send_sms
    send_sms(to="138 0013 8000", text="您的工单 TS-20261123-0001 已受理")

KEFU_SMS_BACKEND is the dotted path of a backend class (see kefu.notify.sms.backends):
console (prints), file (JSON lines under the data dir; the default), locmem (tests) and http
(a provider's JSON API). Numbers are normalized with kefu.customers' phone_key; a text over
70 Chinese characters is sent (and billed) as several segments, which every backend records.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.utils.module_loading import import_string

from kefu.customers.phones import is_mobile as _is_mobile
from kefu.customers.phones import phone_key

# A single SMS holds 70 UCS-2 characters or 160 GSM-7 ones; a long SMS loses a few to the
# concatenation header of every part (67 and 153).
UCS2_SINGLE, UCS2_PART = 70, 67
GSM_SINGLE, GSM_PART = 160, 153
GSM_CHARS = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà^{}\\[~]|€"
)


class SmsError(Exception):
    """The SMS could not be sent; the message says why (shown to staff on the work order)."""


def segment_count(text: str) -> int:
    """How many SMS segments `text` takes: 70 Chinese characters in one, 67 per part beyond."""
    length = len(text)
    if length == 0:
        return 1
    if all(ch in GSM_CHARS for ch in text):
        single, part = GSM_SINGLE, GSM_PART
    else:
        single, part = UCS2_SINGLE, UCS2_PART
    return 1 if length <= single else -(-length // part)


def is_mobile(number: str) -> bool:
    """A valid mobile number (customers/phones.py): one that can receive an SMS."""
    return _is_mobile(number)


@dataclass
class SmsMessage:
    """One SMS to one or more numbers. `template` is the Kefu template kind (acknowledgement, ...)
    that the HTTP backend maps to the provider's template code; `params` are its variables."""

    to: list[str]
    text: str
    template: str = ""
    params: dict = field(default_factory=dict)
    sign_name: str = ""

    def __post_init__(self):
        if isinstance(self.to, str):
            self.to = [self.to]
        self.to = [phone_key(n) for n in self.to if phone_key(n)]
        self.sign_name = self.sign_name or getattr(settings, "KEFU_SMS_SIGN_NAME", "")

    @property
    def full_text(self) -> str:
        """The text as the phone shows it: 【签名】 first, as Chinese carriers require."""
        return f"【{self.sign_name}】{self.text}" if self.sign_name else self.text

    @property
    def segments(self) -> int:
        return segment_count(self.full_text)

    def as_dict(self) -> dict:
        return {
            "to": self.to,
            "text": self.text,
            "sign_name": self.sign_name,
            "template": self.template,
            "params": self.params,
            "segments": self.segments,
        }


def get_backend(path: str | None = None, **kwargs):
    """An instance of the configured backend (or of `path`)."""
    cls = import_string(path or settings.KEFU_SMS_BACKEND)
    return cls(**kwargs)


def send_sms(
    *, to: str | list[str], text: str, template: str = "", params: dict | None = None, backend=None
) -> dict:
    """Send one SMS; returns the delivery facts (segments, the provider's id if any).

    Refuses a message without a valid number or text (SmsError); backend failures raise SmsError too.
    """
    message = SmsMessage(to=to, text=(text or "").strip(), template=template, params=params or {})
    if not message.to:
        raise SmsError(f"no phone number to send to: {to!r}")
    if not message.text:
        raise SmsError("the SMS text is empty")
    backend = backend or get_backend()
    facts = backend.send(message) or {}
    return {"segments": message.segments, "to": message.to, **facts}
