"""Live chat (在线客服): chat sessions, their lines, agents' chat availability and standard phrases.

A session's transcript is also kept as Messages on its work order (kefu.tickets), so the work order
holds the whole conversation; ChatLine is the live view the widget and the console replay.
"""

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def new_token() -> str:
    return secrets.token_urlsafe(24)


#: The order of the waiting queue (routing, the consoles, the visitor's place): the customer's tier
#: priority first, then who asked first.
QUEUE_ORDER = ("-priority", "requested_at", "id")


class ChatSession(models.Model):
    """在线会话: one conversation between a website visitor and the center."""

    class State(models.TextChoices):
        WAITING = "waiting", _("Waiting")  # in the queue, no agent yet
        OFFERED = "offered", _("Offered")  # offered to one agent, who may accept until the offer expires
        ACTIVE = "active", _("Active")  # an agent accepted and is chatting
        ENDED = "ended", _("Ended")  # finished after an agent took it
        MISSED = "missed", _("Missed")  # finished without an agent (left a message, or went away)

    token = models.CharField(_("visitor token"), max_length=64, unique=True)
    customer_name = models.CharField(_("customer name"), max_length=100, blank=True)
    customer_phone = models.CharField(_("customer phone"), max_length=30, blank=True)
    customer_email = models.EmailField(_("customer email"), blank=True)
    page_url = models.CharField(_("page"), max_length=500, blank=True)
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    skill = models.ForeignKey(
        "accounts.Skill", on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("skill asked for")
    )
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.WAITING, db_index=True
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="chat_sessions",
        verbose_name=_("agent"),
    )
    offered_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    offer_expires_at = models.DateTimeField(null=True, blank=True)
    #: agents whose offer for this chat expired or who declined it; skipped while others are free
    passed_over = models.JSONField(default=list, blank=True)
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="chat_sessions",
        verbose_name=_("work order"),
    )
    #: the customer's value tier when the chat began (their phone or email known), and its routing
    #: priority (customers.tiers.routing_priority): a higher one is offered first (QUEUE_ORDER)
    tier = models.CharField(_("value tier"), max_length=16, blank=True)
    priority = models.SmallIntegerField(_("routing priority"), default=0)
    requested_at = models.DateTimeField(_("requested"), db_index=True)
    greeted_at = models.DateTimeField(_("greeted"), null=True, blank=True)
    offered_at = models.DateTimeField(_("offered"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    first_response_at = models.DateTimeField(_("first agent response"), null=True, blank=True)
    #: seconds from the customer's request to the agent's first real line (首次响应时长)
    first_response_seconds = models.FloatField(_("first response (seconds)"), null=True, blank=True)
    leave_message_invited_at = models.DateTimeField(null=True, blank=True)
    #: when the visitor's last page disconnected (None while one is connected)
    visitor_left_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)

    class Meta:
        verbose_name = _("chat session")
        verbose_name_plural = _("chat sessions")
        ordering = list(QUEUE_ORDER)

    def __str__(self) -> str:
        return f"{self.customer_name or self.token[:8]} ({self.get_state_display()})"

    @property
    def is_open(self) -> bool:
        return self.state in (self.State.WAITING, self.State.OFFERED, self.State.ACTIVE)


class ChatLine(models.Model):
    """One line of a chat; customer, agent and system lines are also Messages on the work order."""

    class Sender(models.TextChoices):
        CUSTOMER = "customer", _("Customer")
        AGENT = "agent", _("Agent")
        SYSTEM = "system", _("System")

    session = models.ForeignKey(ChatSession, on_delete=models.CASCADE, related_name="lines")
    sender = models.CharField(max_length=10, choices=Sender.choices)
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    text = models.TextField()
    #: internal lines (a transfer note) are seen by agents only, never by the customer
    internal = models.BooleanField(default=False)
    message = models.ForeignKey(
        "tickets.Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.sender}: {self.text[:40]}"

    @property
    def external_id(self) -> str:
        return f"chat:{self.pk}"


class AgentChatStatus(models.Model):
    """An agent's availability for chats; skills are the agent's accounts.Skill rows."""

    class Status(models.TextChoices):
        ONLINE = "online", _("Online")
        AWAY = "away", _("Away")
        OFFLINE = "offline", _("Offline")

    agent = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_status"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OFFLINE)
    max_chats = models.PositiveSmallIntegerField(_("concurrent chats at most"), default=3)
    #: when the agent last became free (went online or finished a chat): longest idle is offered first
    idle_since = models.DateTimeField(null=True, blank=True)
    #: open console websockets (any process); an online agent with none gets no offers
    consoles = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("agent chat status")
        verbose_name_plural = _("agent chat statuses")

    def __str__(self) -> str:
        return f"{self.agent} {self.status}"


class ChatPhrase(models.Model):
    """常用语: a standard phrase an agent inserts in a chat."""

    category = models.CharField(_("category"), max_length=50, blank=True)
    text = models.CharField(_("text"), max_length=500)
    position = models.PositiveIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("standard phrase")
        verbose_name_plural = _("standard phrases")
        ordering = ["category", "position", "id"]

    def __str__(self) -> str:
        return self.text[:50]
