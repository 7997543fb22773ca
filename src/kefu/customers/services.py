"""Customer records: find by any phone or email, create when new."""

from datetime import date

from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from kefu.accounts.models import User
from kefu.core.errors import FieldCode, FieldError, ValidationError
from kefu.customers.models import (
    Customer,
    CustomerEmail,
    CustomerPhone,
    CustomerTag,
    Gender,
    Kind,
    Relationship,
    Source,
    TierFlag,
    TierLevel,
)
from kefu.customers.phones import normalise_phone
from kefu.customers.record import birthday_clean, custom_values_clean
from kefu.customers.selectors import customer_by_contact, customer_by_phone


def may_edit_customer(user: User | None) -> bool:
    """Who may edit a customer record (客户档案): service-center staff (the customer page's Edit, the
    API's customer endpoints) — not QA inspectors or department staff, who only read."""
    return bool(user and user.is_active and (user.is_superuser or user.is_center_staff))


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


#: What `customer_update` takes besides the contacts, tags, birthday and custom values.
_TEXT_FIELDS = {"company": 200, "industry": 100, "address": 300, "interests": 5000, "note": 20000}
_BIRTHDAY_FIELDS = ("birth_year", "birth_month", "birth_day", "birthday_calendar", "birthday_leap_month")


def _related_customer(customer: Customer, field: str, value: int | None, errors: dict) -> Customer | None:
    if value is None:
        return None
    found = Customer.objects.filter(pk=value).first()
    if found is None:
        errors[field] = [FieldError(_("Customer %(id)s not found.") % {"id": value}, FieldCode.NOT_FOUND)]
    elif found.pk == customer.pk:
        errors[field] = [
            FieldError(_("A customer cannot be their own %(what)s.") % {"what": field}, FieldCode.INVALID)
        ]
    elif field == "organisation" and found.kind != Kind.ORGANISATION:
        errors[field] = [
            FieldError(_("“%(name)s” is not an organisation.") % {"name": found.name}, FieldCode.INVALID)
        ]
    return found


@transaction.atomic
def customer_update(
    *,
    customer: Customer,
    name: str | None = None,
    tier: str | None = None,
    note: str | None = None,
    phones: list[str] | None = None,
    emails: list[str] | None = None,
    today: date | None = None,
    **fields,
) -> Customer:
    """Change a record (客户档案); only the fields given change, checked together before anything is saved.

    `phones` / `emails` / `tags` (names; new ones are created) / `flags`, when given, replace the lists.
    Also takes kind, organisation (an id), gender, the birthday fields, company, industry, address,
    interests, relationship (1–5), owner (a user id), source, referred_by (an id), customer_since,
    consent_phone / consent_sms / consent_email and custom (code → value, see record.py).
    Refuses, naming each field: an empty name, an unknown tier, owner, organisation or choice, a
    birthday that is not one (record.birthday_clean), a custom value that does not fit its field, an
    organisation that is not one, a person who still has contacts, a customer referring themself.
    """
    unknown = set(fields) - set(CUSTOMER_FIELDS)
    if unknown:
        raise ValidationError.for_field(
            sorted(unknown)[0], _("Not a field of the customer file."), FieldCode.NOT_EDITABLE
        )
    today = today or timezone.localdate()
    errors: dict[str, list] = {}
    changes: dict = {}
    if name is not None:
        if not name.strip():
            errors["name"] = [FieldError(_("A customer needs a name."), FieldCode.REQUIRED)]
        changes["name"] = name.strip()
    if tier is not None:
        if not TierLevel.objects.filter(code=tier).exists():
            errors["tier"] = [
                FieldError(_("Unknown tier “%(value)s”.") % {"value": tier}, FieldCode.INVALID_CHOICE)
            ]
        changes["tier_id"] = tier
    if note is not None:
        fields["note"] = note
    for field, limit in _TEXT_FIELDS.items():
        if fields.get(field) is not None:
            value = str(fields[field]).strip()
            if len(value) > limit:
                errors[field] = [
                    FieldError(_("At most %(max)s characters.") % {"max": limit}, FieldCode.TOO_LONG)
                ]
            changes[field] = value
    for field, allowed in (
        ("kind", Kind.values),
        ("gender", Gender.values),
        ("source", ["", *Source.values]),
    ):
        if fields.get(field) is not None:
            if fields[field] not in allowed:
                errors[field] = [
                    FieldError(
                        _("“%(value)s” is not one of the choices.") % {"value": fields[field]},
                        FieldCode.INVALID_CHOICE,
                    )
                ]
            changes[field] = fields[field]
    if "relationship" in fields:
        value = fields["relationship"]
        if value is not None and value not in Relationship.values:
            errors["relationship"] = [FieldError(_("A level from 1 to 5."), FieldCode.OUT_OF_RANGE)]
        changes["relationship"] = value
    for field in ("consent_phone", "consent_sms", "consent_email"):
        if fields.get(field) is not None:
            changes[field] = bool(fields[field])
    if "customer_since" in fields:
        since = fields["customer_since"]
        if isinstance(since, str):
            try:
                since = parse_date(since.strip()) if since.strip() else None
            except ValueError:
                since = False
            if since is None and fields["customer_since"].strip() or since is False:
                errors["customer_since"] = [FieldError(_("Not a date (YYYY-MM-DD)."), FieldCode.WRONG_TYPE)]
                since = None
        if since and since > today:
            errors["customer_since"] = [FieldError(_("Not after today."), FieldCode.OUT_OF_RANGE)]
        changes["customer_since"] = since
    if "organisation" in fields:
        changes["organisation"] = _related_customer(customer, "organisation", fields["organisation"], errors)
    if "referred_by" in fields:
        changes["referred_by"] = _related_customer(customer, "referred_by", fields["referred_by"], errors)
    if "owner" in fields:
        owner = None
        if fields["owner"] is not None:
            owner = User.objects.filter(pk=fields["owner"], is_active=True).first()
            if owner is None:
                errors["owner"] = [
                    FieldError(
                        _("No active colleague with id %(id)s.") % {"id": fields["owner"]},
                        FieldCode.NOT_FOUND,
                    )
                ]
        changes["owner"] = owner
    kind = changes.get("kind", customer.kind)
    if (
        kind == Kind.PERSON
        and customer.pk
        and customer.kind == Kind.ORGANISATION
        and customer.members.exists()
    ):
        errors["kind"] = [
            FieldError(_("This organisation still has contacts; move them first."), FieldCode.INVALID)
        ]
    if kind == Kind.ORGANISATION and changes.get(
        "organisation", customer.organisation if customer.organisation_id else None
    ):
        errors["organisation"] = [
            FieldError(_("An organisation is not a contact of another one."), FieldCode.INVALID)
        ]
    if any(f in fields for f in _BIRTHDAY_FIELDS):
        try:
            changes.update(
                birthday_clean(
                    year=fields.get("birth_year", customer.birth_year),
                    month=fields.get("birth_month", customer.birth_month),
                    day=fields.get("birth_day", customer.birth_day),
                    calendar=fields.get("birthday_calendar") or customer.birthday_calendar,
                    leap_month=fields.get("birthday_leap_month", customer.birthday_leap_month),
                    today=today,
                )
            )
        except ValidationError as exc:
            errors.update(exc.errors)
    if fields.get("flags") is not None:
        flags = [str(f).strip() for f in fields["flags"] if str(f).strip()]
        unknown = [f for f in flags if f not in TierFlag.values]
        if unknown:
            errors["flags"] = [
                FieldError(
                    _("Unknown flag “%(value)s”; the flags are: %(known)s.")
                    % {"value": unknown[0], "known": ", ".join(TierFlag.values)},
                    FieldCode.INVALID_CHOICE,
                )
            ]
        changes["flags"] = list(dict.fromkeys(flags))
    tags = None
    if fields.get("tags") is not None:
        tags = list(dict.fromkeys(str(t).strip() for t in fields["tags"] if str(t).strip()))
        if any(len(t) > 40 for t in tags):
            errors["tags"] = [FieldError(_("A tag is at most 40 characters."), FieldCode.TOO_LONG)]
    if fields.get("custom") is not None:
        try:
            changes["custom"] = custom_values_clean(fields["custom"], current=customer.custom)
        except ValidationError as exc:
            errors.update(exc.errors)
    cleaned_phones = cleaned_emails = None
    try:
        if phones is not None:
            cleaned_phones = list(dict.fromkeys(clean_phone(p, "phones") for p in phones if p.strip()))
        if emails is not None:
            cleaned_emails = list(dict.fromkeys(clean_email(e, "emails") for e in emails if e.strip()))
    except ValidationError as exc:
        errors.update(exc.errors)
    if errors:
        first = next(iter(errors))
        raise ValidationError(f"{first}: {errors[first][0]}", errors=errors)
    for field, value in changes.items():
        setattr(customer, field, value)
    customer.save()
    if tags is not None:
        customer.tags.set([CustomerTag.objects.get_or_create(name=t)[0] for t in tags])
    if cleaned_phones is not None:
        customer.phones.exclude(number__in=cleaned_phones).delete()
        for number in cleaned_phones:
            CustomerPhone.objects.get_or_create(customer=customer, number=number)
    if cleaned_emails is not None:
        customer.emails.exclude(address__in=cleaned_emails).delete()
        for address in cleaned_emails:
            CustomerEmail.objects.get_or_create(customer=customer, address=address)
    return customer


#: Every field `customer_update` takes as a keyword besides name, tier, note, phones and emails.
CUSTOMER_FIELDS = (
    *_TEXT_FIELDS,
    "kind",
    "gender",
    "source",
    "relationship",
    "consent_phone",
    "consent_sms",
    "consent_email",
    "customer_since",
    "organisation",
    "referred_by",
    "owner",
    *_BIRTHDAY_FIELDS,
    "flags",
    "tags",
    "custom",
)


@transaction.atomic
def customer_create(*, name: str = "", phone: str = "", email: str = "", **fields) -> tuple[Customer, bool]:
    """A new record with any fields of the file, or the one already holding this phone or email.

    Returns (customer, created). A found record is not changed beyond the contact added (edit it with
    `customer_update`); a new one is refused as a whole when any field is not valid.
    """
    phone, email = clean_phone(phone, "phone"), clean_email(email, "email")
    if not (name.strip() or phone or email):
        raise ValidationError.for_field("name", _("Give a name, a phone or an email."), FieldCode.REQUIRED)
    existed = customer_by_contact(phone=phone, email=email) is not None
    customer = customer_find_or_create(name=name, phone=phone, email=email)
    if not existed and fields:
        customer_update(customer=customer, **fields)
    return customer, not existed
