"""A customer's value (客户价值): the tier ladder (`TierLevel`), each customer's tier changes with their
reasons and the tiers set by hand (kefu.customers.tiers computes them), and the RFM snapshots
(kefu.customers.rfm computes them)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

#: The rung every new customer starts on before the first evaluation (the ladder's fallback).
DEFAULT_TIER = "C"


class TierLevel(models.Model):
    """One rung of the value-tier ladder (客户分级: the seed's A/B/C by default), editable by an admin.

    `code` is what SLA policies and callback plans name; `rank` orders the ladder (higher is better);
    the fallback rung is where a customer matching no other rung lands ("C: the others").
    """

    code = models.CharField(_("code"), max_length=10, unique=True)
    name = models.CharField(_("name"), max_length=100)
    rank = models.PositiveSmallIntegerField(_("rank"), default=0, help_text=_("Higher is better."))
    is_fallback = models.BooleanField(
        _("fallback"), default=False, help_text=_("Customers matching no other tier are here.")
    )
    conditions = models.JSONField(
        _("conditions"),
        default=list,
        blank=True,
        help_text=_("Any one of them places a customer on this tier."),
    )
    needs_responsible = models.BooleanField(
        _("needs a responsible person"),
        default=False,
        help_text=_("专人负责: one named person looks after each customer."),
    )
    routing_priority = models.SmallIntegerField(
        _("routing priority"),
        default=0,
        help_text=_("Added to the priority of this tier's contacts in queues."),
    )

    class Meta:
        verbose_name = _("customer tier")
        verbose_name_plural = _("customer tiers")
        ordering = ["-rank", "code"]

    def __str__(self) -> str:
        return self.name


class RfmSegment(models.TextChoices):
    """The eight RFM segments (RFM 客户细分), from R, F and M each high or low (kefu.customers.rfm)."""

    IMPORTANT_VALUE = "important_value", _("Important value (重要价值)")
    IMPORTANT_DEVELOP = "important_develop", _("Important to develop (重要发展)")
    IMPORTANT_KEEP = "important_keep", _("Important to keep (重要保持)")
    IMPORTANT_WIN_BACK = "important_win_back", _("Important to win back (重要挽留)")
    GENERAL_VALUE = "general_value", _("General value (一般价值)")
    GENERAL_DEVELOP = "general_develop", _("General to develop (一般发展)")
    GENERAL_KEEP = "general_keep", _("General to keep (一般保持)")
    GENERAL_WIN_BACK = "general_win_back", _("General to win back (一般挽留)")


class RfmScore(models.Model):
    """A customer's RFM scores on one day (RFM 评分快照): one snapshot per `as_of` date, so the
    movement between two dates can be shown. Written only by `kefu.customers.rfm.rfm_recompute`."""

    # No index of its own: the unique constraint's (customer, as_of) index serves every look-up by
    # customer, and each index costs every row of a million-row snapshot. No foreign key in the
    # database either: its per-row check at commit cost 11–15 s a snapshot at a million customers;
    # rfm_recompute drops the rows of customers gone since it read them in one statement, and
    # deleting or merging a customer goes through Django, which cascades (merge moves the rows).
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.CASCADE,
        related_name="rfm_scores",
        verbose_name=_("customer"),
        db_index=False,
        db_constraint=False,
    )
    as_of = models.DateField(_("as of"))
    window_days = models.PositiveIntegerField(_("window (days)"))
    recency_days = models.PositiveIntegerField(_("days since the last order"))
    frequency = models.PositiveIntegerField(_("orders"))
    monetary = models.DecimalField(_("net amount (元)"), max_digits=16, decimal_places=2)
    r = models.PositiveSmallIntegerField("R")
    f = models.PositiveSmallIntegerField("F")
    m = models.PositiveSmallIntegerField("M")
    segment = models.CharField(_("RFM segment"), max_length=20, choices=RfmSegment.choices)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("RFM score")
        verbose_name_plural = _("RFM scores")
        ordering = ["-as_of", "customer_id"]
        constraints = [models.UniqueConstraint(fields=["customer", "as_of"], name="rfm_score_one_per_day")]
        indexes = [models.Index(fields=["as_of", "segment"])]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.as_of}: {self.r}{self.f}{self.m}"


class TierFlag(models.TextChoices):
    """Facts set by hand that place a customer on a tier (the seed's A and B conditions)."""

    KNOWN_BRAND = "known_brand", _("Widely promoted product or provincial brand (知名品牌)")
    DEPUTY = "deputy", _("Legal representative is a people's congress deputy (人大代表)")
    WELFARE = "welfare", _("Welfare enterprise (福利企业)")
    ETHNIC_MINORITY = "ethnic_minority", _("Ethnic-minority enterprise (少数民族企业)")


class TierChange(models.Model):
    """A customer's move from one tier to another (分级变更), with the reason as data: the condition
    met, its figure and threshold (rendered in the reader's language by customers.tiers.reason_text)."""

    # The first recompute after a bulk load writes a change for most customers (583,297 at a million):
    # no foreign key in the database for the customer (a deferred check a row at commit, ~11 µs
    # each) and no index of its own (the (customer, at) index serves every look-up by customer).
    # Deleting or merging a customer goes through Django, which cascades (merge moves the rows).
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.CASCADE,
        related_name="tier_changes",
        verbose_name=_("customer"),
        db_constraint=False,
        db_index=False,
    )
    from_tier = models.CharField(_("from"), max_length=10)
    to_tier = models.CharField(_("to"), max_length=10)
    reason = models.JSONField(_("reason"), default=dict)
    at = models.DateTimeField(_("at"))
    by = models.ForeignKey(  # indexed only where set (tier_change_by): the nightly run's are empty
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
        help_text=_("Empty: the nightly recompute."),
        db_index=False,
    )

    class Meta:
        verbose_name = _("tier change")
        verbose_name_plural = _("tier changes")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["customer", "at"]),
            models.Index(fields=["by"], condition=models.Q(by__isnull=False), name="tier_change_by"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.from_tier} → {self.to_tier}"


class TierOverride(models.Model):
    """A tier set by hand (手工定级) that the recompute keeps until `expires_on` (empty: no expiry)."""

    customer = models.OneToOneField(
        "customers.Customer",
        on_delete=models.CASCADE,
        related_name="tier_override",
        verbose_name=_("customer"),
    )
    tier = models.ForeignKey(
        TierLevel, to_field="code", on_delete=models.PROTECT, related_name="+", verbose_name=_("tier")
    )
    reason = models.CharField(_("reason"), max_length=300)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("tier override")
        verbose_name_plural = _("tier overrides")

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.tier_id}"
