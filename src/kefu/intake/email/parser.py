"""Real-world mail made readable: raw bytes in, a `ParsedMail` out.

The standard library's parser (policy.compat32, the fast one) does the MIME structure; headers and bodies are
decoded here as mail clients do: the declared charset wins when the bytes decode cleanly in it
(gb2312 and gbk are read as gb18030, their superset, because Chinese mailers label GBK text
gb2312); a missing, wrong or unknown one is detected with charset-normalizer (`decode_bytes`).
8-bit headers without encoded words are read in the body's charset. Lines before the headers
(an mbox "From " line, stray text) are skipped. Nothing here raises on bad input except
`MailParseError` for bytes that are not a mail at all.

TNEF (winmail.dat) is not decoded: it is kept as an ordinary attachment and the text or HTML part
that Outlook sends beside it is used.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import email
import email.policy
import email.utils
import functools
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message as StdMessage

from charset_normalizer import from_bytes

from kefu.core.html import sanitize, to_text


class MailParseError(ValueError):
    """The bytes are not a mail we can read (empty, or no header at all)."""


@dataclass
class ParsedAttachment:
    filename: str
    content_type: str
    data: bytes
    content_id: str = ""
    inline: bool = False


@dataclass
class ParsedMail:
    message_id: str
    subject: str = ""
    from_name: str = ""
    from_address: str = ""
    #: Where answers go when the sender asked for another address (Reply-To); else "".
    reply_to: str = ""
    to: list[str] = field(default_factory=list)
    in_reply_to: str = ""
    references: list[str] = field(default_factory=list)
    date: datetime | None = None
    text: str = ""
    html: str = ""  # sanitized
    attachments: list[ParsedAttachment] = field(default_factory=list)
    is_auto: bool = False
    auto_reason: str = ""
    generated_message_id: bool = False
    #: Message-IDs found inside a bounce (the mail that could not be delivered), for threading.
    bounced_ids: list[str] = field(default_factory=list)
    #: The HTML as sent (unsafe; only for finding where quoted history starts, then sanitized).
    raw_html: str = field(default="", repr=False)
    text_from_html: bool = False

    @property
    def thread_ids(self) -> list[str]:
        """Ids this mail answers, nearest first: In-Reply-To, References (last first), bounced mail."""
        ids = [self.in_reply_to] if self.in_reply_to else []
        ids += reversed(self.references)
        ids += self.bounced_ids
        return list(dict.fromkeys(i for i in ids if i and i != self.message_id))


# --- charsets ------------------------------------------------------------------------------------

# Labels read with another codec, as mail clients and browsers do (the WHATWG encoding standard
# decodes the gb2312 and gbk labels with its gb18030 decoder): a body labelled gb2312 often holds
# GBK or GB18030 characters, and decoding it as the superset reads those too.
_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "ms936": "gb18030",
    "euc-cn": "gb18030",
    "gb_2312-80": "gb18030",
    "x-euc-cn": "gb18030",
    "chinese": "gb18030",
    "csgb2312": "gb18030",
    "gb18030-2000": "gb18030",
    "big5": "big5",
    "x-big5": "big5",
    "big5-hkscs": "big5hkscs",
    "cp950": "cp950",
    "utf8": "utf-8",
    "unicode-1-1-utf-8": "utf-8",
    "ks_c_5601-1987": "cp949",
    "iso-2022-cn": "",  # Python has no decoder for it: detected instead
    "iso-2022-cn-ext": "",
}
# Decoders that read 7-bit bytes as something other than ASCII (escape sequences, shifts).
_SEVEN_BIT = ("iso2022", "hz", "utf-7")
# Where the charset is missing, wrong or unknown, charset-normalizer chooses among these (what
# mail to a Chinese service center is written in; the whole list of ~90 codecs costs 100 times
# more and finds exotic code pages in short Chinese text). A near tie goes to the one listed
# first: short GBK text is also valid Big5 or EUC-KR, and the center's mail is mostly GBK.
DETECTED_CHARSETS = (
    "gb18030", "big5", "big5hkscs", "cp1252", "cp932", "euc_jp", "iso2022_jp", "iso2022_jp_2",
    "cp949", "iso2022_kr", "cp1250", "cp1251", "koi8_r", "iso8859_2", "iso8859_7", "iso8859_15",
    "cp1253", "cp1254", "cp1255", "cp1256", "cp1257", "cp1258", "cp874", "mac_roman",
)  # fmt: skip
_ESCAPE_CHARSETS = ("iso2022_jp", "iso2022_jp_2", "iso2022_kr")
_PREFERRED = ("gb18030", "big5", "cp1252")
_NEAR_TIE = 0.1  # charset-normalizer's "chaos" (0: clean text) within which the preference decides


@functools.lru_cache(maxsize=256)
def _codec(label: str | None) -> str | None:
    """The Python codec of a charset label, or None for a missing or unknown one."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower().split("*")[0]
    label = _ALIASES.get(label, label)
    if not label:
        return None
    try:
        "".encode(label)  # refuses codecs that are not text encodings ("base64", "zlib")
        return codecs.lookup(label).name
    except LookupError:
        return None


@functools.lru_cache(maxsize=256)
def _single_byte(codec: str) -> bool:
    """Every byte is a character: such a codec "decodes" anything, so decoding proves nothing."""
    return sum(_decodes(bytes([b]), codec) for b in range(0x80, 0x100)) >= 0x60


def _decodes(data: bytes, codec: str) -> bool:
    try:
        data.decode(codec)
    except UnicodeDecodeError:
        return False
    return True


def _plausible(data: bytes, codec: str) -> bool:
    """charset-normalizer finds the bytes read as `codec` to be text, not mojibake (GBK read as latin-1)."""
    return bool(_matches(data, (codec,)))


def detect(data: bytes) -> str | None:
    """Text of bytes whose charset is missing, wrong or unknown; None when nothing reads them.

    UTF-8 first (valid UTF-8 is almost never anything else, nor is UTF-8 with a few broken
    bytes, `_damaged_utf8`), then charset-normalizer over
    DETECTED_CHARSETS; among the matches as clean as the best one, the first of _PREFERRED wins.
    7-bit bytes come here only when they carry escape codes: only the escape-based charsets fit.
    """
    if data.isascii():
        candidates = _ESCAPE_CHARSETS
    else:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        damaged = _damaged_utf8(data)
        if damaged is not None:
            return damaged
        # The common case, asked alone first (a tenth of the cost of the whole list): GB18030 as
        # clean as this is within _NEAR_TIE of the best match, so the whole list would pick it too.
        first = _PREFERRED[0]
        if _decodes(data, first) and any(m.chaos <= _NEAR_TIE for m in _matches(data, (first,))):
            return data.decode(first)
        candidates = DETECTED_CHARSETS
    matches = _matches(data, candidates)
    if not matches:
        return None
    cleanest = min(m.chaos for m in matches)
    near = [m for m in matches if m.chaos <= cleanest + _NEAR_TIE]
    for preferred in _PREFERRED:
        for match in near:
            if preferred in match.could_be_from_charset:
                return data.decode(preferred)
    return str(near[0])


def _damaged_utf8(data: bytes) -> str | None:
    """UTF-8 with a few broken bytes (a line cut mid-character on its way) read as mail clients
    show it, with U+FFFD for them: at least ten good multibyte characters for each broken one,
    which text in another charset never has."""
    text = data.decode("utf-8", errors="replace")
    broken = text.count("\ufffd")
    good = sum(1 for char in text if char > "\x7f") - broken
    return text if good >= 10 * broken else None


def _matches(data: bytes, charsets: tuple[str, ...]) -> list:
    return list(from_bytes(data, cp_isolation=list(charsets), preemptive_behaviour=False))


def decode_bytes(data: bytes, label: str | None = None) -> str:
    """Text from `data`: the declared charset `label` wins when the bytes decode cleanly in it.

    "Cleanly": without an error, and for single-byte charsets (which decode any byte) also read
    as text by charset-normalizer, so that GBK labelled iso-8859-1 is not taken for accented
    Latin. A missing, wrong or unknown label is detected (`detect`). 7-bit bytes are ASCII unless
    the label is an escape-based charset (ISO-2022-JP/KR, HZ, UTF-7) or they carry escape codes.
    """
    if not data:
        return ""
    codec = _codec(label)
    escaped = b"\x1b" in data
    if data.isascii() and not escaped and not (codec and codec.startswith(_SEVEN_BIT)):
        return data.decode("ascii")
    if codec and not (escaped and not codec.startswith(_SEVEN_BIT)):
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            text = None
        if text is not None and (not _single_byte(codec) or _plausible(data, codec)):
            return text
    text = detect(data)
    if text is not None:
        return text
    return data.decode(codec or "gb18030", errors="replace")


#: A charset label for 8-bit headers, or a function that gives it when one is needed.
Hint = str | Callable[[], str | None] | None


def _raw_to_text(value: str, hint: Hint = None) -> str:
    """A raw header as the parser left it (8-bit bytes as surrogates) made into text.

    `hint`: the mail's body charset (or a function giving it, asked only for 8-bit bytes), which
    mail clients also read unlabelled 8-bit headers in."""
    try:
        data = value.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return value
    if data.isascii() and b"\x1b" not in data:
        return value
    return decode_bytes(data, hint() if callable(hint) else hint)


# --- RFC 2047 -----------------------------------------------------------------------------------

_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?]*)\?=")


def _word_bytes(kind: str, text: str) -> bytes:
    if kind.lower() == "b":
        text = re.sub(r"[^A-Za-z0-9+/]", "", text)
        text += "=" * (-len(text) % 4)
        try:
            return base64.b64decode(text)
        except (binascii.Error, ValueError):
            return b""
    return binascii.a2b_qp(text.replace("_", " ").encode("ascii", "replace"))


def decode_words(value: str) -> str:
    """Decode RFC 2047 encoded words anywhere in `value` (also inside quotes, as mailers do).

    Adjacent words of the same charset are joined before decoding: Chinese mailers split a
    multibyte character across two words.
    """
    if "=?" not in value:
        return value
    out: list[str] = []
    pending: bytes = b""
    pending_charset: str | None = None
    pos = 0

    def flush() -> None:
        nonlocal pending, pending_charset
        if pending_charset is not None:
            out.append(decode_bytes(pending, pending_charset))
        pending, pending_charset = b"", None

    for match in _ENCODED_WORD.finditer(value):
        between = value[pos : match.start()]
        charset = match.group(1).split("*")[0].lower()
        if between and not (pending_charset is not None and between.isspace()):
            flush()
            out.append(between)
        if pending_charset is not None and _codec(charset) != _codec(pending_charset):
            flush()
        pending += _word_bytes(match.group(2), match.group(3))
        pending_charset = charset
        pos = match.end()
    flush()
    out.append(value[pos:])
    return "".join(out)


def decode_header_value(raw: str | None, hint: Hint = None) -> str:
    """A header's text: raw 8-bit bytes read in `hint` (the body's charset), then encoded words."""
    if not raw:
        return ""
    unfolded = re.sub(r"\r?\n[ \t]+", " ", str(raw))
    text = decode_words(_raw_to_text(unfolded, hint))
    return re.sub(r"[\r\n\t]+", " ", text).strip()


# --- headers ------------------------------------------------------------------------------------

_MSGID = re.compile(r"<[^<>\s]+>")


def _ids(raw: str) -> list[str]:
    raw = raw or ""
    found = _MSGID.findall(raw)
    if not found and raw.strip():
        token = raw.strip().split()[0].strip("<>")
        if token:
            found = [f"<{token}>"]
    return [i[:255] for i in found]


def _raw_headers(message: StdMessage) -> dict[str, list[str]]:
    headers: dict[str, list[str]] = {}
    for name, value in message.raw_items():
        headers.setdefault(name.lower(), []).append(str(value))
    return headers


def _first(headers: dict[str, list[str]], name: str) -> str:
    values = headers.get(name)
    return values[0] if values else ""


def _address(raw: str, hint: Hint = None) -> tuple[str, str]:
    text = _raw_to_text(re.sub(r"\r?\n[ \t]+", " ", raw or ""), hint)
    name, address = email.utils.parseaddr(text)
    if not address or "@" not in address or re.search(r"\s", address):
        match = re.search(r"[\w.+'-]+@[\w-]+(\.[\w-]+)+", text)
        address = match.group(0) if match else ""
        if match and not name:
            name = text[: match.start()].strip(" <\"'")
    name = decode_words(name).strip().strip("\"'").strip()
    return name, address.strip().lower()


def _sender(headers: dict[str, list[str]], hint: Hint) -> tuple[str, str]:
    """(name, address) of the sender as mail clients show it: the first From that holds an address
    (a mail may carry two, one of them broken), else Reply-To, else Sender."""
    for name in ("from", "reply-to", "sender"):
        for raw in headers.get(name, ()):
            found = _address(raw, hint)
            if found[1]:
                return found
    return "", ""


def _reply_to(headers: dict[str, list[str]], hint: Hint) -> str:
    """The first address of Reply-To: where the sender wants answers to go."""
    for raw in headers.get("reply-to", ()):
        text = _raw_to_text(re.sub(r"\r?\n[ \t]+", " ", raw), hint)
        for _name, address in email.utils.getaddresses([text]):
            if "@" in address and not re.search(r"\s", address):
                return address.strip().lower()[:254]
    return ""


def _date(raw: str) -> datetime | None:
    if not raw:
        return None
    try:
        value = email.utils.parsedate_to_datetime(raw.strip())
    except (TypeError, ValueError, IndexError):
        return None
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


AUTO_SUBJECTS = re.compile(
    r"^\s*(自动回复|自動回覆|automatic reply|auto(matic)?[- ]?reply|auto:|out of office|"
    r"undeliverable|undelivered mail|delivery status notification|mail delivery failed|"
    r"系统退信|退信)",
    re.IGNORECASE,
)


def _auto_reason(headers: dict[str, list[str]], from_address: str, content_type: str, subject: str) -> str:
    auto_submitted = _first(headers, "auto-submitted").strip().lower()
    if auto_submitted and not auto_submitted.startswith("no"):
        return f"Auto-Submitted: {auto_submitted}"
    precedence = _first(headers, "precedence").strip().lower()
    if precedence in {"bulk", "junk", "list", "auto_reply"}:
        return f"Precedence: {precedence}"
    for name in ("x-autoreply", "x-autorespond", "x-auto-reply", "x-autogenerated"):
        if name in headers:
            return name
    local = from_address.split("@")[0]
    if local in {"mailer-daemon", "postmaster", "mail-daemon", "maildaemon"}:
        return f"sender {from_address}"
    if content_type == "multipart/report":
        return "multipart/report"
    if _first(headers, "return-path").strip() == "<>":
        return "empty Return-Path"
    if AUTO_SUBJECTS.match(subject):
        return "subject"
    return ""


# --- bodies -------------------------------------------------------------------------------------


def _leaves(part: StdMessage):
    """Leaf parts in order; a message/rfc822 part is a leaf (kept whole as an attachment)."""
    if part.get_content_maintype() == "multipart":
        payload = part.get_payload()
        if isinstance(payload, list) and payload:
            for sub in payload:
                yield from _leaves(sub)
            return
    yield part


def _payload(part: StdMessage) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception:  # a broken transfer encoding: keep what is there
        data = None
    if data is None:
        raw = part.get_payload()
        if isinstance(raw, str):
            data = raw.encode("utf-8", "surrogateescape")
        else:
            data = b""
    return data


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w-]+)""", re.IGNORECASE)


def _text_of(part: StdMessage, data: bytes) -> str:
    label = part.get_param("charset")
    if isinstance(label, tuple):
        label = label[2]
    if not label and part.get_content_subtype() == "html":
        match = _META_CHARSET.search(data[:4096])
        label = match.group(1).decode("ascii") if match else None
    return decode_bytes(data, label).replace("\r\n", "\n")


def _filename(part: StdMessage) -> str:
    try:
        name = (part.get_filename() or "").strip('"')  # compat32 keeps the quote of an unclosed one
    except Exception:
        name = ""
    if not name or "\ufffd" in name or "=?" in name:
        for header in ("content-disposition", "content-type"):
            for key, value in part.raw_items():
                if key.lower() != header:
                    continue
                text = _raw_to_text(re.sub(r"\r?\n[ \t]+", " ", str(value)))
                match = re.search(r"""(?:file)?name\s*=\s*("([^"]*)"|[^;\s]+)""", text, re.IGNORECASE)
                if match:
                    name = match.group(2) if match.group(2) is not None else match.group(1)
                    break
            if name and "\ufffd" not in name:
                break
    name = decode_words(name or "")
    return re.sub(r"[\x00-\x1f/\\]", "_", name).strip()[:200]


def _submessage_bytes(part: StdMessage) -> tuple[bytes, str]:
    payload = part.get_payload()
    inner = payload[0] if isinstance(payload, list) and payload else None
    if inner is None:
        return _payload(part), ""
    try:
        data = inner.as_bytes()
    except Exception:
        data = inner.as_string().encode("utf-8", "surrogateescape")
    return data, decode_header_value(_first(_raw_headers(inner), "subject"))


# A header line: a field name (printable ASCII but ":") and a colon.
_HEADER_LINE = re.compile(rb"[\x21-\x39\x3b-\x7e]+[ \t]*:")
_CONTINUED = re.compile(rb"[\x21-\x39\x3b-\x7e]+[ \t]*:|[ \t]+\S")
MAX_PREAMBLE_LINES = 20


def skip_preamble(raw: bytes) -> bytes:
    """The mail from its header block on: lines before it (an mbox "From " or ">From " line, blank
    lines, stray text a tool wrote first) are skipped, as mail clients importing such files do.

    A header block found later must be two header lines in a row, so that a stray "Note: ..."
    is not taken for one; bytes with no header block within MAX_PREAMBLE_LINES are returned as they are.
    """
    if _HEADER_LINE.match(raw):
        return raw
    start = 0
    for _line in range(MAX_PREAMBLE_LINES):
        end = raw.find(b"\n", start)
        if end < 0:
            break
        start = end + 1
        if _HEADER_LINE.match(raw, start):
            following = raw.find(b"\n", start) + 1
            if following and _CONTINUED.match(raw, following):
                return raw[start:]
    return raw


def _message_id(headers: dict[str, list[str]], raw: bytes) -> tuple[str, bool]:
    """(the mail's Message-ID, whether it was made up): a mail without one gets a stable id made
    from a hash of its bytes, so a resent copy is still recognised."""
    ids = _ids(_first(headers, "message-id"))
    if ids:
        return ids[0], False
    return f"<{hashlib.sha256(raw).hexdigest()[:40]}@generated.kefu>", True


_MESSAGE_ID_HEADER = re.compile(rb"^message-id[ \t]*:(.*(?:\r?\n[ \t].*)*)", re.IGNORECASE | re.MULTILINE)


def message_key(raw: bytes) -> str:
    """The Message-ID `parse` gives this mail (for any well-formed header block), read from the
    header block only: cheap, no parse. The inbound log keys a mail piped again on it."""
    raw = skip_preamble(raw)
    head = re.split(rb"\r?\n\r?\n", raw, maxsplit=1)[0]
    match = _MESSAGE_ID_HEADER.search(head)
    value = match.group(1).decode("ascii", "surrogateescape").strip() if match else ""
    return _message_id({"message-id": [value]} if value else {}, raw)[0]


def _body_charset(message: StdMessage) -> str | None:
    """The charset of the mail's first text part, which its unlabelled 8-bit headers are read in."""
    part = message
    while part.is_multipart():
        payload = part.get_payload()
        if not payload:
            return None
        part = payload[0]
    label = part.get_param("charset")
    return label[2] if isinstance(label, tuple) else label


def parse(raw: bytes) -> ParsedMail:
    """Parse one mail; raises MailParseError only when the bytes hold no mail at all."""
    if not raw or not raw.strip():
        raise MailParseError("empty message")
    raw = skip_preamble(raw)
    # compat32, not policy.default: the structure is the same, but the modern header objects cost
    # five times the whole parse (headers are decoded here, with the fallbacks Chinese mail needs).
    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    headers = _raw_headers(message)
    if not headers:
        raise MailParseError("no mail headers found")
    message_id, generated = _message_id(headers, raw)
    hint = functools.cache(lambda: _body_charset(message))  # read only for an 8-bit header
    from_name, from_address = _sender(headers, hint)
    subject = decode_header_value(_first(headers, "subject"), hint)
    parsed = ParsedMail(
        message_id=message_id,
        generated_message_id=generated,
        subject=subject[:255],
        from_name=from_name[:200],
        from_address=from_address[:254],
        reply_to=_reply_to(headers, hint),
        to=[
            addr.lower()
            for _name, addr in email.utils.getaddresses(
                [_raw_to_text(v, hint) for v in headers.get("to", [])]
            )
        ],
        in_reply_to=(_ids(_first(headers, "in-reply-to")) or [""])[0],
        references=_ids(" ".join(headers.get("references", [])))[-50:],
        date=_date(_first(headers, "date")),
    )
    content_type = message.get_content_type()
    texts, htmls = [], []
    for part in _leaves(message):
        ctype = part.get_content_type()
        disposition = part.get_content_disposition()
        filename = _filename(part)
        if ctype == "message/rfc822" or (
            ctype == "text/rfc822-headers" and content_type == "multipart/report"
        ):
            data, inner_subject = (
                _submessage_bytes(part) if ctype == "message/rfc822" else (_payload(part), "")
            )
            if content_type == "multipart/report":
                inner_headers = email.message_from_bytes(data[:65536], policy=email.policy.default)
                parsed.bounced_ids += _ids(inner_headers.get("message-id", "") or "")
            if ctype == "message/rfc822":
                parsed.attachments.append(
                    ParsedAttachment(
                        filename=filename or f"{(inner_subject or 'message')[:80]}.eml",
                        content_type=ctype,
                        data=data,
                    )
                )
            continue
        if ctype == "message/delivery-status":
            texts.append(_text_of(part, _payload(part)).strip())
            continue
        data = _payload(part)
        is_body = disposition != "attachment" and not filename
        if (
            is_body
            and ctype in ("text/plain", "text/html")
            or (part is message and ctype.startswith("multipart/"))
        ):
            text = _text_of(part, data)
            (htmls if ctype == "text/html" else texts).append(text)
            continue
        content_id = _raw_to_text(_first(_raw_headers(part), "content-id")).strip()
        parsed.attachments.append(
            ParsedAttachment(
                filename=filename or _default_name(ctype, len(parsed.attachments) + 1),
                content_type=ctype,
                data=data,
                content_id=content_id.strip("<>")[:250],
                inline=disposition == "inline" or (bool(content_id) and disposition != "attachment"),
            )
        )
    raw_html = "\n".join(h for h in htmls if h.strip())
    parsed.html = sanitize(raw_html)
    text = "\n\n".join(t.strip() for t in texts if t.strip())
    parsed.text = text or to_text(parsed.html)
    parsed.text_from_html = not text
    parsed.raw_html = raw_html
    parsed.auto_reason = _auto_reason(headers, from_address, content_type, subject)
    parsed.is_auto = bool(parsed.auto_reason)
    return parsed


def _default_name(content_type: str, index: int) -> str:
    extension = {
        "image/png": ".png",
        "image/jpeg": ".jpg",
        "image/gif": ".gif",
        "application/pdf": ".pdf",
        "application/ms-tnef": ".dat",
        "text/plain": ".txt",
        "text/html": ".html",
        "text/calendar": ".ics",
    }.get(content_type, ".bin")
    return f"attachment-{index}{extension}"


# --- quoted history -----------------------------------------------------------------------------


@dataclass(frozen=True)
class QuoteHeader:
    """How one client (and language) starts the quoted history of a reply.

    `line`: a pattern for the whole line (or for it and the next line joined by a space, as clients
    wrap long attributions); `fields`: a header block instead, (names of its first field, names of
    the fields that follow), which counts only when two of those follow within five lines, so that
    a customer's own "From: the shop on Nanjing Road ..." is kept.
    """

    client: str
    line: str = ""
    fields: tuple[str, tuple[str, ...]] | None = None


_ON_WROTE = r"on\s.{0,300}\swrote\s*:"
_ZAI_XIEDAO = r"在\s*.{0,200}写道\s*[:：]?"
_XIEDAO = r".{0,200}(写道|寫道)\s*[:：]"
_AM_SCHRIEB = r"am\s.{0,200}\sschrieb\s.{0,200}:"
_ORIGINAL_ZH = r"-{2,}\s*原始邮件\s*-{2,}"
_OUTLOOK_ZH = ("发件人", ("发送时间", "发送日期", "日期", "时间", "收件人", "抄送", "主题"))

#: Every client's quote header; `strip_quoted` reads only this table. ">" lines are dropped as well.
QUOTE_HEADERS: tuple[QuoteHeader, ...] = (
    QuoteHeader("Outlook (en)", line=r"-{2,}\s*original\s+message\s*-{2,}"),
    QuoteHeader("Outlook (en)", fields=("from", ("sent", "date", "to", "cc", "subject"))),
    QuoteHeader("Outlook, Outlook on the web", line=r"_{10,}"),
    QuoteHeader("Outlook (de)", line=r"-{2,}\s*ursprüngliche\s+nachricht\s*-{2,}"),
    QuoteHeader("Outlook (de)", fields=("von", ("gesendet", "datum", "an", "cc", "betreff"))),
    QuoteHeader("Outlook (zh-CN)", line=_ORIGINAL_ZH),
    QuoteHeader("Outlook (zh-CN)", fields=_OUTLOOK_ZH),
    QuoteHeader("Outlook (zh-TW)", line=r"-{2,}\s*原始郵件\s*-{2,}"),
    QuoteHeader("Outlook (zh-TW)", fields=("寄件者", ("寄件日期", "日期", "收件者", "副本", "主旨"))),
    QuoteHeader("Foxmail", line=_ORIGINAL_ZH),
    QuoteHeader("Foxmail", fields=_OUTLOOK_ZH),
    QuoteHeader("QQ Mail", line=r"-{2,}\s*(原始邮件|回复邮件|转发邮件)\s*-{2,}"),
    QuoteHeader("QQ Mail", fields=_OUTLOOK_ZH),
    QuoteHeader("NetEase (163, 126)", line=_ZAI_XIEDAO),
    QuoteHeader("NetEase (163, 126)", fields=_OUTLOOK_ZH),
    QuoteHeader("Gmail (en)", line=_ON_WROTE),
    QuoteHeader("Gmail (en)", line=r"-{2,}\s*forwarded\s+message\s*-{2,}"),
    QuoteHeader("Gmail (de)", line=_AM_SCHRIEB),
    QuoteHeader("Gmail (de)", line=r"-{2,}\s*weitergeleitete\s+nachricht\s*-{2,}"),
    QuoteHeader("Gmail (zh-CN)", line=_XIEDAO),
    QuoteHeader("Apple Mail (en)", line=_ON_WROTE),
    QuoteHeader("Apple Mail (de)", line=_AM_SCHRIEB),
    QuoteHeader("Apple Mail (zh-CN)", line=_XIEDAO),
    QuoteHeader("Thunderbird (en)", line=_ON_WROTE),
    QuoteHeader("Thunderbird (de)", line=r".{0,200}\sschrieb\s+am\s.{0,100}:|" + _AM_SCHRIEB),
)

_QUOTE_LINE = re.compile(
    r"^\s*(?:" + "|".join(dict.fromkeys(f"(?:{q.line})" for q in QUOTE_HEADERS if q.line)) + r")\s*$",
    re.IGNORECASE,
)


def _field_pattern(names) -> re.Pattern:
    return re.compile(r"^\s*\*?(" + "|".join(names) + r")\s*\*?\s*[:：]", re.IGNORECASE)


_QUOTE_BLOCKS = tuple(
    (_field_pattern([first]), _field_pattern(following))
    for first, following in dict.fromkeys(q.fields for q in QUOTE_HEADERS if q.fields)
)


def _starts_history(lines: list[str], index: int) -> bool:
    line = lines[index]
    if _QUOTE_LINE.match(line):
        return True
    if index + 1 < len(lines) and _QUOTE_LINE.match(f"{line} {lines[index + 1]}"):
        return True
    for first, following in _QUOTE_BLOCKS:
        if first.match(line):
            nearby = [n for n in lines[index + 1 : index + 6] if n.strip()]
            if sum(bool(following.match(n)) for n in nearby) >= 2:
                return True
    return False


def strip_quoted(text: str) -> str:
    """The new part of a reply: cut where the quoted history starts (QUOTE_HEADERS), drop '>' lines.

    Returns the text unchanged when nothing would be left (a mail that is only a forward).
    """
    lines = text.splitlines()
    cut = next((i for i in range(len(lines)) if _starts_history(lines, i)), len(lines))
    kept = [line for line in lines[:cut] if not line.lstrip().startswith(">")]
    result = "\n".join(kept).strip()
    return result or text.strip()


_HTML_HISTORY = re.compile(
    r"""<div[^>]*\bid=["']?(appendonsend|divRplyFwdMsg|mail-editor-reference-message-container|
           isReplyContent|isForwardContent|reply-content|original-content|origbody)\b
      | <blockquote[^>]*\btype=["']?cite
      | <div[^>]*\bclass=["']?(gmail_quote|gmail_extra|yahoo_quoted|moz-cite-prefix)\b
      | <hr[^>]*\bid=["']?stopSpelling
      | -{2,}(\s|&nbsp;)*(原始邮件|原始郵件|Original(\s|&nbsp;)+Message|Ursprüngliche(\s|&nbsp;)+Nachricht)
      | (发件人|寄件者|From|Von)(\s|&nbsp;)*[:：](?=.{0,400}(发送时间|寄件日期|Sent|Date|Gesendet)(\s|&nbsp;)*[:：])""",
    re.IGNORECASE | re.VERBOSE | re.DOTALL,
)


def strip_quoted_html(html: str) -> str:
    """The reply's HTML cut where the quoted history starts (sanitized again, so tags are closed)."""
    match = _HTML_HISTORY.search(html or "")
    if not match:
        return html
    head = sanitize(html[: match.start()])
    return head if to_text(head).strip() else html
