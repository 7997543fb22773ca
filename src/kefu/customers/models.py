"""Customers (顾客/客户): several phones and emails each, found by any of them."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Tier(models.TextChoices):
    STANDARD = "standard", _("Standard (普通)")
    SILVER = "silver", _("Silver (银卡)")
    GOLD = "gold", _("Gold (金卡)")
    VIP = "vip", _("VIP (贵宾)")


class Customer(models.Model):
    name = models.CharField(_("name"), max_length=100)
    tier = models.CharField(_("tier"), max_length=10, choices=Tier.choices, default=Tier.STANDARD)
    note = models.TextField(_("note"), blank=True)
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
