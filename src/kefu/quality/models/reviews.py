"""Sampling (抽检), review (复核) and appeal (申诉) of inspections, and the inspection's timeline."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.quality.models.inspections import Inspection


class QualityEvent(models.Model):
    """质检时间线: one step of an inspection's life — who, when, which action, from which state to
    which, with the comment and the details. Written by one function only
    (kefu.quality.workflow.record_event); never edited."""

    inspection = models.ForeignKey(
        Inspection, on_delete=models.CASCADE, related_name="events", verbose_name=_("inspection")
    )
    at = models.DateTimeField(_("at"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    action = models.CharField(_("action"), max_length=30)
    from_state = models.CharField(_("from"), max_length=10, blank=True)
    to_state = models.CharField(_("to"), max_length=10, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("inspection event")
        verbose_name_plural = _("inspection events")
        ordering = ["inspection", "at", "pk"]
        indexes = [models.Index(fields=["inspection", "at"], name="quality_event_when")]

    def __str__(self) -> str:
        return f"{self.inspection_id} {self.action} {self.from_state}→{self.to_state}"


class SamplingPlan(models.Model):
    """抽检计划: which automatic inspections people review.

    Kinds: `random` picks `count` conversations per agent per week at random; `not_satisfied`
    every conversation whose work order has a "not satisfied" answer; `complaint` every
    conversation of a complaint work order; `severe` every inspection with a severe or fatal
    finding; `queue_percent` `percent` % of each queue's conversations per week. `channels` and
    `queues` narrow what the plan looks at (empty: all).
    """

    class Kind(models.TextChoices):
        RANDOM = "random", _("Random N per agent per week")
        NOT_SATISFIED = "not_satisfied", _("Every “not satisfied” conversation")
        COMPLAINT = "complaint", _("Every complaint")
        SEVERE = "severe", _("Every severe or fatal finding")
        QUEUE_PERCENT = "queue_percent", _("A percentage of a queue")

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    channels = models.JSONField(_("channels"), default=list, blank=True)
    queues = models.JSONField(_("queues"), default=list, blank=True)
    count = models.PositiveIntegerField(_("conversations per agent per week"), default=0)
    percent = models.DecimalField(_("percentage"), max_digits=5, decimal_places=2, default=0)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("sampling plan")
        verbose_name_plural = _("sampling plans")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Sample(models.Model):
    """Which plan picked an inspection for review (one row per inspection: never picked twice)."""

    inspection = models.OneToOneField(
        Inspection, on_delete=models.CASCADE, related_name="sample", verbose_name=_("inspection")
    )
    plan = models.ForeignKey(
        SamplingPlan, on_delete=models.PROTECT, related_name="samples", verbose_name=_("sampling plan")
    )
    picked_at = models.DateTimeField(_("picked at"))

    class Meta:
        verbose_name = _("sample")
        verbose_name_plural = _("samples")
        indexes = [models.Index(fields=["plan", "picked_at"], name="quality_sample_plan")]

    def __str__(self) -> str:
        return f"{self.plan} → {self.inspection_id}"


class Appeal(models.Model):
    """申诉: the agent's objection to a reviewed inspection, and the second reviewer's decision.

    `reasons` holds one reason per finding objected to ({"finding": id, "reason": text}); `reason`
    is the overall one. Decided `upheld` (the score stands) or `changed` (findings rejected and the
    final score recomputed; `score_before` and `score_after` keep both)."""

    class Outcome(models.TextChoices):
        UPHELD = "upheld", _("Upheld (score unchanged)")
        CHANGED = "changed", _("Changed (score recomputed)")

    inspection = models.OneToOneField(
        Inspection, on_delete=models.CASCADE, related_name="appeal", verbose_name=_("inspection")
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("agent"),
    )
    reason = models.TextField(_("reason"), blank=True)
    reasons = models.JSONField(_("reasons per finding"), default=list, blank=True)
    created_at = models.DateTimeField(_("appealed at"))
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_comment = models.TextField(_("decision"), blank=True)
    score_before = models.DecimalField(
        _("score before"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    score_after = models.DecimalField(_("score after"), max_digits=6, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")

    def __str__(self) -> str:
        return f"appeal {self.inspection_id}"
