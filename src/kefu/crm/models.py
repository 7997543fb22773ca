"""Care touches and hand-overs (see apps.py)."""

# --- 6. Care calendar (客户关怀) ------------------------------------------------------------------

from datetime import time

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CareKind(models.TextChoices):
    BIRTHDAY = "birthday", _("Birthday greeting (生日祝福)")
    HOLIDAY = "holiday", _("Holiday greeting (节日问候)")
    TOUCH = "touch", _("Regular touch (定期联系)")
    RENEWAL = "renewal", _("Renewal reminder (续费提醒)")
    HANDOVER = "handover", _("New responsible person (离职交接)")  # a notice, not a rule's kind


#: The kinds a rule may have (a hand-over notice is sent by kefu.crm.handover, not by a rule).
RULE_KINDS = [(k.value, k.label) for k in CareKind if k != CareKind.HANDOVER]


class CareChannel(models.TextChoices):
    SMS = "sms", _("SMS (短信)")
    EMAIL = "email", _("Email (邮件)")
    STAFF = "staff", _("Staff notification (站内通知)")  # a renewal reminder to the responsible person


class CareRule(models.Model):
    """关怀规则: whom the center greets or reminds, on which occasion, by which channel and template.

    `tiers` empty means every tier. A renewal rule reminds the responsible person `staff_days_before`
    the contract ends (in-app) and the customer `customer_days_before` (by `channel`); give each tier
    its own days with one rule per tier. Quiet hours for SMS are the center's (KEFU_SMS_QUIET_HOURS,
    kefu.notify.notices.quiet_window): a message due inside them waits for their end.
    """

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=RULE_KINDS)
    is_active = models.BooleanField(_("active"), default=True)
    tiers = models.JSONField(
        _("tiers"), default=list, blank=True, help_text=_("Tier codes it applies to; none: every tier.")
    )
    channel = models.CharField(
        _("channel"),
        max_length=5,
        choices=[(CareChannel.SMS, CareChannel.SMS.label), (CareChannel.EMAIL, CareChannel.EMAIL.label)],
        default=CareChannel.SMS,
    )
    template = models.ForeignKey(
        "notify.MessageTemplate",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("message template"),
        help_text=_("Variables: {customer_name} {occasion} {contract} {expires_on}."),
    )
    holidays = models.JSONField(
        _("holidays"), default=list, blank=True, help_text=_("Holiday greetings: which festivals.")
    )
    every_days = models.PositiveSmallIntegerField(
        _("every N days"), null=True, blank=True, help_text=_("Regular touch: at least one touch this often.")
    )
    customer_days_before = models.PositiveSmallIntegerField(
        _("days before, to the customer"), null=True, blank=True
    )
    staff_days_before = models.PositiveSmallIntegerField(
        _("days before, to the responsible person"), null=True, blank=True
    )
    send_time = models.TimeField(_("send at"), default=time(9, 0))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("care rule")
        verbose_name_plural = _("care rules")
        ordering = ["kind", "id"]

    def __str__(self) -> str:
        return self.name


class CareStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")  # waits for its send time or the end of the quiet hours
    SENT = "sent", _("Sent")  # handed to the channel
    SKIPPED_NO_CONSENT = (
        "no_consent",
        _("Skipped: no consent"),
    )  # the customer's consent for the channel is off
    SKIPPED_OPT_OUT = "opt_out", _("Skipped: opted out")  # the customer asked for no care messages at all
    SKIPPED_NO_ADDRESS = "no_address", _("Skipped: no mobile or email")  # nowhere to send it
    FAILED = "failed", _("Failed")  # the channel refused it; `note` says why


class CareTouch(models.Model):
    """关怀记录: one greeting or reminder for one occasion of one customer, sent or why not.

    Unique by (customer, occasion): "birthday:2026", "holiday:mid_autumn:2026", "touch:2026-11-30",
    "renewal:<contract id>:<expires on>" (and "renewal-staff:…" for the responsible person's reminder),
    so a care run done twice creates nothing new and nobody is greeted twice for one occasion.
    """

    # A festival writes a touch for every customer at once: no foreign key in the database for the
    # customer and the rule (a million deferred per-row checks at commit cost ~19 s on PostgreSQL, a
    # third of the run). The rows come from the customers table in the same statement, and Django
    # still cascades a customer's deletion and a merge moves the touches (customer_links). The
    # customer's own index is the unique (customer, occasion) one.
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.CASCADE,
        related_name="care_touches",
        verbose_name=_("customer"),
        db_constraint=False,
        db_index=False,
    )
    rule = models.ForeignKey(
        CareRule,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="touches",
        db_index=False,
        db_constraint=False,
    )
    occasion = models.CharField(_("occasion"), max_length=60)
    kind = models.CharField(_("kind"), max_length=10, choices=CareKind.choices)
    channel = models.CharField(_("channel"), max_length=5, choices=CareChannel.choices)
    status = models.CharField(_("status"), max_length=10, choices=CareStatus.choices)
    address = models.CharField(_("address"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    message = models.TextField(_("message"), blank=True)
    note = models.CharField(_("note"), max_length=255, blank=True)
    staff = models.ForeignKey(  # the responsible person's reminders only: indexed where set (care_staff)
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    send_at = models.DateTimeField(_("send at"))
    at = models.DateTimeField(_("at"), null=True, blank=True, help_text=_("When it was sent or skipped."))

    class Meta:
        verbose_name = _("care touch")
        verbose_name_plural = _("care touches")
        ordering = ["-send_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "occasion"], name="care_once_per_occasion")
        ]
        indexes = [
            models.Index(fields=["send_at"], name="care_scheduled", condition=models.Q(status="scheduled")),
            models.Index(fields=["-send_at"], name="care_recent"),
            models.Index(fields=["staff"], name="care_staff", condition=models.Q(staff__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.occasion} {self.status}"


class CareOptOut(models.Model):
    """退订: the customer asked for no care messages (greetings, touches, reminders) on any channel.

    Service messages about their own work orders still reach them; consent per channel stays as it is.
    """

    customer = models.OneToOneField(
        "customers.Customer",
        on_delete=models.CASCADE,
        related_name="care_opt_out",
        verbose_name=_("customer"),
    )
    at = models.DateTimeField(_("at"))
    via = models.CharField(_("how"), max_length=40, blank=True, help_text=_("e.g. the email's link, a call."))

    class Meta:
        verbose_name = _("care opt-out")
        verbose_name_plural = _("care opt-outs")

    def __str__(self) -> str:
        return f"{self.customer_id} {self.at:%Y-%m-%d}"


# --- 7. Departed staff (离职交接) -----------------------------------------------------------------


class Handover(models.Model):
    """离职交接: what a departing colleague held and to whom it went, kept for the record."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="handovers", verbose_name=_("from")
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("by")
    )
    counts = models.JSONField(_("handed over"), default=dict)  # {"customers": {"<to id>": n}, ...}
    notified = models.PositiveIntegerField(_("customers told"), default=0)
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("hand-over")
        verbose_name_plural = _("hand-overs")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.user_id} {self.at:%Y-%m-%d}"
