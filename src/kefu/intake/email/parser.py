"""Real-world mail made readable: raw bytes in, a `ParsedMail` out.

The standard library's parser (policy.compat32, the fast one) does the MIME structure; headers and bodies are
decoded here with fallbacks, because Chinese mail is often labelled wrongly or not at all: a body
marked gb2312 that is really GBK or GB18030, 8-bit headers with no encoded words, a filename in raw
GBK bytes. gb2312 and gbk are read as gb18030 (a superset); unlabelled 8-bit text is tried as
UTF-8, then GB18030, then Big5. Nothing here raises on bad input except `MailParseError` for
bytes that are not a mail at all.

TNEF (winmail.dat) is not decoded: it is kept as an ordinary attachment and the text or HTML part
that Outlook sends beside it is used.
"""

from __future__ import annotations

import base64
import binascii
import email
import email.policy
import email.utils
import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message as StdMessage

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
}
_WESTERN = {"us-ascii", "ascii", "iso-8859-1", "latin1", "latin-1", "windows-1252", "cp1252", "iso-8859-15"}
_FALLBACKS = ("utf-8", "gb18030", "big5", "big5hkscs")
_CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    label = label.strip().strip("\"'").lower().split("*")[0]
    label = _ALIASES.get(label, label)
    try:
        "".encode(label)
    except LookupError:
        return None
    return label


def decode_bytes(data: bytes, label: str | None = None) -> str:
    """Text from `data`, trusting the charset `label` only as far as the bytes agree with it."""
    if not data:
        return ""
    if data.isascii():
        return data.decode("ascii")
    codec = _codec(label)
    if codec and codec not in _WESTERN:
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            pass
    if codec in _WESTERN:
        # Chinese mailers often label GBK text as iso-8859-1; believe the label only when the
        # bytes are not plainly UTF-8 or Chinese.
        for candidate in ("utf-8", "gb18030"):
            try:
                text = data.decode(candidate)
            except UnicodeDecodeError:
                continue
            if candidate == "utf-8" or len(_CJK.findall(text)) * 3 >= len(re.findall(r"[^\x00-\x7f]", text)):
                return text
        return data.decode(codec, errors="replace")
    for candidate in _FALLBACKS:
        try:
            return data.decode(candidate)
        except UnicodeDecodeError:
            continue
    return data.decode(codec or "gb18030", errors="replace")


def _raw_to_text(value: str) -> str:
    """A raw header as the parser left it (8-bit bytes as surrogates) made into text."""
    try:
        data = value.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return value
    return decode_bytes(data)


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


def decode_header_value(raw: str | None) -> str:
    if not raw:
        return ""
    unfolded = re.sub(r"\r?\n[ \t]+", " ", str(raw))
    text = decode_words(_raw_to_text(unfolded))
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


def _address(raw: str) -> tuple[str, str]:
    text = _raw_to_text(re.sub(r"\r?\n[ \t]+", " ", raw or ""))
    name, address = email.utils.parseaddr(text)
    if not address or "@" not in address or re.search(r"\s", address):
        match = re.search(r"[\w.+'-]+@[\w-]+(\.[\w-]+)+", text)
        address = match.group(0) if match else ""
        if match and not name:
            name = text[: match.start()].strip(" <\"'")
    name = decode_words(name).strip().strip("\"'").strip()
    return name, address.strip().lower()


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


def parse(raw: bytes) -> ParsedMail:
    """Parse one mail; raises MailParseError only when the bytes hold no mail at all."""
    if not raw or not raw.strip():
        raise MailParseError("empty message")
    # compat32, not policy.default: the structure is the same, but the modern header objects cost
    # five times the whole parse (headers are decoded here, with the fallbacks Chinese mail needs).
    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    headers = _raw_headers(message)
    if not headers:
        raise MailParseError("no mail headers found")
    message_ids = _ids(_first(headers, "message-id"))
    generated = not message_ids
    message_id = message_ids[0] if message_ids else f"<{hashlib.sha256(raw).hexdigest()[:40]}@generated.kefu>"
    from_name, from_address = _address(_first(headers, "from") or _first(headers, "sender"))
    subject = decode_header_value(_first(headers, "subject"))
    parsed = ParsedMail(
        message_id=message_id,
        generated_message_id=generated,
        subject=subject[:255],
        from_name=from_name[:200],
        from_address=from_address[:254],
        to=[
            addr.lower()
            for _name, addr in email.utils.getaddresses([_raw_to_text(v) for v in headers.get("to", [])])
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

_HISTORY_LINE = re.compile(
    r"""^\s*(
        -{2,}\s*(原始邮件|原始郵件|original\s+message|forwarded\s+message|转发邮件|回复邮件)\s*-{2,}
      | _{10,}
      | 在\s*.{0,200}写道\s*[:：]?
      | .{0,200}(写道|寫道)\s*[:：]
      | on\s.{0,300}wrote\s*:
    )\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
_HEADER_BLOCK_START = re.compile(r"^\s*\*?(发件人|寄件者|from)\s*\*?\s*[:：]", re.IGNORECASE)
_HEADER_BLOCK_NEXT = re.compile(
    r"^\s*\*?(发送时间|发送日期|日期|时间|收件人|抄送|主题|寄件日期|sent|date|to|cc|subject)\s*\*?\s*[:：]",
    re.IGNORECASE,
)


def strip_quoted(text: str) -> str:
    """The new part of a reply: cut at the first quoted-history marker, drop '>' lines.

    Returns the text unchanged when nothing would be left (a mail that is only a forward).
    """
    lines = text.splitlines()
    cut = len(lines)
    for index, line in enumerate(lines):
        joined = line + " " + (lines[index + 1] if index + 1 < len(lines) else "")
        if _HISTORY_LINE.match(line) or (
            line.strip().lower().startswith("on ") and _HISTORY_LINE.match(joined)
        ):
            cut = index
            break
        if _HEADER_BLOCK_START.match(line):
            following = [n for n in lines[index + 1 : index + 6] if n.strip()]
            if sum(bool(_HEADER_BLOCK_NEXT.match(n)) for n in following) >= 2:
                cut = index
                break
    kept = [line for line in lines[:cut] if not line.lstrip().startswith(">")]
    result = "\n".join(kept).strip()
    return result or text.strip()


_HTML_HISTORY = re.compile(
    r"""<div[^>]*\bid=["']?(appendonsend|divRplyFwdMsg|mail-editor-reference-message-container|
           isReplyContent|isForwardContent|reply-content|original-content|origbody)\b
      | <blockquote[^>]*\btype=["']?cite
      | <div[^>]*\bclass=["']?(gmail_quote|gmail_extra|yahoo_quoted|moz-cite-prefix)\b
      | <hr[^>]*\bid=["']?stopSpelling
      | -{2,}(\s|&nbsp;)*(原始邮件|原始郵件|Original(\s|&nbsp;)+Message)
      | (发件人|From)(\s|&nbsp;)*[:：](?=.{0,400}(发送时间|Sent|Date)(\s|&nbsp;)*[:：])""",
    re.IGNORECASE | re.VERBOSE | re.DOTALL,
)


def strip_quoted_html(html: str) -> str:
    """The reply's HTML cut where the quoted history starts (sanitized again, so tags are closed)."""
    match = _HTML_HISTORY.search(html or "")
    if not match:
        return html
    head = sanitize(html[: match.start()])
    return head if to_text(head).strip() else html
