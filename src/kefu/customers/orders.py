"""Orders and payments (订单与回款) a business system reports, one at a time (the API) — and the
checks every line of an import shares with it.

Idempotent by (source, external id): the same order posted again is found, not stored twice. A
refund (退款) names the order it reverses and may not exceed what is left of it; it is stored as a
negative amount, so a sum over a period is the revenue (customers.tiers reads it so).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from kefu.core.errors import FieldCode, FieldError, PermissionDenied, ValidationError
from kefu.customers.models import Customer, Order, OrderKind, Payment

MAX_AMOUNT = Decimal("999999999999.99")  # what the amount columns hold (14 digits, 2 decimals)


def may_record_orders(user) -> bool:
    """Service-center staff (and the business systems' API users, who are staff) record orders."""
    return user is None or user.is_superuser or user.is_center_staff


def parse_amount(raw, field: str = "amount") -> Decimal:
    """An amount in 元 as systems write it ("1,280.50", "¥99", "99元"); a field error otherwise."""
    if isinstance(raw, (int, float, Decimal)) and not isinstance(raw, bool):
        text = str(raw)
    else:
        text = (
            str(raw or "").strip().replace(",", "").replace("，", "").lstrip("¥￥").removesuffix("元").strip()
        )
    if not text:
        raise ValidationError.for_field(field, FieldError(_("Give the amount."), FieldCode.REQUIRED))
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValidationError.for_field(
            field,
            FieldError(_("“%(value)s” is not an amount.") % {"value": str(raw)[:40]}, FieldCode.WRONG_TYPE),
        ) from None
    if not amount.is_finite() or abs(amount) > MAX_AMOUNT or amount != amount.quantize(Decimal("0.01")):
        raise ValidationError.for_field(
            field,
            FieldError(
                _("“%(value)s” is not an amount in 元 with at most 2 decimals.") % {"value": str(raw)[:40]},
                FieldCode.OUT_OF_RANGE,
            ),
        )
    return amount


def refundable(order: Order) -> Decimal:
    """What is left to refund of `order`: its amount less its refunds so far (refunds are negative)."""
    refunded = order.refunds.aggregate(total=Sum("amount"))["total"] or Decimal(0)
    return order.amount + refunded


@dataclass
class Recorded:
    record: Order | Payment
    created: bool


def _known(model, *, source: str, external_id: str, customer: Customer):
    found = model.objects.filter(source=source, external_id=external_id).first()
    if found is not None and found.customer_id != customer.pk:
        raise ValidationError.for_field(
            "external_id",
            _("%(source)s %(id)s belongs to another customer.") % {"source": source, "id": external_id},
        )
    return found


def _clean_ids(source: str, external_id: str) -> tuple[str, str]:
    source, external_id = (source or "").strip(), (external_id or "").strip()
    errors = {}
    if not source or len(source) > 40:
        errors["source"] = [
            FieldError(_("Give the source system (up to 40 characters)."), FieldCode.REQUIRED)
        ]
    if not external_id or len(external_id) > 64:
        errors["external_id"] = [
            FieldError(_("Give the order's id in its system (up to 64 characters)."), FieldCode.REQUIRED)
        ]
    if errors:
        raise ValidationError(_("Please correct: %(fields)s") % {"fields": ", ".join(errors)}, errors=errors)
    return source, external_id


@transaction.atomic
def order_record(
    *,
    customer: Customer,
    source: str,
    external_id: str,
    amount,
    placed_at: datetime,
    kind: str = OrderKind.ORDER,
    refund_of: str = "",
    description: str = "",
    by=None,
) -> Recorded:
    """Record an order, or a refund of one (记录订单/退款); return it and whether it is new.

    An order already recorded under (source, external id) is returned as it is (created False).
    A refund names the order it reverses by its external id in the same source (`refund_of`) and
    gives the amount refunded (its sign does not matter; it is stored negative); it may not exceed
    what is left to refund. Refuses: a non-positive order amount, an unknown kind, an unknown order
    to refund, a refund beyond what is left, an id recorded for another customer.
    """
    if not may_record_orders(by):
        raise PermissionDenied(_("Only service-center staff record orders."))
    source, external_id = _clean_ids(source, external_id)
    found = _known(Order, source=source, external_id=external_id, customer=customer)
    if found is not None:
        return Recorded(found, False)
    if kind not in OrderKind.values:
        raise ValidationError.for_field(
            "kind", FieldError(_("Use order or refund."), FieldCode.INVALID_CHOICE)
        )
    value = parse_amount(amount)
    original = None
    if kind == OrderKind.REFUND:
        if not refund_of:
            raise ValidationError.for_field(
                "refund_of", FieldError(_("Name the order this refund reverses."), FieldCode.REQUIRED)
            )
        # Locked: two refunds of one order at once must not both fit in what is left.
        original = (
            Order.objects.select_for_update()
            .filter(
                source=source, external_id=str(refund_of).strip(), customer=customer, kind=OrderKind.ORDER
            )
            .first()
        )
        if original is None:
            raise ValidationError.for_field(
                "refund_of",
                FieldError(
                    _("No order %(id)s of this customer in %(source)s.")
                    % {"id": refund_of, "source": source},
                    FieldCode.NOT_FOUND,
                ),
            )
        value = abs(value)
        left = refundable(original)
        if value == 0 or value > left:
            raise ValidationError.for_field(
                "amount",
                FieldError(
                    _("A refund of %(amount)s is more than the %(left)s left to refund of order %(id)s.")
                    % {"amount": value, "left": left, "id": original.external_id}
                    if value
                    else _("A refund needs an amount."),
                    FieldCode.OUT_OF_RANGE,
                ),
            )
        value = -value
    elif value <= 0:
        raise ValidationError.for_field(
            "amount",
            FieldError(
                _("An order's amount is more than 0; record a refund to reverse one."), FieldCode.OUT_OF_RANGE
            ),
        )
    order = Order.objects.create(
        customer=customer,
        source=source,
        external_id=external_id,
        kind=kind,
        refund_of=original,
        amount=value,
        placed_at=placed_at,
        description=(description or "")[:300],
    )
    return Recorded(order, True)


@transaction.atomic
def payment_record(
    *,
    customer: Customer,
    source: str,
    external_id: str,
    amount,
    paid_at: datetime,
    method: str = "",
    order: str = "",
    by=None,
) -> Recorded:
    """Record a payment received (记录回款), negative for money paid back; return it and whether it is new.

    Idempotent like orders. `order`: the external id (same source) of the order it pays, if known.
    Refuses a zero amount, an unknown order, an id recorded for another customer.
    """
    if not may_record_orders(by):
        raise PermissionDenied(_("Only service-center staff record payments."))
    source, external_id = _clean_ids(source, external_id)
    found = _known(Payment, source=source, external_id=external_id, customer=customer)
    if found is not None:
        return Recorded(found, False)
    value = parse_amount(amount)
    if value == 0:
        raise ValidationError.for_field(
            "amount", FieldError(_("A payment needs an amount."), FieldCode.OUT_OF_RANGE)
        )
    paid_order = None
    if order:
        paid_order = Order.objects.filter(
            source=source, external_id=str(order).strip(), customer=customer
        ).first()
        if paid_order is None:
            raise ValidationError.for_field(
                "order",
                FieldError(
                    _("No order %(id)s of this customer in %(source)s.") % {"id": order, "source": source},
                    FieldCode.NOT_FOUND,
                ),
            )
    payment = Payment.objects.create(
        customer=customer,
        source=source,
        external_id=external_id,
        order=paid_order,
        amount=value,
        paid_at=paid_at,
        method=(method or "")[:40],
    )
    return Recorded(payment, True)
