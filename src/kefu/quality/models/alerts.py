"""Live alerts (实时预警) raised while a chat is running."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.quality.models.rubrics import Rule


class LiveAlert(models.Model):
    """实时预警: a severe rule or the customer's negative emotion found in a running chat, told to the
    agent's supervisor. One row per chat and `key` ("rule:<id>" or "emotion"), so each is told once."""

    chat_session = models.ForeignKey(
        "intake_chat.ChatSession",
        on_delete=models.CASCADE,
        related_name="quality_alerts",
        verbose_name=_("chat"),
    )
    key = models.CharField(_("what was found"), max_length=40)
    rule = models.ForeignKey(
        Rule, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("rule")
    )
    quote = models.CharField(_("quote"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("raised at"), auto_now_add=True)

    class Meta:
        verbose_name = _("live alert")
        verbose_name_plural = _("live alerts")
        constraints = [models.UniqueConstraint(fields=["chat_session", "key"], name="live_alert_once")]

    def __str__(self) -> str:
        return f"{self.chat_session_id} {self.key}"
