"""Agent time (坐席时间): occupancy 占用率, utilisation 人员利用率 and where the logged-in time went.

The records are the agents' state changes (kefu.callcenter.agent_states); the time in each state is
the interval between two of an agent's events, which no GROUP BY over the events can add up, so
this family computes its components (`Family.compute`) from `state_slices`: `state_seconds`, the one
definition of an agent's time in each state, cut into quarter hours in one read, which add up to any
bucket. The interval rollups keep these components per quarter hour for the whole center and per
day by agent, so dashboards read them as they read the calls' (kefu.reports.rollups).

Components, in seconds, per agent and bucket (summed over the agents of a row):
- available, on_contact, wrap_up, break: the agent's seconds in each state in the bucket;
- logged_in = available + on_contact + wrap_up + break (logged-out time is nobody's working time);
- handle = on_contact + wrap_up (talking, chatting, holding, and the work after the contact);
- paid: Kefu has no rosters yet (the workforce issue brings them, and their shifts will replace this
  definition): an agent is taken to be paid, on each local day with any logged-in time, for the
  working time of that day in the center's default business calendar (kefu.core.calendars:
  working days with Chinese holidays and make-up workdays, the calendar's shifts, that day's
  midnight to midnight). So logging in on a Saturday or a holiday adds logged-in time but no paid
  time, and an agent who never logs in on a working day is not counted as paid (nothing says they
  were rostered). In a 15-minute, 30-minute or hourly bucket, paid time is the working time within
  the bucket on such a day, so the buckets of a day add up to the day.

Dimensions: agent, and group (the agent's groups, accounts.AgentGroup members: an agent in two groups
is in both rows and once in the total; an agent in none in the row without a group). Scope: agents
and groups (members); the other filters (queue, channel, category) do not apply to an agent's time.
"""

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kefu.accounts.models import AgentGroup
from kefu.callcenter.agent_states import COUNTED, SLICE_SECONDS, state_slices
from kefu.callcenter.models import AgentStateEvent
from kefu.core.calendars import business_time_between, load_calendar
from kefu.reports.metrics.base import (
    FINE_STEP,
    Better,
    Column,
    Components,
    Family,
    Grain,
    Key,
    Option,
    Period,
    Scope,
    Unit,
    bucket_start,
    buckets,
    center_zone,
    figure,
    ratio,
)
from kefu.reports.metrics.common import in_period, members_of, scoped

COMPONENTS = ("available", "on_contact", "wrap_up", "break", "logged_in", "handle", "paid")
LOGGED_IN, STAFFED = "logged_in", "staffed"
#: The scope's filters on a state change (a group by its members: an agent in two chosen groups once).
STATE_FIELDS = {"agent": "agent_id", "group": "@agent_id"}

OCCUPANCY_BASE = Option(
    "occupancy_base",
    _("Occupancy over"),
    LOGGED_IN,
    choices=(
        (LOGGED_IN, _("Logged-in time (available + handling + break)")),
        (STAFFED, _("Staffed time (available + handling, breaks left out)")),
    ),
    formula_only=True,
)


def _scope_agents(scope: Scope) -> list[int] | None:
    """The agents the scope names (its agents, its groups' members, or both: those in both); None
    for every agent."""
    if not scope.agents and not scope.groups:
        return None
    chosen = set(scope.agents) if scope.agents else None
    if scope.groups:
        members = set(members_of(scope.groups).values_list("user_id", flat=True))
        chosen = members if chosen is None else chosen & members
    return sorted(chosen)


def _groups_of(agents: Iterable[int]) -> dict[int, list[int | None]]:
    """Each agent's groups (one query); [None] for an agent in no group."""
    found: dict[int, list[int | None]] = {agent: [] for agent in agents}
    links = AgentGroup.members.through.objects.filter(user_id__in=list(found)).order_by("agentgroup_id")
    for user_id, group_id in links.values_list("user_id", "agentgroup_id"):
        found[user_id].append(group_id)
    return {agent: groups or [None] for agent, groups in found.items()}


def agent_components(states: Mapping[str, float], paid: float) -> Components:
    """One agent's components in one bucket from their seconds in each state and their paid time."""
    available, on_contact, wrap_up, rest = (
        states["available"], states["on_contact"], states["wrap_up"], states["break"]
    )  # fmt: skip
    return {
        "available": available,
        "on_contact": on_contact,
        "wrap_up": wrap_up,
        "break": rest,
        "logged_in": available + on_contact + wrap_up + rest,
        "handle": on_contact + wrap_up,
        "paid": paid,
    }


def _per_agent(period: Period, scope: Scope, grain: Grain | None) -> dict[tuple, Components]:
    """{(bucket start or None, agent id): components} of the agents with time in a bucket.

    One read of the agents' quarter hours (`state_slices`), each added to its bucket; then paid time,
    for each local day an agent has any logged-in time, that day's working time in the bucket."""
    agents = _scope_agents(scope)
    zone = center_zone()
    bucket_of: dict[int, datetime | None] = {}
    duty_of: dict[int, set[int]] = {}  # a quarter hour's local day's agents on duty
    states_of: dict[tuple, dict[str, float]] = {}
    on_duty: dict[date, set[int]] = {}
    for (slot, agent), states in state_slices(start=period.start, end=period.end, agents=agents).items():
        if slot not in bucket_of:
            moment = datetime.fromtimestamp(slot * SLICE_SECONDS, tz=zone)
            bucket_of[slot] = None if grain is None else bucket_start(moment, grain)
            duty_of[slot] = on_duty.setdefault(moment.date(), set())
        duty_of[slot].add(agent)
        key = (bucket_of[slot], agent)
        found = states_of.get(key)
        if found is None:
            states_of[key] = states  # a fresh dict of state_slices': added to in place, never copied
        else:
            for state, seconds in states.items():
                found[state] += seconds
    paid: dict[tuple, float] = {}
    calendar = load_calendar()
    windows = buckets(period, grain) if grain in FINE_STEP else buckets(period, Grain.DAY)
    for window, lo, hi in windows:
        duty = on_duty.get(timezone.localtime(lo, zone).date())
        if not duty:
            continue
        working = business_time_between(calendar, lo, hi).total_seconds()
        bucket = None if grain is None else window if grain in FINE_STEP else bucket_start(window, grain)
        for agent in duty:
            paid[(bucket, agent)] = paid.get((bucket, agent), 0.0) + working
    zero = dict.fromkeys(COUNTED, 0.0)
    out: dict[tuple, Components] = {}
    for key in states_of.keys() | paid.keys():
        row = agent_components(states_of.get(key, zero), paid.get(key, 0.0))
        if row["logged_in"] or row["paid"]:  # seconds are never negative
            out[key] = row
    return out


def _compute(
    *, period: Period, scope: Scope, grain: Grain | None, by: str | None, options: Mapping[str, Any]
) -> dict[Key, Components]:
    """The family's components by bucket and agent or group (`Family.compute`)."""
    per_agent = _per_agent(period, scope, grain)
    groups = _groups_of({agent for _bucket, agent in per_agent}) if by == "group" else {}
    out: dict[Key, Components] = {}
    if grain is None and by is None:
        out[(None, None)] = dict.fromkeys(COMPONENTS, 0.0)  # the whole period has a row, even empty
    for (bucket, agent), row in per_agent.items():
        attributes = groups[agent] if by == "group" else [agent if by == "agent" else None]
        for attribute in attributes:
            key = (bucket, attribute)
            found = out.get(key)
            if found is None:
                out[key] = row if len(attributes) == 1 else dict(row)  # an agent in two groups: a copy each
            else:
                for name in COMPONENTS:
                    found[name] += row[name]
    return out


def _state_rows(period: Period, scope: Scope, options):
    """The drill-down's records: the agents' state changes in the period (within the scope)."""
    return scoped(in_period(AgentStateEvent.objects.all(), "at", period), scope, STATE_FIELDS)


AGENT_TIME = Family(
    code="agent_time",
    name=_("Agent time"),
    rows=_state_rows,
    time_field="at",
    dimensions={"agent": "agent_id", "group": "agent__agent_groups__id"},
    components=lambda options: dict.fromkeys(COMPONENTS),
    options=(OCCUPANCY_BASE,),
    columns=(
        Column(_("Agent"), "agent"),
        Column(_("State"), "get_state_display"),
        Column(_("Since"), "at"),
        Column(_("Reason"), "reason"),
        Column(_("Source"), "get_source_display"),
    ),
    select_related=("agent",),
    single_valued=frozenset({"agent"}),
    compute=_compute,
    rollup=True,
    cubes=("center", "agent"),
)


@figure(
    "occupancy",
    _("Occupancy"),
    unit=Unit.PERCENT,
    better=Better.NEITHER,
    family=AGENT_TIME,
    options=("occupancy_base",),
)
def occupancy(c, options):
    """Occupancy (占用率) = handle ÷ base, handle = on-contact + wrap-up time. Base by
    `occupancy_base`: "logged_in" (default, the issue's "handle time over logged-in time") =
    available + on-contact + wrap-up + break; "staffed" = available + handle, breaks left out (the
    common industry form). Times from the agents' states (state_seconds) in the period."""
    if options["occupancy_base"] == STAFFED:
        return ratio(c["handle"], c["available"] + c["handle"])
    return ratio(c["handle"], c["logged_in"])


@figure("utilisation", _("Utilisation"), unit=Unit.PERCENT, better=Better.HIGHER, family=AGENT_TIME)
def utilisation(c, options):
    """Utilisation (人员利用率) = handle ÷ paid time, handle = on-contact + wrap-up. Paid time, until
    rosters exist: for each agent and local day with any logged-in time, that day's working time in
    the center's default business calendar (none on a weekend or holiday)."""
    return ratio(c["handle"], c["paid"])


@figure("logged_in_time", _("Logged-in time"), unit=Unit.SECONDS, better=Better.NEITHER, family=AGENT_TIME)
def logged_in_time(c, options):
    """Logged-in time (登录时长) = Σ available + on-contact + wrap-up + break seconds of the agents;
    none when nobody logged in."""
    return c["logged_in"] or None


@figure("available_share", _("Available share"), unit=Unit.PERCENT, better=Better.NEITHER, family=AGENT_TIME)
def available_share(c, options):
    """Available share (空闲占比) = available time ÷ logged-in time: waiting for a contact."""
    return ratio(c["available"], c["logged_in"])


@figure("break_share", _("Break share"), unit=Unit.PERCENT, better=Better.LOWER, family=AGENT_TIME)
def break_share(c, options):
    """Break share (休息占比) = break time ÷ logged-in time."""
    return ratio(c["break"], c["logged_in"])
