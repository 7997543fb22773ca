"""Inspections (质检记录) of one transcript against one rubric version, and their findings."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.quality.models.rubrics import RubricItem, RubricVersion, Rule, Severity
from kefu.quality.models.transcripts import Transcript


class Inspection(models.Model):
    """质检记录: a transcript scored against one rubric version.

    `auto_score` comes from the automatic findings; `final_score` from the inspector's review (and
    an appeal's decision). Re-inspecting against a newer version adds a new inspection and marks
    the old one `superseded`; the old keeps its version and score. The review and appeal states
    are a small transition table of their own (kefu.quality.workflow).
    """

    class State(models.TextChoices):
        AUTO = "auto", _("Inspected automatically")
        SAMPLED = "sampled", _("Waiting for review")
        IN_REVIEW = "in_review", _("In review")
        REVIEWED = "reviewed", _("Reviewed")
        APPEALED = "appealed", _("Appealed")
        DECIDED = "decided", _("Appeal decided")

    transcript = models.ForeignKey(
        Transcript, on_delete=models.CASCADE, related_name="inspections", verbose_name=_("transcript")
    )
    version = models.ForeignKey(
        RubricVersion, on_delete=models.PROTECT, related_name="inspections", verbose_name=_("rubric version")
    )
    # Copied from the transcript so reports group without a join.
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inspections",
        verbose_name=_("agent"),
    )
    channel = models.CharField(_("channel"), max_length=10)
    queue = models.CharField(_("queue"), max_length=80, blank=True)
    conversation_at = models.DateTimeField(_("conversation at"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.AUTO)
    auto_score = models.DecimalField(_("automatic score"), max_digits=6, decimal_places=2)
    final_score = models.DecimalField(_("final score"), max_digits=6, decimal_places=2, null=True, blank=True)
    worst_severity = models.CharField(_("worst finding"), max_length=10, choices=Severity.choices, blank=True)
    superseded = models.BooleanField(_("superseded by a newer inspection"), default=False)
    inspected_at = models.DateTimeField(_("inspected at"))
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewer"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_comment = models.TextField(_("review comment"), blank=True)

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        constraints = [
            models.UniqueConstraint(fields=["transcript", "version"], name="inspection_transcript_version")
        ]
        indexes = [
            models.Index(fields=["agent", "-conversation_at"], name="inspection_agent"),
            models.Index(fields=["conversation_at"], name="inspection_when"),
            models.Index(fields=["state", "queue"], name="inspection_state_queue"),
        ]

    def __str__(self) -> str:
        return f"{self.transcript} · {self.version}"

    @property
    def score(self):
        """The score that counts: the reviewed one when there is one."""
        return self.auto_score if self.final_score is None else self.final_score


class Finding(models.Model):
    """质检结果项: one rubric item in one inspection — the unit an inspector confirms or rejects
    (复核 per 质检项), found by the rules or added by a person.

    An automatic finding holds every piece of evidence that showed the item, in sentence order:
    `evidence` is a list of {"sentence", "start", "end", "quote", "note", "rule"} (sentence None:
    about the conversation as a whole, e.g. no greeting at all; start/end: the character span in
    that sentence; quote and note at most 300 characters; rule: the rule's id). `rule` and
    `sentence` repeat the first evidence's, for ordering and lists. A manual finding has no
    evidence or one entry, the sentence the inspector picked. An inspection has at most one
    automatic finding per item.

    `points` is the item's whole signed effect on the score, so the score can be recomputed from
    the findings: the item's signed points for an item counted once (and for a manual finding);
    times the number of distinct evidence sentences (`occurrences`) for an item counted per
    occurrence. The score itself is kefu.quality.engine.scoring.score's.
    """

    class Source(models.TextChoices):
        AUTO = "auto", _("Automatic")
        MANUAL = "manual", _("Added by the inspector")

    class Status(models.TextChoices):
        PENDING = "pending", _("Not reviewed")
        CONFIRMED = "confirmed", _("Confirmed")
        REJECTED = "rejected", _("Rejected")

    inspection = models.ForeignKey(
        Inspection, on_delete=models.CASCADE, related_name="findings", verbose_name=_("inspection")
    )
    item = models.ForeignKey(
        RubricItem, on_delete=models.PROTECT, related_name="findings", verbose_name=_("item")
    )
    rule = models.ForeignKey(
        Rule,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="findings",
        verbose_name=_("rule"),
    )
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.AUTO)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    sentence = models.PositiveIntegerField(_("sentence"), null=True, blank=True)
    evidence = models.JSONField(_("evidence"), default=list, blank=True)
    points = models.DecimalField(_("points"), max_digits=6, decimal_places=2)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    comment = models.TextField(_("inspector's comment"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["inspection", "sentence", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["inspection", "item"],
                condition=models.Q(source="auto"),
                name="finding_one_auto_per_item",
            )
        ]

    def __str__(self) -> str:
        return f"{self.item} ({self.get_status_display()})"

    @property
    def occurrences(self) -> int:
        """How many times the item was found: the distinct sentences of the evidence (the whole
        conversation counting as one), at least 1 (a manual finding without a sentence)."""
        return max(1, len({e.get("sentence") for e in self.evidence or ()}))

    @property
    def sentences(self) -> list[int]:
        """The distinct sentences the evidence names, in order (the whole conversation left out)."""
        return sorted({e["sentence"] for e in self.evidence or () if e.get("sentence") is not None})


class InspectorScope(models.Model):
    """The queues (and channels) given to a QA inspector (质检员): they see, claim and review
    inspections of those queues only. Empty `queues` with channels listed: every queue of those
    channels; no scope row: nothing."""

    inspector = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="inspector_scope",
        verbose_name=_("inspector"),
    )
    channels = models.JSONField(_("channels"), default=list, blank=True)
    queues = models.JSONField(_("queues"), default=list, blank=True)

    class Meta:
        verbose_name = _("inspector's scope")
        verbose_name_plural = _("inspectors' scopes")

    def __str__(self) -> str:
        return str(self.inspector)
