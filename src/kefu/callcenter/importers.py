"""Call-log importers (话单导入): Asterisk queue_log, Asterisk CDR CSV, any CSV with a column mapping.

Each parser reads the whole file and returns the calls it found and the lines it refused (with line
numbers and reasons); `import_calls` stores the calls in batches. A refused line never stops the
import. Every call has a stable external id, and (source, external id) is unique, so importing the
same file twice — or a file that overlaps the last one, as rotated logs do — adds nothing the second
time.

Formats:
- queue_log: `time|callid|queue|agent|event|data1|data2|...`, one line per queue event, time as Unix
  seconds (or a date in the PBX's time zone, as the realtime backends write it). One record per call
  visit to a queue: ENTERQUEUE … CONNECT … COMPLETECALLER/COMPLETEAGENT (answered), TRANSFER /
  BLINDTRANSFER / ATTENDEDTRANSFER (transferred), ABANDON / EXITEMPTY / EXITWITHKEY (abandoned),
  EXITWITHTIMEOUT (timed out). A WRAPUP line (`...|WRAPUP|seconds|code`, written by a dialplan's
  QueueLog()) adds the wrap-up. Queue-wide events (AGENTLOGIN, PAUSE, QUEUESTART, ...) are skipped.
- cdr: Asterisk cdr_csv's Master.csv, no header: accountcode, src, dst, dcontext, clid, channel,
  dstchannel, lastapp, lastdata, start, answer, end, duration, billsec, disposition, amaflags
  [, uniqueid [, userfield]]; times in the PBX's time zone.
- csv: a header row; `--map field=column,...` names the columns (unmapped fields use a column of the
  field's own name). Fields: id, queue, caller, called, direction, arrival (required), answer, end,
  agent, outcome, wait, talk, wrapup, wrapup_code, recording.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.callcenter.models import CallRecord, Direction, ImportLineError, ImportRun, Outcome, Source
from kefu.callcenter.selectors import AgentDirectory
from kefu.core.errors import PermissionDenied, ValidationError
from kefu.customers.models import CustomerPhone, normalize_phone

BATCH_SIZE = 5000
MAX_STORED_ERRORS = 1000  # per run; the count is always exact


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


def _lines(text: str) -> Iterable[tuple[int, str]]:
    # str.splitlines() also splits at \x1c, \u2028, ...: that would shift line numbers.
    for number, line in enumerate(text.split("\n"), 1):
        yield number, line.removesuffix("\r")


def _time(value: str, tz: tzinfo) -> datetime:
    value = value.strip()
    if not value:
        raise ValueError("empty")
    if value.isdigit() or re.fullmatch(r"\d+\.\d+", value):
        return datetime.fromtimestamp(float(value), tz=UTC)
    parsed = datetime.fromisoformat(value.replace("/", "-"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)


_DURATION = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{1,2})$")


def _seconds_value(value: str) -> int:
    if value.isdigit():  # the common case, first
        return int(value)
    value = value.strip().removesuffix("秒").removesuffix("s").strip()
    if not value:
        raise ValueError("empty")
    match = _DURATION.match(value)
    if match:
        hours, minutes, seconds = (int(g or 0) for g in match.groups())
        return hours * 3600 + minutes * 60 + seconds
    number = float(value)
    if number < 0 or number != number:
        raise ValueError("negative")
    return int(round(number))


def _diff(start: datetime | None, end: datetime | None) -> int | None:
    if start is None or end is None:
        return None
    return max(0, int((end - start).total_seconds()))


# --- queue_log -------------------------------------------------------------------------------

ENDING = {
    "COMPLETECALLER": Outcome.ANSWERED,
    "COMPLETEAGENT": Outcome.ANSWERED,
    "TRANSFER": Outcome.TRANSFERRED,
    "BLINDTRANSFER": Outcome.TRANSFERRED,
    "ATTENDEDTRANSFER": Outcome.TRANSFERRED,
    "ABANDON": Outcome.ABANDONED,
    "EXITEMPTY": Outcome.ABANDONED,
    "EXITWITHKEY": Outcome.ABANDONED,
    "EXITWITHTIMEOUT": Outcome.TIMED_OUT,
}
# Where each ending event keeps (hold, talk) or the wait, by data field index.
TALK_FIELDS = {
    "COMPLETECALLER": (0, 1),
    "COMPLETEAGENT": (0, 1),
    "TRANSFER": (2, 3),
    "BLINDTRANSFER": (2, 3),
    "ATTENDEDTRANSFER": (2, 3),
}
WAIT_FIELD = {"ABANDON": 2, "EXITEMPTY": 2, "EXITWITHTIMEOUT": 2, "EXITWITHKEY": 3}
CALL_EVENTS = {*ENDING, "ENTERQUEUE", "CONNECT", "DID", "RINGNOANSWER", "RINGCANCELED", "WRAPUP"}
FIELD_NAMES = {0: "data1", 1: "data2", 2: "data3", 3: "data4"}


def _number(data: list[str], index: int, event: str) -> int:
    try:
        return _seconds_value(data[index])
    except (IndexError, ValueError):
        raise LineRefused(
            _("%(event)s: %(field)s must be a number of seconds")
            % {"event": event, "field": FIELD_NAMES.get(index, index)}
        ) from None


class _Visit:
    __slots__ = (
        "enter",
        "caller",
        "called",
        "answer",
        "end",
        "agent",
        "outcome",
        "hold",
        "talk",
        "wait",
        "wrapup",
        "wrapup_code",
        "end_line",
    )

    def __init__(self):
        self.enter = self.answer = self.end = None
        self.caller = self.called = self.agent = self.wrapup_code = ""
        self.outcome = None
        self.hold = self.talk = self.wait = self.wrapup = None
        self.end_line = 0


def parse_queue_log(text: str, tz: tzinfo) -> Parsed:
    result = Parsed()
    visits: dict[tuple[str, str], _Visit] = {}
    seen_times: dict[str, datetime] = {}
    for line_no, line in _lines(text):
        if not line.strip():
            continue
        result.lines += 1
        try:
            parts = line.split("|")
            if len(parts) < 5:
                raise LineRefused(
                    _("expected time|callid|queue|agent|event|data…, found %(n)s fields") % {"n": len(parts)}
                )
            event = parts[4].strip().upper()
            if event not in CALL_EVENTS:
                continue  # queue and agent events (AGENTLOGIN, PAUSE, QUEUESTART, ...) are no calls
            try:
                at = seen_times.get(parts[0])  # a busy queue logs several lines a second
                if at is None:
                    at = seen_times[parts[0]] = _time(parts[0], tz)
            except (ValueError, OverflowError, OSError):
                raise LineRefused(
                    _("the time %(v)r is neither Unix seconds nor a date") % {"v": parts[0][:40]}
                ) from None
            callid, queue = parts[1].strip(), parts[2].strip()
            if not callid or callid.upper() == "NONE":
                raise LineRefused(_("%(event)s without a call id") % {"event": event})
            if not queue or queue.upper() == "NONE":
                raise LineRefused(_("%(event)s without a queue") % {"event": event})
            _apply(visits, (callid, queue), event, at, parts[3].strip(), parts[5:], line_no)
        except LineRefused as exc:
            result.errors.append(LineError(line_no, str(exc), line[:500]))
    for (callid, queue), visit in visits.items():
        if visit.end is None:
            result.incomplete += 1
            continue
        result.calls.append(_visit_call(callid, queue, visit))
    return result


def _apply(visits, key, event: str, at: datetime, agent: str, data: list[str], line_no: int) -> None:
    visit = visits.get(key)
    if visit is None:
        visit = visits[key] = _Visit()
    if event == "ENTERQUEUE":
        if visit.enter is None or at < visit.enter:
            visit.enter = at
        if len(data) > 1 and data[1].strip():
            visit.caller = data[1].strip()
    elif event == "DID":
        visit.called = (data[0] if data else "").strip()
    elif event == "CONNECT":
        visit.hold = _number(data, 0, event)
        visit.answer = at
        visit.agent = agent or visit.agent
    elif event == "WRAPUP":
        visit.wrapup = _number(data, 0, event)
        visit.wrapup_code = (data[1] if len(data) > 1 else "").strip()[:80]
    elif event in ENDING:
        if visit.end is not None:
            raise LineRefused(
                _("%(event)s: this call already ended on line %(n)s") % {"event": event, "n": visit.end_line}
            )
        if event in TALK_FIELDS:
            hold_at, talk_at = TALK_FIELDS[event]
            hold, talk = _number(data, hold_at, event), _number(data, talk_at, event)
            visit.hold, visit.talk = hold, talk
            if visit.answer is None:
                visit.answer = at - timedelta(seconds=talk)
            visit.agent = agent or visit.agent
        else:
            visit.wait = _number(data, WAIT_FIELD[event], event)
        visit.end, visit.outcome, visit.end_line = at, ENDING[event], line_no
    # RINGNOANSWER / RINGCANCELED: an attempt on one agent; the visit goes on.


def _visit_call(callid: str, queue: str, v: _Visit) -> ParsedCall:
    answered = v.outcome in (Outcome.ANSWERED, Outcome.TRANSFERRED)
    arrival = v.enter
    if arrival is None:
        if answered and v.answer is not None:
            arrival = v.answer - timedelta(seconds=v.hold or 0)
        else:
            arrival = v.end - timedelta(seconds=v.wait or 0)
    if answered:
        wait = v.hold if v.hold is not None else _diff(arrival, v.answer)
        talk = v.talk if v.talk is not None else _diff(v.answer, v.end)
    else:
        wait = v.wait if v.wait is not None else _diff(arrival, v.end)
        talk = None
    return ParsedCall(
        external_id=f"{callid}|{queue}"[:150],
        queue=queue[:80],
        arrived_at=arrival,
        answered_at=v.answer if answered else None,
        ended_at=v.end,
        outcome=v.outcome,
        caller=v.caller,
        called=v.called,
        agent=v.agent if answered else "",
        wait=wait,
        talk=talk,
        wrapup=v.wrapup,
        wrapup_code=v.wrapup_code,
    )


# --- Asterisk CDR (Master.csv) -----------------------------------------------------------------

CDR_DISPOSITIONS = {
    "ANSWERED": Outcome.ANSWERED,
    "NO ANSWER": Outcome.ABANDONED,
    "BUSY": Outcome.FAILED,
    "FAILED": Outcome.FAILED,
    "CONGESTION": Outcome.FAILED,
}
CDR_COLUMNS = 16


def _csv_rows(text: str) -> Iterable[tuple[int, list[str] | None, str]]:
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


def parse_cdr(text: str, tz: tzinfo) -> Parsed:
    from kefu.callcenter.selectors import agent_code

    result = Parsed()
    for line_no, row, problem in _csv_rows(text):
        if row is not None and not any(cell.strip() for cell in row):
            continue
        result.lines += 1
        try:
            if row is None:
                raise LineRefused(_("not CSV: %(err)s") % {"err": problem})
            if len(row) < CDR_COLUMNS:
                raise LineRefused(
                    _("expected at least 16 columns (Master.csv order), found %(n)s") % {"n": len(row)}
                )
            if line_no == 1 and row[9].strip().lower() == "start":
                result.lines -= 1
                continue  # a header row someone added
            start = _cdr_time(row[9], "start", tz)
            end = _cdr_time(row[11], "end", tz)
            answer = _cdr_time(row[10], "answer", tz) if row[10].strip() else None
            disposition = row[14].strip().upper()
            if disposition not in CDR_DISPOSITIONS:
                raise LineRefused(_("unknown disposition %(v)r") % {"v": row[14][:30]})
            if end < start:
                raise LineRefused(_("end is before start"))
            outcome = CDR_DISPOSITIONS[disposition]
            if outcome != Outcome.ANSWERED:
                answer = None
            try:
                billsec = _seconds_value(row[13]) if row[13].strip() else None
            except ValueError:
                raise LineRefused(_("billsec must be a number of seconds")) from None
            uniqueid = row[16].strip() if len(row) > 16 else ""
            key = (
                f"{uniqueid}|{row[6].strip()}"
                if uniqueid
                else "sha1:" + hashlib.sha1("\x1f".join(row).encode()).hexdigest()
            )
            queue = row[8].split(",", 1)[0].strip() if row[7].strip().lower() == "queue" else ""
            result.calls.append(
                ParsedCall(
                    external_id=key[:150],
                    queue=queue[:80],
                    caller=row[1].strip(),
                    called=row[2].strip()[:40],
                    arrived_at=start,
                    answered_at=answer,
                    ended_at=end,
                    outcome=outcome,
                    agent=agent_code(row[6]) if answer else "",
                    wait=_diff(start, answer if answer else end),
                    talk=billsec if answer else None,
                )
            )
        except LineRefused as exc:
            result.errors.append(LineError(line_no, str(exc), ",".join(row or [])[:500]))
    return result


def _cdr_time(value: str, name: str, tz: tzinfo) -> datetime:
    try:
        return _time(value, tz)
    except (ValueError, OverflowError, OSError):
        raise LineRefused(
            _("%(field)s %(v)r is not a date and time") % {"field": name, "v": value[:40]}
        ) from None


# --- generic CSV with a column mapping ---------------------------------------------------------

CSV_FIELDS = (
    "id", "queue", "caller", "called", "direction", "arrival", "answer", "end",
    "agent", "outcome", "wait", "talk", "wrapup", "wrapup_code", "recording",
)  # fmt: skip
# Outcome words as PBX exports write them, English and Chinese; compared lower-cased.
OUTCOME_WORDS = {
    Outcome.ANSWERED: [
        "answered",
        "answer",
        "connected",
        "completed",
        "接通",
        "已接通",
        "已接听",
        "接听",
        "应答",
        "已应答",
        "成功",
    ],
    Outcome.ABANDONED: [
        "abandoned",
        "abandon",
        "no answer",
        "missed",
        "放弃",
        "呼损",
        "未接",
        "未接通",
        "未接听",
        "客户挂机",
        "挂断",
    ],
    Outcome.TRANSFERRED: ["transferred", "transfer", "转接", "已转接", "转移"],
    Outcome.TIMED_OUT: ["timed_out", "timeout", "timed out", "超时", "排队超时"],
    Outcome.FAILED: ["failed", "busy", "congestion", "失败", "忙", "占线"],
}
OUTCOME_BY_WORD = {word: outcome for outcome, words in OUTCOME_WORDS.items() for word in words}
DIRECTION_WORDS = {
    "inbound": "inbound",
    "in": "inbound",
    "呼入": "inbound",
    "outbound": "outbound",
    "out": "outbound",
    "呼出": "outbound",
    "internal": "internal",
    "内部": "internal",
}


def parse_mapping(spec: str | dict | None) -> dict[str, str]:
    """`arrival=开始时间,agent=坐席` → {"arrival": "开始时间", "agent": "坐席"}; refuses unknown fields."""
    if isinstance(spec, dict):
        pairs = list(spec.items())
    else:
        pairs = []
        for item in (spec or "").split(","):
            if not item.strip():
                continue
            name, sep, column = item.partition("=")
            if not sep or not column.strip():
                raise ValidationError.for_field(
                    "map", _("%(item)r is not field=column") % {"item": item.strip()}
                )
            pairs.append((name.strip(), column.strip()))
    unknown = [name for name, _column in pairs if name not in CSV_FIELDS]
    if unknown:
        raise ValidationError.for_field(
            "map",
            _("Unknown fields %(names)s; known: %(known)s")
            % {"names": ", ".join(unknown), "known": ", ".join(CSV_FIELDS)},
        )
    return dict(pairs)


def parse_mapped_csv(text: str, tz: tzinfo, mapping: dict[str, str]) -> Parsed:
    result = Parsed()
    rows = _csv_rows(text)
    header_line, header = None, None
    for line_no, row, problem in rows:
        if row is None:
            raise ValidationError.for_field(
                "file", _("line %(n)s: the header is not CSV: %(err)s") % {"n": line_no, "err": problem}
            )
        if any(cell.strip() for cell in row):
            header_line, header = line_no, [cell.strip() for cell in row]
            break
    if header is None:
        return result
    columns = {name: mapping.get(name, name) for name in CSV_FIELDS}
    missing = [name for name, column in mapping.items() if column not in header]
    if missing:
        raise ValidationError(
            _("Columns not in the header: %(cols)s")
            % {"cols": ", ".join(f"{n}={mapping[n]}" for n in missing)},
            errors={f"map.{n}": [_("No column %(c)r in the header.") % {"c": mapping[n]}] for n in missing},
        )
    index = {name: header.index(column) for name, column in columns.items() if column in header}
    if "arrival" not in index:
        raise ValidationError.for_field(
            "map", _("Say which column holds the arrival time: --map arrival=<column>.")
        )
    del header_line
    for line_no, row, problem in rows:
        if row is not None and not any(cell.strip() for cell in row):
            continue
        result.lines += 1
        try:
            if row is None:
                raise LineRefused(_("not CSV: %(err)s") % {"err": problem})
            if len(row) != len(header):
                raise LineRefused(
                    _("expected %(want)s columns as in the header, found %(n)s")
                    % {"want": len(header), "n": len(row)}
                )
            result.calls.append(_mapped_call(row, index, tz))
        except LineRefused as exc:
            result.errors.append(LineError(line_no, str(exc), ",".join(row or [])[:500]))
    return result


def _mapped_call(row: list[str], index: dict[str, int], tz: tzinfo) -> ParsedCall:
    def cell(name: str) -> str:
        i = index.get(name)
        return row[i].strip() if i is not None else ""

    def when(name: str) -> datetime | None:
        value = cell(name)
        if not value:
            return None
        try:
            return _time(value, tz)
        except (ValueError, OverflowError, OSError):
            raise LineRefused(
                _("%(field)s %(v)r is not a date and time") % {"field": name, "v": value[:40]}
            ) from None

    def secs(name: str) -> int | None:
        value = cell(name)
        if not value:
            return None
        try:
            return _seconds_value(value)
        except ValueError:
            raise LineRefused(
                _("%(field)s %(v)r is not a duration") % {"field": name, "v": value[:40]}
            ) from None

    arrival = when("arrival")
    if arrival is None:
        raise LineRefused(_("arrival is empty"))
    answer, end = when("answer"), when("end")
    talk, wait = secs("talk"), secs("wait")
    word = cell("outcome").lower()
    if word:
        outcome = OUTCOME_BY_WORD.get(word)
        if outcome is None:
            raise LineRefused(_("unknown outcome %(v)r") % {"v": cell("outcome")[:30]})
    else:
        outcome = Outcome.ANSWERED if answer or talk else Outcome.ABANDONED
    if end is None and answer is not None and talk is not None:
        end = answer + timedelta(seconds=talk)
    if end is not None and end < arrival:
        raise LineRefused(_("end is before arrival"))
    if answer is not None and answer < arrival:
        raise LineRefused(_("answer is before arrival"))
    direction = (
        DIRECTION_WORDS.get(cell("direction").lower(), None) if cell("direction") else Direction.INBOUND
    )
    if direction is None:
        raise LineRefused(_("unknown direction %(v)r") % {"v": cell("direction")[:30]})
    recording = cell("recording")
    if recording and not re.match(r"^https?://", recording):
        raise LineRefused(_("recording must be an http(s) URL"))
    key = cell("id")
    if not key:
        key = "sha1:" + hashlib.sha1("\x1f".join(c.strip() for c in row).encode()).hexdigest()
    answered = outcome in (Outcome.ANSWERED, Outcome.TRANSFERRED)
    return ParsedCall(
        external_id=key[:150],
        queue=cell("queue")[:80],
        caller=cell("caller"),
        called=cell("called")[:40],
        direction=direction,
        arrived_at=arrival,
        answered_at=answer if answered else None,
        ended_at=end,
        outcome=outcome,
        agent=cell("agent"),
        wait=wait if wait is not None else _diff(arrival, answer if answered and answer else end),
        talk=(talk if talk is not None else _diff(answer, end)) if answered else None,
        wrapup=secs("wrapup"),
        wrapup_code=cell("wrapup_code")[:80],
        recording=recording[:500],
    )


# --- storing ---------------------------------------------------------------------------------


def import_calls(
    *,
    path: str | Path,
    fmt: str,
    by=None,
    mapping: str | dict | None = None,
    encoding: str = "auto",
    time_zone: str | None = None,
    file_name: str = "",
    batch_size: int = BATCH_SIZE,
    now: datetime | None = None,
) -> ImportRun:
    """Import one call-log file (导入话单); returns the run with its counts and refused lines.

    Not one transaction: a file of millions of lines is stored batch by batch, each batch in its own
    transaction, and the unique external ids make a re-run after a crash finish the job without
    duplicates. Refuses staff outside the service center, unknown formats, mappings naming unknown
    fields or missing columns, and undecodable files — before anything is stored.
    """
    now = now or timezone.now()
    if by is not None and not (by.is_lead or by.is_superuser):
        raise PermissionDenied(_("Only supervisors and managers import call records."))
    parsers = {Source.QUEUE_LOG: parse_queue_log, Source.CDR: parse_cdr, Source.CSV: parse_mapped_csv}
    if fmt not in parsers:
        raise ValidationError.for_field("format", _("Use queue_log, cdr or csv."))
    try:
        tz = ZoneInfo(time_zone or settings.TIME_ZONE)
    except (KeyError, ValueError):
        raise ValidationError.for_field(
            "timezone", _("Unknown time zone %(tz)r") % {"tz": time_zone}
        ) from None
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ValidationError.for_field("file", str(exc)) from exc
    text = decode(data, encoding)
    if fmt == Source.CSV:
        parsed = parse_mapped_csv(text, tz, parse_mapping(mapping))
    else:
        parsed = parsers[fmt](text, tz)
    run = ImportRun.objects.create(
        source=fmt, file_name=(file_name or str(path))[:500], started_at=now, by=by
    )
    imported, duplicates = store_calls(
        source=fmt, calls=parsed.calls, run=run, now=now, batch_size=batch_size
    )
    ImportLineError.objects.bulk_create(
        [
            ImportLineError(run=run, line_no=e.line_no, reason=e.reason[:300], raw=e.raw)
            for e in parsed.errors[:MAX_STORED_ERRORS]
        ]
    )
    run.lines, run.imported, run.duplicates = parsed.lines, imported, duplicates
    run.incomplete, run.error_count, run.finished_at = parsed.incomplete, len(parsed.errors), timezone.now()
    run.save(update_fields=["lines", "imported", "duplicates", "incomplete", "error_count", "finished_at"])
    run.parsed_errors = parsed.errors  # every refused line, for the caller's report
    return run


# The columns `store_calls` writes, in order (attribute names of CallRecord).
STORED_FIELDS = (
    "source", "external_id", "queue", "caller_number", "called_number", "direction", "arrived_at",
    "answered_at", "ended_at", "agent_id", "agent_code", "outcome", "wait_seconds", "talk_seconds",
    "wrapup_seconds", "wrapup_code", "customer_id", "recording_url", "import_run_id", "created_at",
)  # fmt: skip


def _insert_sql(connection, source_table: str = "") -> str:
    meta = CallRecord._meta
    table = connection.ops.quote_name(meta.db_table)
    column_of = {f.attname: f.column for f in meta.concrete_fields}
    columns = ", ".join(connection.ops.quote_name(column_of[name]) for name in STORED_FIELDS)
    # The customer is found by phone inside the INSERT (the oldest holder of the number, as
    # kefu.customers' look-up picks): an index probe per row instead of look-up queries from Python.
    # The row's customer_id value is the caller's number (SQLite) / the staged caller_number (PostgreSQL).
    phone = CustomerPhone._meta
    q = connection.ops.quote_name
    number = f"s.{q(column_of['caller_number'])}" if source_table else "%s"
    # SQLite: MIN over the few rows of that number (no sort); "+ 0" keeps the planner from walking
    # the (customer, number) index in order hoping to meet the number.
    lookup = (
        f"(SELECT MIN(p.{q(phone.get_field('customer').column)} + 0) FROM {q(phone.db_table)} p "
        f"WHERE p.{q(phone.get_field('number').column)} = {number})"
    )
    if source_table:
        # PostgreSQL: one hash join with the holders of the batch's numbers (the oldest per number)
        # instead of an index probe per row.
        number_col, customer_col = q(phone.get_field("number").column), q(phone.get_field("customer").column)
        picked = ", ".join(
            f"h.{customer_col}" if name == "customer_id" else f"s.{q(column_of[name])}"
            for name in STORED_FIELDS
        )
        holders = (
            f"SELECT DISTINCT ON ({number_col}) {number_col}, {customer_col} FROM {q(phone.db_table)} "
            f"WHERE {number_col} IN (SELECT {q(column_of['caller_number'])} FROM {source_table}) "
            f"ORDER BY {number_col}, {customer_col}"
        )
        values = (
            f"SELECT {picked} FROM {source_table} s LEFT JOIN ({holders}) h "
            f"ON h.{number_col} = s.{q(column_of['caller_number'])}"
        )
    else:
        values = (
            "VALUES (" + ", ".join(lookup if name == "customer_id" else "%s" for name in STORED_FIELDS) + ")"
        )
    # ON CONFLICT DO NOTHING (SQLite 3.24+, PostgreSQL) is the idempotence: a call already stored — by
    # the last import of this file, or by another import running now — is skipped, not duplicated.
    return f"INSERT INTO {table} ({columns}) {values} ON CONFLICT DO NOTHING"


PG_STAGING = "kefu_callcenter_import"  # a temporary table: private to the session, emptied per batch


def _insert_rows(connection, rows: list[tuple]) -> int:
    """Insert the rows, skipping stored ones; returns how many were new.

    SQLite: one executemany (its rowcount is the sum). PostgreSQL: COPY into a temporary table, then
    one INSERT ... SELECT — four times faster than executemany through Django's cursor (bench/calls.py).
    """
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.executemany(_insert_sql(connection), rows)
            return cursor.rowcount
        meta = CallRecord._meta
        column_of = {f.attname: f.column for f in meta.concrete_fields}
        columns = ", ".join(connection.ops.quote_name(column_of[name]) for name in STORED_FIELDS)
        table = connection.ops.quote_name(meta.db_table)
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {PG_STAGING} ON COMMIT DELETE ROWS AS "
            f"SELECT {columns} FROM {table} WITH NO DATA"
        )
        cursor.execute(f"DELETE FROM {PG_STAGING}")  # inside a caller's longer transaction, too
        # The planner's estimate of the per-row customer look-up passes jit_above_cost: compiling the
        # plan costs more than it saves on a few thousand rows.
        cursor.execute("SET LOCAL jit = off")
        with cursor.cursor.copy(f"COPY {PG_STAGING} ({columns}) FROM STDIN") as copy:  # psycopg's own cursor
            for row in rows:
                copy.write_row(row)
        cursor.execute(_insert_sql(connection, PG_STAGING))
        return cursor.rowcount


def _datetime_adapter(connection):
    """Datetimes as the backend stores them; SQLite keeps naive UTC text (what Django's adapter does, faster)."""
    if connection.vendor == "sqlite":
        done: dict[datetime, str] = {}

        def adapt(value):
            if value is None:
                return None
            text = done.get(value)
            if text is None:
                text = done[value] = str(value.astimezone(UTC).replace(tzinfo=None))
            return text

        return adapt
    return connection.ops.adapt_datetimefield_value


#: PostgreSQL: batches stored by this many connections at once (each its own server process).
PG_WRITERS = 2


def store_calls(
    *,
    source: str,
    calls: list[ParsedCall],
    run: ImportRun | None,
    now: datetime,
    batch_size: int = BATCH_SIZE,
    writers: int | None = None,
) -> tuple[int, int]:
    """Insert the calls not stored yet, one transaction per batch; returns (inserted, already there).

    Plain INSERTs of value tuples rather than bulk_create: the ORM's per-field preparation cost ten
    times the insert itself (bench/calls.py); the values were checked by the parsers.

    On PostgreSQL the server's share (the indexes, the customer look-up, the foreign-key checks)
    is most of the time, so `writers` connections (PG_WRITERS) store batches side by side, each
    batch still its own transaction; only outside a caller's transaction (whose rows the other
    connections could not see), and never on SQLite (one writer at a time).
    """
    from django.db import connection

    agents = AgentDirectory()
    dt = _datetime_adapter(connection)
    run_id = run.pk if run is not None else None
    created = dt(now)
    staged = connection.vendor == "postgresql"  # customers: see _insert_sql
    agent_of = agents.user_id
    seen: set[str] = set()
    duplicates = 0

    def batches():
        nonlocal duplicates
        for start in range(0, len(calls), batch_size):
            batch = []
            for call in calls[start : start + batch_size]:
                if call.external_id in seen:
                    duplicates += 1  # the same call twice in one file
                    continue
                seen.add(call.external_id)
                batch.append(call)
            rows = [
                (
                    source,
                    c.external_id,
                    c.queue,
                    phone,
                    c.called,
                    c.direction,
                    dt(c.arrived_at),
                    dt(c.answered_at),
                    dt(c.ended_at),
                    agent_of(c.agent) if c.agent else None,
                    c.agent[:80],
                    c.outcome,
                    c.wait,
                    c.talk,
                    c.wrapup,
                    c.wrapup_code,
                    None if staged else phone,
                    c.recording,
                    run_id,
                    created,
                )  # fmt: skip
                for c, phone in ((c, _phone(c.caller)) for c in batch)
            ]
            if rows:
                yield batch, rows

    def store(batch, rows) -> int:
        from django.db import connection  # this thread's own

        with transaction.atomic():
            added = _insert_rows(connection, rows)  # conflicts (already stored) add 0
            if added is None or added < 0:  # a driver that cannot tell: count what the batch left behind
                added = _count_new(source, [c.external_id for c in batch], run_id)
        return added

    writers = PG_WRITERS if writers is None else writers
    parallel = staged and writers > 1 and not connection.in_atomic_block and len(calls) > batch_size
    stored = rows_total = 0
    if not parallel:
        for batch, rows in batches():
            stored += store(batch, rows)
            rows_total += len(rows)
        return stored, duplicates + rows_total - stored
    for added, count in _in_threads(store, batches(), writers):
        stored += added
        rows_total += count
    return stored, duplicates + rows_total - stored


def _in_threads(store, batches, writers: int):
    """Run store(batch, rows) on `writers` threads, each with its own database connection; yields
    (added, rows) per batch. The first failure stops the others and is raised here."""
    import queue
    import threading

    from django.db import connections

    todo: queue.Queue = queue.Queue(maxsize=writers)
    done: queue.Queue = queue.Queue()
    failed = threading.Event()

    def work():
        try:
            while (item := todo.get()) is not None:
                if not failed.is_set():
                    try:
                        done.put((store(*item), len(item[1]), None))
                    except BaseException as exc:  # handed to the caller's thread
                        failed.set()
                        done.put((0, 0, exc))
        finally:
            connections.close_all()

    def results():
        while not done.empty():
            added, count, exc = done.get()
            if exc is not None:
                raise exc
            yield added, count

    threads = [threading.Thread(target=work, name=f"call-import-{n}", daemon=True) for n in range(writers)]
    for thread in threads:
        thread.start()
    try:
        for item in batches:
            if failed.is_set():
                break
            todo.put(item)
            yield from results()
    finally:
        for _thread in threads:
            todo.put(None)
        for thread in threads:
            thread.join()
    yield from results()


def _count_new(source: str, keys: list[str], run_id) -> int:
    return sum(
        CallRecord.objects.filter(
            source=source, external_id__in=keys[i : i + 900], import_run_id=run_id
        ).count()
        for i in range(0, len(keys), 900)
    )


def _phone(raw: str) -> str:
    if raw.isdigit() and not raw.startswith("86") and not raw.startswith("0086"):
        return raw[:40]  # already normalized: the common case in PBX logs
    return normalize_phone(raw)[:40]
