"""Call figures (电话指标): offered, answered, abandoned, answer and abandonment rates, ASA, longest
wait, service level, AHT, after-call work, talk time and transfer rate — each defined once, here.

The calls family reads `kefu.callcenter.models.CallRecord`: the calls that *arrived* in the period
(`arrived_at`, local days), in one SQL aggregate per table. Which calls count:

- **Queue figures** (offered, answered, abandoned, timed out, the rates, ASA, longest wait, service
  level) count **inbound** calls only: an outbound call (a callback 回访 by phone) never waited in
  the center's queue, and an internal call is no customer's.
- **Handling figures** (handled, AHT, ACW, talk, transfer rate) count the calls an agent finished
  talking on, **inbound and outbound**: they measure the agents' work per call.
- Outcomes (`kefu.callcenter.models.Outcome`): *answered* = answered, transferred (an agent answered,
  then transferred it) and in_progress (answered, still talking); *abandoned* = the caller hung up
  before an agent answered; *timed_out* = the queue gave up on the caller: offered, unanswered, and
  not an abandon (the caller did not choose to leave); *failed* (busy, congestion) never reached the
  center: not offered; *ringing* is not decided yet: not counted at all until it ends.
- A call whose wait is not recorded counts in offered, answered or abandoned, but not in the wait
  sums and averages, and never as "within T" or as a short abandon (nobody knows it was).
- An Asterisk queue_log records one call per *visit* of a call to a queue: a call transferred from
  one queue to another is offered in both.

`Option`s: `short_abandon_seconds` (default 5) and `short_abandon_policy` (default `exclude`: short
abandons are neither offered nor abandoned), `service_level_seconds` T (default 20) and
`service_level_variant` (default `offered`). docs/kpis.md says the same for people.
"""

from collections.abc import Mapping
from typing import Any

from django.db.models import CharField, Count, Max, Q, QuerySet, Sum, Value
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kefu.accounts.models import AgentGroup
from kefu.callcenter.models import CallRecord, Direction, Outcome
from kefu.reports.metrics.base import Better, Column, Family, Option, Period, Scope, Unit, figure, ratio
from kefu.tickets.models import Channel

# --- which calls count -------------------------------------------------------------------------

#: Directions the family reads: the queue figures keep the inbound ones (see the module docstring).
COUNTED_DIRECTIONS = (Direction.INBOUND, Direction.OUTBOUND)
#: Answered by an agent: the call was taken, whatever happened after (in_progress: still talking).
ANSWERED = (Outcome.ANSWERED, Outcome.TRANSFERRED, Outcome.IN_PROGRESS)
#: Offered to the center: every decided end but "failed", plus the calls being talked on now.
PRESENTED = (*ANSWERED, Outcome.ABANDONED, Outcome.TIMED_OUT)
#: Finished by an agent: the handling figures' calls (with their talk time known).
HANDLED = (Outcome.ANSWERED, Outcome.TRANSFERRED)

SHORT_ABANDON_SECONDS = "short_abandon_seconds"
SHORT_ABANDON_POLICY = "short_abandon_policy"
SERVICE_LEVEL_SECONDS = "service_level_seconds"
SERVICE_LEVEL_VARIANT = "service_level_variant"

EXCLUDE, COUNT = "exclude", "count"

#: The service-level formulas in use in call centers (ICMI lists them), by option value.
SL_OFFERED = "offered"
SL_ANSWERED = "answered"
SL_OFFERED_MINUS_SHORT = "offered_minus_short"
SL_ABANDONS_MET = "abandons_met"
SL_ABANDONS_LEFT_OUT = "abandons_left_out"
SERVICE_LEVEL_VARIANTS = (
    (SL_OFFERED, _("answered within T ÷ offered (default)")),
    (SL_ANSWERED, _("answered within T ÷ answered")),
    (SL_OFFERED_MINUS_SHORT, _("answered within T ÷ (offered − short abandons)")),
    (SL_ABANDONS_MET, _("(answered within T + abandoned within T) ÷ offered")),
    (SL_ABANDONS_LEFT_OUT, _("answered within T ÷ (offered − abandoned within T)")),
)

OPTIONS = (
    Option(
        SHORT_ABANDON_SECONDS,
        _("Short abandon threshold (seconds): an abandon after a shorter wait is short"),
        default=5,
        minimum=0,
        maximum=120,
    ),
    Option(
        SHORT_ABANDON_POLICY,
        _("Short abandons"),
        default=EXCLUDE,
        choices=(
            (EXCLUDE, _("left out of offered and abandoned")),
            (COUNT, _("counted in offered and abandoned")),
        ),
    ),
    Option(
        SERVICE_LEVEL_SECONDS, _("Service level threshold T (seconds)"), default=20, minimum=1, maximum=3600
    ),
    Option(
        SERVICE_LEVEL_VARIANT,
        _("Service level formula"),
        default=SL_OFFERED,
        choices=SERVICE_LEVEL_VARIANTS,
    ),
)


def _rows(period: Period, scope: Scope, options: Mapping[str, Any]) -> QuerySet:
    """Inbound and outbound calls that arrived in the period, in the scope.

    Calls are the phone channel: a scope of other channels only has no calls. A group means the
    calls its members answered (agent groups are sets of agents); a category, the calls linked to a
    work order of that category.
    """
    calls = CallRecord.objects.filter(
        arrived_at__gte=period.start, arrived_at__lt=period.end, direction__in=COUNTED_DIRECTIONS
    )
    if scope.channels and Channel.PHONE not in scope.channels:
        return calls.none()
    if scope.queues:
        calls = calls.filter(queue__in=scope.queues)
    if scope.agents:
        calls = calls.filter(agent_id__in=scope.agents)
    if scope.groups:
        members = AgentGroup.members.through.objects.filter(agentgroup_id__in=scope.groups)
        calls = calls.filter(agent_id__in=members.values("user_id"))  # a subquery: no row twice
    if scope.categories:
        calls = calls.filter(ticket__category_id__in=scope.categories)
    return calls


def _components(options: Mapping[str, Any]) -> dict[str, Any]:
    """The additive counters (and one maximum) every call figure is a formula over."""
    short, threshold = options[SHORT_ABANDON_SECONDS], options[SERVICE_LEVEL_SECONDS]
    inbound = Q(direction=Direction.INBOUND)
    presented = inbound & Q(outcome__in=PRESENTED)
    answered = inbound & Q(outcome__in=ANSWERED)
    abandoned = inbound & Q(outcome=Outcome.ABANDONED)
    handled = Q(outcome__in=HANDLED, talk_seconds__isnull=False)
    return {
        "presented": Count("pk", filter=presented),
        "answered": Count("pk", filter=answered),
        "abandoned": Count("pk", filter=abandoned),
        "short_abandoned": Count("pk", filter=abandoned & Q(wait_seconds__lt=short)),
        "timed_out": Count("pk", filter=inbound & Q(outcome=Outcome.TIMED_OUT)),
        "answered_within": Count("pk", filter=answered & Q(wait_seconds__lte=threshold)),
        "abandoned_within": Count("pk", filter=abandoned & Q(wait_seconds__lte=threshold)),
        "short_within": Count(
            "pk", filter=abandoned & Q(wait_seconds__lt=short, wait_seconds__lte=threshold)
        ),
        "answered_waited": Count("pk", filter=answered & Q(wait_seconds__isnull=False)),
        "answered_wait_sum": Sum("wait_seconds", filter=answered),
        "waited": Count("pk", filter=presented & Q(wait_seconds__isnull=False)),
        "longest_wait": Max("wait_seconds", filter=presented),
        "handled": Count("pk", filter=handled),
        "talk_sum": Sum("talk_seconds", filter=handled),
        "hold_sum": Sum("hold_seconds", filter=handled),
        "wrapup_sum": Sum("wrapup_seconds", filter=handled),
        "wrapped": Count("pk", filter=handled & Q(wrapup_seconds__isnull=False)),
        "transferred": Count("pk", filter=handled & Q(outcome=Outcome.TRANSFERRED)),
    }


CALLS = Family(
    code="calls",
    name=pgettext_lazy("figure family", "Calls"),
    rows=_rows,
    time_field="arrived_at",
    dimensions={
        "queue": "queue",
        "agent": "agent",
        "group": "agent__agent_groups",  # an agent in two groups: a row in each, once in the total
        "category": "ticket__category",
        "channel": Value(Channel.PHONE, output_field=CharField()),
    },
    components=_components,
    options=OPTIONS,
    maxima=frozenset({"longest_wait"}),
    single_valued=frozenset({"queue", "agent", "category", "channel"}),
    rollup=True,  # a day's components depend on that day's calls alone
    columns=(
        Column(_("Arrived"), "arrived_at"),
        Column(_("Queue"), "queue"),
        Column(_("Caller"), "caller_number"),
        Column(_("Outcome"), "get_outcome_display"),
        Column(_("Wait (s)"), "wait_seconds"),
        Column(_("Talk (s)"), "talk_seconds"),
        Column(_("Agent"), "agent.label"),
        Column(_("Work order"), "ticket.number"),
    ),
    select_related=("agent", "ticket"),
    link=lambda call: f"/tickets/{call.ticket.number}/" if call.ticket_id else "",
)

SHORT_OPTIONS = (SHORT_ABANDON_SECONDS, SHORT_ABANDON_POLICY)
ALL_OPTIONS = tuple(option.name for option in OPTIONS)


def _excluding_short(options: Mapping[str, Any]) -> bool:
    return options[SHORT_ABANDON_POLICY] == EXCLUDE


# --- volumes ------------------------------------------------------------------------------------


@figure(
    "calls_offered",
    pgettext_lazy("call figure", "Offered"),
    unit=Unit.COUNT,
    better=Better.NEITHER,
    family=CALLS,
    options=SHORT_OPTIONS,
)
def offered(c, options):
    """Offered (呼入量) = inbound calls answered (incl. transferred and in progress) + abandoned + timed out;
    failed and ringing calls are not offered. Short abandons (waited < short_abandon_seconds, default
    5) are left out when short_abandon_policy is "exclude" (the default), counted when "count"."""
    return c["presented"] - (c["short_abandoned"] if _excluding_short(options) else 0)


@figure(
    "calls_answered",
    pgettext_lazy("call figure", "Answered"),
    unit=Unit.COUNT,
    better=Better.NEITHER,
    family=CALLS,
)
def answered(c, options):
    """Answered (接通量) = inbound calls an agent answered: outcome answered, transferred or in progress."""
    return c["answered"]


@figure(
    "calls_abandoned",
    pgettext_lazy("call figure", "Abandoned"),
    unit=Unit.COUNT,
    better=Better.LOWER,
    family=CALLS,
    options=SHORT_OPTIONS,
)
def abandoned(c, options):
    """Abandoned (放弃量) = inbound calls whose caller hung up before an agent answered; short abandons left
    out when short_abandon_policy is "exclude" (the default). Timed-out calls are not abandons."""
    return c["abandoned"] - (c["short_abandoned"] if _excluding_short(options) else 0)


@figure(
    "calls_short_abandoned",
    pgettext_lazy("call figure", "Short abandons"),
    unit=Unit.COUNT,
    better=Better.NEITHER,
    family=CALLS,
    options=(SHORT_ABANDON_SECONDS,),
)
def short_abandoned(c, options):
    """Short abandons (短时放弃) = inbound abandoned calls that waited fewer than short_abandon_seconds (default
    5; 0: none), whatever the policy; a call whose wait is unknown is not one."""
    return c["short_abandoned"]


@figure(
    "calls_timed_out",
    pgettext_lazy("call figure", "Timed out"),
    unit=Unit.COUNT,
    better=Better.LOWER,
    family=CALLS,
)
def timed_out(c, options):
    """Timed out (排队超时) = inbound calls the queue gave up on (its maximum wait, no agent): offered, neither
    answered nor abandoned."""
    return c["timed_out"]


# --- rates and waits ----------------------------------------------------------------------------


@figure(
    "calls_answer_rate",
    pgettext_lazy("call figure", "Answer rate"),
    unit=Unit.PERCENT,
    better=Better.HIGHER,
    family=CALLS,
    options=SHORT_OPTIONS,
)
def answer_rate(c, options):
    """Answer rate (接通率) = answered ÷ offered (None without offered calls)."""
    return ratio(answered(c, options), offered(c, options))


@figure(
    "calls_abandon_rate",
    pgettext_lazy("call figure", "Abandonment rate"),
    unit=Unit.PERCENT,
    better=Better.LOWER,
    family=CALLS,
    options=SHORT_OPTIONS,
)
def abandon_rate(c, options):
    """Abandonment rate (放弃率) = abandoned ÷ offered (both under the short-abandon policy; None without
    offered calls)."""
    return ratio(abandoned(c, options), offered(c, options))


@figure(
    "calls_asa",
    pgettext_lazy("call figure", "Average speed of answer"),
    unit=Unit.SECONDS,
    better=Better.LOWER,
    family=CALLS,
)
def asa(c, options):
    """ASA (平均应答速度) = Σ wait of answered inbound calls ÷ answered inbound calls whose wait is known (None
    without any)."""
    return ratio(c["answered_wait_sum"], c["answered_waited"])


@figure(
    "calls_longest_wait",
    pgettext_lazy("call figure", "Longest wait"),
    unit=Unit.SECONDS,
    better=Better.LOWER,
    family=CALLS,
)
def longest_wait(c, options):
    """Longest wait (最长等待) = the longest wait of any offered inbound call — answered, abandoned (short ones
    too) or timed out (None when no wait is known)."""
    return c["longest_wait"] if c["waited"] else None


def _abandoned_within(c, options) -> int:
    """Abandons within T that count in offered: short ones are not when the policy excludes them."""
    return c["abandoned_within"] - (c["short_within"] if _excluding_short(options) else 0)


@figure(
    "calls_service_level",
    pgettext_lazy("call figure", "Service level"),
    unit=Unit.PERCENT,
    better=Better.HIGHER,
    family=CALLS,
    options=ALL_OPTIONS,
)
def service_level(c, options):
    """Service level (服务水平) = the share of inbound calls answered within T seconds (wait ≤ T,
    service_level_seconds, default 20), by service_level_variant: "offered" (default) answered within
    T ÷ offered; "answered" answered within T ÷ answered; "offered_minus_short" answered within T ÷
    (offered counting short abandons − short abandons); "abandons_met" (answered within T + abandoned
    within T) ÷ offered; "abandons_left_out" answered within T ÷ (offered − abandoned within T).
    Offered and abandoned follow the short-abandon policy; a call with no recorded wait is not within
    T. None when the denominator is 0."""
    variant = options[SERVICE_LEVEL_VARIANT]
    within = c["answered_within"]
    if variant == SL_ANSWERED:
        return ratio(within, answered(c, options))
    if variant == SL_OFFERED_MINUS_SHORT:
        return ratio(within, c["presented"] - c["short_abandoned"])
    if variant == SL_ABANDONS_MET:
        return ratio(within + _abandoned_within(c, options), offered(c, options))
    if variant == SL_ABANDONS_LEFT_OUT:
        return ratio(within, offered(c, options) - _abandoned_within(c, options))
    return ratio(within, offered(c, options))


# --- handling -----------------------------------------------------------------------------------


@figure(
    "calls_handled",
    pgettext_lazy("call figure", "Handled"),
    unit=Unit.COUNT,
    better=Better.NEITHER,
    family=CALLS,
)
def handled(c, options):
    """Handled (处理量) = inbound and outbound calls an agent finished talking on (outcome answered or
    transferred, talk time known): the calls AHT, ACW, talk time and transfer rate are over."""
    return c["handled"]


@figure(
    "calls_aht",
    pgettext_lazy("call figure", "Average handling time"),
    unit=Unit.SECONDS,
    better=Better.NEITHER,
    family=CALLS,
)
def aht(c, options):
    """AHT (平均处理时长) = (Σ talk + Σ hold + Σ after-call work) ÷ handled calls; a hold or wrap-up time the source
    did not record counts as 0 (None without handled calls)."""
    return ratio(c["talk_sum"] + c["hold_sum"] + c["wrapup_sum"], c["handled"])


@figure(
    "calls_acw",
    pgettext_lazy("call figure", "Average after-call work"),
    unit=Unit.SECONDS,
    better=Better.NEITHER,
    family=CALLS,
)
def acw(c, options):
    """ACW (话后处理) = Σ after-call work (wrap-up) ÷ handled calls whose wrap-up time is recorded (None without
    any)."""
    return ratio(c["wrapup_sum"], c["wrapped"])


@figure(
    "calls_avg_talk",
    pgettext_lazy("call figure", "Average talk time"),
    unit=Unit.SECONDS,
    better=Better.NEITHER,
    family=CALLS,
)
def avg_talk(c, options):
    """Average talk time (平均通话时长) = Σ talk ÷ handled calls (None without handled calls)."""
    return ratio(c["talk_sum"], c["handled"])


@figure(
    "calls_transfer_rate",
    pgettext_lazy("call figure", "Transfer rate"),
    unit=Unit.PERCENT,
    better=Better.LOWER,
    family=CALLS,
)
def transfer_rate(c, options):
    """Transfer rate (转接率) = handled calls whose outcome is "transferred" ÷ handled calls. A transfer is
    what the source records as the call's end: queue_log TRANSFER, BLINDTRANSFER or ATTENDEDTRANSFER,
    a CTI hangup with outcome "transferred", an outcome word meaning transferred in a CDR or CSV
    (None without handled calls)."""
    return ratio(c["transferred"], c["handled"])
