"""Speech-recognition results (语音识别结果) read into Kefu's one transcript shape.

Pure parsing and checking, no database: `read_document` splits a file or a request body into
items (one object, a JSON array of them, or JSON lines), `normalize` checks one item and maps it
onto Kefu's sentences. docs/quality.md ("Transcripts") describes the formats for integrators.

Kefu's own format::

    {"call_id": "...", "agent": "<username or extension>", "queue": "...", "recording_url": "...",
     "started_at": "2026-11-22T09:30:00+08:00",
     "sentences": [{"role": "agent|customer|system", "speaker": "...", "text": "...",
                    "start_ms": 0, "end_ms": 1234}]}

A vendor's result goes in the same envelope (call_id, agent, ... beside it), either under
`result` or with the vendor's own keys at the top:

- Alibaba Cloud 录音文件识别 (GetTaskResult): `Result.Sentences[]` with ChannelId, SpeakerId,
  BeginTime, EndTime (ms) and Text.
- Tencent Cloud ASR 录音文件识别 (DescribeTaskStatus, ResTextFormat ≥ 1): `Response.Data.ResultDetail[]`
  (or `Data.ResultDetail[]`, or `ResultDetail[]`) with FinalSentence, StartMs, EndMs, SpeakerId.

Vendors know channels and speakers, not roles: the sentences whose channel (Alibaba: ChannelId
when the result has two channels, else SpeakerId; Tencent: SpeakerId) equals `agent_channel`
(default 0) are the agent's, the others the customer's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from django.utils.translation import gettext as _

from kefu.core.errors import FieldCode, FieldError

KEFU, ALIYUN, TENCENT = "kefu", "aliyun", "tencent"
FORMATS = (KEFU, ALIYUN, TENCENT)
ROLES = ("agent", "customer", "system")
MAX_SENTENCES = 20_000
MAX_TEXT = 5_000


class ItemInvalid(Exception):
    """One item refused; `errors` maps each field (`sentences[3].end_ms`) to its messages."""

    def __init__(self, errors: dict[str, list[FieldError]]):
        super().__init__("; ".join(f"{k}: {m}" for k, v in errors.items() for m in v))
        self.errors = errors


# --- documents: one object, an array, or JSON lines ------------------------------------------------


@dataclass
class Entry:
    """One item of a document: its data, or why it could not be read."""

    index: int  # 0-based position among the document's items
    line: int | None  # 1-based line where it starts (JSON lines; the first line for one object)
    data: object = None
    error: str = ""


def _json_error(exc: json.JSONDecodeError, line_offset: int = 0) -> str:
    return _("Malformed JSON at line %(line)s, column %(column)s: %(reason)s") % {
        "line": exc.lineno + line_offset,
        "column": exc.colno,
        "reason": exc.msg,
    }


def decode(data: bytes) -> str:
    """UTF-8 (with or without a byte-order mark); GB18030 for the files Chinese tools still write."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030", errors="replace")


def read_document(text: str) -> list[Entry]:
    """The items of a document. A JSON array or a single object (over any number of lines) is read
    whole; anything else is JSON lines, each line its own item, so one bad line costs only itself.
    A document that cannot be read at all is one Entry with the error (line and column)."""
    stripped = text.lstrip("\ufeff \t\r\n")
    if not stripped:
        return [Entry(0, 1, error=_("The document is empty."))]
    try:
        whole = json.loads(stripped)
    except json.JSONDecodeError as exc:
        whole, whole_error = None, exc
    else:
        whole_error = None
    skipped = len(text) - len(stripped)
    first_line = text[:skipped].count("\n") + 1
    if whole_error is None:
        if isinstance(whole, list):
            return [Entry(i, None, data=item) for i, item in enumerate(whole)]
        return [Entry(0, first_line, data=whole)]
    lines = text.splitlines()
    first = stripped.splitlines()[0].strip()
    if stripped.startswith("[") or (
        stripped.startswith("{") and not _parses(first) and not any(_is_item_line(raw) for raw in lines)
    ):
        # An array, or one object written over several lines, that is broken: say where.
        return [Entry(0, first_line, error=_json_error(whole_error, first_line - 1))]
    entries = []
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            entries.append(Entry(len(entries), number, data=json.loads(raw)))
        except json.JSONDecodeError as exc:
            entries.append(Entry(len(entries), number, error=_json_error(exc, number - 1)))
    return entries


#: Keys only a whole item has (a pretty-printed object's last sentence may parse alone, too).
ITEM_KEYS = ("call_id", "format", "sentences", "result", "Result", "Response", "ResultDetail")


def _is_item_line(line: str) -> bool:
    """Whether a line is a whole item on its own: then the document is JSON lines, even with a
    broken first line."""
    try:
        data = json.loads(line)
    except json.JSONDecodeError:
        return False
    return isinstance(data, dict) and any(key in data for key in ITEM_KEYS)


def _parses(line: str) -> bool:
    try:
        json.loads(line)
    except json.JSONDecodeError:
        return False
    return True


# --- one item -----------------------------------------------------------------------------------


@dataclass
class Normalized:
    """One item in Kefu's shape, with what was done to it on the way."""

    format: str
    call_id: str
    agent: str = ""
    queue: str = ""
    recording_url: str = ""
    started_at: datetime | None = None
    sentences: list[dict] = field(default_factory=list)
    dropped: int = 0  # sentences without text, left out
    sorted: bool = False  # the sentences came out of order and were sorted by start
    overlaps: int = 0  # sentences starting before the previous one ended (kept: interruptions)


@dataclass(frozen=True)
class _Shape:
    """Where a format keeps a sentence's parts, for reading and for naming fields in errors."""

    prefix: str
    text: str
    start: str
    end: str


SHAPES = {
    KEFU: _Shape("sentences", "text", "start_ms", "end_ms"),
    ALIYUN: _Shape("Result.Sentences", "Text", "BeginTime", "EndTime"),
    TENCENT: _Shape("ResultDetail", "FinalSentence", "StartMs", "EndMs"),
}


def _maybe_json(value):
    if isinstance(value, str) and value.strip()[:1] in ("{", "["):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def _aliyun_sentences(obj) -> tuple[object, str] | None:
    obj = _maybe_json(obj)
    if not isinstance(obj, dict):
        return None
    result = _maybe_json(obj.get("Result"))
    if isinstance(result, dict) and "Sentences" in result:
        return result["Sentences"], "Result.Sentences"
    if "Sentences" in obj:
        return obj["Sentences"], "Sentences"
    return None


def _tencent_sentences(obj) -> tuple[object, str] | None:
    obj = _maybe_json(obj)
    if not isinstance(obj, dict):
        return None
    for path in (("Response", "Data"), ("Data",), ()):
        node = obj
        for key in path:
            node = node.get(key) if isinstance(node, dict) else None
        if isinstance(node, dict):
            for key in ("ResultDetail", "resultDetail"):
                if key in node:
                    return _maybe_json(node[key]), ".".join([*path, key])
    return None


def _vendor(item: dict, fmt: str) -> tuple[object, str] | None:
    finder = _aliyun_sentences if fmt == ALIYUN else _tencent_sentences
    if "result" in item:
        found = finder(item["result"])
        return (found[0], f"result.{found[1]}") if found else None
    return finder(item)


def detect_format(item: dict) -> str | None:
    if "sentences" in item:
        return KEFU
    if _vendor(item, ALIYUN):
        return ALIYUN
    if _vendor(item, TENCENT):
        return TENCENT
    return None


class _Errors:
    def __init__(self):
        self.errors: dict[str, list[FieldError]] = {}

    def add(self, name: str, message: str, code=FieldCode.INVALID) -> None:
        self.errors.setdefault(name, []).append(FieldError(message, code))


def _text_field(item: dict, name: str, errors: _Errors, *, max_length: int, required=False) -> str:
    value = item.get(name)
    if value is None or value == "":
        if required:
            errors.add(name, _("This field is required."), FieldCode.REQUIRED)
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        errors.add(name, _("Must be text."), FieldCode.WRONG_TYPE)
        return ""
    value = str(value).strip()
    if len(value) > max_length:
        errors.add(
            name, _("At most %(max_length)s characters.") % {"max_length": max_length}, FieldCode.TOO_LONG
        )
        return ""
    if "\x00" in value:
        errors.add(name, _("NUL characters are not allowed."))
        return ""
    return value


def _moment(item: dict, errors: _Errors) -> datetime | None:
    value = item.get("started_at")
    if value in (None, ""):
        return None
    moment = _("Must be a date and time with its offset, e.g. 2026-11-22T09:30:00+08:00.")
    if not isinstance(value, str):
        errors.add("started_at", moment, FieldCode.WRONG_TYPE)
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        errors.add("started_at", moment, FieldCode.WRONG_TYPE)
        return None
    if parsed.tzinfo is None:
        errors.add(
            "started_at", _("Give the time with its offset (Z or +08:00)."), FieldCode.TIMEZONE_REQUIRED
        )
        return None
    return parsed


def _url(item: dict, errors: _Errors) -> str:
    value = _text_field(item, "recording_url", errors, max_length=500)
    if value:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            errors.add("recording_url", _("Must be an http or https address."))
            return ""
    return value


def _ms(raw, name: str, errors: _Errors) -> int | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, (int, float)) or raw != raw:  # NaN
        errors.add(name, _("Must be a whole number of milliseconds."), FieldCode.WRONG_TYPE)
        return None
    if raw < 0:
        errors.add(name, _("Must not be negative."), FieldCode.OUT_OF_RANGE)
        return None
    return int(round(raw))


def _agent_channel(value, errors: _Errors) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, str)) or str(value).strip() == "":
        errors.add(
            "agent_channel", _("Give the channel or speaker id of the agent, e.g. 0."), FieldCode.WRONG_TYPE
        )
        return "0"
    return str(value).strip()


def normalize(item, *, agent_channel: int | str = 0) -> Normalized:
    """Check one item and map it onto Kefu's sentences; raises ItemInvalid naming every bad field.

    Sentences without text are dropped (counted), sentences out of order are sorted by start
    (reported), overlapping sentences are kept (an interruption is what inspection looks for); a
    negative time or an end before its start refuses the item, naming the sentence and field.
    """
    errors = _Errors()
    if not isinstance(item, dict):
        errors.add("item", _("Must be a JSON object."), FieldCode.WRONG_TYPE)
        raise ItemInvalid(errors.errors)
    fmt = item.get("format") or detect_format(item)
    if fmt not in FORMATS:
        message = (
            _("Unknown format %(format)r: use one of %(formats)s.")
            % {"format": fmt, "formats": ", ".join(FORMATS)}
            if item.get("format")
            else _(
                "Unknown format: give `sentences` (Kefu), `Result.Sentences` (Alibaba Cloud) or "
                "`ResultDetail` (Tencent Cloud)."
            )
        )
        errors.add("format", message, FieldCode.INVALID_CHOICE)
        raise ItemInvalid(errors.errors)
    result = Normalized(
        format=fmt,
        call_id=_text_field(item, "call_id", errors, max_length=150, required=True),
        agent=_text_field(item, "agent", errors, max_length=80),
        queue=_text_field(item, "queue", errors, max_length=80),
        recording_url=_url(item, errors),
        started_at=_moment(item, errors),
    )
    if fmt == KEFU:
        raw, prefix = item.get("sentences"), "sentences"
    else:
        found = _vendor(item, fmt)
        if found is None:
            errors.add(SHAPES[fmt].prefix, _("This field is required."), FieldCode.REQUIRED)
            raise ItemInvalid(errors.errors)
        raw, prefix = found
    channel = _agent_channel(item.get("agent_channel", agent_channel), errors)
    if not isinstance(raw, list):
        errors.add(prefix, _("Must be a list."), FieldCode.WRONG_TYPE)
    elif not raw:
        errors.add(prefix, _("No sentence in the transcript."), FieldCode.REQUIRED)
    elif len(raw) > MAX_SENTENCES:
        errors.add(
            prefix, _("At most %(max_length)s items.") % {"max_length": MAX_SENTENCES}, FieldCode.TOO_LONG
        )
    else:
        _sentences(result, raw, prefix, SHAPES[fmt], channel, errors)
    if errors.errors:
        raise ItemInvalid(errors.errors)
    return result


def _channel_key(fmt: str, raw: list) -> str:
    """Which vendor field tells the sides apart (see the module's docstring)."""
    if fmt == TENCENT:
        return "SpeakerId"
    channels = {s.get("ChannelId") for s in raw if isinstance(s, dict)}
    speakers = {s.get("SpeakerId") for s in raw if isinstance(s, dict)} - {None, ""}
    return "ChannelId" if len(channels) > 1 or not speakers else "SpeakerId"


def _sentences(
    result: Normalized, raw: list, prefix: str, shape: _Shape, channel: str, errors: _Errors
) -> None:
    fmt = result.format
    key = _channel_key(fmt, raw) if fmt != KEFU else ""
    kept: list[tuple[int, dict]] = []
    for i, s in enumerate(raw):
        name = f"{prefix}[{i}]"
        if not isinstance(s, dict):
            errors.add(name, _("Must be a JSON object."), FieldCode.WRONG_TYPE)
            continue
        text = s.get(shape.text)
        if text is not None and not isinstance(text, str):
            errors.add(f"{name}.{shape.text}", _("Must be text."), FieldCode.WRONG_TYPE)
            continue
        text = (text or "").strip()
        if "\x00" in text:
            errors.add(f"{name}.{shape.text}", _("NUL characters are not allowed."))
            continue
        if len(text) > MAX_TEXT:
            errors.add(
                f"{name}.{shape.text}",
                _("At most %(max_length)s characters.") % {"max_length": MAX_TEXT},
                FieldCode.TOO_LONG,
            )
            continue
        if fmt == KEFU:
            role = s.get("role")
            if role not in ROLES:
                errors.add(
                    f"{name}.role", _("Must be one of: %(expected)s.") % {"expected": ", ".join(ROLES)},
                    FieldCode.INVALID_CHOICE,
                )  # fmt: skip
                continue
            speaker = s.get("speaker") or ""
            if not isinstance(speaker, (str, int)) or isinstance(speaker, bool):
                errors.add(f"{name}.speaker", _("Must be text."), FieldCode.WRONG_TYPE)
                continue
            speaker = str(speaker).replace("\x00", "")[:80]
        else:
            side = s.get(key)
            role = "agent" if side is not None and str(side) == channel else "customer"
            speaker = "" if side is None else str(side).replace("\x00", "")[:80]
        start = _ms(s.get(shape.start), f"{name}.{shape.start}", errors)
        end = _ms(s.get(shape.end), f"{name}.{shape.end}", errors)
        if start is not None and end is not None and end < start:
            errors.add(
                f"{name}.{shape.end}",
                _("Ends (%(end)s ms) before it starts (%(start)s ms).") % {"end": end, "start": start},
                FieldCode.OUT_OF_RANGE,
            )
            continue
        if not text:
            result.dropped += 1
            continue
        kept.append((i, {"role": role, "speaker": speaker, "text": text, "start_ms": start, "end_ms": end}))
    if errors.errors:
        return
    if not kept:
        errors.add(prefix, _("No sentence has any text."), FieldCode.REQUIRED)
        return
    sentences = [s for _i, s in kept]
    if all(s["start_ms"] is not None for s in sentences):
        starts = [s["start_ms"] for s in sentences]
        if any(b < a for a, b in zip(starts, starts[1:], strict=False)):
            sentences.sort(key=lambda s: s["start_ms"])  # stable: equal starts keep their order
            result.sorted = True
    result.overlaps = sum(
        1
        for a, b in zip(sentences, sentences[1:], strict=False)
        if a["end_ms"] is not None and b["start_ms"] is not None and b["start_ms"] < a["end_ms"]
    )
    result.sentences = sentences
