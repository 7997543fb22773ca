"""Asterisk queue_log: `time|callid|queue|agent|event|data1|data2|...`, one record per visit of a call to a queue."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo

from django.utils.translation import gettext as _

from kefu.callcenter.agent_states import StateTimeRefused, settle_time
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
from kefu.callcenter.models import AUTO_OUTCOME, AgentState
from kefu.callcenter.selectors import agent_code

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


# --- agent states (坐席状态) ------------------------------------------------------------------
# Member events change an agent's state; a call's CONNECT and ending put them on and off a contact.
MEMBER_EVENTS = {
    "ADDMEMBER", "REMOVEMEMBER", "PAUSE", "UNPAUSE", "PAUSEALL", "UNPAUSEALL", "AGENTLOGIN", "AGENTLOGOFF",
}  # fmt: skip
CONTACT_ENDING = {"COMPLETECALLER", "COMPLETEAGENT", "TRANSFER", "BLINDTRANSFER", "ATTENDEDTRANSFER"}
# chan_agent's AGENTLOGIN/AGENTLOGOFF log the agent in and out of every queue: one pseudo-queue.
ALL_QUEUES = "*"


@dataclass(slots=True)
class ParsedState:
    """A state change of one agent (named as the PBX does) read from a queue_log."""

    external_id: str
    agent: str
    state: str
    at: datetime
    reason: str
    line_no: int
    raw: str


@dataclass
class ParsedStates:
    states: list[ParsedState] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)


class _Member:
    """What a queue_log has told so far of one agent."""

    __slots__ = ("queues", "paused", "reason", "calls", "wrap_until", "wrap_line", "state", "said_reason")

    def __init__(self):
        self.queues: set[str] | None = None  # None: unknown (logged in before the file began)
        self.paused = False
        self.reason = ""
        self.calls: set[str] = set()
        self.wrap_until: datetime | None = None
        self.wrap_line: tuple[int, str] = (0, "")
        self.state: str | None = None
        self.said_reason = ""

    def derived(self) -> str:
        if self.calls:
            return AgentState.ON_CONTACT
        if self.wrap_until is not None:
            return AgentState.WRAP_UP
        if self.queues is not None and not self.queues:
            return AgentState.LOGGED_OUT
        return AgentState.BREAK if self.paused else AgentState.AVAILABLE


def _line_id(line: str, suffix: str = "") -> str:
    return "ql:" + hashlib.sha1(line.encode()).hexdigest() + suffix


def parse_queue_log_states(
    text: str, tz: tzinfo, now: datetime, options: Options | None = None
) -> ParsedStates:
    """Agents' state changes in a queue_log (one timeline per agent, in time order):

    ADDMEMBER / AGENTLOGIN → available (on joining the first queue), REMOVEMEMBER / AGENTLOGOFF →
    logged_out (on leaving the last one the file has seen them join — or the only one it names),
    PAUSE / PAUSEALL → break with data1 as the reason, UNPAUSE / UNPAUSEALL → available, CONNECT →
    on_contact, the call's ending (COMPLETECALLER, COMPLETEAGENT, TRANSFER …) → wrap_up for the
    call's WRAPUP seconds when it has them, then back to available (or break if paused meanwhile).
    A change is emitted only when the state changes; its id is a digest of the line, so importing
    the file again adds nothing. Refused (by line number): member lines without a time, with a time
    that is none or further in the future than the clock skew tolerated, or without an agent;
    call lines are the call parser's to refuse and are skipped here when broken.
    """
    options = options or Options()
    result = ParsedStates()
    wrapups: dict[str, int] = {}
    wanted: list[tuple[datetime, int, str, str, str, str, list[str], str]] = []
    for line_no, line in lines_of(text):
        parts = line.split("|")
        if len(parts) < 5:
            continue  # the call parser refuses it
        event = parts[4].strip().upper()
        member = event in MEMBER_EVENTS
        if not member and event not in CONTACT_ENDING and event not in {"CONNECT", "WRAPUP"}:
            continue
        callid, data = parts[1].strip(), parts[5:]
        if event == "WRAPUP":
            try:
                wrapups[callid] = _number(data, 0, event)
            except LineRefused:
                pass  # the call parser reports it
            continue
        try:
            try:
                at = parse_time(parts[0], tz)
            except (ValueError, OverflowError, OSError):
                raise LineRefused(
                    _("the time %(v)r is neither Unix seconds nor a date") % {"v": parts[0][:40]}
                ) from None
            code = agent_code(parts[3])
            if not code:
                if member:
                    raise LineRefused(_("%(event)s without an agent") % {"event": event})
                continue  # a call no agent took
            try:
                at, _skewed = settle_time(at, now, options.skew)
            except StateTimeRefused as exc:
                raise LineRefused(str(exc)) from None
        except LineRefused as exc:
            if member:
                result.errors.append(LineError(line_no, str(exc), line[:500]))
            continue
        wanted.append((at, line_no, event, code, parts[2].strip(), callid, data, line))
    wanted.sort(key=lambda item: (item[0], item[1]))
    members: dict[str, _Member] = {}

    def emit(m: _Member, code: str, at: datetime, line_no: int, line: str, suffix: str = "") -> None:
        state = m.derived()
        reason = m.reason if state == AgentState.BREAK else ""
        if state != m.state or reason != m.said_reason:
            m.state, m.said_reason = state, reason
            result.states.append(
                ParsedState(_line_id(line, suffix), code, state, at, reason[:40], line_no, line[:500])
            )

    def end_wrap(m: _Member, code: str, before: datetime | None) -> None:
        if m.wrap_until is not None and (before is None or m.wrap_until <= before):
            until, (line_no, line) = m.wrap_until, m.wrap_line
            m.wrap_until = None
            emit(m, code, until, line_no, line, ":after")

    for at, line_no, event, code, queue, callid, data, line in wanted:
        m = members.get(code)
        if m is None:
            m = members[code] = _Member()
        end_wrap(m, code, at)
        if event in {"ADDMEMBER", "AGENTLOGIN"}:
            m.queues = (m.queues or set()) | {ALL_QUEUES if event == "AGENTLOGIN" else queue}
        elif event in {"REMOVEMEMBER", "AGENTLOGOFF"}:
            m.queues = (m.queues or set()) - {ALL_QUEUES if event == "AGENTLOGOFF" else queue}
            if not m.queues:
                m.paused, m.reason, m.calls, m.wrap_until = False, "", set(), None
        elif event in {"PAUSE", "PAUSEALL"}:
            m.paused, m.reason = True, (data[0] if data else "").strip()
        elif event in {"UNPAUSE", "UNPAUSEALL"}:
            m.paused, m.reason = False, ""
        elif event == "CONNECT":
            m.calls.add(callid)
            m.wrap_until = None
        elif event in CONTACT_ENDING:
            m.calls.discard(callid)
            wrap = wrapups.get(callid)
            if wrap and not m.calls:
                m.wrap_until, m.wrap_line = at + timedelta(seconds=wrap), (line_no, line)
        emit(m, code, at, line_no, line)
    for code, m in members.items():
        end_wrap(m, code, now)  # a wrap-up still running now ends when it ends
    return result
