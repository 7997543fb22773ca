"""Interval rollups (区间汇总): a family's components per 15 minutes and per day, by queue, by agent,
by channel and by category (one "cube" each), so a year of figures reads a few thousand rows
instead of millions of calls.

The rows hold exactly what the raw aggregate gives (kefu.reports.metrics.base.group_components with
the family's default options), in numbered slots `n0`…: the family's components in their declared
order. `RollupDay` says which local days are built and fresh; a record arriving for a day makes it
stale until the rebuild (kefu.reports.rollups), and reads take stale days from the raw records.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

SLOTS = 24  # components a family may roll up


class Rollup(models.Model):
    family = models.CharField(_("family"), max_length=20)
    grain = models.CharField(_("grain"), max_length=8)  # "15min" or "day"
    # The grouping this row belongs to ("queue", "agent" …): each cube holds every record once, by
    # that one dimension; the row's other dimension columns are empty.
    cube = models.CharField(_("grouping"), max_length=12)
    bucket = models.DateTimeField(_("starts at"))
    # The same moment as whole seconds since 1970: reads group the rows into half hours, days or
    # week slots by integer arithmetic on it (SQLite would parse `bucket`'s text once per row).
    epoch = models.BigIntegerField(_("starts at (seconds since 1970)"), null=True)
    queue = models.CharField(_("queue"), max_length=80, blank=True, default="")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,  # a departed agent's past figures stay as they were
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    channel = models.CharField(_("channel"), max_length=20, blank=True, default="")
    category_id = models.BigIntegerField(_("category"), null=True, blank=True)
    # The family's components in their declared order (SLOTS of them).
    n0 = models.FloatField(default=0)
    n1 = models.FloatField(default=0)
    n2 = models.FloatField(default=0)
    n3 = models.FloatField(default=0)
    n4 = models.FloatField(default=0)
    n5 = models.FloatField(default=0)
    n6 = models.FloatField(default=0)
    n7 = models.FloatField(default=0)
    n8 = models.FloatField(default=0)
    n9 = models.FloatField(default=0)
    n10 = models.FloatField(default=0)
    n11 = models.FloatField(default=0)
    n12 = models.FloatField(default=0)
    n13 = models.FloatField(default=0)
    n14 = models.FloatField(default=0)
    n15 = models.FloatField(default=0)
    n16 = models.FloatField(default=0)
    n17 = models.FloatField(default=0)
    n18 = models.FloatField(default=0)
    n19 = models.FloatField(default=0)
    n20 = models.FloatField(default=0)
    n21 = models.FloatField(default=0)
    n22 = models.FloatField(default=0)
    n23 = models.FloatField(default=0)

    class Meta:
        verbose_name = _("interval rollup")
        verbose_name_plural = _("interval rollups")
        indexes = [
            models.Index(fields=["family", "grain", "cube", "bucket"], name="rollup_family_cube_bucket")
        ]

    def __str__(self) -> str:
        return f"{self.family} {self.grain} {self.cube} {self.bucket:%Y-%m-%d %H:%M}"


class RollupDay(models.Model):
    """One local day of one family's rollups: built when a row exists; `fresh` until a record of that
    day arrives. `version` counts the arrivals, so a rebuild that raced one does not call it fresh."""

    family = models.CharField(_("family"), max_length=20)
    day = models.DateField(_("day"))
    fresh = models.BooleanField(_("fresh"), default=False)
    version = models.PositiveIntegerField(default=0)
    built_at = models.DateTimeField(_("built at"), null=True, blank=True)

    class Meta:
        verbose_name = _("rollup day")
        verbose_name_plural = _("rollup days")
        constraints = [models.UniqueConstraint(fields=["family", "day"], name="rollup_day_unique")]

    def __str__(self) -> str:
        return f"{self.family} {self.day}{'' if self.fresh else ' (stale)'}"


class Target(models.Model):
    """目标: the level a figure should reach (answer rate ≥ 90%, service level ≥ 80%, ASA ≤ 20 s),
    for the whole center or one queue. Whether "reach" means at least or at most follows the figure's
    better direction; a share is stored as 0..1 like the figure itself."""

    figure = models.CharField(_("figure"), max_length=40)
    queue = models.CharField(_("queue"), max_length=80, blank=True, default="")  # empty: the center
    value = models.FloatField(_("target"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        constraints = [models.UniqueConstraint(fields=["figure", "queue"], name="target_figure_queue")]

    def __str__(self) -> str:
        return f"{self.figure} {self.queue or '*'} {self.value:g}"


class ReportSubscription(models.Model):
    """订阅: a person receives a service report by email when its period ends (the daily complaint
    record each morning, the weekly on Monday, the monthly on the 1st, the yearly on 1 January)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="report_subscriptions"
    )
    kind = models.CharField(_("report"), max_length=10)
    created_at = models.DateTimeField(_("subscribed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("report subscription")
        verbose_name_plural = _("report subscriptions")
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="report_subscription_unique")]

    def __str__(self) -> str:
        return f"{self.user} {self.kind}"


class ReportDelivery(models.Model):
    """A report sent to one subscriber for one period: kept so a rerun of the task sends nothing twice."""

    subscription = models.ForeignKey(ReportSubscription, on_delete=models.CASCADE, related_name="deliveries")
    period_start = models.DateField(_("period starts"))
    sent_at = models.DateTimeField(_("sent at"))

    class Meta:
        verbose_name = _("report delivery")
        verbose_name_plural = _("report deliveries")
        constraints = [
            models.UniqueConstraint(fields=["subscription", "period_start"], name="report_delivery_unique")
        ]

    def __str__(self) -> str:
        return f"{self.subscription} {self.period_start}"


class ConversionCode(models.Model):
    """转化结果码: a call's wrap-up code (CallRecord.wrapup_code, as the PBX or the agent's CTI gives
    it) that means the customer was converted — a sale, a booking, a signed renewal. Kefu records no
    other outcome of a contact, so the conversion rate (服务统计) counts the answered calls closed with
    one of these codes; the administrator chooses them, and with none chosen the rate has no value."""

    code = models.CharField(_("wrap-up code"), max_length=80, unique=True)
    name = models.CharField(_("meaning"), max_length=100, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("conversion code")
        verbose_name_plural = _("conversion codes")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}".strip()
