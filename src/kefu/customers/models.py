"""Customers (顾客/客户): the customer file (客户档案), its value tier (客户分级) and its orders.

A customer has several phones and emails, found by any of them; a person may belong to an
organisation (its contacts). The value tier is a rung of an editable ladder (`TierLevel`); orders and
payments come from the business systems and feed the tiers, RFM and the loyalty points.
"""

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
        indexes = [models.Index(fields=["name"])]

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


class CustomerPhone(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="phones")
    number = models.CharField(
        _("phone"),
        max_length=30,
        db_index=True,
        help_text=_("A valid number, stored as dialled at home (13800138000, 01012345678) or +E.164 abroad."),
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
