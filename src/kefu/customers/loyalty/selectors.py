"""Reads of the loyalty card: a customer's card and balance, statements, applications waiting."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from kefu.customers.models import (
    ApplicationStatus,
    Card,
    CardApplication,
    PointsBalance,
    PointsEntry,
)


def points_balance(customer_id: int) -> int:
    """The customer's balance (0 before their first entry): the `PointsBalance` row every posting keeps."""
    return PointsBalance.objects.filter(customer_id=customer_id).values_list("points", flat=True).first() or 0


def customer_card(customer_id: int) -> Card | None:
    return Card.objects.select_related("level", "approved_by").filter(customer_id=customer_id).first()


def pending_applications() -> QuerySet:
    return (
        CardApplication.objects.filter(status=ApplicationStatus.PENDING)
        .select_related("customer", "level", "requested_by")
        .order_by("created_at", "id")
    )


def recent_applications(limit: int = 20) -> QuerySet:
    return (
        CardApplication.objects.exclude(status=ApplicationStatus.PENDING)
        .select_related("customer", "level", "requested_by", "decided_by")
        .order_by("-decided_at", "-id")[:limit]
    )


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


@dataclass
class Statement:
    """积分对账单: a customer's entries in a period (local days `first`..`last`), each with the
    running balance after it, between the opening and the closing balance. `entries` may be one
    page of the period's `count` entries; the balances and sums are the whole period's."""

    first: date
    last: date
    opening: int
    closing: int
    added: int
    taken: int
    count: int
    entries: list = field(default_factory=list)


def points_statement(
    *, customer_id: int, first: date, last: date, offset: int = 0, limit: int | None = None
) -> Statement:
    """The statement from `first` to `last` inclusive (days in the configured zone), oldest entry
    first; `offset`/`limit`: one page of its entries. The running balance is each entry's
    `balance_after`, written under the balance lock, so it needs no sum."""
    start, end = _start_of(first), _start_of(last + timedelta(days=1))
    entries = PointsEntry.objects.filter(customer_id=customer_id)
    before = (
        entries.filter(at__lt=start).order_by("-at", "-id").values_list("balance_after", flat=True).first()
    )
    period = entries.filter(at__gte=start, at__lt=end)
    sums = period.aggregate(
        added=Sum("points", filter=Q(points__gt=0), default=0),
        taken=Sum("points", filter=Q(points__lt=0), default=0),
        count=Count("id"),
    )
    last_after = period.order_by("-at", "-id").values_list("balance_after", flat=True).first()
    rows = period.select_related("order", "created_by").order_by("at", "id")[
        offset : offset + limit if limit is not None else None
    ]
    opening = before or 0
    return Statement(
        first=first,
        last=last,
        opening=opening,
        closing=opening if last_after is None else last_after,
        added=sums["added"],
        taken=-sums["taken"],
        count=sums["count"],
        entries=list(rows),
    )


@dataclass(frozen=True)
class CardSummary:
    """What a customer sees of their own card in the portal (read-only)."""

    level: str
    number: str
    active: bool
    points: int


def card_summary(customer_id: int | None) -> CardSummary | None:
    """The customer's card level and points balance; None without a card."""
    card = customer_card(customer_id) if customer_id else None
    if card is None:
        return None
    return CardSummary(
        level=card.level.name,
        number=card.number,
        active=card.status == "active",
        points=points_balance(customer_id),
    )
