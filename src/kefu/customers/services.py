"""Customer records: find by any phone or email, create when new."""

from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from kefu.core.errors import ValidationError
from kefu.customers.models import Customer, CustomerEmail, CustomerPhone, TierLevel
from kefu.customers.phones import normalise_phone
from kefu.customers.selectors import customer_by_contact, customer_by_phone


def clean_phone(raw: str, field: str = "customer_phone") -> str:
    """The stored form of a number a person typed ("" when empty); a field error when it is not valid."""
    number = normalise_phone(raw, field)
    return number.key if number else ""


def clean_email(raw: str, field: str = "customer_email") -> str:
    email = (raw or "").strip().lower()
    if email:
        try:
            validate_email(email)
        except Exception:
            raise ValidationError.for_field(
                field, _("“%(value)s” is not an email address.") % {"value": raw}
            ) from None
    return email


@transaction.atomic(savepoint=False)
def customer_find_or_create(*, name: str = "", phone: str = "", email: str = "") -> Customer | None:
    """The customer with this phone or email, else a new one; adds the other contact to a found record.

    Refuses a phone that is not a valid number (customers/phones.py), so nobody is matched, created
    or merged on `12345`.
    """
    phone, email = clean_phone(phone), clean_email(email)
    # By phone first, in one query; a record found by the number holds it already. Then by email,
    # like customer_by_contact.
    known = customer_by_phone(phone)
    customer = known or customer_by_contact(email=email)
    if customer is None:
        if not (name.strip() or phone or email):
            return None
        # A new record: its contacts are new too, no need to look for them.
        customer = Customer.objects.create(name=name.strip() or phone or email)
        if phone:
            CustomerPhone.objects.create(customer=customer, number=phone)
        if email:
            CustomerEmail.objects.create(customer=customer, address=email)
        return customer
    if phone and known is None:
        CustomerPhone.objects.get_or_create(customer=customer, number=phone)
    if email:
        CustomerEmail.objects.get_or_create(customer=customer, address=email)
    return customer


@transaction.atomic
def customer_update(
    *,
    customer: Customer,
    name: str | None = None,
    tier: str | None = None,
    note: str | None = None,
    phones: list[str] | None = None,
    emails: list[str] | None = None,
) -> Customer:
    """Change a record; `phones` / `emails`, when given, replace the lists."""
    if name is not None:
        if not name.strip():
            raise ValidationError.for_field("name", _("A customer needs a name."))
        customer.name = name.strip()
    if tier is not None:
        if not TierLevel.objects.filter(code=tier).exists():
            raise ValidationError.for_field("tier", _("Unknown tier “%(value)s”.") % {"value": tier})
        customer.tier_id = tier
    if note is not None:
        customer.note = note
    customer.save()
    if phones is not None:
        cleaned = [clean_phone(p, "phones") for p in phones if p.strip()]
        customer.phones.exclude(number__in=cleaned).delete()
        for number in cleaned:
            CustomerPhone.objects.get_or_create(customer=customer, number=number)
    if emails is not None:
        cleaned = [clean_email(e, "emails") for e in emails if e.strip()]
        customer.emails.exclude(address__in=cleaned).delete()
        for address in cleaned:
            CustomerEmail.objects.get_or_create(customer=customer, address=address)
    return customer
