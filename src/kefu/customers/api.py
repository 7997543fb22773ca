"""API for customer records (顾客档案): search, look up by phone or email, create, edit.

Only service-center staff use these endpoints; department staff see a customer only through the
work orders dispatched to them. The rule is enforced once, for the whole router (`center_staff_only`).
"""

from datetime import date, datetime
from decimal import Decimal
from functools import wraps

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status as HttpStatus

from kefu.accounts.api import Id, Pages, user_of
from kefu.core.errors import FieldCode, NotFound, PermissionDenied, ValidationError
from kefu.crm import optout
from kefu.customers import rfm
from kefu.customers.merge import customer_merge
from kefu.customers.models import Customer
from kefu.customers.privacy import mask_phone, sees_contacts, shown_email
from kefu.customers.selectors import customer_by_contact, customer_search
from kefu.customers.services import clean_email, clean_phone, customer_update
from kefu.customers.services import customer_create as customer_create_service
from kefu.tickets.api import TicketListOut
from kefu.tickets.selectors import customer_history


def center_staff_only(view):
    """Refuse anyone but service-center staff (403), after sign-in and before the endpoint runs."""

    @wraps(view)
    def guarded(request, *args, **kwargs):
        if not user_of(request).is_center_staff:
            raise PermissionDenied(_("Only service-center staff may use customer records."))
        return view(request, *args, **kwargs)

    return guarded


router = Router(tags=["customers"])
router.add_decorator(center_staff_only)  # wraps each endpoint, after sign-in


def get_customer(customer_id: Id, *, contacts: bool = True) -> Customer:
    """The customer or 404; `contacts` False: the row alone (a posting needs no phones or tags)."""
    found = Customer.objects.filter(pk=customer_id)
    customer = (found.prefetch_related("phones", "emails", "tags", "members") if contacts else found).first()
    if customer is None:
        raise NotFound(_("Customer %(id)s not found.") % {"id": customer_id})
    return customer


class CustomerOut(Schema):
    id: int
    name: str
    kind: str = Field(..., description="person or organisation.")
    organisation: int | None = Field(None, description="The organisation this person is a contact of.")
    tier: str = Field(..., description="The code of the customer's value tier (客户分级), e.g. A, B or C.")
    note: str
    phones: list[str] = Field(..., description="Masked (138****8000) for callers who may not see contacts.")
    emails: list[str] = Field(..., description="Masked (z***@example.com) like the phones.")
    gender: str
    birth_year: int | None
    birth_month: int | None
    birth_day: int | None
    birthday_calendar: str = Field(..., description="solar or lunar (农历).")
    birthday_leap_month: bool
    company: str
    industry: str
    address: str
    interests: str
    relationship: int | None = Field(None, description="Relationship level 1 (new) to 5 (strategic).")
    tags: list[str]
    owner: int | None = Field(None, description="The responsible person (专人负责), a user id.")
    source: str
    referred_by: int | None
    customer_since: date | None
    flags: list[str]
    consent_phone: bool
    consent_sms: bool
    consent_email: bool
    custom: dict = Field(..., description="Custom field values by field code.")
    anonymised_at: datetime | None
    created_at: datetime

    @staticmethod
    def resolve_tier(obj: Customer) -> str:
        return obj.tier_id

    @staticmethod
    def resolve_organisation(obj: Customer) -> int | None:
        return obj.organisation_id

    @staticmethod
    def resolve_owner(obj: Customer) -> int | None:
        return obj.owner_id

    @staticmethod
    def resolve_referred_by(obj: Customer) -> int | None:
        return obj.referred_by_id

    @staticmethod
    def resolve_tags(obj: Customer) -> list[str]:
        return [t.name for t in obj.tags.all()]

    @staticmethod
    def resolve_phones(obj: Customer, context) -> list[str]:
        user = user_of(context["request"])
        return [p.number if sees_contacts(user) else mask_phone(p.number) for p in obj.phones.all()]

    @staticmethod
    def resolve_emails(obj: Customer, context) -> list[str]:
        return [shown_email(user_of(context["request"]), e.address) for e in obj.emails.all()]


class MemberOut(Schema):
    id: int
    name: str


class CustomerDetailOut(CustomerOut):
    members: list[MemberOut] = Field(..., description="An organisation's contacts.")
    tickets: list[TicketListOut] = Field(
        ..., description="Latest work orders of this customer the caller may see."
    )

    @staticmethod
    def resolve_tickets(obj: Customer, context) -> list:
        return list(customer_history(user=user_of(context["request"]), customer_id=obj.pk))

    rfm: "RfmScoreOut | None" = Field(
        None, description="The customer's latest RFM scores; null if not scored."
    )

    @staticmethod
    def resolve_rfm(obj: Customer):
        return rfm.customer_score(obj.pk)


class CustomerSearch(Schema):
    q: str = Field(
        "", max_length=200, description="A phone (or its last digits), an email, or part of the name."
    )
    segment: str = Field(
        "", max_length=30, description="Only the customers currently in this RFM segment (its code)."
    )


class CustomerLookup(Schema):
    phone: str = Field("", max_length=30)
    email: str = Field("", max_length=254)


class CustomerFieldsIn(Schema):
    """The fields of the customer file (客户档案); only those sent change."""

    kind: str = Field(None, max_length=12, description="person or organisation.")
    organisation: int | None = Field(None, description="The organisation's customer id (null: none).")
    gender: str = Field(None, max_length=6, description="female, male or empty.")
    birth_year: int | None = None
    birth_month: int | None = Field(None, description="1–12.")
    birth_day: int | None = Field(None, description="1–31 (solar) or 1–30 (lunar).")
    birthday_calendar: str = Field(None, max_length=5, description="solar or lunar.")
    birthday_leap_month: bool = Field(None, description="A lunar birthday in a leap month (闰月).")
    company: str = Field(None, max_length=200)
    industry: str = Field(None, max_length=100)
    address: str = Field(None, max_length=300)
    interests: str = Field(None, max_length=5000)
    relationship: int | None = Field(None, description="1 (new) to 5 (strategic).")
    tags: list[str] = Field(None, max_length=50, description="Tag names; new ones are created.")
    owner: int | None = Field(None, description="The responsible person's user id (null: none).")
    source: str = Field(None, max_length=10)
    referred_by: int | None = Field(None, description="The referring customer's id.")
    customer_since: date | None = None
    flags: list[str] = Field(None, max_length=20)
    consent_phone: bool = None
    consent_sms: bool = None
    consent_email: bool = None
    custom: dict[str, str | int | float | None] = Field(
        None, description="Custom field values by field code; null or empty removes one."
    )


class CustomerCreateIn(CustomerFieldsIn):
    name: str = Field("", max_length=100)
    phone: str = Field("", max_length=30)
    email: str = Field("", max_length=254)
    note: str = Field(None, max_length=20000)


class CustomerUpdateIn(CustomerFieldsIn):
    """Only the fields sent change; `phones` / `emails` / `tags` / `flags` replace the whole list."""

    name: str = Field(None, min_length=1, max_length=100)
    tier: str = Field(None, max_length=10, description="A tier code of the ladder (客户分级).")
    note: str = Field(None, max_length=20000)
    phones: list[str] = Field(None, max_length=20)
    emails: list[str] = Field(None, max_length=20)


class MergeIn(Schema):
    remove: int = Field(..., description="The duplicate record folded into this one and deleted.")


class MergeOut(Schema):
    kept: int
    removed_id: int
    removed_name: str
    moved: dict[str, int]

    @staticmethod
    def resolve_kept(obj) -> int:
        return obj.kept_id


@router.get("", response=list[CustomerOut], summary="Search customers")
@paginate(Pages)
def customer_list(request, filters: Query[CustomerSearch]) -> QuerySet:
    customers = customer_search(filters.q)
    if filters.segment:
        customers = rfm.in_segment(customers, filters.segment)
    return customers.prefetch_related("phones", "emails", "tags")


@router.get("/lookup", response=CustomerOut, summary="Find the customer with this phone or email")
def customer_lookup(request, filters: Query[CustomerLookup]):
    """Screen pop: the record holding this phone (first) or email; 404 when there is none."""
    if not (filters.phone.strip() or filters.email.strip()):
        raise ValidationError.for_field("phone", _("Give a phone or an email."))
    phone, email = clean_phone(filters.phone, "phone"), clean_email(filters.email, "email")
    customer = customer_by_contact(phone=phone, email=email)
    if customer is None:
        raise NotFound(_("No customer with this phone or email."))
    return get_customer(customer.pk)


@router.post(
    "", response={200: CustomerOut, 201: CustomerOut}, summary="Create a customer (or find the existing one)"
)
def customer_create(request, payload: CustomerCreateIn):
    """The customer holding this phone or email gets the other contact added (200); else a new record (201)
    with the other fields of the file."""
    customer, created = customer_create_service(**payload.dict(exclude_unset=True))
    return HttpStatus(201 if created else 200, get_customer(customer.pk))


@router.get("/{customer_id}", response=CustomerDetailOut, summary="One customer, with their work orders")
def customer_detail(request, customer_id: Id):
    return get_customer(customer_id)


@router.patch("/{customer_id}", response=CustomerOut, summary="Edit a customer")
def customer_edit(request, customer_id: Id, payload: CustomerUpdateIn):
    customer = customer_update(customer=get_customer(customer_id), **payload.dict(exclude_unset=True))
    return get_customer(customer.pk)


# --- RFM (issue 14, part 5) ----------------------------------------------------------------------


class RfmScoreOut(Schema):
    """A customer's RFM scores in one snapshot (kefu.customers.rfm has the definitions)."""

    as_of: date
    window_days: int
    recency_days: int = Field(..., description="Days from the last order to as_of.")
    frequency: int = Field(..., description="Orders in the window.")
    monetary: Decimal = Field(..., description="Net amount in the window (orders less refunds), 元.")
    r: int = Field(..., ge=1, le=5)
    f: int = Field(..., ge=1, le=5)
    m: int = Field(..., ge=1, le=5)
    segment: str = Field(..., description="The RFM segment's code (important_value, …, general_win_back).")
    segment_name: str

    @staticmethod
    def resolve_segment_name(obj) -> str:
        return rfm.segment_label(obj.segment)


class RfmSegmentOut(Schema):
    code: str
    name: str
    count: int


class RfmSizesOut(Schema):
    as_of: date | None = Field(..., description="The snapshot's date; null when there is none yet.")
    window_days: int | None
    total: int
    segments: list[RfmSegmentOut]


class RfmQuery(Schema):
    as_of: date | None = Field(None, description="A snapshot's date (default: the latest).")


CustomerDetailOut.model_rebuild()


#: Mounted at /api/customers/rfm ahead of the customers router (kefu/api.py), whose /{customer_id}
#: would otherwise take "rfm" for an id.
rfm_router = Router(tags=["customers"])
rfm_router.add_decorator(center_staff_only)


@rfm_router.get("", response=RfmSizesOut, summary="Customers by RFM segment on a date")
def rfm_sizes(request, filters: Query[RfmQuery]):
    """The eight segments' sizes in the snapshot of `as_of` (default the latest); 404 when that date
    has no snapshot."""
    as_of = filters.as_of or rfm.latest_as_of()
    window = rfm.snapshot_window(as_of) if as_of else None
    if filters.as_of and window is None:
        raise NotFound(_("There is no RFM snapshot of %(day)s.") % {"day": filters.as_of.isoformat()})
    sizes = rfm.segment_sizes(as_of) if as_of else rfm.segment_sizes(date.min)
    return {
        "as_of": as_of,
        "window_days": window,
        "total": sum(s.count for s in sizes),
        "segments": [{"code": s.code, "name": s.name, "count": s.count} for s in sizes],
    }


# --- Issue 14, part 3: orders and payments from a business system (订单与回款) -------------------

from kefu.customers.models import OrderKind  # noqa: E402
from kefu.customers.orders import order_record, payment_record  # noqa: E402


class OrderIn(Schema):
    source: str = Field(..., max_length=40, description="The business system sending it, e.g. `shop`.")
    external_id: str = Field(..., max_length=64, description="The order's id in that system (idempotence).")
    kind: OrderKind = OrderKind.ORDER
    refund_of: str = Field(
        "", max_length=64, description="A refund: the external id of the order it reverses."
    )
    amount: Decimal = Field(..., description="元; a refund gives the amount refunded (stored negative).")
    placed_at: datetime
    description: str = Field("", max_length=300)


class OrderOut(Schema):
    id: int
    source: str
    external_id: str
    kind: str
    refund_of: str | None = Field(None, description="The external id of the order a refund reverses.")
    amount: Decimal
    placed_at: datetime
    description: str

    @staticmethod
    def resolve_refund_of(obj) -> str | None:
        return obj.refund_of.external_id if obj.refund_of_id else None


class PaymentIn(Schema):
    source: str = Field(..., max_length=40)
    external_id: str = Field(..., max_length=64)
    amount: Decimal = Field(..., description="元; negative for money paid back.")
    paid_at: datetime
    method: str = Field("", max_length=40)
    order: str = Field("", max_length=64, description="The external id of the order it pays, if known.")


class PaymentOut(Schema):
    id: int
    source: str
    external_id: str
    amount: Decimal
    paid_at: datetime
    method: str
    order: str | None = None

    @staticmethod
    def resolve_order(obj) -> str | None:
        return obj.order.external_id if obj.order_id else None


@router.post(
    "/{customer_id}/orders",
    response={200: OrderOut, 201: OrderOut},
    summary="Record an order or a refund (idempotent by source and external id)",
)
def customer_order_create(request, customer_id: Id, payload: OrderIn):
    """201 with the new order; 200 with the stored one when this source's external id is known.
    A refund (`kind` refund) names the order it reverses (`refund_of`) and may not exceed what is
    left to refund of it (a field error on `amount` otherwise)."""
    done = order_record(customer=get_customer(customer_id), by=user_of(request), **payload.dict())
    return HttpStatus(201 if done.created else 200, done.record)


@router.get("/{customer_id}/orders", response=list[OrderOut], summary="A customer's orders, newest first")
@paginate(Pages)
def customer_orders(request, customer_id: Id):
    return get_customer(customer_id).orders.select_related("refund_of")


@router.post(
    "/{customer_id}/payments",
    response={200: PaymentOut, 201: PaymentOut},
    summary="Record a payment (idempotent by source and external id)",
)
def customer_payment_create(request, customer_id: Id, payload: PaymentIn):
    """201 with the new payment; 200 with the stored one when this source's external id is known."""
    done = payment_record(customer=get_customer(customer_id), by=user_of(request), **payload.dict())
    return HttpStatus(201 if done.created else 200, done.record)


@router.get(
    "/{customer_id}/payments", response=list[PaymentOut], summary="A customer's payments, newest first"
)
@paginate(Pages)
def customer_payments(request, customer_id: Id):
    return get_customer(customer_id).payments.select_related("order")


@router.post("/{customer_id}/merge", response=MergeOut, summary="Merge a duplicate into this customer")
def customer_merge_endpoint(request, customer_id: Id, payload: MergeIn):
    """Every contact, work order, call, order … of `remove` moves here and `remove` is deleted (leads only)."""
    remove = Customer.objects.filter(pk=payload.remove).first()
    if remove is None:
        raise ValidationError.for_field(
            "remove", _("Customer %(id)s not found.") % {"id": payload.remove}, FieldCode.NOT_FOUND
        )
    return customer_merge(keep=get_customer(customer_id), remove=remove, by=user_of(request))


# --- Issue 14, part 6: the care opt-out (退订) ------------------------------------------------------


class CareOptOutOut(Schema):
    opted_out: bool = Field(..., description="True: no care messages (greetings, touches, reminders).")
    at: datetime | None = Field(None, description="When the customer opted out.")
    via: str = Field("", description="How: email link, email one-click, sms reply, staff: <name>.")
    via_text: str = Field("", description="How, in the reader's language.")


@router.post(
    "/{customer_id}/care-opt-out",
    response=CareOptOutOut,
    summary="Record a customer's care opt-out (退订), e.g. asked on a call",
)
def customer_care_opt_out(request, customer_id: Id):
    """Idempotent: an opt-out already recorded stands with its time and way. Scheduled care touches
    are skipped; messages about the customer's own work orders still go."""
    opt_out = optout.care_opt_out(customer=get_customer(customer_id, contacts=False), by=user_of(request))
    return {
        "opted_out": True,
        "at": opt_out.at,
        "via": opt_out.via,
        "via_text": optout.via_label(opt_out.via),
    }


@router.delete(
    "/{customer_id}/care-opt-out",
    response={204: None},
    summary="Resume care messages to a customer who asked for them again",
)
def customer_care_opt_in(request, customer_id: Id):
    """204 whether or not there was an opt-out."""
    optout.care_opt_in(customer=get_customer(customer_id, contacts=False), by=user_of(request))
    return HttpStatus(204, None)


# --- Issue 14, part 8: the loyalty card's points (积分) for a business system ---------------------

from kefu.customers.loyalty import selectors as loyalty  # noqa: E402
from kefu.customers.loyalty.services import points_correct, points_redeem  # noqa: E402


class PointsEntryOut(Schema):
    id: int
    at: datetime
    kind: str = Field(..., description="earn, redeem, expire, clear or correct.")
    points: int = Field(..., description="Signed: what the entry added to (or took from) the balance.")
    balance_after: int
    reason: str
    order: str | None = Field(None, description="The external id of the order that earned (or refunded).")
    expires_on: date | None = None
    by: int | None = Field(None, description="The user who posted it (null: the system).")

    @staticmethod
    def resolve_order(obj) -> str | None:
        return obj.order.external_id if obj.order_id else None

    @staticmethod
    def resolve_by(obj) -> int | None:
        return obj.created_by_id


class CardOut(Schema):
    level: str
    number: str
    active: bool


class PointsOut(Schema):
    customer: int
    balance: int = Field(..., description="The balance now.")
    card: CardOut | None = Field(None, description="The customer's loyalty card (null: none).")
    first: date
    last: date
    opening: int = Field(..., description="The balance before `first`.")
    closing: int = Field(..., description="The balance after the period's last entry.")
    added: int
    taken: int
    count: int = Field(..., description="Entries in the period (`items` is one page of them).")
    items: list[PointsEntryOut] = Field(..., description="The period's entries, oldest first.")


class PointsQuery(Schema):
    start: date | None = Field(None, description="First local day (default: 1 January this year).")
    end: date | None = Field(None, description="Last local day (default: today).")
    page: int = Field(1, ge=1, le=1_000_000)
    page_size: int = Field(20, ge=1, le=100)


class PointsIn(Schema):
    points: int = Field(..., description="Redeem: points taken (> 0). Correction: signed, not 0.")
    reason: str = Field(..., max_length=300)


@router.get("/{customer_id}/points", response=PointsOut, summary="A customer's points balance and statement")
def customer_points(request, customer_id: Id, filters: Query[PointsQuery]):
    """积分对账单: the balance now, the card, and the period's entries with the running balance
    after each (paged: `page`, `page_size` up to 100); the period's days are in the center's zone."""
    customer = get_customer(customer_id, contacts=False)
    today = timezone.localdate()
    first, last = filters.start or date(today.year, 1, 1), filters.end or today
    if last < first:
        raise ValidationError.for_field("end", _("The end is before the start."), FieldCode.OUT_OF_RANGE)
    statement = loyalty.points_statement(
        customer_id=customer.pk,
        first=first,
        last=last,
        offset=(filters.page - 1) * filters.page_size,
        limit=filters.page_size,
    )
    summary = loyalty.card_summary(customer.pk)
    return {
        "customer": customer.pk,
        "balance": loyalty.points_balance(customer.pk),
        "card": summary,
        "first": first,
        "last": last,
        "opening": statement.opening,
        "closing": statement.closing,
        "added": statement.added,
        "taken": statement.taken,
        "count": statement.count,
        "items": statement.entries,
    }


@router.post(
    "/{customer_id}/points/redeem", response={201: PointsEntryOut}, summary="Redeem points (积分兑换)"
)
def customer_points_redeem(request, customer_id: Id, payload: PointsIn):
    """201 with the entry. Service-center staff; a balance that does not cover it: 422
    `points_balance_short` on `points`, nothing taken (two redemptions at once never both pass)."""
    entry = points_redeem(
        customer=get_customer(customer_id, contacts=False), by=user_of(request), **payload.dict()
    )
    return HttpStatus(201, entry)


@router.post(
    "/{customer_id}/points/corrections", response={201: PointsEntryOut}, summary="Correct points (更正)"
)
def customer_points_correct(request, customer_id: Id, payload: PointsIn):
    """201 with the correcting entry (the ledger is never changed: a mistake is put right by a new
    entry). Supervisors and above (others: 403); not 0; not below a zero balance (422 on `points`)."""
    entry = points_correct(
        customer=get_customer(customer_id, contacts=False), by=user_of(request), **payload.dict()
    )
    return HttpStatus(201, entry)
