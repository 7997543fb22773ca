"""Live-chat figures (在线客服): chats requested, served and missed, first-response time and the
greeting within seconds. The family is the chat sessions requested in the period (requested_at)."""

from django.db.models import Count, F, Q, Sum
from django.utils.translation import gettext_lazy as _

from kefu.core.sqltime import SecondsBetween
from kefu.intake.chat.models import ChatSession
from kefu.reports.metrics.base import Better, Family, Option, Period, Scope, Unit, figure, ratio
from kefu.reports.metrics.common import in_period, scoped

CHAT_FILTERS = {"agent": "agent_id", "group": "@agent_id"}

CHAT_RESPONSE_TARGET = Option(
    "chat_response_seconds", _("Chat answered within (seconds)"), 30, minimum=1, maximum=3600
)
GREETING_SECONDS = Option("greeting_seconds", _("Greeting within (seconds)"), 3, minimum=1, maximum=60)


def _chat_rows(period: Period, scope: Scope, options):
    """Chat sessions requested in the period, with `greeted_in`: seconds from the request to the
    greeting (None when none was shown)."""
    rows = scoped(in_period(ChatSession.objects.all(), "requested_at", period), scope, CHAT_FILTERS)
    return rows.annotate(greeted_in=SecondsBetween(F("greeted_at"), F("requested_at")))


CHATS = Family(
    code="chats",
    name=_("Chats"),
    rows=_chat_rows,
    time_field="requested_at",
    dimensions={"agent": "agent_id", "group": "agent__agent_groups"},
    components=lambda options: {
        "requested": Count("id"),
        "served": Count("id", filter=Q(accepted_at__isnull=False)),
        "missed": Count("id", filter=Q(state=ChatSession.State.MISSED)),
        "responded": Count("id", filter=Q(first_response_seconds__isnull=False)),
        "response_seconds": Sum("first_response_seconds"),
        "responded_within": Count(
            "id", filter=Q(first_response_seconds__lte=options["chat_response_seconds"])
        ),
        "greeted_within": Count("id", filter=Q(greeted_in__lte=options["greeting_seconds"])),
    },
    options=(CHAT_RESPONSE_TARGET, GREETING_SECONDS),
)


@figure("chats_requested", _("Chats requested"), unit=Unit.COUNT, better=Better.NEITHER, family=CHATS)
def chats_requested(c, options):
    """Chats requested (会话请求量) = chat sessions whose requested_at lies in the period."""
    return c["requested"]


@figure("chats_served", _("Chats served"), unit=Unit.COUNT, better=Better.NEITHER, family=CHATS)
def chats_served(c, options):
    """Chats served (接入量) = chat sessions requested in the period that an agent accepted."""
    return c["served"]


@figure("chat_missed_rate", _("Chats missed"), unit=Unit.PERCENT, better=Better.LOWER, family=CHATS)
def chat_missed_rate(c, options):
    """Chats missed (未接入率) = sessions that ended without an agent (state missed: left a message or
    went away) / chats requested; sessions still waiting are neither served nor missed."""
    return ratio(c["missed"], c["requested"])


@figure(
    "chat_first_response", _("Chat first-response time"), unit=Unit.SECONDS, better=Better.LOWER, family=CHATS
)
def chat_first_response(c, options):
    """Chat first-response time (在线首次响应时长) = Σ first_response_seconds / sessions with a first
    response, over chats requested in the period; first_response_seconds runs from the request to the
    agent's first real line (the automatic greeting is not a response)."""
    return ratio(c["response_seconds"], c["responded"])


@figure(
    "chat_answered_within",
    _("Chats answered within target"),
    unit=Unit.PERCENT,
    better=Better.HIGHER,
    family=CHATS,
    options=("chat_response_seconds",),
)
def chat_answered_within(c, options):
    """Chats answered within target = sessions whose first response came within T seconds
    (chat_response_seconds, default 30) / chats requested in the period."""
    return ratio(c["responded_within"], c["requested"])


@figure(
    "chat_greeting",
    _("Greeting within seconds"),
    unit=Unit.PERCENT,
    better=Better.HIGHER,
    family=CHATS,
    options=("greeting_seconds",),
)
def chat_greeting(c, options):
    """Greeting within seconds (3秒问候率) = sessions greeted at most S seconds after the request
    (greeting_seconds, default 3) / chats requested in the period."""
    return ratio(c["greeted_within"], c["requested"])
