"""What every call-log parser shares: the parsed call, refused lines, reading text, times and durations."""

from __future__ import annotations

import csv
import hashlib
import io
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo

from django.conf import settings
from django.utils.translation import gettext as _

from kefu.callcenter.models import AUTO_OUTCOME, Direction, Outcome, normalize_word
from kefu.core.textfile import decode  # noqa: F401 (the parsers' and the import service's name for it)

# Call times outside these are no call times: a zero, empty or garbled value (`0` is 1970).
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
MAX_SECONDS = 86_400  # a longer wait, talk, hold or wrap-up is a garbled value, not a call
ANSWERED_OUTCOMES = (Outcome.ANSWERED, Outcome.TRANSFERRED)


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
    hold: int | None = None  # on hold during the talk (not queue_log's holdtime, which is the wait)
    wrapup_code: str = ""
    recording: str = ""
    queued: bool | None = None  # None: the format does not say
    queued_at: datetime | None = None


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
    skewed: int = 0  # calls whose times were clamped within the skew tolerance


@dataclass
class Options:
    """How a file is read beyond its text and time zone."""

    skew: int = -1  # seconds of PBX clock skew tolerated; -1: settings.KEFU_CALL_SKEW_SECONDS
    outcomes: dict[str, str] | None = None  # normalized word → outcome; None: the built-in words

    def __post_init__(self):
        if self.skew < 0:
            self.skew = settings.KEFU_CALL_SKEW_SECONDS
        from kefu.callcenter.imports.outcomes import BUILT_IN

        # A copy: outcome_of remembers the words it has read in it.
        self.outcomes = dict(BUILT_IN if self.outcomes is None else self.outcomes)


class LineRefused(Exception):
    """A line that cannot be read; its message is the reason shown with the line number."""


# --- reading files ---------------------------------------------------------------------------


def lines_of(text: str) -> Iterable[tuple[int, str]]:
    # str.splitlines() also splits at \x1c, \u2028, ...: that would shift line numbers.
    for number, line in enumerate(text.split("\n"), 1):
        yield number, line.removesuffix("\r")


def parse_time(value: str, tz: tzinfo, name: str = "time") -> datetime:
    """Unix seconds or an ISO date (`/` allowed), in `tz` without an offset. ValueError when it is no
    time; LineRefused (naming `name`) when it is one outside 2000–2099."""
    value = value.strip()
    if not value:
        raise ValueError("empty")
    if value.isdigit() or re.fullmatch(r"\d+\.\d+", value):
        parsed = datetime.fromtimestamp(float(value), tz=UTC)
    else:
        parsed = datetime.fromisoformat(value.replace("/", "-"))
        if not parsed.tzinfo:
            parsed = parsed.replace(tzinfo=tz)
    if not EARLIEST <= parsed < LATEST:
        raise LineRefused(
            _("%(field)s %(v)r is not a call time (before 2000 or after 2099: a zero or garbled value?)")
            % {"field": name, "v": value[:40]}
        )
    return parsed


DURATION = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{1,2})$")


def seconds_value(value: str) -> int:
    """Seconds (`45`, `45秒`, `45.4`) or `[h:]mm:ss`; ValueError unless finite and 0 to MAX_SECONDS."""
    if value.isdigit():  # the common case, first
        seconds = int(value)
    else:
        value = value.strip().removesuffix("秒").removesuffix("s").strip()
        if not value:
            raise ValueError("empty")
        match = DURATION.match(value)
        if match:
            hours, minutes, secs = (int(g or 0) for g in match.groups())
            seconds = hours * 3600 + minutes * 60 + secs
        else:
            number = float(value)
            if not math.isfinite(number) or number < 0:  # inf would crash int(); nan compares false
                raise ValueError("not a finite positive number")
            seconds = int(round(min(number, MAX_SECONDS + 1)))
    if seconds > MAX_SECONDS:
        raise ValueError("too large")
    return seconds


def settle_times(
    arrival: datetime,
    answer: datetime | None,
    end: datetime | None,
    queued_at: datetime | None,
    skew: int,
) -> tuple[datetime | None, datetime | None, datetime | None, bool]:
    """(answer, end, queued_at, skewed): times in order — arrival ≤ queue entry ≤ answer ≤ end.

    A PBX's clocks disagree by a second or two (an answer stamped before the arrival or the queue
    entry): a time up to `skew` seconds too early is moved up to the one it must follow, and the
    call counts as skewed; more than that refuses the line, naming both times.
    """
    floor = queued_at or arrival
    if (
        (queued_at is None or queued_at >= arrival)
        and (answer is None or answer >= floor)
        and (end is None or end >= (answer or floor))
    ):
        return answer, end, queued_at, False  # the common case, without the checks below
    tolerance = timedelta(seconds=skew)
    skewed = False

    def after(value, floor, what, floor_name):
        nonlocal skewed
        if value is None or floor is None or value >= floor:
            return value
        if floor - value > tolerance:
            raise LineRefused(
                _("%(what)s is %(n)s s before %(floor)s (more than the %(skew)s s clock skew tolerated)")
                % {
                    "what": what,
                    "n": round((floor - value).total_seconds()),
                    "floor": floor_name,
                    "skew": skew,
                }
            )
        skewed = True
        return floor

    queued_at = after(queued_at, arrival, _("the queue entry"), _("the arrival"))
    answer = after(
        answer, queued_at or arrival, _("the answer"), _("the queue entry") if queued_at else _("the arrival")
    )
    end = after(
        end, answer or queued_at or arrival, _("the end"), _("the answer") if answer else _("the arrival")
    )
    return answer, end, queued_at, skewed


def outcome_of(word: str, outcomes: dict[str, str], *, answered: bool) -> str:
    """The outcome an outcome word means (`auto`: answered or abandoned by `answered`); an unknown
    word refuses the line, saying how to map it."""
    outcome = outcomes.get(word)  # a queue_log's events and most exports repeat a few words
    if outcome is None:
        outcome = outcomes[word] = outcomes.get(normalize_word(word))
    if outcome is None:
        del outcomes[word]
        raise LineRefused(
            _(
                "unknown outcome %(v)r: map it to an outcome in Admin → Call center → Outcome words "
                "(answered, abandoned, transferred, timed_out, failed or auto)"
            )
            % {"v": word[:30]}
        )
    if outcome == AUTO_OUTCOME:
        return Outcome.ANSWERED if answered else Outcome.ABANDONED
    return outcome


class RowKeys:
    """Ids for rows of a file without ids: a digest of the row, and for the n-th identical copy in
    the file (n ≥ 2) `#n` after it — two identical lines are two calls, and the same file (or one
    that overlaps it) imported again gives the same ids. The first copy's id is the plain digest,
    as before copies were told apart."""

    def __init__(self):
        self.seen: dict[str, int] = {}

    def key(self, cells: Iterable[str]) -> str:
        digest = "sha1:" + hashlib.sha1("\x1f".join(cells).encode()).hexdigest()
        copies = self.seen[digest] = self.seen.get(digest, 0) + 1
        return digest if copies == 1 else f"{digest}#{copies}"


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
