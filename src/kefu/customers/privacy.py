"""Personal data (个人信息保护): who sees contacts unmasked, who exports, and anonymisation on request.

The rules, by role (kefu.accounts roles), each widened per person by a Django permission an
administrator grants in the admin:

* See phones and emails unmasked (`customers.view_contacts`): agents, supervisors, managers, the
  general manager and administrators — the people who call and write to customers. QA inspectors
  score recorded conversations and never need to reach the customer; department staff answer the
  center's dispatch and the first-contact owner (首问负责制) speaks to the customer; both see
  138****8000 in lists.
* Export customer data (`customers.export_customers`): supervisors, managers, the general manager and
  administrators. An export leaves the system with every contact in it; agents work one customer at a
  time on screen and do not need it. Every export is written to `ExportLog`.
* Anonymise a record: administrators only (a data-subject request is handled once, by the data owner).
"""

import csv
import io
import json
import re
import zipfile
from datetime import datetime

from django.core import serializers
from django.db import transaction
from django.db.models import CASCADE, CharField, JSONField, TextField
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.models import CENTER_ROLES, LEAD_ROLES, Role, User
from kefu.core import search
from kefu.core.errors import FieldCode, PermissionDenied, ValidationError
from kefu.customers.merge import customer_links, jsonable, link_label, rows_pointing_at
from kefu.customers.models import Anonymisation, Customer, ExportKind, ExportLog
from kefu.customers.phones import display_phone
from kefu.customers.record import custom_fields

#: Roles that see contacts unmasked without being granted `customers.view_contacts`.
CONTACT_ROLES = frozenset(CENTER_ROLES)
#: Roles that export customer data without being granted `customers.export_customers`.
EXPORT_ROLES = frozenset(LEAD_ROLES)
#: What an anonymised record's name becomes (with its id).
ANONYMOUS = "已匿名 #%(id)s"
#: Fields of rows pointing at a customer that copy who the customer is (the work order's caller).
COPIED_CONTACT_FIELDS = {"customer_name": "name", "customer_phone": "", "customer_email": ""}


def sees_contacts(user: User | None) -> bool:
    """Whether `user` sees phones and emails as they are (the rule is in the module docstring)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return user.role in CONTACT_ROLES or user.has_perm("customers.view_contacts")


def may_export(user: User | None) -> bool:
    """Whether `user` may export customer data (a list, or one customer's data)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return user.role in EXPORT_ROLES or user.has_perm("customers.export_customers")


def may_anonymise(user: User | None) -> bool:
    return user is not None and user.is_active and (user.role == Role.ADMIN or user.is_superuser)


def mask_phone(number: str) -> str:
    """13800138000 → 138****8000: the first three and last four digits; shorter numbers keep two."""
    number = (number or "").strip()
    if not number:
        return ""
    prefix = "+" if number.startswith("+") else ""
    digits = number[len(prefix) :]
    if len(digits) >= 8:
        return f"{prefix}{digits[:3]}{'*' * (len(digits) - 7)}{digits[-4:]}"
    return prefix + "*" * max(len(digits) - 2, 1) + digits[-2:]


def mask_email(address: str) -> str:
    """zhang.wei@example.com → z***@example.com: the first letter and the domain."""
    address = (address or "").strip()
    if "@" not in address:
        return "***" if address else ""
    local, domain = address.rsplit("@", 1)
    return f"{local[:1]}***@{domain}"


def mask_name(name: str) -> str:
    """王小芳 → 王**, Zhang Wei → Z***: the first character, the rest hidden (at most three stars),
    for pages anyone with a link may open (the care opt-out page)."""
    name = (name or "").strip()
    return f"{name[:1]}{'*' * min(max(len(name) - 1, 1), 3)}" if name else ""


def shown_phone(user: User | None, number: str) -> str:
    """A stored number as `user` may see it: readable (138 0013 8000) or masked (138****8000)."""
    return display_phone(number) if sees_contacts(user) else mask_phone(number)


def shown_email(user: User | None, address: str) -> str:
    return address if sees_contacts(user) else mask_email(address)


# --- exports ----------------------------------------------------------------------------------------

EXPORT_FORMATS = ("csv", "xlsx")


def _export_columns() -> list[tuple[str, str]]:
    """(key, header) of the customer-list export: the file's fields, then each active custom field."""
    return [
        ("id", "id"),
        ("name", _("name")),
        ("kind", _("kind")),
        ("tier", _("tier")),
        ("phones", _("phones")),
        ("emails", _("emails")),
        ("company", _("company")),
        ("industry", _("industry")),
        ("address", _("address")),
        ("owner", _("responsible person")),
        ("source", _("source")),
        ("customer_since", _("customer since")),
        ("tags", _("tags")),
        *[(f"custom.{f.code}", f.label) for f in custom_fields()],
    ]


def _export_row(customer: Customer, keys: list[str]) -> list:
    values = {
        "id": customer.pk,
        "name": customer.name,
        "kind": customer.get_kind_display(),
        "tier": customer.tier_id,
        "phones": " ".join(p.number for p in customer.phones.all()),
        "emails": " ".join(e.address for e in customer.emails.all()),
        "company": customer.company,
        "industry": customer.industry,
        "address": customer.address,
        "owner": customer.owner.label if customer.owner_id else "",
        "source": customer.get_source_display() if customer.source else "",
        "customer_since": customer.customer_since.isoformat() if customer.customer_since else "",
        "tags": "、".join(t.name for t in customer.tags.all()),
    }
    return [values.get(k, customer.custom.get(k.removeprefix("custom."), "")) for k in keys]


@transaction.atomic
def customer_list_export(
    *, by: User, customers, what: str, file_format: str = "csv", now: datetime | None = None
) -> tuple[bytes, ExportLog]:
    """The customers given (a queryset: the list as filtered) as CSV (UTF-8 with BOM, for Excel) or
    xlsx, with every contact unmasked, and its `ExportLog` entry. Refuses (PermissionDenied) anyone
    `may_export` refuses, and a format other than csv / xlsx."""
    if not may_export(by):
        raise PermissionDenied(_("You may not export customer data."))
    if file_format not in EXPORT_FORMATS:
        raise ValidationError.for_field("format", _("Choose csv or xlsx."), FieldCode.INVALID_CHOICE)
    columns = _export_columns()
    keys = [k for k, _header in columns]
    rows = customers.select_related("owner").prefetch_related("phones", "emails", "tags").order_by("pk")
    body = [_export_row(c, keys) for c in rows.iterator(chunk_size=1000)]
    headers = [str(h) for _k, h in columns]
    if file_format == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(headers)
        writer.writerows(body)
        data = ("\ufeff" + out.getvalue()).encode("utf-8")
    else:
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        sheet.title = "customers"
        sheet.append(headers)
        for row in body:
            sheet.append(row)
        buffer = io.BytesIO()
        book.save(buffer)
        data = buffer.getvalue()
    log = ExportLog.objects.create(
        by=by,
        at=now or timezone.now(),
        kind=ExportKind.CUSTOMER_LIST,
        what=what[:300],
        file_format=file_format,
        rows=len(body),
    )
    return data, log


_OWN_CONTACTS = ("customers.customerphone", "customers.customeremail")


def customer_data(customer: Customer) -> dict:
    """Everything Kefu holds about one customer: the record, contacts, tags and every row pointing at
    it (work orders, calls, orders, payments, callback tasks, surveys … found by `customer_links`)."""
    record = serializers.serialize("python", [customer])[0]["fields"]
    data = {
        "customer": jsonable({"id": customer.pk, **record}),
        "phones": list(customer.phones.values_list("number", flat=True)),
        "emails": list(customer.emails.values_list("address", flat=True)),
        "tags": list(customer.tags.values_list("name", flat=True)),
    }
    for rel in customer_links():
        model, _column, rows = rows_pointing_at(rel, customer)
        label = link_label(model)
        if label in _OWN_CONTACTS:
            continue
        found = [
            jsonable({"id": row["pk"], **row["fields"]})
            for row in serializers.serialize("python", rows.order_by("pk")[:10000])
        ]
        if found:
            data.setdefault(label, []).extend(found)
    return data


@transaction.atomic
def customer_data_export(
    *, customer: Customer, by: User, now: datetime | None = None
) -> tuple[bytes, ExportLog]:
    """One customer's data for a data-subject request (个人信息查询): a zip holding `customer.json`
    (see `customer_data`), and its `ExportLog` entry. Refuses anyone `may_export` refuses."""
    if not may_export(by):
        raise PermissionDenied(_("You may not export customer data."))
    data = customer_data(customer)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("customer.json", json.dumps(data, ensure_ascii=False, indent=2))
    rows = sum(len(v) if isinstance(v, list) else 1 for v in data.values())
    log = ExportLog.objects.create(
        by=by,
        at=now or timezone.now(),
        kind=ExportKind.CUSTOMER_DATA,
        what=f"#{customer.pk} {customer.name}"[:300],
        file_format="zip",
        rows=rows,
        customer=customer,
    )
    return buffer.getvalue(), log


# --- anonymisation ----------------------------------------------------------------------------------


def _redact(text: str, needles: list[str], placeholder: str) -> str:
    for needle in needles:
        text = re.sub(re.escape(needle), placeholder, text, flags=re.IGNORECASE)
    return text


def _redact_json(value, needles: list[str], placeholder: str):
    """`value` (a JSON document) with every string in it redacted; keys stay as they are."""
    if isinstance(value, str):
        return _redact(value, needles, placeholder)
    if isinstance(value, list):
        return [_redact_json(item, needles, placeholder) for item in value]
    if isinstance(value, dict):
        return {key: _redact_json(item, needles, placeholder) for key, item in value.items()}
    return value


#: How far below a row pointing at the customer its parts are redacted: a work order (0), its messages
#: and the chat tied to it (1), that chat's lines (2).
PART_DEPTH = 2


def _parts(model) -> list:
    """The relations of rows that belong to a `model` row: rows deleted with it (a work order's messages
    and timeline) and rows copying its caller's contacts (a chat tied to the work order)."""
    return [
        rel
        for rel in model._meta.related_objects
        if not rel.many_to_many
        and rel.related_model is not Customer
        and (
            rel.on_delete is CASCADE
            or any(f.name in COPIED_CONTACT_FIELDS for f in rel.related_model._meta.concrete_fields)
        )
    ]


def _redact_rows(
    model, rows, needles: list[str], placeholder: str, redacted: dict[str, int], depth: int
) -> None:
    """Take who the customer is out of `rows` of `model` and, `depth` levels down, out of their parts:
    copies of the caller (customer_name / _phone / _email) replaced, the name, phones and emails cut
    from every text, also inside JSON documents (a transcript's sentences); the search terms of changed rows rebuilt. Counts changed rows per model."""
    copies = {f.name: f for f in model._meta.concrete_fields if f.name in COPIED_CONTACT_FIELDS}
    texts = [
        f.name
        for f in model._meta.concrete_fields
        if isinstance(f, CharField | TextField)
        and not f.choices
        and f.name not in copies
        and f.name != "search_text"
    ]
    documents = [f.name for f in model._meta.concrete_fields if isinstance(f, JSONField)]
    has_search_text = any(f.name == "search_text" for f in model._meta.concrete_fields)
    changed, pks = 0, []
    for row in rows.order_by().values("pk", *copies, *texts, *documents):
        pks.append(row["pk"])
        update = {
            name: placeholder if COPIED_CONTACT_FIELDS[name] == "name" and row[name] else ""
            for name in copies
            if row[name]
        }
        for name in texts:
            if row[name] and needles:
                text = _redact(row[name], needles, placeholder)
                if text != row[name]:
                    update[name] = text
        for name in documents:
            if row[name] and needles:
                document = _redact_json(row[name], needles, placeholder)
                if document != row[name]:
                    update[name] = document
        if update:
            if has_search_text:
                update["search_text"] = ""  # rebuilt below, from the redacted text
            model._base_manager.filter(pk=row["pk"]).update(**update)
            changed += 1
    if changed:
        label = link_label(model)
        redacted[label] = redacted.get(label, 0) + changed
        entry = search.INDEXES.get(model._meta.db_table, None)
        if entry is not None:  # the search terms of the redacted rows, from their new text
            entry.reindex(only_empty=True)
    if depth and pks:
        for rel in _parts(model):
            part = rel.related_model
            _redact_rows(
                part,
                part._base_manager.filter(**{f"{rel.field.name}__in": pks}),
                needles,
                placeholder,
                redacted,
                depth - 1,
            )


@transaction.atomic
def customer_anonymise(*, customer: Customer, reason: str, by: User, now: datetime | None = None) -> Customer:
    """Replace who the customer is by placeholders (匿名化), keeping every row and figure.

    The name becomes “已匿名 #id”; phones and emails are deleted; address, birthday, company (of a
    person), interests, custom values and the note are emptied; rows pointing at the customer keep
    their ids, amounts and states, but their copies of the caller (customer_name / _phone / _email)
    are replaced and the name, phones and emails are taken out of their texts (the work order's
    account of the matter), and out of the rows that belong to them (`_parts`: the work order's
    messages and timeline, the chat tied to it and its lines). Records the `Anonymisation` with its reason. Refuses anyone but
    administrators, an empty reason, and a record already anonymised.
    """
    if not may_anonymise(by):
        raise PermissionDenied(_("Only administrators anonymise customer records."))
    if not (reason or "").strip():
        raise ValidationError.for_field("reason", _("Say why (the request it answers)."), FieldCode.REQUIRED)
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    if customer.anonymised_at:
        raise ValidationError.for_field("reason", _("This record is already anonymised."))
    placeholder = ANONYMOUS % {"id": customer.pk}
    phones = list(customer.phones.values_list("number", flat=True))
    emails = list(customer.emails.values_list("address", flat=True))
    needles = sorted(
        {n for n in [customer.name.strip(), *phones, *emails] if len(n) >= 2}, key=len, reverse=True
    )
    needles += [display_phone(p) for p in phones if display_phone(p) not in needles]

    redacted: dict[str, int] = {}
    for rel in customer_links():
        model, column, rows = rows_pointing_at(rel, customer)
        if rel.many_to_many or model is Customer or link_label(model) in _OWN_CONTACTS:
            continue  # members and referrals are other people; phones and emails are deleted below
        _redact_rows(model, rows, needles, placeholder, redacted, depth=PART_DEPTH)
    # A merged duplicate was the same person: its snapshot goes too.
    customer.merges.update(snapshot={}, removed_name=placeholder)

    customer.phones.all().delete()
    customer.emails.all().delete()
    customer.name = placeholder
    customer.address = customer.interests = customer.note = ""
    if customer.kind == "person":
        customer.company = ""
    customer.birth_year = customer.birth_month = customer.birth_day = None
    customer.birthday_leap_month = False
    customer.gender = ""
    customer.custom = {}
    customer.anonymised_at = now or timezone.now()
    customer.consent_phone = customer.consent_sms = customer.consent_email = False
    customer.save()
    Anonymisation.objects.create(
        customer=customer, by=by, at=customer.anonymised_at, reason=reason.strip()[:300], redacted=redacted
    )
    return customer
