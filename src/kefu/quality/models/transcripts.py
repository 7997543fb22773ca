"""Transcripts (对话文本): every conversation to inspect, whatever its channel, in one shape."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    CHAT = "chat", _("Chat")
    EMAIL = "email", _("Email")


class Role(models.TextChoices):
    AGENT = "agent", _("Agent")
    CUSTOMER = "customer", _("Customer")
    SYSTEM = "system", _("System")


class Transcript(models.Model):
    """对话文本: one conversation as a list of sentences.

    `sentences` is a JSON list of {"role", "speaker", "text", "start_ms", "end_ms"} in spoken
    order (start_ms/end_ms null where the channel has no timings; for chats and mails they are
    milliseconds since `started_at`). A phone transcript names its call by `call_external_id`,
    the id the PBX and the speech-recognition vendor share; `call` is filled as soon as that call
    record exists (it may arrive after the transcript). `source_key` makes a transcript sent twice
    land once.
    """

    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    source_key = models.CharField(_("source key"), max_length=200, unique=True)
    sentences = models.JSONField(_("sentences"), default=list)
    call_external_id = models.CharField(_("call id"), max_length=150, blank=True, db_index=True)
    call = models.ForeignKey(
        "callcenter.CallRecord",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="transcripts",
        verbose_name=_("call"),
    )
    chat_session = models.ForeignKey(
        "intake_chat.ChatSession",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="transcripts",
        verbose_name=_("chat"),
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="transcripts",
        verbose_name=_("work order"),
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="transcripts",
        verbose_name=_("agent"),
    )
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="transcripts",
        verbose_name=_("customer"),
    )
    queue = models.CharField(_("queue"), max_length=80, blank=True)
    recording_url = models.URLField(_("recording"), max_length=500, blank=True)
    vendor = models.CharField(_("speech-recognition vendor"), max_length=40, blank=True)
    started_at = models.DateTimeField(_("started at"), db_index=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    created_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        verbose_name = _("transcript")
        verbose_name_plural = _("transcripts")
        indexes = [models.Index(fields=["agent", "-started_at"], name="transcript_agent")]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.started_at:%Y-%m-%d %H:%M}"
