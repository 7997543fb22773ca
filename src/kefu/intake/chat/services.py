"""Every write of live chat (在线客服): start, route and offer, accept, lines, transfer, end, leave a message.

Routing rules (docs/chat.md):
- A new chat waits in the queue (oldest first) and is offered to ONE agent at a time: online with a
  console open, with a free place (active chats + pending offers < max_chats), holding the skill the chat asked for, the
  one idle longest first (idle since going online, or since their last accepted or ended chat).
- An offer not accepted within KEFU_CHAT_OFFER_SECONDS (or declined) goes back to the queue and to
  the next agent; agents passed over are skipped while anybody else is free.
- The greeting is written when the chat starts; with no agent online, or after
  KEFU_CHAT_WAIT_SECONDS in the queue, the customer is invited to leave a message, which becomes a
  work order (channel "chat", no owner).
- A waiting chat whose visitor closed the page and stayed away KEFU_CHAT_ABANDON_SECONDS ends as missed.
- When an agent accepts, the chat is tied to a work order: the customer's newest open work order
  (matched by phone, else email) that this agent may answer, or a new consultation owned by the agent
  (首问负责制). Every line is also stored as a Message on it (external_id "chat:<line id>"), so the
  transcript lives on the work order. A chat the customer leaves without an agent, having written
  something, also becomes a work order so nothing they said is lost.

Services change rows under one transaction and send their events through kefu.intake.chat.events after
commit. Which state a chat may move to is the table in kefu.intake.chat.workflow, checked by every
service. A service after which a place may be free or a chat may wait (a new chat, a decline, an end,
a transfer, an agent's status or console, the sweep) routes the queue itself once its transaction
commits (`chat_dispatch`); callers never have to remember it.
"""

import logging
import re
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kefu.accounts.models import Skill, User
from kefu.core.errors import DomainError, NotFound, PermissionDenied, TransitionNotAllowed, ValidationError
from kefu.customers.selectors import customer_by_contact
from kefu.customers.services import clean_email, clean_phone
from kefu.customers.tiers import routing_priority
from kefu.intake.chat import events, selectors, workflow
from kefu.intake.chat.models import QUEUE_ORDER, AgentChatStatus, ChatLine, ChatSession
from kefu.intake.chat.signals import agent_status_changed
from kefu.tickets.models import OPEN_STATUSES, Channel, Message, Ticket, TicketType
from kefu.tickets.services.messages import can_reply, message_receive, message_reply
from kefu.tickets.services.tickets import ticket_create

log = logging.getLogger(__name__)

TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
MAX_LINE = 2000
State = ChatSession.State
Sender = ChatLine.Sender


def valid_token(token: str) -> bool:
    return bool(TOKEN_RE.match(token or ""))


def _lock(session: ChatSession) -> ChatSession:
    # Agents and the customer act on the same chat from different processes; the row lock orders them.
    fresh = ChatSession.objects.select_for_update().filter(pk=session.pk).first()
    if fresh is None:
        raise NotFound(_("Chat not found."))
    return fresh


def _require_agent(by: User | None) -> User:
    if by is None or not by.is_authenticated or not by.is_active or not by.is_center_staff:
        raise PermissionDenied(_("Only service-center staff take chats."))
    return by


def _status_row(agent: User) -> AgentChatStatus:
    row, _created = AgentChatStatus.objects.select_for_update().get_or_create(agent=agent)
    return row


def _language(session: ChatSession):
    return translation.override(session.language or settings.LANGUAGE_CODE)


# --- lines and the transcript on the work order -----------------------------------------------


def _store_on_ticket(line: ChatLine) -> None:
    """Keep `line` as a Message on the session's work order (idempotent on external_id chat:<id>)."""
    session = line.session
    if session.ticket_id is None or line.internal or line.message_id:
        return
    ticket = session.ticket
    try:
        if line.sender == Sender.CUSTOMER:
            message, _created = message_receive(
                ticket=ticket,
                channel=Channel.CHAT,
                body_text=line.text,
                author_name=session.customer_name,
                address=session.customer_phone or session.customer_email,
                external_id=line.external_id,
                data={"chat_session": session.pk},
                # the agent is in the conversation; a notification per line would only be noise
                notify_owner=session.agent_id is None,
                now=line.created_at,
            )
        else:
            # The exclude repeats the unique index's condition: without it SQLite scans every message.
            existing = (
                Message.objects.filter(channel=Channel.CHAT, external_id=line.external_id)
                .exclude(external_id="")
                .first()
            )
            message = existing or message_reply(
                ticket=ticket,
                by=line.agent if line.sender == Sender.AGENT else None,
                body_text=line.text,
                channel=Channel.CHAT,
                data={"chat_session": session.pk, "chat_sender": line.sender},
                now=line.created_at,
            )
            if not message.external_id:
                message.external_id = line.external_id
                message.save(update_fields=["external_id"])
    except DomainError as exc:  # e.g. the work order was merged meanwhile: the chat goes on regardless
        log.warning("chat line %s not stored on %s: %s", line.pk, ticket.number, exc.message)
        return
    line.message = message
    line.save(update_fields=["message"])


def _line(
    session: ChatSession, sender: str, text: str, now: datetime, *, agent: User | None = None, internal=False
) -> ChatLine:
    line = ChatLine.objects.create(
        session=session, sender=sender, agent=agent, text=text, internal=internal, created_at=now
    )
    line.session = session
    _store_on_ticket(line)
    payload = selectors.line_payload(line, for_agent=True)
    if not internal:
        events.push(events.visitor_group(session.token), payload)
    if session.agent_id:
        events.push(events.agent_group(session.agent_id), payload)
    return line


def _system(session: ChatSession, text: str, now: datetime, *, internal=False) -> ChatLine:
    return _line(session, Sender.SYSTEM, str(text), now, internal=internal)


def _backfill(session: ChatSession) -> None:
    for line in session.lines.filter(message__isnull=True, internal=False).order_by("created_at", "id"):
        line.session = session
        _store_on_ticket(line)


def _push_state(session: ChatSession) -> None:
    events.push(
        events.visitor_group(session.token),
        {"type": "state", **selectors.session_payload(session, for_agent=False)},
    )
    if session.agent_id:
        events.push(
            events.agent_group(session.agent_id), {"type": "state", **selectors.session_payload(session)}
        )


def _route_after_commit(now: datetime) -> None:
    """Offer waiting chats to free agents once this transaction has committed (routing locks the queue
    and the agents' rows in its own transaction, and must see what this one wrote)."""
    transaction.on_commit(lambda: chat_dispatch(now=now))


def _push_queue() -> None:
    transaction.on_commit(
        lambda: events.send_now(
            events.AGENTS_GROUP,
            {"type": "queue", "queue": selectors.waiting_queue(), "agents": selectors.transfer_targets()},
        )
    )


# --- start ---------------------------------------------------------------------------------------


@transaction.atomic
def chat_start(
    *,
    token: str,
    name: str = "",
    phone: str = "",
    email: str = "",
    page_url: str = "",
    skill: str = "",
    language: str = "",
    now: datetime | None = None,
) -> ChatSession:
    """A visitor asks for a chat: the session enters the queue and the greeting is written at once.

    Starting again with the token of an open chat returns that chat (a reconnect). Refuses a malformed
    token, a token whose chat has ended, and a bad phone or email (naming the field).
    """
    now = now or timezone.now()
    if not valid_token(token):
        raise ValidationError.for_field("token", _("Not a chat token."))
    existing = ChatSession.objects.filter(token=token).first()
    if existing is not None:
        if existing.is_open:
            _route_after_commit(now)  # a reconnect routes as a start does
            return existing
        raise ValidationError.for_field("token", _("This chat has ended; start a new one."))
    name = (name or "").strip()
    if len(name) > 100:
        raise ValidationError.for_field("name", _("At most %(limit)s characters.") % {"limit": 100})
    phone = clean_phone(phone or "", "phone")
    email = clean_email(email or "", "email")
    skill_row = Skill.objects.filter(name=skill.strip()).first() if skill and skill.strip() else None
    codes = {code for code, _label in settings.LANGUAGES}
    known = customer_by_contact(phone=phone, email=email) if phone or email else None
    tier = known.tier_id if known is not None else ""
    session = ChatSession.objects.create(
        token=token,
        customer_name=name,
        customer_phone=phone,
        customer_email=email,
        page_url=(page_url or "")[:500],
        language=language if language in codes else settings.LANGUAGE_CODE,
        skill=skill_row,
        tier=tier,
        priority=routing_priority(tier) if tier else 0,
        requested_at=now,
        greeted_at=now,
    )
    with _language(session):
        position = selectors.queue_position(session)
        _system(
            session,
            _("Hello, welcome! We are connecting you to an agent… You are number %(position)s in the queue.")
            % {"position": position},
            now,
        )
        if selectors.agents_online() == 0:
            _invite_leave_message(session, now, no_agent=True)
    _push_state(session)
    _push_queue()
    _route_after_commit(now)
    return session


def _invite_leave_message(session: ChatSession, now: datetime, *, no_agent: bool) -> None:
    if session.leave_message_invited_at is not None:
        return
    session.leave_message_invited_at = now
    session.save(update_fields=["leave_message_invited_at"])
    with _language(session):
        text = (
            _("No agent is online right now. Leave us a message and we will get back to you.")
            if no_agent
            else _("All our agents are still busy. You may keep waiting, or leave us a message.")
        )
        _system(session, text, now)
    events.push(events.visitor_group(session.token), {"type": "leave_message", "session": session.pk})


# --- routing -------------------------------------------------------------------------------------


@transaction.atomic
def chat_dispatch(*, now: datetime | None = None) -> list[tuple[int, int]]:
    """Offer waiting chats to free agents (the routing rules above); returns (session id, agent id) pairs."""
    now = now or timezone.now()
    if not selectors.available_statuses().exists():
        # Nobody to offer to: return before locking every waiting chat. Each start routes, so with
        # no agent online the starts queued behind each other's lock on the whole, growing queue.
        # An agent who comes online routes after its own commit, so no chat is left behind.
        return []
    waiting = list(ChatSession.objects.select_for_update().filter(state=State.WAITING).order_by(*QUEUE_ORDER))
    if not waiting:
        return []
    statuses = list(
        selectors.available_statuses()
        .select_for_update(of=("self",))
        .order_by(F("idle_since").asc(nulls_first=True), "agent_id")
    )
    if not statuses:
        return []
    ids = {s.agent_id for s in statuses}
    loads = selectors.agent_loads(ids)
    skills: dict[int, set[int]] = {}
    for user_id, skill_id in User.skills.through.objects.filter(user_id__in=ids).values_list(
        "user_id", "skill_id"
    ):
        skills.setdefault(user_id, set()).add(skill_id)
    offered = []
    timeout = timedelta(seconds=settings.KEFU_CHAT_OFFER_SECONDS)
    for session in waiting:
        free = [
            s
            for s in statuses
            if loads.get(s.agent_id, 0) < s.max_chats
            and (session.skill_id is None or session.skill_id in skills.get(s.agent_id, set()))
        ]
        fresh = [s for s in free if s.agent_id not in session.passed_over]
        if not fresh and free:
            session.passed_over = []  # everyone had their turn: go round again
            fresh = free
        if not fresh:
            continue
        chosen = fresh[0]
        session.state = workflow.check(session.state, workflow.OFFER)
        session.offered_to_id = chosen.agent_id
        session.offered_at = now
        session.offer_expires_at = now + timeout
        session.save(update_fields=["state", "offered_to", "offered_at", "offer_expires_at", "passed_over"])
        loads[chosen.agent_id] = loads.get(chosen.agent_id, 0) + 1
        statuses.remove(chosen)
        statuses.append(chosen)  # the next chat goes to the next longest-idle agent
        events.push(
            events.agent_group(chosen.agent_id), {"type": "offer", **selectors.session_payload(session)}
        )
        offered.append((session.pk, chosen.agent_id))
    if offered:
        _push_queue()
    return offered


def _withdraw_offer(session: ChatSession, *, passed: bool, action: str = workflow.WITHDRAW) -> None:
    agent_id = session.offered_to_id
    session.state = workflow.check(session.state, action)
    if passed and agent_id and agent_id not in session.passed_over:
        session.passed_over = [*session.passed_over, agent_id]
    session.offered_to = None
    session.offer_expires_at = None
    session.save(update_fields=["state", "offered_to", "offer_expires_at", "passed_over"])
    if agent_id:
        events.push(events.agent_group(agent_id), {"type": "offer_gone", "session": session.pk})


def sweep_due(session: ChatSession, now: datetime | None = None) -> bool:
    """Whether chat_sweep has anything to do for `session` (a read, so waiting chats cost no write lock)."""
    now = now or timezone.now()
    if session.state == State.OFFERED and session.offer_expires_at and session.offer_expires_at <= now:
        return True
    if session.state not in selectors.QUEUED_STATES:
        return False
    if _abandoned(session, now):
        return True
    wait = timedelta(seconds=settings.KEFU_CHAT_WAIT_SECONDS)
    return session.leave_message_invited_at is None and session.requested_at + wait <= now


def _abandoned(session: ChatSession, now: datetime) -> bool:
    """The visitor closed the page while waiting and did not come back in KEFU_CHAT_ABANDON_SECONDS."""
    grace = timedelta(seconds=settings.KEFU_CHAT_ABANDON_SECONDS)
    return session.visitor_left_at is not None and session.visitor_left_at + grace <= now


@transaction.atomic
def chat_sweep(*, now: datetime | None = None, session_id: int | None = None) -> int:
    """Expire unanswered offers (back to the queue, next agent) and invite long waiters to leave a message.

    Idempotent: any process (a visitor's consumer, the worker) may run it any number of times.
    Returns how many chats changed.
    """
    now = now or timezone.now()
    rows = ChatSession.objects.select_for_update().filter(state__in=selectors.QUEUED_STATES)
    if session_id is not None:
        rows = rows.filter(pk=session_id)
    changed = 0
    wait = timedelta(seconds=settings.KEFU_CHAT_WAIT_SECONDS)
    abandoned = []
    for session in rows:
        if _abandoned(session, now):
            abandoned.append(session)
            continue
        if session.state == State.OFFERED and session.offer_expires_at and session.offer_expires_at <= now:
            _withdraw_offer(session, passed=True)
            changed += 1
        if session.leave_message_invited_at is None and session.requested_at + wait <= now:
            _invite_leave_message(session, now, no_agent=False)
            changed += 1
    for session in abandoned:
        chat_end(session=session, ended_by=Sender.CUSTOMER, now=now)
        changed += 1
    if changed:
        _push_queue()
    # Also when nothing changed: the sweep is the backstop that offers chats a lost routing missed.
    _route_after_commit(now)
    return changed


@transaction.atomic
def chat_visitor_presence(*, session: ChatSession, connected: bool, now: datetime | None = None) -> None:
    """Note that the visitor's page closed (or came back): a waiting chat whose visitor stays away is
    ended as missed by the sweep after KEFU_CHAT_ABANDON_SECONDS, so no agent is offered an empty chair."""
    now = now or timezone.now()
    left_at = None if connected else now
    ChatSession.objects.filter(pk=session.pk).exclude(visitor_left_at=left_at).update(visitor_left_at=left_at)


# --- agents --------------------------------------------------------------------------------------


@transaction.atomic
def agent_set_status(
    *, agent: User, status: str, max_chats: int | None = None, now: datetime | None = None
) -> AgentChatStatus:
    """An agent goes online, away or offline for chats (and may change their limit).

    Going away or offline hands pending offers back to the queue; chats in progress stay theirs.
    Refuses non-center staff, an unknown status and a limit outside 1..20.
    """
    now = now or timezone.now()
    agent = _require_agent(agent)
    if status not in AgentChatStatus.Status.values:
        raise ValidationError.for_field("status", _("Unknown status “%(status)s”.") % {"status": status})
    # Sessions before the status row, the order every chat service locks in (no deadlock with dispatch).
    offers = list(ChatSession.objects.select_for_update().filter(offered_to=agent, state=State.OFFERED))
    row = _status_row(agent)
    fields = ["status", "updated_at"]
    if max_chats is not None:
        try:
            max_chats = int(max_chats)
        except (TypeError, ValueError):
            max_chats = 0
        if not 1 <= max_chats <= 20:
            raise ValidationError.for_field("max_chats", _("Between 1 and 20."))
        row.max_chats = max_chats
        fields.append("max_chats")
    if status == AgentChatStatus.Status.ONLINE and row.status != status:
        row.idle_since = now
        fields.append("idle_since")
    previous = row.status
    row.status = status
    row.updated_at = now
    row.save(update_fields=fields)
    if previous != status:
        agent_status_changed.send(
            sender=AgentChatStatus, agent=agent, status=status, previous=previous, at=now
        )
    if status != AgentChatStatus.Status.ONLINE:
        for session in offers:
            _withdraw_offer(session, passed=True)
    events.push(
        events.agent_group(agent.pk), {"type": "status", "status": row.status, "max_chats": row.max_chats}
    )
    _push_queue()
    _route_after_commit(now)
    return row


@transaction.atomic
def agent_console(*, agent: User, opened: bool, now: datetime | None = None) -> None:
    """Count the agent's open consoles (websockets, on any process); offers go only to agents with one.

    A console that vanishes without closing (a crashed process) leaves the count high; its offers
    then simply time out and move on.
    """
    now = now or timezone.now()
    agent = _require_agent(agent)
    row = _status_row(agent)
    row.consoles = row.consoles + 1 if opened else max(row.consoles - 1, 0)
    row.save(update_fields=["consoles"])
    if not opened and row.consoles == 0:
        for session in ChatSession.objects.select_for_update().filter(offered_to=agent, state=State.OFFERED):
            _withdraw_offer(session, passed=True)
        _push_queue()
    _route_after_commit(now)  # an online agent reopening the console may take waiting chats


def _ticket_for(session: ChatSession, agent: User, now: datetime) -> Ticket:
    """The customer's newest open work order this agent may answer, else a new consultation they own."""
    for field, value in (
        ("customer_phone", session.customer_phone),
        ("customer_email", session.customer_email),
    ):
        if not value:
            continue
        for ticket in Ticket.objects.filter(status__in=OPEN_STATUSES, **{field: value}).order_by(
            "-updated_at"
        )[:5]:
            if can_reply(agent, ticket):
                return ticket
    with _language(session):
        first = session.lines.filter(sender=Sender.CUSTOMER).order_by("created_at", "id").first()
        content = first.text if first else _("Live chat from %(page)s") % {"page": session.page_url or "-"}
        return ticket_create(
            by=agent,
            ticket_type=TicketType.CONSULTATION,
            channel=Channel.CHAT,
            content=content,
            title=(_("Live chat: %(text)s") % {"text": content})[:200],
            customer_name=session.customer_name,
            customer_phone=session.customer_phone,
            customer_email=session.customer_email,
            accept=True,
            now=now,
        ).ticket


@transaction.atomic
def chat_accept(*, session: ChatSession, by: User, now: datetime | None = None) -> ChatSession:
    """The agent takes the chat offered to them (or picks a waiting one from the queue).

    Ties the chat to a work order (see the module docstring) and copies the lines so far onto it.
    Refuses a chat offered to someone else or already taken or finished, and an agent without a free place.
    """
    now = now or timezone.now()
    by = _require_agent(by)
    session = _lock(session)
    if session.state == State.OFFERED and session.offered_to_id != by.pk:
        raise TransitionNotAllowed(_("This chat is offered to a colleague."))
    target = workflow.check(session.state, workflow.ACCEPT)
    status = _status_row(by)
    held = selectors.agent_loads({by.pk}).get(by.pk, 0) - (1 if session.state == State.OFFERED else 0)
    if held >= status.max_chats:
        raise TransitionNotAllowed(
            _("You already have %(count)s chats, your limit.") % {"count": status.max_chats}
        )
    session.ticket = _ticket_for(session, by, now)
    session.state = target
    session.agent = by
    session.offered_to = None
    session.offer_expires_at = None
    session.accepted_at = now
    session.save(update_fields=["ticket", "state", "agent", "offered_to", "offer_expires_at", "accepted_at"])
    status.idle_since = now
    status.save(update_fields=["idle_since"])
    _backfill(session)
    with _language(session):
        _system(session, _("Agent %(name)s is now serving you.") % {"name": by.label}, now)
    events.push(
        events.agent_group(by.pk), {"type": "session", **selectors.session_payload(session, lines=True)}
    )
    _push_state(session)
    _push_queue()
    return session


@transaction.atomic
def chat_decline(*, session: ChatSession, by: User, now: datetime | None = None) -> ChatSession:
    """The agent passes on an offer; it goes to the next agent. Refuses an offer that is not theirs."""
    now = now or timezone.now()
    by = _require_agent(by)
    session = _lock(session)
    workflow.check(session.state, workflow.DECLINE)
    if session.offered_to_id != by.pk:
        raise TransitionNotAllowed(_("This chat is not offered to you."))
    _withdraw_offer(session, passed=True, action=workflow.DECLINE)
    _push_queue()
    _route_after_commit(now)
    return session


# --- talking -------------------------------------------------------------------------------------


@transaction.atomic
def chat_post_line(
    *, session: ChatSession, sender: str, text: str, by: User | None = None, now: datetime | None = None
) -> ChatLine:
    """A line from the customer or the agent, relayed to the other side and kept on the work order.

    The agent's first line sets the first response time (from the customer's request).
    Refuses an empty or over-long line, a finished chat, and an agent who is not serving it.
    """
    now = now or timezone.now()
    text = (text or "").strip()
    if not text:
        raise ValidationError.for_field("text", _("Write something first."))
    if len(text) > MAX_LINE:
        raise ValidationError.for_field("text", _("At most %(limit)s characters.") % {"limit": MAX_LINE})
    session = _lock(session)
    workflow.check(session.state, workflow.POST)
    if sender == Sender.AGENT:
        by = _require_agent(by)
        if session.state != State.ACTIVE or session.agent_id != by.pk:
            raise PermissionDenied(_("You are not serving this chat."))
        line = _line(session, Sender.AGENT, text, now, agent=by)
        if session.first_response_at is None:
            session.first_response_at = now
            session.first_response_seconds = (now - session.requested_at).total_seconds()
            session.save(update_fields=["first_response_at", "first_response_seconds"])
            _push_state(session)
        return line
    if sender != Sender.CUSTOMER:
        raise ValidationError.for_field("sender", _("Unknown sender."))
    return _line(session, Sender.CUSTOMER, text, now)


@transaction.atomic
def chat_transfer(
    *, session: ChatSession, by: User, to: User, note: str = "", now: datetime | None = None
) -> ChatSession:
    """Hand an active chat to a colleague with a note only agents see (转接).

    The work order keeps its owner (the first-contact owner stays responsible). Refuses anyone but the
    serving agent or a lead, a colleague who is not online or has no free place, and the same agent.
    """
    now = now or timezone.now()
    by = _require_agent(by)
    session = _lock(session)
    workflow.check(session.state, workflow.TRANSFER)
    if session.agent_id != by.pk and not by.is_lead:
        raise PermissionDenied(_("You are not serving this chat."))
    if to is None or not to.is_active or not to.is_center_staff:
        raise ValidationError.for_field("to", _("Choose a service-center colleague."))
    if to.pk == session.agent_id:
        raise ValidationError.for_field("to", _("The chat is already with %(name)s.") % {"name": to.label})
    target = AgentChatStatus.objects.select_for_update().filter(agent=to).first()
    if target is None or target.status != AgentChatStatus.Status.ONLINE or not target.consoles:
        raise ValidationError.for_field("to", _("%(name)s is not online for chats.") % {"name": to.label})
    if selectors.agent_loads({to.pk}).get(to.pk, 0) >= target.max_chats:
        raise ValidationError.for_field("to", _("%(name)s has no free place.") % {"name": to.label})
    note = (note or "").strip()[:1000]
    previous = session.agent
    session.agent = to
    session.save(update_fields=["agent"])
    if previous is not None:
        events.push(events.agent_group(previous.pk), {"type": "session_gone", "session": session.pk})
        prev_status = AgentChatStatus.objects.filter(agent=previous).first()
        if prev_status is not None:
            prev_status.idle_since = now
            prev_status.save(update_fields=["idle_since"])
    with _language(session):
        _system(
            session,
            _("Transferred by %(from)s: %(note)s") % {"from": by.label, "note": note or "-"},
            now,
            internal=True,
        )
        _system(session, _("You have been transferred to agent %(name)s.") % {"name": to.label}, now)
    events.push(
        events.agent_group(to.pk), {"type": "session", **selectors.session_payload(session, lines=True)}
    )
    _push_state(session)
    _route_after_commit(now)  # the previous agent has a free place again
    return session


@transaction.atomic
def chat_end(
    *, session: ChatSession, by: User | None = None, ended_by: str = Sender.AGENT, now: datetime | None = None
) -> ChatSession:
    """Finish a chat (the agent, or the customer when ended_by is "customer").

    A chat that an agent took ends as "ended"; one that never reached an agent as "missed" — and if the
    customer wrote something it becomes a work order (no owner) so it is not lost. Ending twice changes
    nothing. Refuses an agent who is not serving the chat (leads may end any).
    """
    now = now or timezone.now()
    if ended_by == Sender.AGENT:
        by = _require_agent(by)
    session = _lock(session)
    if not session.is_open:
        return session
    if ended_by == Sender.AGENT and session.agent_id != by.pk and not by.is_lead:
        raise PermissionDenied(_("You are not serving this chat."))
    if session.state == State.OFFERED:
        _withdraw_offer(session, passed=False)
    session.state = workflow.check(session.state, workflow.END)
    if session.state == State.ENDED:
        status = AgentChatStatus.objects.filter(agent_id=session.agent_id).first()
        if status is not None:
            status.idle_since = now
            status.save(update_fields=["idle_since"])
    else:
        if session.ticket_id is None and session.lines.filter(sender=Sender.CUSTOMER).exists():
            session.ticket = _ticket_unattended(session, "", now)
            _backfill(session)
    session.ended_at = now
    session.save(update_fields=["state", "ended_at", "ticket"])
    with _language(session):
        _system(session, _("The chat has ended. Thank you!"), now)
    _push_state(session)
    if session.state == State.ENDED and session.ticket_id:
        _offer_survey(session, now)
    _push_queue()
    _route_after_commit(now)
    return session


def _offer_survey(session: ChatSession, now: datetime) -> None:
    """The satisfaction survey in the chat window, as the last thing the customer sees (the callbacks
    app decides whether to ask, by its survey rules; the answer comes back as a "survey" frame)."""
    from kefu.callbacks.services import chat_survey_offer

    survey = chat_survey_offer(ticket=session.ticket, language=session.language, now=now)
    if survey is not None:
        events.push(events.visitor_group(session.token), {"type": "survey", "session": session.pk, **survey})


def chat_survey_answer(
    *,
    session: ChatSession,
    token: str,
    score: str = "",
    scale=None,
    comment: str = "",
    now: datetime | None = None,
):
    """The customer's answer to the survey shown as the chat ended; one answer per contact.

    Refuses a survey of another chat's work order, and whatever the callbacks app's survey_answer
    refuses (a tampered or expired token, a second answer, a missing score).
    """
    from kefu.callbacks.models import Satisfaction
    from kefu.callbacks.services import survey_answer, survey_open

    ticket, _round = survey_open(token, now=now)
    if session.ticket_id is None or ticket.pk != session.ticket_id:
        raise NotFound(_("This survey is not for this chat."))
    return survey_answer(
        token=token, score=score, scale=scale, comment=comment, source=Satisfaction.Source.CHAT, now=now
    )


def _ticket_unattended(session: ChatSession, text: str, now: datetime) -> Ticket:
    first = session.lines.filter(sender=Sender.CUSTOMER).order_by("created_at", "id").first()
    content = text or (first.text if first else "")
    with _language(session):
        return ticket_create(
            by=None,
            ticket_type=TicketType.CONSULTATION,
            channel=Channel.CHAT,
            content=content,
            title=(_("Chat message: %(text)s") % {"text": content})[:200],
            customer_name=session.customer_name,
            customer_phone=session.customer_phone,
            customer_email=session.customer_email,
            now=now,
        ).ticket


@transaction.atomic
def chat_leave_message(
    *,
    session: ChatSession,
    text: str,
    name: str = "",
    phone: str = "",
    email: str = "",
    now: datetime | None = None,
) -> Ticket:
    """The customer leaves a message instead of waiting: it becomes a work order and they are told its number.

    Refuses an empty message, a customer with neither phone nor email (we must be able to answer),
    a bad phone or email, and a chat an agent is already serving or that has ended.
    """
    now = now or timezone.now()
    text = (text or "").strip()
    errors: dict[str, list[str]] = {}
    if not text:
        errors["text"] = [_("Write your message.")]
    elif len(text) > MAX_LINE:
        errors["text"] = [_("At most %(limit)s characters.") % {"limit": MAX_LINE}]
    try:
        phone = clean_phone(phone or "", "phone")
    except ValidationError as exc:
        errors.update(exc.errors)
    try:
        email = clean_email(email or "", "email")
    except ValidationError as exc:
        errors.update(exc.errors)
    session = _lock(session)
    phone = phone or session.customer_phone
    email = email or session.customer_email
    if not phone and not email and "phone" not in errors and "email" not in errors:
        errors["phone"] = [_("Give a phone number or an email address so that we can answer you.")]
    if errors:
        raise ValidationError(_("Please correct: %(fields)s") % {"fields": ", ".join(errors)}, errors=errors)
    target = workflow.check(session.state, workflow.LEAVE_MESSAGE)
    if session.state == State.OFFERED:
        _withdraw_offer(session, passed=False)
    session.customer_name = (name or "").strip()[:100] or session.customer_name
    session.customer_phone = phone
    session.customer_email = email
    line = ChatLine.objects.create(session=session, sender=Sender.CUSTOMER, text=text, created_at=now)
    events.push(events.visitor_group(session.token), selectors.line_payload(line, for_agent=True))
    session.ticket = _ticket_unattended(session, text, now)
    session.state = target
    session.ended_at = now
    session.save(
        update_fields=["customer_name", "customer_phone", "customer_email", "ticket", "state", "ended_at"]
    )
    _backfill(session)
    with _language(session):
        _system(
            session,
            _("Thank you, your message is recorded as work order %(number)s. We will get back to you soon.")
            % {"number": session.ticket.number},
            now,
        )
    events.push(
        events.visitor_group(session.token),
        {"type": "left_message", "session": session.pk, "number": session.ticket.number},
    )
    _push_state(session)
    _push_queue()
    _route_after_commit(now)
    return session.ticket
