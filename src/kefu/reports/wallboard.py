"""The wallboard (实时监控大屏): what is waiting now, who is doing what, and today's headline figures.

`snapshot()` is the whole board as plain values; the page draws it first and the websocket
(kefu.reports.consumers.WallboardConsumer) sends a new one whenever a call, a chat or an agent's
state changes (`changed()`, after the change commits). Today's figures come from the metrics, like
every other page; the waits are counted from the oldest waiting contact, so the page can keep them
ticking between snapshots.
"""

from datetime import datetime

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.db.models import Count, Min
from django.db.models.functions import Coalesce
from django.utils import timezone

from kefu.callcenter.models import CallRecord, Direction, Outcome
from kefu.intake.chat.models import ChatSession
from kefu.reports.dashboard import format_value
from kefu.reports.metrics import FIGURES, Period, measure

GROUP = "wallboard"
TODAY_FIGURES = (
    "calls_offered", "calls_answered", "calls_answer_rate", "calls_service_level", "calls_abandon_rate", "calls_asa",
    "chats_requested", "chat_first_response",
)  # fmt: skip


def _waiting_calls():
    """Inbound calls ringing in a queue: arrived, not answered, not ended."""
    return CallRecord.objects.filter(
        direction=Direction.INBOUND, outcome=Outcome.RINGING, answered_at__isnull=True, ended_at__isnull=True
    )


def _seconds_since(moment: datetime | None, now: datetime) -> int | None:
    return None if moment is None else max(0, int((now - moment).total_seconds()))


def snapshot(*, now: datetime | None = None) -> dict:
    """The board now: waiting calls and chats with their oldest wait, agents by state, and today's
    figures (value and text; "—" before the first call)."""
    now = now or timezone.now()
    calls = _waiting_calls().aggregate(n=Count("pk"), since=Min(Coalesce("queued_at", "arrived_at")))
    chats = ChatSession.objects.filter(state=ChatSession.State.WAITING).aggregate(
        n=Count("pk"), since=Min("requested_at")
    )
    chat_since = chats["since"]
    codes = [code for code in TODAY_FIGURES if code in FIGURES]
    table = measure(codes, period=Period.day(timezone.localdate(now))) if codes else None
    figures = [
        {
            "code": code,
            "name": str(FIGURES[code].name),
            "value": table.total[code].value,
            "text": format_value(FIGURES[code], table.total[code].value),
        }
        for code in codes
    ]
    return {
        "at": now.isoformat(),
        "calls_waiting": calls["n"],
        "oldest_call_since": calls["since"].isoformat() if calls["since"] else None,
        "longest_call_wait": _seconds_since(calls["since"], now),
        "chats_waiting": chats["n"],
        "oldest_chat_since": chat_since.isoformat() if chat_since else None,
        "longest_chat_wait": _seconds_since(chat_since, now),
        "agents": agent_counts(now=now),
        "figures": figures,
    }


def agent_counts(*, now: datetime) -> list[dict]:
    """Agents by their current state, for the board's strip (available, on a contact, wrap-up …)."""
    from kefu.callcenter import agent_states

    return [
        {"state": state, "label": str(label), "count": count}
        for state, label, count in agent_states.current_counts(at=now)
    ]


def changed() -> None:
    """A call, a chat or an agent's state changed: every open board asks for a new snapshot, once the
    change is committed (a board reading before the commit would show the old state)."""

    def send():
        layer = get_channel_layer()
        if layer is not None:
            async_to_sync(layer.group_send)(GROUP, {"type": "wallboard.changed"})

    transaction.on_commit(send)
