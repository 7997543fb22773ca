"""Calibration (校准): the same conversations scored blind by several inspectors, to see how far they
agree; and the record of a conversation promoted to the case library."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kefu.quality.models.inspections import Inspection
from kefu.quality.models.rubrics import RubricVersion
from kefu.quality.models.transcripts import Transcript


class CalibrationSession(models.Model):
    """校准会: a set of transcripts that every invited inspector scores against one rubric version.

    While the session is open each inspector sees only their own scores (blind); once it is closed
    everyone invited sees every score and the agreement figures (kefu.quality.services.calibration).
    """

    class State(models.TextChoices):
        OPEN = "open", _("In progress")
        CLOSED = "closed", _("Closed")

    name = models.CharField(_("name"), max_length=200)
    version = models.ForeignKey(
        RubricVersion,
        on_delete=models.PROTECT,
        related_name="calibration_sessions",
        verbose_name=_("rubric version"),
    )
    transcripts = models.ManyToManyField(
        Transcript, related_name="calibration_sessions", verbose_name=_("transcripts")
    )
    inspectors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="calibration_sessions", verbose_name=_("inspectors")
    )
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("calibration session")
        verbose_name_plural = _("calibration sessions")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.state == self.State.OPEN


class CalibrationScore(models.Model):
    """One inspector's blind score of one transcript in a session: the verdict on every item of the
    version (`verdicts`: {item code: true when found}) and the total that follows from them."""

    session = models.ForeignKey(
        CalibrationSession, on_delete=models.CASCADE, related_name="scores", verbose_name=_("session")
    )
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("inspector")
    )
    transcript = models.ForeignKey(
        Transcript, on_delete=models.CASCADE, related_name="+", verbose_name=_("transcript")
    )
    verdicts = models.JSONField(_("item verdicts"), default=dict)
    total = models.DecimalField(_("total score"), max_digits=6, decimal_places=2)
    comment = models.TextField(_("comment"), blank=True)
    scored_at = models.DateTimeField(_("scored at"))

    class Meta:
        verbose_name = _("calibration score")
        verbose_name_plural = _("calibration scores")
        ordering = ["session", "transcript", "inspector"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "inspector", "transcript"], name="calibration_score_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.session} · {self.inspector} · {self.transcript_id}"


class CasePromotion(models.Model):
    """An inspected conversation promoted to the case library (案例库) as a good or bad example: the
    link from the case back to its inspection and transcript (knowledge cannot point up at quality)."""

    inspection = models.ForeignKey(
        Inspection, on_delete=models.CASCADE, related_name="case_promotions", verbose_name=_("inspection")
    )
    case = models.OneToOneField(
        "knowledge.Case", on_delete=models.CASCADE, related_name="quality_promotion", verbose_name=_("case")
    )
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("case promotion")
        verbose_name_plural = _("case promotions")

    def __str__(self) -> str:
        return f"{self.inspection} → {self.case}"
