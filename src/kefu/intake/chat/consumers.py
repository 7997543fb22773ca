"""Websocket consumers: the visitor's widget and the agent's console.

Both only translate JSON frames into service calls (in a worker thread) and forward group events;
every piece of state lives in the database and every fan-out goes through the channel layer, so any
number of web processes may serve the same chat.
"""

import asyncio
import functools
import logging
from concurrent.futures import ThreadPoolExecutor

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.utils.translation import gettext as _

from kefu.accounts.models import User
from kefu.core.errors import DomainError
from kefu.intake.chat import events, selectors, services
from kefu.intake.chat.models import ChatLine, ChatSession

log = logging.getLogger(__name__)
# Channels runs a consumer outside any ThreadSensitiveContext, so thread-sensitive calls of every
# websocket in the process queued for asgiref's one shared thread: under load a visitor's frame
# waited seconds behind other visitors' once-a-second sweeps. Each call here is a whole unit of
# work (its own transaction, connections closed around it), so it may run in any thread; a pool
# of a few threads bounds the database connections the consumers hold beside HTTP requests.
CONSUMER_THREADS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="chat-consumer")
in_consumer_thread = functools.partial(
    database_sync_to_async, thread_sensitive=False, executor=CONSUMER_THREADS
)
TICK_SECONDS = 1.0  # how often a waiting visitor's consumer checks offer and wait timeouts


def _error(exc: DomainError) -> dict:
    return {"type": "error", **exc.as_dict()}


class AlwaysDisconnects:
    """disconnect() runs once, however the socket ended. A send to a socket the browser has just
    closed raises (uvicorn's ClientDisconnected), which ends the consumer without Channels calling
    disconnect(): the waiting visitor's ticker then swept every second for ever and kept marking
    the visitor present, so the chat was never abandoned (bench/load.py's chats, closed as soon as
    their greeting came, left hundreds of them)."""

    async def __call__(self, scope, receive, send):
        try:
            await super().__call__(scope, receive, send)
        finally:
            if not getattr(self, "disconnected", False):
                try:
                    await self.disconnect(1006)
                except Exception:
                    log.exception("closing a chat websocket's state failed")

    async def disconnect(self, code):
        self.disconnected = True


class VisitorConsumer(AlwaysDisconnects, AsyncJsonWebsocketConsumer):
    """ws/chat/visitor/<token>/: one browser tab of a website visitor."""

    async def connect(self):
        self.token = self.scope["url_route"]["kwargs"]["token"]
        if not services.valid_token(self.token):
            await self.close(code=4400)
            return
        self.group = events.visitor_group(self.token)
        self.ticker = None
        self.gone = False
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        history = await self._history()
        if history is not None:
            await self.send_json(history)
            self._start_ticker(history["id"], history["state"])

    async def disconnect(self, code):
        await super().disconnect(code)
        self.gone = True  # the ticker's loop ends on this even if its cancellation is swallowed
        if getattr(self, "ticker", None):
            self.ticker.cancel()
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)
            await self._presence(connected=False)

    @in_consumer_thread
    def _presence(self, *, connected: bool):
        session = ChatSession.objects.filter(token=self.token).first()
        if session is not None and session.is_open:
            services.chat_visitor_presence(session=session, connected=connected)

    @in_consumer_thread
    def _history(self):
        session = ChatSession.objects.filter(token=self.token).select_related("agent", "ticket").first()
        if session is None:
            return None
        if session.is_open and session.visitor_left_at is not None:
            services.chat_visitor_presence(session=session, connected=True)
        return {"type": "history", **selectors.session_payload(session, lines=True, for_agent=False)}

    @in_consumer_thread
    def _session(self):
        session = ChatSession.objects.filter(token=self.token).first()
        if session is None:
            raise DomainError(_("Start the chat first."))
        return session

    def _start_ticker(self, session_id: int, state: str):
        if self.ticker is None and not self.gone and state in selectors.QUEUED_STATES:
            self.ticker = asyncio.ensure_future(self._tick(session_id))

    async def _tick(self, session_id: int):
        """While the chat waits: expire offers and invite to leave a message (idempotent, DB-driven).

        Not `while True`: a cancellation that lands while the sweep runs in its thread may be
        absorbed by asgiref; the loop also stops once the socket is gone (see AlwaysDisconnects).
        """
        interval = min(TICK_SECONDS, settings.KEFU_CHAT_OFFER_SECONDS)
        try:
            while not self.gone:
                await asyncio.sleep(interval)
                if self.gone:
                    return
                state = await self._sweep(session_id)
                if state not in selectors.QUEUED_STATES:
                    return
        except asyncio.CancelledError:
            pass
        except Exception:  # a failed sweep must not kill the websocket; the worker's sweep still runs
            log.exception("chat sweep for session %s failed", session_id)

    @in_consumer_thread
    def _sweep(self, session_id: int) -> str:
        session = ChatSession.objects.filter(pk=session_id).first()
        if session is None:
            return ""
        if session.visitor_left_at is not None:  # another tab of this visitor closed; this one is here
            services.chat_visitor_presence(session=session, connected=True)
            session.visitor_left_at = None
        if services.sweep_due(session) and services.chat_sweep(session_id=session_id):
            session.refresh_from_db(fields=["state"])  # routed already, when the sweep committed
        return session.state

    async def receive_json(self, content, **kwargs):
        kind = content.get("type") if isinstance(content, dict) else None
        try:
            if kind == "start":
                session = await in_consumer_thread(services.chat_start)(
                    token=self.token,
                    name=str(content.get("name") or ""),
                    phone=str(content.get("phone") or ""),
                    email=str(content.get("email") or ""),
                    page_url=str(content.get("page_url") or ""),
                    skill=str(content.get("skill") or ""),
                    language=str(content.get("lang") or ""),
                )
                self._start_ticker(session.pk, ChatSession.State.WAITING)
            elif kind == "line":
                session = await self._session()
                await in_consumer_thread(services.chat_post_line)(
                    session=session, sender=ChatLine.Sender.CUSTOMER, text=str(content.get("text") or "")
                )
            elif kind == "typing":
                await self._typing(bool(content.get("on")))
            elif kind == "leave_message":
                session = await self._session()
                await in_consumer_thread(services.chat_leave_message)(
                    session=session,
                    text=str(content.get("text") or ""),
                    name=str(content.get("name") or ""),
                    phone=str(content.get("phone") or ""),
                    email=str(content.get("email") or ""),
                )
            elif kind == "survey":
                session = await self._session()
                await in_consumer_thread(services.chat_survey_answer)(
                    session=session,
                    token=str(content.get("token") or ""),
                    score=str(content.get("score") or ""),
                    scale=content.get("scale"),
                    comment=str(content.get("comment") or ""),
                )
                await self.send_json({"type": "survey_done"})
            elif kind == "end":
                session = await self._session()
                await in_consumer_thread(services.chat_end)(
                    session=session, ended_by=ChatLine.Sender.CUSTOMER
                )
            else:
                await self.send_json(
                    {"type": "error", "code": "validation_error", "message": "unknown frame"}
                )
        except DomainError as exc:
            await self.send_json(_error(exc))

    async def _typing(self, on: bool):
        agent_id = await in_consumer_thread(
            lambda: (
                ChatSession.objects.filter(token=self.token, state=ChatSession.State.ACTIVE)
                .values_list("pk", "agent_id")
                .first()
            )
        )()
        if agent_id and agent_id[1]:
            await self.channel_layer.group_send(
                events.agent_group(agent_id[1]),
                {
                    "type": "chat.event",
                    "payload": {"type": "typing", "session": agent_id[0], "from": "customer", "on": on},
                },
            )

    async def chat_event(self, event):
        payload = event["payload"]
        if payload.get("internal"):
            return
        await self.send_json(payload)
        if payload.get("type") == "state" and payload.get("state") in selectors.QUEUED_STATES:
            self._start_ticker(payload["id"], payload["state"])


class AgentConsumer(AlwaysDisconnects, AsyncJsonWebsocketConsumer):
    """ws/chat/agent/: an agent's console (signed-in service-center staff only)."""

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_center_staff:
            await self.close(code=4403)
            return
        self.user = user
        self.groups_joined = [events.agent_group(user.pk), events.AGENTS_GROUP]
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        await in_consumer_thread(services.agent_console)(agent=user, opened=True)
        self.counted = True
        await self.send_json(await self._snapshot())

    async def disconnect(self, code):
        await super().disconnect(code)
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)
        if getattr(self, "counted", False):
            await in_consumer_thread(services.agent_console)(agent=self.user, opened=False)

    @in_consumer_thread
    def _snapshot(self):
        user = User.objects.get(pk=self.user.pk)
        return {**selectors.agent_snapshot(user), "agents": selectors.transfer_targets(user)}

    @in_consumer_thread
    def _run(self, kind: str, content: dict):
        user = User.objects.get(pk=self.user.pk)
        session = None
        if kind not in ("status", "snapshot"):
            session = ChatSession.objects.filter(pk=content.get("session") or 0).first()
            if session is None:
                raise DomainError(_("Chat not found."))
        if kind == "status":
            services.agent_set_status(
                agent=user, status=str(content.get("status") or ""), max_chats=content.get("max_chats")
            )
        elif kind == "accept":
            services.chat_accept(session=session, by=user)
        elif kind == "decline":
            services.chat_decline(session=session, by=user)
        elif kind == "line":
            services.chat_post_line(
                session=session, sender=ChatLine.Sender.AGENT, by=user, text=str(content.get("text") or "")
            )
        elif kind == "transfer":
            to = User.objects.filter(pk=content.get("to") or 0).first()
            services.chat_transfer(session=session, by=user, to=to, note=str(content.get("note") or ""))
        elif kind == "end":
            services.chat_end(session=session, by=user)
        return session

    async def receive_json(self, content, **kwargs):
        kind = content.get("type") if isinstance(content, dict) else None
        try:
            if kind == "typing":
                await self._typing(content)
            elif kind == "snapshot":
                await self.send_json(await self._snapshot())
            elif kind in ("status", "accept", "decline", "line", "transfer", "end"):
                await self._run(kind, content)
                if kind == "status":
                    await self.send_json(await self._snapshot())
            else:
                await self.send_json(
                    {"type": "error", "code": "validation_error", "message": "unknown frame"}
                )
        except DomainError as exc:
            await self.send_json(_error(exc))

    async def _typing(self, content: dict):
        token = await in_consumer_thread(
            lambda: (
                ChatSession.objects.filter(
                    pk=content.get("session") or 0, agent_id=self.user.pk, state=ChatSession.State.ACTIVE
                )
                .values_list("token", flat=True)
                .first()
            )
        )()
        if token:
            await self.channel_layer.group_send(
                events.visitor_group(token),
                {
                    "type": "chat.event",
                    "payload": {"type": "typing", "from": "agent", "on": bool(content.get("on"))},
                },
            )

    async def chat_event(self, event):
        await self.send_json(event["payload"])
