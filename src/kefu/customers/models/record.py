"""The customer file (客户档案): a person or an organisation with its contacts, phones and emails
(found by any of them), tags, custom fields, the merges that joined duplicates, and the exports and
anonymisations done for privacy (个人信息保护)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Right
from django.utils.translation import gettext_lazy as _

from kefu.customers.models.value import DEFAULT_TIER, TierLevel


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
        db_index=False,  # customer_organisation, where set
    )
    tier = models.ForeignKey(
        TierLevel,
        to_field="code",
        db_column="tier",
        on_delete=models.PROTECT,
        default=DEFAULT_TIER,
        related_name="customers",
        verbose_name=_("tier"),
        db_index=False,  # customer_tier: a plain index, without the LIKE one Django adds to a text key
        # No key in the database: its check a row at commit cost ~10 µs for each customer a recompute
        # moves (583,297 after a bulk load of a million). The codes written are the ladder's own;
        # Django protects a level from deletion while customers are on it, and a level's code is
        # read-only once it exists (admin), so nothing can leave a customer on an unknown tier.
        db_constraint=False,
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
        db_index=False,  # customer_owner, where set
    )
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, blank=True)
    referred_by = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="referrals",
        verbose_name=_("referred by"),
        db_index=False,  # customer_referred_by, where set
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
        # company: the duplicates panel reads the colleagues of a customer (customers.merge).
        # Every index costs each row a tier recompute moves (583,297 after a bulk load of a million):
        # the links most customers leave empty are indexed only where set, which serves every
        # look-up of a given one (`= x` implies NOT NULL on SQLite and PostgreSQL).
        indexes = [
            models.Index(fields=["name"]),
            models.Index(fields=["company"], name="customer_company_idx"),
            models.Index(fields=["tier"], name="customer_tier"),
            models.Index(
                fields=["organisation"], condition=Q(organisation__isnull=False), name="customer_organisation"
            ),
            models.Index(fields=["owner"], condition=Q(owner__isnull=False), name="customer_owner"),
            models.Index(
                fields=["referred_by"], condition=Q(referred_by__isnull=False), name="customer_referred_by"
            ),
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
