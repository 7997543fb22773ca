"""What every call-log parser shares: the parsed call, refused lines, reading text, times and durations."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo

from django.utils.translation import gettext as _

from kefu.callcenter.models import Direction
from kefu.core.errors import ValidationError


@dataclass(slots=True)
class ParsedCall:
    external_id: str
    arrived_at: datetime
    outcome: str
    queue: str = ""
    caller: str = ""
    called: str = ""
    direction: str = Direction.INBOUND
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    agent: str = ""
    wait: int | None = None
    talk: int | None = None
    wrapup: int | None = None
    wrapup_code: str = ""
    recording: str = ""


@dataclass(slots=True)
class LineError:
    line_no: int
    reason: str
    raw: str = ""


@dataclass
class Parsed:
    calls: list[ParsedCall] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)
    lines: int = 0
    incomplete: int = 0


class LineRefused(Exception):
    """A line that cannot be read; its message is the reason shown with the line number."""


# --- reading files ---------------------------------------------------------------------------


def decode(data: bytes, encoding: str = "auto") -> str:
    """The file's text. `auto`: UTF-8 (with or without BOM), else GB18030 (which reads GBK and GB2312)."""
    if encoding != "auto":
        try:
            return data.decode(encoding)
        except (LookupError, UnicodeDecodeError) as exc:
            raise ValidationError.for_field(
                "encoding", _("The file is not %(enc)s: %(err)s") % {"enc": encoding, "err": exc}
            ) from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise ValidationError.for_field(
            "encoding", _("The file is neither UTF-8 nor GBK/GB18030; give --encoding.")
        ) from exc


def lines_of(text: str) -> Iterable[tuple[int, str]]:
    # str.splitlines() also splits at \x1c, \u2028, ...: that would shift line numbers.
    for number, line in enumerate(text.split("\n"), 1):
        yield number, line.removesuffix("\r")


def parse_time(value: str, tz: tzinfo) -> datetime:
    value = value.strip()
    if not value:
        raise ValueError("empty")
    if value.isdigit() or re.fullmatch(r"\d+\.\d+", value):
        return datetime.fromtimestamp(float(value), tz=UTC)
    parsed = datetime.fromisoformat(value.replace("/", "-"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)


DURATION = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{1,2})$")


def seconds_value(value: str) -> int:
    if value.isdigit():  # the common case, first
        return int(value)
    value = value.strip().removesuffix("秒").removesuffix("s").strip()
    if not value:
        raise ValueError("empty")
    match = DURATION.match(value)
    if match:
        hours, minutes, seconds = (int(g or 0) for g in match.groups())
        return hours * 3600 + minutes * 60 + seconds
    number = float(value)
    if number < 0 or number != number:
        raise ValueError("negative")
    return int(round(number))


def diff_seconds(start: datetime | None, end: datetime | None) -> int | None:
    if start is None or end is None:
        return None
    return max(0, int((end - start).total_seconds()))


def csv_rows(text: str) -> Iterable[tuple[int, list[str] | None, str]]:
    """(line number where the row starts, fields or None if unreadable, reason)."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    start = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield start, None, str(exc)
            start = reader.line_num + 1
            continue
        yield start, row, ""
        start = reader.line_num + 1
