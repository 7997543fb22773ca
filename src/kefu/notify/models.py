"""Notifications to staff (in-app, pushed in real time, and by email), customer message templates
and notices (SMS / email), and outbound webhooks with their delivery log."""

import secrets
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.notify.templating import template_errors


class Notification(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=30)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "read_at", "-created_at"], name="notification_inbox")]

    def __str__(self) -> str:
        return self.title


class NotificationKind(models.TextChoices):
    """The kinds of staff notification Kefu sends (Notification.kind)."""

    CUSTOMER_MESSAGE = "customer_message", _("The customer wrote")
    DISPATCH = "dispatch", _("Work order dispatched to my department")
    DEPARTMENT_REPLY = "department_reply", _("A department replied")
    DEPARTMENT_RETURN = "department_return", _("A department sent a work order back")
    REOPENED = "reopened", _("A work order was reopened")
    ESCALATION = "escalation", _("A work order was escalated to me")
    SLA_BREACH = "sla_breach", _("An SLA deadline was missed")
    # Customer care (kefu.crm): a customer's contract is about to expire; customers handed to me.
    RENEWAL = "renewal", _("A customer's contract expires soon")
    HANDOVER = "handover", _("Customers or work handed over to me")


class NotificationPreference(models.Model):
    """Per person and kind: also send the notification by email? (No row: the sender's default.)"""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(_("kind"), max_length=30)
    email = models.BooleanField(_("also by email"), default=False)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="notification_pref_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind} email={self.email}"


class TemplateKind(models.TextChoices):
    ACKNOWLEDGEMENT = "acknowledgement", _("Acknowledgement (受理回执)")
    RESULT = "result", _("Result notice (办结通知)")
    SURVEY = "survey", _("Satisfaction survey (满意度调查)")
    FREE = "free", _("Free-form (自定义)")


class TemplateChannel(models.TextChoices):
    SMS = "sms", _("SMS (短信)")
    EMAIL = "email", _("Email (邮件)")


class MessageTemplate(models.Model):
    """消息模板: the text Kefu sends the customer, with {variables} (see kefu.notify.templating)."""

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=TemplateKind.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=TemplateChannel.choices)
    subject = models.CharField(
        _("subject"), max_length=200, blank=True, help_text=_("Email only; may use the same variables.")
    )
    body = models.TextField(
        _("text"),
        help_text=_(
            "Variables: {customer_name} {ticket_no} {promised_time} {result} {survey_url} {agent_no}. "
            "SMS over 70 characters is sent as several messages."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        ordering = ["kind", "channel", "id"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.clean()  # a template with an unknown variable is refused when saved, not when sent
        super().save(*args, **kwargs)

    def clean(self):
        errors = {}
        for field in ("subject", "body"):
            problems = template_errors(getattr(self, field))
            if problems:
                errors[field] = problems
        if errors:
            raise DjangoValidationError(errors)


class CustomerNotice(models.Model):
    """A notice to the customer (receipt, result, survey): sent at once, or held over quiet hours.

    One row per (event, kind): the task that sends it may run twice and still sends once.
    """

    class State(models.TextChoices):
        HELD = "held", _("Held until quiet hours end")
        SENT = "sent", _("Handed to the channel")
        SKIPPED = "skipped", _("Skipped")

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="customer_notices")
    event = models.ForeignKey(
        "tickets.TicketEvent", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=TemplateKind.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=TemplateChannel.choices)
    address = models.CharField(_("address"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    body = models.TextField(_("text"), blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices)
    note = models.CharField(_("note"), max_length=255, blank=True)
    hold_until = models.DateTimeField(_("held until"), null=True, blank=True)
    message = models.ForeignKey(
        "tickets.Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("customer notice")
        verbose_name_plural = _("customer notices")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "kind"],
                condition=models.Q(event__isnull=False),
                name="notice_once_per_event",
            )
        ]
        indexes = [
            models.Index(fields=["hold_until"], name="notice_held", condition=models.Q(state="held")),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind} {self.state}"


def new_secret() -> str:
    return secrets.token_hex(24)


class Webhook(models.Model):
    """出站 Webhook: work-order events POSTed, signed, to a receiver's URL."""

    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(
        _("secret"),
        max_length=200,
        default=new_secret,
        help_text=_("Used to sign each delivery (HMAC-SHA256)."),
    )
    events = models.JSONField(
        _("events"),
        default=list,
        blank=True,
        help_text=_('Work-order event kinds to send, e.g. ["created", "transition"]; ["*"] for every event.'),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")

    def __str__(self) -> str:
        return self.name

    def wants(self, kind: str) -> bool:
        return "*" in self.events or kind in self.events

    def clean(self):
        from kefu.tickets.models import TicketEvent

        if not isinstance(self.events, list) or not self.events:
            raise DjangoValidationError({"events": _('Give a list of event kinds, or ["*"].')})
        unknown = [k for k in self.events if k != "*" and k not in TicketEvent.Kind.values]
        if unknown:
            raise DjangoValidationError(
                {
                    "events": _("Unknown event kinds: %(kinds)s. Known: %(known)s.")
                    % {"kinds": ", ".join(map(str, unknown)), "known": ", ".join(TicketEvent.Kind.values)}
                }
            )


class WebhookDelivery(models.Model):
    """One event sent (or to be sent) to one webhook, with every attempt's outcome."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")  # waiting for its next attempt at next_attempt_at
        DELIVERED = "delivered", _("Delivered")  # the receiver answered 2xx
        FAILED = "failed", _("Failed")  # refused (4xx) or out of attempts; a person may redeliver

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(
        "tickets.TicketEvent", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    event_kind = models.CharField(_("event"), max_length=30)
    payload = models.JSONField(_("payload"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    status_code = models.PositiveSmallIntegerField(_("last HTTP status"), null=True, blank=True)
    response_snippet = models.TextField(_("last answer"), blank=True)
    error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"))
    last_attempt_at = models.DateTimeField(_("last attempt"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["webhook", "event"],
                condition=models.Q(event__isnull=False),
                name="webhook_once_per_event",
            )
        ]
        indexes = [
            models.Index(fields=["next_attempt_at"], name="webhook_due", condition=models.Q(state="pending")),
        ]

    def __str__(self) -> str:
        return f"{self.webhook_id} {self.event_kind} {self.state}"
