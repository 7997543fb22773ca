"""The customer's rating of the service, given on the portal (满意度评价)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Rating(models.Model):
    """满意度评价: one per work order, given by the customer on the tracking page.

    The callbacks app reads these (a ``dissatisfied`` rating is the cue to reopen and call back);
    the portal itself never reopens a work order.
    """

    class Score(models.TextChoices):
        SATISFIED = "satisfied", _("Satisfied")  # 满意
        FAIRLY = "fairly", _("Fairly satisfied")  # 基本满意
        DISSATISFIED = "dissatisfied", _("Dissatisfied")  # 不满意

    ticket = models.OneToOneField(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="portal_rating", verbose_name=_("work order")
    )
    score = models.CharField(_("rating"), max_length=12, choices=Score.choices, db_index=True)
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("given at"), db_index=True)

    class Meta:
        verbose_name = _("portal rating")
        verbose_name_plural = _("portal ratings")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.score}"
