"""Duplicates and merge (重复客户与合并): who may be the same customer, and folding one record into another.

Every row that points at a customer is found from `Customer._meta.related_objects` (`customer_links`),
so the work orders, calls, callback tasks, surveys, orders, points … of apps above this one are moved
without this module naming them.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from itertools import combinations

from django.core import serializers
from django.db import IntegrityError, transaction
from django.db.models import Count, ForeignObjectRel, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from rapidfuzz import fuzz

from kefu.accounts.models import User
from kefu.core.errors import PermissionDenied, ValidationError
from kefu.core.union import union_all
from kefu.customers.models import Customer, CustomerEmail, CustomerMerge, CustomerPhone

#: Names at least this similar (rapidfuzz ratio, 0–100) are candidates when they also share a company,
#: an organisation or the last four digits of a phone: 王小明 / 王晓明 score 66.7, 张伟 / 张三 50.
SIMILAR_NAME = 66
#: A group larger than this (a company with hundreds of contacts) is not compared pair by pair.
MAX_GROUP = 300


def customer_links() -> list[ForeignObjectRel]:
    """Every relation pointing at a customer (reverse foreign keys, one-to-ones and many-to-manys)."""
    return list(Customer._meta.related_objects)


def rows_pointing_at(rel: ForeignObjectRel, customer: Customer):
    """The rows of one relation that point at `customer` (for a many-to-many: its through rows)."""
    if rel.many_to_many:
        through = rel.through
        column = next(f.name for f in through._meta.fields if f.is_relation and f.related_model is Customer)
        return through, column, through.objects.filter(**{column: customer})
    return (
        rel.related_model,
        rel.field.name,
        rel.related_model._base_manager.filter(**{rel.field.name: customer}),
    )


def link_label(model) -> str:
    return f"{model._meta.app_label}.{model._meta.model_name}"


# --- who may be the same customer ---------------------------------------------------------------


#: Why two records may be one customer: code → label.
REASONS = {"phone": _lazy("same phone"), "email": _lazy("same email"), "name": _lazy("similar name")}


@dataclass(frozen=True)
class Candidate:
    """Two records that may be one customer, and why (`reason`: a code of REASONS; `detail`: the
    shared phone or email, the company, or the phone tail)."""

    first: Customer
    second: Customer
    reason: str
    detail: str

    @property
    def reason_label(self) -> str:
        return str(REASONS[self.reason])


def _normalised(name: str) -> str:
    return "".join(name.lower().split())


def names_similar(a: str, b: str) -> bool:
    return fuzz.ratio(_normalised(a), _normalised(b)) >= SIMILAR_NAME


def duplicate_candidates(*, customer: Customer | None = None, limit: int = 200) -> list[Candidate]:
    """Pairs of records that may be the same customer (可能重复的客户), those of `customer` when given.

    Same phone, same email, or a similar name (`SIMILAR_NAME`) within the same company or organisation
    or with a phone sharing its last four digits. Anonymised records are left out.
    """
    if customer is not None:
        return _candidates_of(customer, limit=limit)
    live = Customer.objects.filter(anonymised_at__isnull=True)
    pairs: dict[tuple[int, int], tuple[str, str]] = {}
    for model, column, reason in (
        (CustomerPhone, "number", "phone"),
        (CustomerEmail, "address", "email"),
    ):
        rows = model.objects.filter(customer__anonymised_at__isnull=True)
        shared = (
            rows.values(column).annotate(n=Count("customer", distinct=True)).filter(n__gt=1).values(column)
        )
        groups = defaultdict(set)
        for value, customer_id in rows.filter(**{f"{column}__in": shared}).values_list(column, "customer_id"):
            groups[value].add(customer_id)
        for value, ids in groups.items():
            for a, b in combinations(sorted(ids), 2):
                _add(pairs, a, b, reason, value)

    # Similar names, compared only inside a group that already links them.
    groups: dict[tuple[str, str], dict[int, str]] = defaultdict(dict)
    for pk, name, company, org in live.values_list("pk", "name", "company", "organisation_id"):
        if company:
            groups["company", company][pk] = name
        if org:
            groups["organisation", str(org)][pk] = name
    phones = CustomerPhone.objects.filter(customer__in=live).values_list(
        "customer_id", "tail", "customer__name"
    )
    for pk, tail, name in phones:
        groups["phone", tail][pk] = name
    for (kind, key), members in groups.items():
        if 2 <= len(members) <= MAX_GROUP:
            _add_similar(pairs, kind, key, combinations(sorted(members.items()), 2))

    chosen = sorted(pairs.items())[:limit]
    ids = {pk for pair, _reason in chosen for pk in pair}
    records = Customer.objects.select_related("tier").prefetch_related("phones", "emails").in_bulk(ids)
    return [
        Candidate(records[a], records[b], reason, detail)
        for (a, b), (reason, detail) in chosen
        if a in records and b in records
    ]


def _add(pairs: dict, a: int, b: int, reason: str, detail: str) -> None:
    if a != b:
        pairs.setdefault((min(a, b), max(a, b)), (reason, detail))


def _add_similar(pairs: dict, kind: str, key: str, pairs_of_group) -> None:
    """The pairs of one group (a company, an organisation, a phone tail) whose names are similar."""
    for (a, name_a), (b, name_b) in pairs_of_group:
        if names_similar(name_a, name_b):
            detail = key if kind == "company" else ("…" + key if kind == "phone" else "")
            _add(pairs, a, b, "name", detail)


#: The columns each read of `_candidates_of` gives, from a customer's phone or email or from the customer.
_LINKED = ("customer_id", "customer__name", "customer__anonymised_at")
_LINKED_CUSTOMER = ("pk", "name", "anonymised_at")


def _candidates_of(customer: Customer, *, limit: int) -> list[Candidate]:
    """`duplicate_candidates` of one customer (the customer page) in one statement: every record that
    shares one of its phones or emails, or may be in one of its groups (its company, its organisation,
    the last four digits of each of its phones: each found through its own index, at most MAX_GROUP +
    1 of them: a bigger group is not compared) is read with its name, every group a part of one UNION
    ALL. Only the customer's own pairs are compared: n - 1 comparisons, not n²/2."""
    live = Customer.objects.filter(anonymised_at__isnull=True)
    own_phones = list(customer.phones.all())  # prefetched on the customer page
    reads: list[tuple[str, str]] = []  # each read's (kind, key): a phone, an email, or a group to compare
    querysets = []
    for number in dict.fromkeys(p.number for p in own_phones):
        reads.append(("phone", number))
        querysets.append(CustomerPhone.objects.filter(number=number).order_by().values_list(*_LINKED))
    for address in dict.fromkeys(e.address for e in customer.emails.all()):
        reads.append(("email", address))
        querysets.append(CustomerEmail.objects.filter(address=address).order_by().values_list(*_LINKED))
    for kind, wanted, condition in (
        ("company", customer.company, Q(company=customer.company)),
        ("organisation", customer.organisation_id, Q(organisation_id=customer.organisation_id)),
    ):
        if wanted:
            reads.append((kind, str(wanted)))
            querysets.append(live.filter(condition).values_list(*_LINKED_CUSTOMER)[: MAX_GROUP + 1])
    for tail in sorted({phone.tail for phone in own_phones}):
        reads.append(("phone-tail", tail))
        querysets.append(
            CustomerPhone.objects.filter(tail=tail).order_by().values_list(*_LINKED)[: MAX_GROUP + 1]
        )
    found: dict[int, dict[int, str]] = defaultdict(dict)  # read → its records (id → name), anonymised too
    names: dict[int, str] = {}  # every live record read, by id
    for part, pk, name, anonymised_at in union_all(querysets):
        found[part][pk] = name
        if anonymised_at is None:
            names[pk] = name

    pairs: dict[tuple[int, int], tuple[str, str]] = {}
    mine = (customer.pk, customer.name)
    for part, (kind, key) in enumerate(reads):
        if kind in ("phone", "email"):
            for other in found[part]:
                if other in names and customer.pk in names:
                    _add(pairs, customer.pk, other, kind, key)
            continue
        members = {pk: name for pk, name in found[part].items() if pk in names}
        if kind == "phone-tail":
            kind = "phone"
        if customer.pk in members and 2 <= len(members) <= MAX_GROUP:
            others = ((pk, name) for pk, name in sorted(members.items()) if pk != customer.pk)
            _add_similar(pairs, kind, key, ((mine, other) for other in others))

    def record(pk: int) -> Customer:  # as read: other fields are read if asked for (the page shows the name)
        return (
            customer
            if pk == customer.pk
            else Customer.from_db(customer._state.db, ["id", "name"], [pk, names[pk]])
        )

    return [
        Candidate(record(a), record(b), reason, detail)
        for (a, b), (reason, detail) in sorted(pairs.items())[:limit]
    ]


# --- merge ----------------------------------------------------------------------------------------

#: Fields of the kept record filled from the removed one when blank.
_FILLABLE = (
    "gender",
    "birth_year",
    "birth_month",
    "birth_day",
    "company",
    "industry",
    "address",
    "interests",
    "relationship",
    "owner_id",
    "source",
    "referred_by_id",
    "customer_since",
    "organisation_id",
)


def may_merge(user: User | None) -> bool:
    """Supervisors, managers (the general manager too) and administrators merge records."""
    return user is not None and user.is_active and user.is_lead


@transaction.atomic
def customer_merge(
    *, keep: Customer, remove: Customer, by: User, now: datetime | None = None
) -> CustomerMerge:
    """Fold `remove` into `keep` (合并) and delete it, in one transaction.

    Every row pointing at `remove` (phones, emails, work orders, calls, callback tasks, surveys,
    orders, payments, members, referrals, and those of any later app) is moved to `keep`; a phone or
    email both hold is kept once. The kept record keeps its own fields, fills its blanks from the
    removed one, takes its tags and flags, and gets the removed note appended. A `CustomerMerge` row
    keeps who, when and a JSON snapshot of the removed record. Refuses anyone but supervisors,
    managers and administrators, a record merged into itself, an anonymised record, and rows that
    cannot move (naming the kind) — then nothing changes.
    """
    if not may_merge(by):
        raise PermissionDenied(_("Only supervisors, managers and administrators merge customers."))
    if keep.pk == remove.pk:
        raise ValidationError.for_field("remove", _("A customer cannot be merged into itself."))
    # Lock both rows so two people merging the same pair at once do not move rows twice.
    locked = Customer.objects.select_for_update().in_bulk([keep.pk, remove.pk])
    if len(locked) != 2:
        raise ValidationError.for_field("remove", _("That customer no longer exists."))
    keep, remove = locked[keep.pk], locked[remove.pk]
    if keep.anonymised_at or remove.anonymised_at:
        raise ValidationError.for_field("remove", _("An anonymised record is not merged."))
    snapshot = serializers.serialize("python", [remove])[0]["fields"]
    snapshot["phones"] = list(remove.phones.values_list("number", flat=True))
    snapshot["emails"] = list(remove.emails.values_list("address", flat=True))
    snapshot = jsonable(snapshot)

    # The same phone or email on both: one row is enough.
    CustomerPhone.objects.filter(customer=remove, number__in=keep.phones.values("number")).delete()
    CustomerEmail.objects.filter(customer=remove, address__in=keep.emails.values("address")).delete()
    keep.tags.add(*remove.tags.all())
    moved: dict[str, int] = {}
    for rel in customer_links():
        model, column, rows = rows_pointing_at(rel, remove)
        try:
            with transaction.atomic():
                count = rows.update(**{column: keep})
        except IntegrityError:
            raise ValidationError.for_field(
                "remove",
                _("Both records have a %(kind)s that can exist only once per customer; resolve it first.")
                % {"kind": model._meta.verbose_name},
            ) from None
        if count:
            moved[link_label(model)] = moved.get(link_label(model), 0) + count

    for field in _FILLABLE:
        if getattr(keep, field) in (None, "") and getattr(remove, field) not in (None, ""):
            setattr(keep, field, getattr(remove, field))
    # A record never points at itself: the removed one may have been the kept one's organisation.
    for field in ("organisation_id", "referred_by_id"):
        if getattr(keep, field) in (keep.pk, remove.pk):
            setattr(keep, field, None)
    keep.flags = list(dict.fromkeys([*keep.flags, *remove.flags]))
    keep.custom = {**remove.custom, **keep.custom}
    keep.consent_phone = keep.consent_phone and remove.consent_phone
    keep.consent_sms = keep.consent_sms and remove.consent_sms
    keep.consent_email = keep.consent_email and remove.consent_email
    if remove.note.strip():
        heading = _("Merged from #%(id)s %(name)s") % {"id": remove.pk, "name": remove.name}
        keep.note = f"{keep.note.rstrip()}\n\n{heading}:\n{remove.note.strip()}".strip()
    keep.created_at = min(keep.created_at, remove.created_at)  # known since the earlier record
    keep.save()
    removed_id, removed_name = remove.pk, remove.name
    remove.delete()
    return CustomerMerge.objects.create(
        kept=keep,
        removed_id=removed_id,
        removed_name=removed_name,
        snapshot=snapshot,
        moved=moved,
        by=by,
        at=now or timezone.now(),
    )


def jsonable(value):
    """A serializer's python output as plain JSON values (dates and decimals as strings)."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)
