"""Asterisk queue_log: `time|callid|queue|agent|event|data1|data2|...`, one record per visit of a call to a queue."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from django.utils.translation import gettext as _

from kefu.callcenter.imports.parsers.common import (
    ANSWERED_OUTCOMES,
    LineError,
    LineRefused,
    Options,
    Parsed,
    ParsedCall,
    diff_seconds,
    lines_of,
    outcome_of,
    parse_time,
    seconds_value,
    settle_times,
)
from kefu.callcenter.models import AUTO_OUTCOME

# The events that end a call's visit to a queue; what each means comes from the outcome words
# (kefu.callcenter.imports.outcomes), where a site may change it.
ENDING = {
    "COMPLETECALLER",
    "COMPLETEAGENT",
    "TRANSFER",
    "BLINDTRANSFER",
    "ATTENDEDTRANSFER",
    "ABANDON",
    "EXITEMPTY",
    "EXITWITHKEY",
    "EXITWITHTIMEOUT",
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
        return seconds_value(data[index])
    except (IndexError, ValueError):
        raise LineRefused(
            _("%(event)s: %(field)s must be a number of seconds (0 to 86400)")
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
        "end_raw",
    )

    def __init__(self):
        self.enter = self.answer = self.end = None
        self.caller = self.called = self.agent = self.wrapup_code = ""
        self.outcome = None
        self.hold = self.talk = self.wait = self.wrapup = None
        self.end_line = 0
        self.end_raw = ""


def parse_queue_log(text: str, tz: tzinfo, options: Options | None = None) -> Parsed:
    """Calls (one per visit of a call to a queue, id `callid|queue`) and refused lines of a queue_log."""
    options = options or Options()
    result = Parsed()
    visits: dict[tuple[str, str], _Visit] = {}
    seen_times: dict[str, datetime] = {}
    for line_no, line in lines_of(text):
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
                    at = seen_times[parts[0]] = parse_time(parts[0], tz)
            except (ValueError, OverflowError, OSError):
                raise LineRefused(
                    _("the time %(v)r is neither Unix seconds nor a date") % {"v": parts[0][:40]}
                ) from None
            callid, queue = parts[1].strip(), parts[2].strip()
            if not callid or callid.upper() == "NONE":
                raise LineRefused(_("%(event)s without a call id") % {"event": event})
            if not queue or queue.upper() == "NONE":
                raise LineRefused(_("%(event)s without a queue") % {"event": event})
            _apply(visits, (callid, queue), event, at, parts[3].strip(), parts[5:], line_no, line)
        except LineRefused as exc:
            result.errors.append(LineError(line_no, str(exc), line[:500]))
    for (callid, queue), visit in visits.items():
        if visit.end is None:
            result.incomplete += 1
            continue
        try:
            call, skewed = _visit_call(callid, queue, visit, options)
        except LineRefused as exc:  # the call as a whole, reported at its ending line
            result.errors.append(LineError(visit.end_line, str(exc), visit.end_raw))
            continue
        result.skewed += skewed
        result.calls.append(call)
    result.errors.sort(key=lambda error: error.line_no)
    return result


def _apply(
    visits, key, event: str, at: datetime, agent: str, data: list[str], line_no: int, line: str
) -> None:
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
        visit.end, visit.outcome, visit.end_line, visit.end_raw = at, event, line_no, line[:500]
    # RINGNOANSWER / RINGCANCELED: an attempt on one agent; the visit goes on.


def _visit_call(callid: str, queue: str, v: _Visit, options: Options) -> tuple[ParsedCall, bool]:
    outcome = options.outcomes.get(v.outcome)  # the common case without a call
    if outcome is None or outcome == AUTO_OUTCOME:
        outcome = outcome_of(v.outcome, options.outcomes, answered=v.answer is not None)
    answered = outcome in ANSWERED_OUTCOMES
    arrival = v.enter
    if arrival is None:
        if answered and v.answer is not None:
            arrival = v.answer - timedelta(seconds=v.hold or 0)
        else:
            arrival = v.end - timedelta(seconds=v.wait or 0)
    if answered:
        wait = v.hold if v.hold is not None else diff_seconds(arrival, v.answer)
        talk = v.talk if v.talk is not None else diff_seconds(v.answer, v.end)
    else:
        wait = v.wait if v.wait is not None else diff_seconds(arrival, v.end)
        talk = None
    # The arrival is the queue entry: a queue_log only knows calls in queues.
    answer, end, skewed = v.answer if answered else None, v.end, False
    if (answer is not None and answer < arrival) or end < (answer or arrival):
        answer, end, _queued, skewed = settle_times(arrival, answer, end, None, options.skew)
    return ParsedCall(
        external_id=f"{callid}|{queue}"[:150],
        queue=queue[:80],
        arrived_at=arrival,
        answered_at=answer,
        ended_at=end,
        outcome=outcome,
        caller=v.caller,
        called=v.called,
        agent=v.agent if answered else "",
        wait=wait,
        talk=talk,
        wrapup=v.wrapup,
        wrapup_code=v.wrapup_code,
        queued=True,
        queued_at=arrival,
    ), skewed
