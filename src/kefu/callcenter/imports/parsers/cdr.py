"""Asterisk CDR: cdr_csv's Master.csv, no header, columns in Asterisk's order."""

from __future__ import annotations

from datetime import datetime, tzinfo

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

CDR_COLUMNS = 16


def parse_cdr(text: str, tz: tzinfo, options: Options | None = None) -> Parsed:
    """Calls and refused rows of a Master.csv; the disposition is read through the outcome words."""
    from kefu.callcenter.selectors import agent_code

    options = options or Options()
    keys = RowKeys()
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
            try:
                billsec = seconds_value(row[13]) if row[13].strip() else None
            except ValueError:
                raise LineRefused(_("billsec must be a number of seconds (0 to 86400)")) from None
            outcome = outcome_of(row[14].strip(), options.outcomes, answered=bool(row[10].strip() or billsec))
            # An unanswered call's answer cell may be empty or a zero date: only an answer counts.
            answer = None
            if outcome in ANSWERED_OUTCOMES and row[10].strip():
                answer = _cdr_time(row[10], "answer", tz)
            answer, end, _queued_at, skewed = settle_times(start, answer, end, None, options.skew)
            uniqueid = row[16].strip() if len(row) > 16 else ""
            key = f"{uniqueid}|{row[6].strip()}" if uniqueid else keys.key(row)
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
                    queued=row[7].strip().lower() == "queue",  # the last application: Queue or not
                )
            )
            result.skewed += skewed
        except LineRefused as exc:
            result.errors.append(LineError(line_no, str(exc), ",".join(row or [])[:500]))
    return result


def _cdr_time(value: str, name: str, tz: tzinfo) -> datetime:
    try:
        return parse_time(value, tz, name)
    except (ValueError, OverflowError, OSError):
        raise LineRefused(
            _("%(field)s %(v)r is not a date and time") % {"field": name, "v": value[:40]}
        ) from None
