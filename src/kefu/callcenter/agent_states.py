"""坐席状态: agents' state changes (logged out, available, on a contact, wrap-up, break) and time in each.

Writes: `agent_state_record` (one change, from the CTI link, the chat console or a person) and
`agent_states_store` (a batch, from `kefu import-calls`). Read: `state_seconds`, the one definition of
the time an agent spent in each state in a period — occupancy and utilisation are built on it.

Each agent has one timeline, whatever the source: from an event's `at` on, the agent is in its state
until their next event (by time, then by the order recorded). Events are never changed; one that
arrives late is simply placed by its time.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import chain

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.models import User
from kefu.callcenter.models import AgentState, AgentStateEvent, StateSource
from kefu.callcenter.selectors import agent_for
from kefu.core import rows
from kefu.core.errors import FieldCode, PermissionDenied, ValidationError

#: The states whose time state_seconds counts; logged-out time is not working time.
COUNTED: tuple[str, ...] = tuple(
    s.value for s in (AgentState.AVAILABLE, AgentState.ON_CONTACT, AgentState.WRAP_UP, AgentState.BREAK)
)
SLICE_SECONDS = 900  # state_slices' default: a quarter hour, the rollups' finest bucket
MAX_REASON = AgentStateEvent._meta.get_field("reason").max_length
MAX_EXTERNAL_ID = AgentStateEvent._meta.get_field("external_id").max_length


class StateTimeRefused(ValueError):
    """An event time that cannot be taken (in the future beyond the clock skew tolerated)."""


def settle_time(at: datetime, now: datetime, skew: int | None = None) -> tuple[datetime, bool]:
    """(time, skewed): an event stamped up to `skew` seconds after `now` (a PBX clock running ahead)
    is taken as `now` and counts as skewed — as the call import moves a time a few seconds out of
    order; further in the future raises StateTimeRefused, naming how far. `skew` defaults to
    settings.KEFU_CALL_SKEW_SECONDS."""
    skew = settings.KEFU_CALL_SKEW_SECONDS if skew is None else skew
    if at <= now:
        return at, False
    ahead = (at - now).total_seconds()
    if ahead > skew:
        raise StateTimeRefused(
            _("the time is %(n)s s in the future (more than the %(skew)s s clock skew tolerated)")
            % {"n": round(ahead), "skew": skew}
        )
    return now, True


def _check_state(state: str, reason: str, external_id: str) -> None:
    if state not in AgentState.values:
        raise ValidationError.for_field(
            "state",
            _("Unknown state “%(state)s”; use %(states)s.")
            % {"state": state, "states": ", ".join(AgentState.values)},
            FieldCode.INVALID_CHOICE,
        )
    if len(reason) > MAX_REASON:
        raise ValidationError.for_field(
            "reason", _("At most %(n)s characters.") % {"n": MAX_REASON}, FieldCode.TOO_LONG
        )
    if len(external_id) > MAX_EXTERNAL_ID:
        raise ValidationError.for_field(
            "external_id", _("At most %(n)s characters.") % {"n": MAX_EXTERNAL_ID}, FieldCode.TOO_LONG
        )


@transaction.atomic
def agent_state_record(
    *,
    agent: User,
    state: str,
    source: str,
    by: User | None,
    at: datetime | None = None,
    reason: str = "",
    external_id: str = "",
    now: datetime | None = None,
) -> tuple[AgentStateEvent, bool]:
    """Record that from `at` (default: now) `agent` is in `state`; returns (the event, whether new).

    Idempotent on (source, external_id): the same event posted again returns the stored one and adds
    nothing. Without an external id every call is a new event. A time in the past, however late, is
    taken as it is; one up to KEFU_CALL_SKEW_SECONDS in the future is taken as now (`settle_time`).
    Refuses: an unknown state or source, a naive or far-future time, an inactive agent, people
    outside the service center, and an agent setting anyone's state but their own unless a
    supervisor or manager (`by` None is the system: the PBX, the chat console).
    """
    now = now or timezone.now()
    if by is not None and not (by.is_superuser or (by.is_active and by.is_center_staff)):
        raise PermissionDenied(_("Only service-center staff set agent states."))
    if by is not None and by.pk != agent.pk and not (by.is_lead or by.is_superuser):
        raise PermissionDenied(_("Only supervisors and managers set another agent's state."))
    if source not in StateSource.values:
        raise ValidationError.for_field("source", _("Unknown source."), FieldCode.INVALID_CHOICE)
    reason, external_id = (reason or "").strip(), (external_id or "").strip()
    _check_state(state, reason, external_id)
    if not agent.is_active:
        raise ValidationError.for_field("agent", _("This agent's account is inactive."))
    at = at or now
    if timezone.is_naive(at):
        raise ValidationError.for_field(
            "at", _("Give the time with its UTC offset."), FieldCode.TIMEZONE_REQUIRED
        )
    try:
        at, _skewed = settle_time(at, now)
    except StateTimeRefused as exc:
        raise ValidationError.for_field("at", str(exc), FieldCode.OUT_OF_RANGE) from None
    if not external_id:
        external_id = uuid.uuid4().hex  # a change without an id of its own is always a new one
    else:
        stored = AgentStateEvent.objects.filter(source=source, external_id=external_id).first()
        if stored is not None:
            return stored, False
    try:
        with transaction.atomic():  # the loser of a race on the same id reads the winner's row
            event = AgentStateEvent.objects.create(
                agent=agent,
                state=state,
                reason=reason,
                at=at,
                source=source,
                external_id=external_id,
                recorded_at=now,
            )
    except IntegrityError:
        return AgentStateEvent.objects.get(source=source, external_id=external_id), False
    return event, True


@dataclass(slots=True)
class StateRow:
    """One state change read from a file: its agent as the PBX names it, resolved when stored."""

    external_id: str
    agent_id: int
    state: str
    at: datetime
    reason: str = ""


def agent_states_store(
    *, source: str, states: Iterable[StateRow], now: datetime, batch_size: int = 2000
) -> int:
    """Store state changes already checked and resolved (the import's), skipping those stored under
    the same (source, external id); returns how many were new. One transaction per batch, as the
    call import stores its calls: a re-run after a crash finishes the job without duplicates. Sends
    `signals.agent_states_stored` when any was new."""
    states = list(states)
    added = 0
    for begin in range(0, len(states), batch_size):
        batch = states[begin : begin + batch_size]
        with transaction.atomic():
            added += rows.insert_rows(
                AgentStateEvent,
                columns=("external_id", "agent_id", "state", "at", "reason"),
                rows=[
                    (s.external_id[:MAX_EXTERNAL_ID], s.agent_id, s.state, s.at, s.reason[:MAX_REASON])
                    for s in batch
                ],
                fixed={"source": source, "recorded_at": now},
                unique=("source", "external_id"),
            )
    if added:
        from kefu.callcenter.signals import agent_states_stored

        latest: dict[int, datetime] = {}
        for s in states:
            latest[s.agent_id] = max(s.at, latest.get(s.agent_id, s.at))
        agent_states_stored.send(
            sender=AgentStateEvent,
            source=source,
            added=added,
            first=min(s.at for s in states),
            last=changed_until(latest),
        )
    return added


def changed_until(latest: dict[int, datetime]) -> datetime | None:
    """Until when new events change their agents' time, given each agent's latest new event: an
    event's state holds until the agent's next event, so a late event changes the time from its own
    `at` up to the next stored one (the latest of those over the agents); None when an agent has no
    later event (their new state runs on, into every day after it)."""
    until = None
    for agent_id, at in latest.items():
        following = (
            AgentStateEvent.objects.filter(agent_id=agent_id, at__gt=at)
            .order_by("at")
            .values_list("at", flat=True)
            .first()
        )
        if following is None:
            return None
        until = following if until is None else max(until, following)
    return until


def state_seconds(
    *, start: datetime, end: datetime, agents: Iterable[int | User] | None = None
) -> dict[int, dict[str, float]]:
    """Seconds each agent spent in each counted state within [start, end): {agent id: {state: s}}.

    Definition. An agent's events, ordered by `at` (then by the order recorded), cut their time into
    spans: event i's state holds from its `at` until event i+1's `at`. Within the period:
    - a span is clipped to [start, end): one that began before `start` counts from `start`, one still
      running at `end` (the agent's last event before `end`) counts up to `end`;
    - the time from `start` to the agent's first event in the period continues the state of their
      last event before `start` (an agent with no event before `start` has no state until their first);
    - logged_out time is not counted; the counted states are "available", "on_contact", "wrap_up"
      and "break" (COUNTED), each summed over the agent's spans, in seconds rounded to milliseconds.
    So logged-in time = available + on_contact + wrap_up + break, and the four always add up to the
    time between the agent's logging in and out within the period.

    The answer holds every agent with time in a counted state; with `agents`, exactly those agents,
    each with all four states (0.0 where none). Refuses naive times and an end not after the start.

    Read once (`_spans`: the agents' events, ordered, in one SQL statement), the spans cut in Python.
    """
    wanted = _checked_period(start, end, agents)
    result: dict[int, dict[str, float]] = {a: dict.fromkeys(COUNTED, 0.0) for a in wanted or ()}
    for agent_id, state, lo, hi in _spans(start, end, wanted):
        states = result.get(agent_id)
        if states is None:
            states = result[agent_id] = dict.fromkeys(COUNTED, 0.0)
        states[state] += hi - lo
    for states in result.values():
        for state, total in states.items():
            states[state] = round(total, 3)
    if wanted is None:
        result = {agent_id: states for agent_id, states in result.items() if any(states.values())}
    return result


def state_slices(
    *,
    start: datetime,
    end: datetime,
    agents: Iterable[int | User] | None = None,
    seconds: int = SLICE_SECONDS,
) -> dict[tuple[int, int], dict[str, float]]:
    """`state_seconds` cut into `seconds`-long slices of time since 1970 (15 minutes by default, which
    are the local quarter hours of any zone): {(slice number, agent id): {state: s}}, each slice's
    time clipped to [start, end) and rounded to milliseconds; only slices with time in a counted
    state. The same spans as `state_seconds`, read once: so a period's buckets, days and rollups
    read the events once, not once per bucket."""
    wanted = _checked_period(start, end, agents)
    out: dict[tuple[int, int], dict[str, float]] = {}
    for agent_id, state, lo, hi in _spans(start, end, wanted):
        slot = int(lo // seconds)
        while lo < hi:
            edge = (slot + 1) * seconds
            if edge > hi:  # the span ends in this slice (most do: a contact is minutes)
                edge = hi
            key = (slot, agent_id)
            states = out.get(key)
            if states is None:
                states = out[key] = dict.fromkeys(COUNTED, 0.0)
            states[state] += edge - lo
            lo, slot = edge, slot + 1
    for states in out.values():
        for state, total in states.items():
            states[state] = round(total, 3)
    return out


def _checked_period(start: datetime, end: datetime, agents) -> list[int] | None:
    """The agents asked for as sorted ids (None: every agent), after refusing naive times and an end
    not after the start."""
    for name, value in (("start", start), ("end", end)):
        if timezone.is_naive(value):
            raise ValidationError.for_field(
                name, _("Give the time with its UTC offset."), FieldCode.TIMEZONE_REQUIRED
            )
    if end <= start:
        raise ValidationError.for_field("end", _("The end must be after the start."), FieldCode.OUT_OF_RANGE)
    return None if agents is None else sorted({a if isinstance(a, int) else a.pk for a in agents})


def _spans(
    start: datetime, end: datetime, wanted: list[int] | None
) -> Iterator[tuple[int, str, float, float]]:
    """The agents' spans in a counted state clipped to [start, end), as (agent id, state, from, to)
    in seconds since 1970: the definition of `state_seconds`, in one place.

    One statement reads the last event before `start` per agent (an index probe each, on (agent,
    at)) and the events in the period, ordered by agent, time and the order recorded; each event's
    state then holds until the agent's next event, or `end`."""
    if wanted == []:
        return
    q = connection.ops.quote_name
    events = q(AgentStateEvent._meta.db_table)
    users = q(get_user_model()._meta.db_table)
    adapt = connection.ops.adapt_datetimefield_value
    lo, hi = adapt(start), adapt(end)
    marks = ", ".join(["%s"] * len(wanted or ()))
    of_users = f"WHERE u.id IN ({marks})" if wanted else ""
    of_events = f"AND e.agent_id IN ({marks})" if wanted else ""
    epoch = rows.epoch_sql(connection, "e.at")
    sql = f"""
        SELECT agent_id, state, epoch FROM (
            SELECT e.agent_id, e.state, {epoch} AS epoch, e.at, e.id FROM {events} e
            WHERE e.id IN (
                SELECT (SELECT p.id FROM {events} p WHERE p.agent_id = u.id AND p.at < %s
                        ORDER BY p.at DESC, p.id DESC LIMIT 1)
                FROM {users} u {of_users}
            )
            UNION ALL
            SELECT e.agent_id, e.state, {epoch}, e.at, e.id FROM {events} e
            WHERE e.at >= %s AND e.at < %s {of_events}
        ) AS picked ORDER BY agent_id, at, id
    """
    first, last = start.timestamp(), end.timestamp()
    counted = set(COUNTED)
    with rows.reading(connection, sql, [lo, *(wanted or ()), lo, hi, *(wanted or ())]) as cursor:
        # A year of events is millions: a chunk at a time, then None for the end.
        read = chain.from_iterable(iter(lambda: cursor.fetchmany(10_000), []))
        previous = None
        for row in chain(read, [None]):
            if previous is not None and previous[1] in counted:
                until = float(row[2]) if row is not None and row[0] == previous[0] else last
                span_start = max(float(previous[2]), first)
                if until > span_start:
                    yield previous[0], previous[1], span_start, until
            previous = row


def current_counts(*, at: datetime) -> list[tuple[str, str, int]]:
    """The wallboard's agents by state (坐席状态分布): (state code, its label in the reader's language,
    how many active agents are in it at `at`), for every state in AgentState's order, 0 included.

    An agent's state at `at` is that of their latest event at or before `at` (by time, then by the
    order recorded, as in `state_seconds`). Agents without any event are in no state and not counted;
    those whose latest event is "logged_out" count as logged out. One SQL query: the latest event per
    active user (an index probe on (agent, at) each), counted by state.
    """
    if timezone.is_naive(at):
        raise ValidationError.for_field(
            "at", _("Give the time with its UTC offset."), FieldCode.TIMEZONE_REQUIRED
        )
    latest = (
        AgentStateEvent.objects.filter(agent_id=OuterRef("pk"), at__lte=at)
        .order_by("-at", "-id")
        .values("state")[:1]
    )
    counted = dict(
        get_user_model()
        .objects.filter(is_active=True)
        .annotate(current=Subquery(latest))
        .exclude(current=None)
        .values_list("current")
        .annotate(n=Count("id"))
        .order_by()
    )
    return [(state.value, str(state.label), counted.get(state.value, 0)) for state in AgentState]


def agent_state_from_pbx(
    *,
    agent: str,
    state: str,
    by: User | None,
    at: datetime | None = None,
    reason: str = "",
    event_id: str = "",
    now: datetime | None = None,
) -> tuple[AgentStateEvent, bool]:
    """A state change the CTI link posts, naming the agent as the PBX does (extension or CTI agent id
    from Agent lines, username or employee number); `agent_state_record` with source "cti".

    Refuses an agent Kefu cannot match, naming the code (unlike a call, a state of nobody is nothing
    worth keeping), and whatever agent_state_record refuses.
    """
    user = agent_for(agent)
    if user is None:
        raise ValidationError.for_field(
            "agent",
            _("No active agent has the extension, CTI agent id or username “%(code)s” (Admin → Agent lines).")
            % {"code": agent[:80]},
            FieldCode.NOT_FOUND,
        )
    return agent_state_record(
        agent=user,
        state=state,
        source=StateSource.CTI,
        by=by,
        at=at,
        reason=reason,
        external_id=event_id,
        now=now,
    )
