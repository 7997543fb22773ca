"""Customers (顾客/客户): the customer file (客户档案), its value tier (客户分级) and its orders.

A customer has several phones and emails, found by any of them; a person may belong to an
organisation (its contacts). The value tier is a rung of an editable ladder (`TierLevel`); orders and
payments come from the business systems and feed the tiers, RFM and the loyalty points.
"""

from django.conf import settings
from django.db import models
from django.db.models.functions import Right
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


class Kind(models.TextChoices):
    PERSON = "person", _("Person")
    ORGANISATION = "organisation", _("Organisation")


class Gender(models.TextChoices):
    UNKNOWN = "", _("Not stated")
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")


class BirthdayCalendar(models.TextChoices):
    SOLAR = "solar", _("Solar (公历)")
    LUNAR = "lunar", _("Lunar (农历)")


class Relationship(models.IntegerChoices):
    NEW = 1, _("New (初识)")
    ACQUAINTED = 2, _("Acquainted (一般)")
    GOOD = 3, _("Good (良好)")
    CLOSE = 4, _("Close (密切)")
    STRATEGIC = 5, _("Strategic (战略)")


class Source(models.TextChoices):
    PHONE = "phone", _("Hotline")
    WEB = "web", _("Website or portal")
    WALK_IN = "walk_in", _("Walk-in")
    REFERRAL = "referral", _("Referral")
    EVENT = "event", _("Event or promotion")
    SALES = "sales", _("Sales visit")
    IMPORT = "import", _("Imported")
    OTHER = "other", _("Other")


class CustomerTag(models.Model):
    name = models.CharField(_("name"), max_length=40, unique=True)

    class Meta:
        verbose_name = _("customer tag")
        verbose_name_plural = _("customer tags")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Customer(models.Model):
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.PERSON)
    organisation = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="members",
        limit_choices_to={"kind": Kind.ORGANISATION},
        verbose_name=_("organisation"),
        help_text=_("The organisation this person is a contact of."),
    )
    tier = models.ForeignKey(
        TierLevel,
        to_field="code",
        db_column="tier",
        on_delete=models.PROTECT,
        default=DEFAULT_TIER,
        related_name="customers",
        verbose_name=_("tier"),
    )
    gender = models.CharField(_("gender"), max_length=6, choices=Gender.choices, default="", blank=True)
    # A birthday as people give it: month and day, the year when known, on the solar or lunar calendar
    # (a lunar birthday may fall in a leap month, 闰月).
    birth_year = models.PositiveSmallIntegerField(_("year of birth"), null=True, blank=True)
    birth_month = models.PositiveSmallIntegerField(_("birthday month"), null=True, blank=True)
    birth_day = models.PositiveSmallIntegerField(_("birthday day"), null=True, blank=True)
    birthday_calendar = models.CharField(
        _("birthday calendar"), max_length=5, choices=BirthdayCalendar.choices, default=BirthdayCalendar.SOLAR
    )
    birthday_leap_month = models.BooleanField(_("leap month (闰月)"), default=False)
    company = models.CharField(_("company"), max_length=200, blank=True)
    industry = models.CharField(_("industry"), max_length=100, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    interests = models.TextField(_("interests"), blank=True)
    relationship = models.PositiveSmallIntegerField(
        _("relationship level"), choices=Relationship.choices, null=True, blank=True
    )
    tags = models.ManyToManyField(CustomerTag, blank=True, related_name="customers", verbose_name=_("tags"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_customers",
        verbose_name=_("responsible person"),
        help_text=_("专人负责: the colleague who looks after this customer."),
    )
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, blank=True)
    referred_by = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="referrals",
        verbose_name=_("referred by"),
    )
    customer_since = models.DateField(
        _("customer since"),
        null=True,
        blank=True,
        help_text=_("When the relationship began; the tenure counts from it."),
    )
    flags = models.JSONField(
        _("flags"),
        default=list,
        blank=True,
        help_text=_("Set by hand: known brand, deputy, welfare enterprise…"),
    )
    # Consent to be contacted for care and marketing, per channel (service replies need none).
    consent_phone = models.BooleanField(_("may be called"), default=True)
    consent_sms = models.BooleanField(_("may receive SMS"), default=True)
    consent_email = models.BooleanField(_("may receive email"), default=True)
    custom = models.JSONField(_("custom fields"), default=dict, blank=True)
    note = models.TextField(_("note"), blank=True)
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        # company: the duplicates panel reads the colleagues of a customer (customers.merge)
        indexes = [
            models.Index(fields=["name"]),
            models.Index(fields=["company"], name="customer_company_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def primary_phone(self) -> str:
        phone = self.phones.first()
        return phone.number if phone else ""

    @property
    def primary_email(self) -> str:
        email = self.emails.first()
        return email.address if email else ""


#: Phone digits two records must share at the end to compare their names (customers.merge).
PHONE_TAIL = 4


class CustomerPhone(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="phones")
    number = models.CharField(
        _("phone"),
        max_length=30,
        db_index=True,
        help_text=_("A valid number, stored as dialled at home (13800138000, 01012345678) or +E.164 abroad."),
    )
    # The number's last PHONE_TAIL digits, kept by the database whatever writes the number, and
    # indexed: the duplicates panel finds the records sharing them without scanning every phone.
    tail = models.GeneratedField(
        expression=Right("number", PHONE_TAIL),
        output_field=models.CharField(max_length=PHONE_TAIL),
        db_persist=True,
        db_index=True,
    )
    label = models.CharField(_("label"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("customer phone")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["customer", "number"], name="customer_phone_unique")]

    def __str__(self) -> str:
        return self.number

    def clean(self):
        """The admin's check: a valid number, kept in its stored form (customers/phones.py)."""
        from django.core.exceptions import ValidationError as FormError

        from kefu.core.errors import ValidationError
        from kefu.customers.phones import normalise_phone

        try:
            number = normalise_phone(self.number, "number")
        except ValidationError as exc:
            raise FormError({"number": exc.errors["number"]}) from None
        self.number = number.key if number else ""


class CustomerEmail(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="emails")
    address = models.EmailField(_("email"), db_index=True, help_text=_("Stored lower-case."))

    class Meta:
        verbose_name = _("customer email")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["customer", "address"], name="customer_email_unique")]

    def __str__(self) -> str:
        return self.address


class OrderKind(models.TextChoices):
    ORDER = "order", _("Order")
    REFUND = "refund", _("Refund")


class Order(models.Model):
    """An order from a business system (订单), or a refund reversing part or all of one.

    Idempotent by (`source`, `external_id`): importing or posting it again changes nothing. A refund
    carries a negative amount and names the order it reverses, so sums over a period are the revenue.
    """

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="orders", verbose_name=_("customer")
    )
    source = models.CharField(_("source system"), max_length=40, default="manual")
    external_id = models.CharField(_("external id"), max_length=64)
    kind = models.CharField(_("kind"), max_length=6, choices=OrderKind.choices, default=OrderKind.ORDER)
    refund_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="refunds",
        verbose_name=_("refund of"),
    )
    amount = models.DecimalField(_("amount (元)"), max_digits=14, decimal_places=2)
    placed_at = models.DateTimeField(_("placed at"), db_index=True)
    description = models.CharField(_("description"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-placed_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="order_external_unique")
        ]
        indexes = [models.Index(fields=["customer", "placed_at"])]

    def __str__(self) -> str:
        return f"{self.source}:{self.external_id}"


class Payment(models.Model):
    """Money received from a customer (回款), idempotent like orders; a refund is a negative payment."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="payments", verbose_name=_("customer")
    )
    source = models.CharField(_("source system"), max_length=40, default="manual")
    external_id = models.CharField(_("external id"), max_length=64)
    order = models.ForeignKey(
        Order,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="payments",
        verbose_name=_("order"),
    )
    amount = models.DecimalField(_("amount (元)"), max_digits=14, decimal_places=2)
    paid_at = models.DateTimeField(_("paid at"), db_index=True)
    method = models.CharField(_("method"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-paid_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="payment_external_unique")
        ]
        indexes = [models.Index(fields=["customer", "paid_at"])]

    def __str__(self) -> str:
        return f"{self.source}:{self.external_id}"


# --- Loyalty card (会员卡/积分卡): levels, cards, applications, points rules and the points ledger ---
# The rules (who may issue a level, how points are earned, redeemed, expired and cleared) are in
# kefu.customers.loyalty; here only what belongs to one row.


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
        Customer, on_delete=models.CASCADE, related_name="card", verbose_name=_("customer")
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
        Customer, on_delete=models.CASCADE, related_name="card_applications", verbose_name=_("customer")
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
        Customer, on_delete=models.PROTECT, related_name="points_entries", verbose_name=_("customer")
    )
    kind = models.CharField(_("kind"), max_length=8, choices=PointsKind.choices)
    points = models.IntegerField(_("points"))
    balance_after = models.IntegerField(_("balance after"))
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    order = models.ForeignKey(
        Order,
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
        Customer, on_delete=models.CASCADE, primary_key=True, related_name="points_balance"
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


# --- RFM (issue 14, part 5: kefu.customers.rfm computes these) ---------------------------------------


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
        Customer,
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


# --- Issue 14, parts 3 and 4: orders and payments imported; value tiers (客户分级) ---------------


class ImportKind(models.TextChoices):
    ORDERS = "orders", _("Orders")
    PAYMENTS = "payments", _("Payments")


class ImportMapping(models.Model):
    """How one source's files name their columns (导入映射): file column → Kefu field, per kind.

    Saved on each import, so the next file from the same system needs no mapping typed again.
    """

    source = models.CharField(_("source system"), max_length=40)
    kind = models.CharField(_("kind"), max_length=8, choices=ImportKind.choices)
    columns = models.JSONField(_("columns"), default=dict, help_text=_("File column → field."))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("import mapping")
        verbose_name_plural = _("import mappings")
        constraints = [models.UniqueConstraint(fields=["source", "kind"], name="import_mapping_unique")]

    def __str__(self) -> str:
        return f"{self.source} · {self.get_kind_display()}"


class ImportJob(models.Model):
    """One file of orders or payments being imported (导入任务): its counts, updated batch by batch,
    and the refused lines (line number, field, message) — the page polls it while it runs."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")  # stored, waiting for the worker
        RUNNING = "running", _("Running")  # the worker reads it batch by batch
        DONE = "done", _("Done")  # every line read (some may be refused: see errors)
        FAILED = "failed", _("Failed")  # the file could not be read at all (see failure)

    source = models.CharField(_("source system"), max_length=40)
    kind = models.CharField(_("kind"), max_length=8, choices=ImportKind.choices)
    file_name = models.CharField(_("file name"), max_length=300)
    data = models.BinaryField(_("file"), blank=True, default=b"", editable=False)
    columns = models.JSONField(_("columns"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.QUEUED)
    lines = models.PositiveIntegerField(_("lines"), default=0)
    done_lines = models.PositiveIntegerField(_("lines read"), default=0)
    imported = models.PositiveIntegerField(_("imported"), default=0)
    duplicates = models.PositiveIntegerField(_("already present"), default=0)
    changed = models.PositiveIntegerField(_("changed since the last import"), default=0)
    error_count = models.PositiveIntegerField(_("lines refused"), default=0)
    errors = models.JSONField(_("refused lines"), default=list, blank=True)
    failure = models.TextField(_("failure"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("order import")
        verbose_name_plural = _("order imports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.source}: {self.file_name}"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self) -> int:
        return 100 if self.finished else int(100 * self.done_lines / self.lines) if self.lines else 0


class TierFlag(models.TextChoices):
    """Facts set by hand that place a customer on a tier (the seed's A and B conditions)."""

    KNOWN_BRAND = "known_brand", _("Widely promoted product or provincial brand (知名品牌)")
    DEPUTY = "deputy", _("Legal representative is a people's congress deputy (人大代表)")
    WELFARE = "welfare", _("Welfare enterprise (福利企业)")
    ETHNIC_MINORITY = "ethnic_minority", _("Ethnic-minority enterprise (少数民族企业)")


class TierChange(models.Model):
    """A customer's move from one tier to another (分级变更), with the reason as data: the condition
    met, its figure and threshold (rendered in the reader's language by customers.tiers.reason_text)."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="tier_changes", verbose_name=_("customer")
    )
    from_tier = models.CharField(_("from"), max_length=10)
    to_tier = models.CharField(_("to"), max_length=10)
    reason = models.JSONField(_("reason"), default=dict)
    at = models.DateTimeField(_("at"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
        help_text=_("Empty: the nightly recompute."),
    )

    class Meta:
        verbose_name = _("tier change")
        verbose_name_plural = _("tier changes")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["customer", "at"])]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.from_tier} → {self.to_tier}"


class TierOverride(models.Model):
    """A tier set by hand (手工定级) that the recompute keeps until `expires_on` (empty: no expiry)."""

    customer = models.OneToOneField(
        Customer, on_delete=models.CASCADE, related_name="tier_override", verbose_name=_("customer")
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


# --- Part 1 and 9 of the customer file: custom fields, merges, exports and anonymisation -------------


class CustomFieldKind(models.TextChoices):
    TEXT = "text", _("Text")
    NUMBER = "number", _("Number")
    DATE = "date", _("Date")
    CHOICE = "choice", _("Choice")


class CustomField(models.Model):
    """A field of the customer file an administrator adds (自定义字段); values live in `Customer.custom`.

    The one check of the values is `kefu.customers.record.custom_values_clean`.
    """

    code = models.SlugField(
        _("code"), max_length=40, unique=True, help_text=_("The key in the customer's custom values.")
    )
    label = models.CharField(_("label"), max_length=100)
    kind = models.CharField(
        _("kind"), max_length=6, choices=CustomFieldKind.choices, default=CustomFieldKind.TEXT
    )
    choices = models.JSONField(
        _("choices"), default=list, blank=True, help_text=_("The allowed values of a choice field.")
    )
    required = models.BooleanField(_("required"), default=False)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("custom field")
        verbose_name_plural = _("custom fields")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.label


class CustomerMerge(models.Model):
    """One merge of a duplicate into the record kept (合并): who, when, and what the removed one was."""

    kept = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="merges", verbose_name=_("kept customer")
    )
    removed_id = models.PositiveBigIntegerField(_("removed customer id"))
    removed_name = models.CharField(_("removed customer name"), max_length=100)
    snapshot = models.JSONField(_("snapshot of the removed record"), default=dict)
    moved = models.JSONField(_("rows moved"), default=dict, help_text=_("Rows moved, by kind."))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("by")
    )
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("customer merge")
        verbose_name_plural = _("customer merges")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"#{self.removed_id} {self.removed_name} → #{self.kept_id}"


class ExportKind(models.TextChoices):
    CUSTOMER_LIST = "list", _("Customer list")
    CUSTOMER_DATA = "customer", _("One customer's data")


class ExportLog(models.Model):
    """Every export of customer data (个人信息导出记录): who, when, what, how many rows.

    Also carries the two privacy permissions an administrator may give beyond the roles' defaults
    (kefu.customers.privacy decides with them).
    """

    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    at = models.DateTimeField(_("at"))
    kind = models.CharField(_("kind"), max_length=10, choices=ExportKind.choices)
    what = models.CharField(_("what"), max_length=300, help_text=_("The filter or the customer exported."))
    file_format = models.CharField(_("format"), max_length=5)
    rows = models.PositiveIntegerField(_("rows"))
    customer = models.ForeignKey(
        Customer,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="export_logs",
        verbose_name=_("customer"),
    )

    class Meta:
        verbose_name = _("export log entry")
        verbose_name_plural = _("export log")
        ordering = ["-at", "-id"]
        permissions = [
            ("view_contacts", _("Can see customers' phones and emails unmasked")),
            ("export_customers", _("Can export customer data")),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.by} {self.what}"


class Anonymisation(models.Model):
    """A customer's personal data replaced by placeholders on request (匿名化): who, when, why."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="anonymisations", verbose_name=_("customer")
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    at = models.DateTimeField(_("at"))
    reason = models.CharField(_("reason"), max_length=300)
    redacted = models.JSONField(_("rows redacted"), default=dict)

    class Meta:
        verbose_name = _("anonymisation")
        verbose_name_plural = _("anonymisations")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"#{self.customer_id} {self.at:%Y-%m-%d}"
