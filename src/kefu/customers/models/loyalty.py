"""The loyalty card (会员卡/积分卡): levels, cards, applications, points rules and the points ledger.
The rules (who may issue a level, how points are earned, redeemed, expired and cleared) are in
kefu.customers.loyalty; here only what belongs to one row."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CardLevel(models.Model):
    """会员卡等级: 普通卡, 银卡, 金卡, 钻石卡 … ordered by `rank`; the higher ones need a supervisor's approval."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=60)
    rank = models.PositiveSmallIntegerField(_("rank"), default=0, help_text=_("Higher is better."))
    criteria = models.TextField(_("issue criteria"), blank=True)
    min_points = models.PositiveIntegerField(
        _("minimum points balance"),
        default=0,
        help_text=_("The balance a customer needs to be issued this card."),
    )
    min_spend = models.DecimalField(
        _("minimum spend over the last 12 months (元)"), max_digits=14, decimal_places=2, default=0
    )
    needs_approval = models.BooleanField(
        _("needs a supervisor's approval"), default=False, help_text=_("Stricter issue, e.g. the gold card.")
    )

    class Meta:
        verbose_name = _("card level")
        verbose_name_plural = _("card levels")
        ordering = ["rank", "code"]

    def __str__(self) -> str:
        return self.name


class CardStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")


class Card(models.Model):
    """会员卡: a customer's one loyalty card; earning points needs an active card."""

    customer = models.OneToOneField(
        "customers.Customer", on_delete=models.CASCADE, related_name="card", verbose_name=_("customer")
    )
    level = models.ForeignKey(
        CardLevel, on_delete=models.PROTECT, related_name="cards", verbose_name=_("level")
    )
    number = models.CharField(_("card number"), max_length=20, unique=True)
    issued_at = models.DateTimeField(_("issued at"))
    status = models.CharField(
        _("status"), max_length=10, choices=CardStatus.choices, default=CardStatus.ACTIVE
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )

    class Meta:
        verbose_name = _("loyalty card")
        verbose_name_plural = _("loyalty cards")

    def __str__(self) -> str:
        return self.number


class ApplicationStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


class CardApplication(models.Model):
    """办卡申请: a request to issue or upgrade a card to a level that needs approval (or, issued at
    once, the record of who asked). At most one pending per customer."""

    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.CASCADE,
        related_name="card_applications",
        verbose_name=_("customer"),
    )
    level = models.ForeignKey(CardLevel, on_delete=models.PROTECT, related_name="+", verbose_name=_("level"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ApplicationStatus.choices, default=ApplicationStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("requested at"))

    class Meta:
        verbose_name = _("card application")
        verbose_name_plural = _("card applications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"], condition=models.Q(status="pending"), name="card_application_one_pending"
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} → {self.level_id} ({self.status})"


class PointsRule(models.Model):
    """积分规则: points earned per 元 of an order, for holders of one card level (one active rule per level)."""

    level = models.ForeignKey(
        CardLevel, on_delete=models.CASCADE, related_name="points_rules", verbose_name=_("card level")
    )
    points_per_yuan = models.DecimalField(_("points per 元"), max_digits=6, decimal_places=2, default=1)
    valid_days = models.PositiveIntegerField(
        _("points valid for (days)"),
        null=True,
        blank=True,
        default=365,
        help_text=_(
            "Earned points expire after this many days; empty: only the year-end clearing ends them."
        ),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("points rule")
        verbose_name_plural = _("points rules")
        ordering = ["level__rank", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["level"], condition=models.Q(active=True), name="points_rule_one_active"
            ),
            models.CheckConstraint(
                condition=models.Q(points_per_yuan__gte=0), name="points_rule_rate_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.level_id}: {self.points_per_yuan}/元"


class PointsKind(models.TextChoices):
    EARN = "earn", _("Earned")
    REDEEM = "redeem", _("Redeemed")
    EXPIRE = "expire", _("Expired")
    CLEAR = "clear", _("Year-end clearing")
    CORRECT = "correct", _("Correction")


class LedgerIsAppendOnly(Exception):
    """A points entry is never changed or deleted: a mistake is put right by a correction entry."""


class PointsEntry(models.Model):
    """积分流水: one line of a customer's append-only points ledger, with the balance after it.

    Written only by kefu.customers.loyalty.points_post, which locks the customer's `PointsBalance`
    row in the same transaction; `save` refuses an update and `delete` refuses, and the database
    refuses an UPDATE of the ledger's columns (a trigger, migration 0007_loyalty). An order earns once
    (unique order with kind "earn").
    """

    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        related_name="points_entries",
        verbose_name=_("customer"),
    )
    kind = models.CharField(_("kind"), max_length=8, choices=PointsKind.choices)
    points = models.IntegerField(_("points"))
    balance_after = models.IntegerField(_("balance after"))
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    order = models.ForeignKey(
        "customers.Order",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="points_entries",
        verbose_name=_("order"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(_("at"))
    expires_on = models.DateField(_("expires on"), null=True, blank=True)

    class Meta:
        verbose_name = _("points entry")
        verbose_name_plural = _("points entries")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["customer", "-at", "-id"], name="points_customer_at")]
        constraints = [
            models.UniqueConstraint(
                fields=["order"], condition=models.Q(kind="earn"), name="points_order_earns_once"
            ),
            models.CheckConstraint(
                condition=models.Q(balance_after__gte=0), name="points_balance_not_negative"
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(kind="earn", points__gt=0)
                    | models.Q(kind__in=["redeem", "expire", "clear"], points__lt=0)
                    | (models.Q(kind="correct") & ~models.Q(points=0))
                ),
                name="points_sign_by_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.kind} {self.points:+d}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise LedgerIsAppendOnly(_("A points entry cannot be changed; add a correction instead."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise LedgerIsAppendOnly(_("A points entry cannot be deleted; add a correction instead."))


class PointsBalance(models.Model):
    """A customer's points balance: the row every posting locks (SELECT … FOR UPDATE), so two
    redemptions at once are serialised and the balance never goes below zero."""

    customer = models.OneToOneField(
        "customers.Customer", on_delete=models.CASCADE, primary_key=True, related_name="points_balance"
    )
    points = models.IntegerField(_("points"), default=0)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("points balance")
        verbose_name_plural = _("points balances")
        constraints = [
            models.CheckConstraint(condition=models.Q(points__gte=0), name="points_balance_row_not_negative")
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.points}"
