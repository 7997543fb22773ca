"""Asterisk CDR: cdr_csv's Master.csv, no header, columns in Asterisk's order."""

from __future__ import annotations

import hashlib
from datetime import datetime, tzinfo

from django.utils.translation import gettext as _

from kefu.callcenter.imports.parsers.common import (
    LineError,
    LineRefused,
    Parsed,
    ParsedCall,
    csv_rows,
    diff_seconds,
    parse_time,
    seconds_value,
)
from kefu.callcenter.models import Outcome

CDR_DISPOSITIONS = {
    "ANSWERED": Outcome.ANSWERED,
    "NO ANSWER": Outcome.ABANDONED,
    "BUSY": Outcome.FAILED,
    "FAILED": Outcome.FAILED,
    "CONGESTION": Outcome.FAILED,
}
CDR_COLUMNS = 16


def parse_cdr(text: str, tz: tzinfo) -> Parsed:
    from kefu.callcenter.selectors import agent_code

    result = Parsed()
    for line_no, row, problem in csv_rows(text):
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
                billsec = seconds_value(row[13]) if row[13].strip() else None
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
                    wait=diff_seconds(start, answer if answer else end),
                    talk=billsec if answer else None,
                )
            )
        except LineRefused as exc:
            result.errors.append(LineError(line_no, str(exc), ",".join(row or [])[:500]))
    return result


def _cdr_time(value: str, name: str, tz: tzinfo) -> datetime:
    try:
        return parse_time(value, tz)
    except (ValueError, OverflowError, OSError):
        raise LineRefused(
            _("%(field)s %(v)r is not a date and time") % {"field": name, "v": value[:40]}
        ) from None
