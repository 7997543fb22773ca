"""Any CSV with a header row and a column mapping (`--map field=column,...`)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, tzinfo

from django.utils.translation import gettext as _

from kefu.callcenter.imports.parsers.common import (
    ANSWERED_OUTCOMES,
    LineError,
    LineRefused,
    Options,
    Parsed,
    ParsedCall,
    RowKeys,
    csv_rows,
    diff_seconds,
    outcome_of,
    parse_time,
    seconds_value,
    settle_times,
)
from kefu.callcenter.models import Direction, Outcome
from kefu.core.errors import ValidationError

CSV_FIELDS = (
    "id", "queue", "caller", "called", "direction", "arrival", "answer", "end",
    "agent", "outcome", "wait", "talk", "hold", "wrapup", "wrapup_code", "recording", "queued", "queued_at",
)  # fmt: skip
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
YES_NO = {
    **dict.fromkeys(["yes", "y", "true", "1", "是", "排队", "已排队"], True),
    **dict.fromkeys(["no", "n", "false", "0", "否", "未排队", "不排队"], False),
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


def parse_mapped_csv(
    text: str, tz: tzinfo, mapping: dict[str, str], options: Options | None = None
) -> Parsed:
    """Calls and refused rows of a CSV with a header; `mapping` says which column holds which field."""
    options = options or Options()
    keys = RowKeys()
    result = Parsed()
    rows = csv_rows(text)
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
            call, skewed = _mapped_call(row, index, tz, options, keys)
            result.calls.append(call)
            result.skewed += skewed
        except LineRefused as exc:
            result.errors.append(LineError(line_no, str(exc), ",".join(row or [])[:500]))
    return result


def _mapped_call(
    row: list[str], index: dict[str, int], tz: tzinfo, options: Options, keys: RowKeys
) -> tuple[ParsedCall, bool]:
    def cell(name: str) -> str:
        i = index.get(name)
        return row[i].strip() if i is not None else ""

    def when(name: str) -> datetime | None:
        value = cell(name)
        if not value:
            return None
        try:
            return parse_time(value, tz, name)
        except (ValueError, OverflowError, OSError):
            raise LineRefused(
                _("%(field)s %(v)r is not a date and time") % {"field": name, "v": value[:40]}
            ) from None

    def secs(name: str) -> int | None:
        value = cell(name)
        if not value:
            return None
        try:
            return seconds_value(value)
        except ValueError:
            raise LineRefused(
                _("%(field)s %(v)r is not a duration of 0 to 86400 seconds")
                % {"field": name, "v": value[:40]}
            ) from None

    arrival = when("arrival")
    if arrival is None:
        raise LineRefused(_("arrival is empty"))
    answer, end = when("answer"), when("end")
    talk, wait = secs("talk"), secs("wait")
    word = cell("outcome")
    if word:
        outcome = outcome_of(word, options.outcomes, answered=bool(answer or talk))
    else:
        outcome = Outcome.ANSWERED if answer or talk else Outcome.ABANDONED
    answered = outcome in ANSWERED_OUTCOMES
    if end is None and answer is not None and talk is not None:
        end = answer + timedelta(seconds=talk)
    queued_at, queued_word = when("queued_at"), cell("queued")
    queued = YES_NO.get(queued_word.lower()) if queued_word else (True if queued_at else None)
    if queued_word and queued is None:
        raise LineRefused(_("queued %(v)r is neither yes nor no") % {"v": queued_word[:30]})
    if queued is False and queued_at is not None:
        raise LineRefused(_("queued says no but queued_at has a time"))
    answer, end, queued_at, skewed = settle_times(
        arrival, answer if answered else None, end, queued_at, options.skew
    )
    direction = (
        DIRECTION_WORDS.get(cell("direction").lower(), None) if cell("direction") else Direction.INBOUND
    )
    if direction is None:
        raise LineRefused(_("unknown direction %(v)r") % {"v": cell("direction")[:30]})
    recording = cell("recording")
    if recording and not re.match(r"^https?://", recording):
        raise LineRefused(_("recording must be an http(s) URL"))
    key = cell("id") or keys.key(c.strip() for c in row)
    return ParsedCall(
        external_id=key[:150],
        queue=cell("queue")[:80],
        caller=cell("caller"),
        called=cell("called")[:40],
        direction=direction,
        arrived_at=arrival,
        answered_at=answer,
        ended_at=end,
        outcome=outcome,
        agent=cell("agent"),
        wait=wait if wait is not None else diff_seconds(arrival, answer if answered and answer else end),
        talk=(talk if talk is not None else diff_seconds(answer, end)) if answered else None,
        wrapup=secs("wrapup"),
        hold=secs("hold") if answered else None,
        wrapup_code=cell("wrapup_code")[:80],
        recording=recording[:500],
        queued=queued,
        queued_at=queued_at,
    ), skewed
