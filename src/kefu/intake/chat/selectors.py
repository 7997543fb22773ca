"""Reads shared by the consumers, the console page and the services: queue, loads, payloads."""

from django.db.models import Count, Q
from django.urls import reverse

from kefu.accounts.models import User
from kefu.intake.chat.models import QUEUE_ORDER, AgentChatStatus, ChatLine, ChatSession

OPEN_STATES = (ChatSession.State.WAITING, ChatSession.State.OFFERED, ChatSession.State.ACTIVE)
QUEUED_STATES = (ChatSession.State.WAITING, ChatSession.State.OFFERED)


def agent_loads(agent_ids=None) -> dict[int, int]:
    """Chats each agent holds: active ones plus offers they have not answered yet."""
    rows = (
        ChatSession.objects.filter(
            Q(state=ChatSession.State.ACTIVE, agent__isnull=False)
            | Q(state=ChatSession.State.OFFERED, offered_to__isnull=False)
        )
        .values("state", "agent_id", "offered_to_id")
        .order_by()
    )
    loads: dict[int, int] = {}
    for row in rows:
        who = row["agent_id"] if row["state"] == ChatSession.State.ACTIVE else row["offered_to_id"]
        if agent_ids is None or who in agent_ids:
            loads[who] = loads.get(who, 0) + 1
    return loads


def queue_position(session: ChatSession) -> int:
    """1 for the first in the queue (QUEUE_ORDER: a higher tier priority first, then who asked first)."""
    earlier = Q(requested_at__lt=session.requested_at) | Q(
        requested_at=session.requested_at, pk__lt=session.pk
    )
    ahead = Q(priority__gt=session.priority) | (Q(priority=session.priority) & earlier)
    return ChatSession.objects.filter(state__in=QUEUED_STATES).filter(ahead).count() + 1


def available_statuses():
    """Agents who may receive chats: online, active, with a console open."""
    return AgentChatStatus.objects.filter(
        status=AgentChatStatus.Status.ONLINE, agent__is_active=True, consoles__gt=0
    )


def agents_online() -> int:
    return available_statuses().count()


def line_payload(line: ChatLine, *, for_agent: bool) -> dict:
    if line.sender == ChatLine.Sender.AGENT:
        name = line.agent.label if line.agent_id else ""
    elif line.sender == ChatLine.Sender.CUSTOMER:
        name = line.session.customer_name
    else:
        name = ""
    return {
        "type": "line",
        "session": line.session_id,
        "id": line.pk,
        "sender": line.sender,
        "name": name,
        "text": line.text,
        "internal": line.internal,
        "at": line.created_at.isoformat(),
    }


def session_payload(session: ChatSession, *, lines: bool = False, for_agent: bool = True) -> dict:
    data = {
        "id": session.pk,
        "state": session.state,
        "agent": session.agent.label if session.agent_id else "",
        "agent_id": session.agent_id,
        "requested_at": session.requested_at.isoformat(),
    }
    if for_agent:
        data["tier"] = session.tier
    if for_agent:
        data.update(
            name=session.customer_name,
            phone=session.customer_phone,
            email=session.customer_email,
            page_url=session.page_url,
            skill=session.skill.name if session.skill_id else "",
            offer_expires_at=session.offer_expires_at.isoformat() if session.offer_expires_at else None,
            first_response_seconds=session.first_response_seconds,
            ticket=session.ticket.number if session.ticket_id else "",
            ticket_url=reverse("tickets:detail", args=[session.ticket.number]) if session.ticket_id else "",
        )
    else:
        data["ticket"] = session.ticket.number if session.ticket_id else ""
    if lines:
        rows = session.lines.select_related("agent", "session").order_by("created_at", "id")
        if not for_agent:
            rows = rows.filter(internal=False)
        data["lines"] = [line_payload(line, for_agent=for_agent) for line in rows]
    return data


def waiting_queue() -> list[dict]:
    rows = ChatSession.objects.filter(state__in=QUEUED_STATES).select_related("skill", "agent", "ticket")
    return [session_payload(s) for s in rows.order_by(*QUEUE_ORDER)]


def agent_snapshot(agent: User) -> dict:
    """Everything an agent console shows: status, capacity, queue, offers, active chats with lines."""
    status = AgentChatStatus.objects.filter(agent=agent).first()
    active = (
        ChatSession.objects.filter(agent=agent, state=ChatSession.State.ACTIVE)
        .select_related("skill", "agent", "ticket")
        .order_by("accepted_at", "id")
    )
    offers = ChatSession.objects.filter(offered_to=agent, state=ChatSession.State.OFFERED).select_related(
        "skill", "agent", "ticket"
    )
    return {
        "type": "snapshot",
        "status": status.status if status else AgentChatStatus.Status.OFFLINE,
        "max_chats": status.max_chats if status else AgentChatStatus._meta.get_field("max_chats").default,
        "queue": waiting_queue(),
        "offers": [session_payload(s) for s in offers],
        "active": [session_payload(s, lines=True) for s in active],
    }


def transfer_targets(agent: User | None = None) -> list[dict]:
    """Online agents with a free place (but `agent`), for the transfer menu."""
    statuses = available_statuses().select_related("agent")
    loads = agent_loads()
    return [
        {"id": s.agent_id, "name": s.agent.label, "load": loads.get(s.agent_id, 0), "max": s.max_chats}
        for s in statuses
        if (agent is None or s.agent_id != agent.pk) and loads.get(s.agent_id, 0) < s.max_chats
    ]


def chat_counts() -> dict:
    return dict(
        ChatSession.objects.filter(state__in=OPEN_STATES)
        .values_list("state")
        .annotate(n=Count("id"))
        .order_by()
    )
