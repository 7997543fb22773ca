"""Writes of the loyalty card (会员卡/积分卡): issuing cards, and every posting to the points ledger.

One writer for the ledger, `_append_many` (`_append` for one posting): it runs with the customers'
`PointsBalance` rows locked (SELECT … FOR UPDATE, in customer order so two batches never wait on
each other in a circle; on SQLite every write transaction begins IMMEDIATE, which serialises them
the same way), so two redemptions at once see each other's result and the balance never goes below
zero. It writes a batch's entries in one INSERT and its balances in one UPDATE. Everything else —
earning from orders (one, or an import's batch), redeeming, expiring, the year-end clearing,
corrections — is a named service that computes the points and calls it.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_FLOOR, Decimal

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.models import User
from kefu.core import rows
from kefu.core.errors import FieldCode, PermissionDenied, ValidationError
from kefu.customers.loyalty.error_codes import LoyaltyErrorCode
from kefu.customers.models import (
    ApplicationStatus,
    Card,
    CardApplication,
    CardLevel,
    CardStatus,
    Customer,
    Order,
    OrderKind,
    PointsBalance,
    PointsEntry,
    PointsKind,
    PointsRule,
)

#: The most points one redemption or correction moves (a balance is a 32-bit column).
MAX_POINTS = 100_000_000
#: How far back a level's minimum spend looks.
SPEND_WINDOW = timedelta(days=365)


# --- who may ---------------------------------------------------------------------------------------


def may_handle_points(user: User | None) -> bool:
    """Service-center staff redeem points and ask for cards."""
    return bool(user and user.is_active and (user.is_superuser or user.is_center_staff))


def may_approve(user: User | None) -> bool:
    """Supervisors and above (主管) approve cards that need approval and correct the ledger."""
    return bool(user and user.is_active and (user.is_superuser or user.is_lead))


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


# --- the ledger's one writer -----------------------------------------------------------------------


def _locked_balance(customer_id: int) -> PointsBalance:
    """The customer's balance row, locked until the transaction ends (created at 0 the first time)."""
    return _locked_balances([customer_id])[customer_id]


def _locked_balances(customer_ids: Iterable[int]) -> dict[int, PointsBalance]:
    """The customers' balance rows, locked until the transaction ends, in customer order (two
    batches over the same customers queue behind each other, never deadlock); created at 0 the
    first time (two first postings at once: one inserts, the other's insert does nothing; both then
    lock it)."""
    ids = sorted(set(customer_ids))
    locked = PointsBalance.objects.select_for_update().filter(_balance_in(ids)).order_by("customer_id")
    balances = {b.customer_id: b for b in locked}
    missing = [i for i in ids if i not in balances]
    if missing:
        now = timezone.now()
        rows.insert_rows(
            PointsBalance,
            columns=["customer_id"],
            rows=[(i,) for i in missing],
            fixed={"points": 0, "updated_at": now},
            unique=["customer_id"],
        )
        again = (
            PointsBalance.objects.select_for_update().filter(customer_id__in=missing).order_by("customer_id")
        )
        balances.update({b.customer_id: b for b in again})
    return balances


def _balance_in(customer_ids: Sequence[int]):
    """The balance rows of these customers (the primary key), as one parameter however many."""
    return rows.pk_in(PointsBalance.objects.all(), customer_ids)


@dataclass(frozen=True)
class Posting:
    """One entry to write: what the services compute before the writer checks and stores it."""

    customer_id: int
    kind: str
    points: int
    reason: str = ""
    order_id: int | None = None
    by: User | None = None
    expires_on: date | None = None


def _append_many(
    balances: dict[int, PointsBalance], postings: Sequence[Posting], *, now: datetime
) -> list[PointsEntry]:
    """The entries and the new balances, with `balances` locked by the caller (`_locked_balances`);
    refuses — all of them — if any posting would take a balance below zero. Each entry carries the
    balance after it, in the order given. One INSERT for the entries, one UPDATE for the balances."""
    points = {cid: balances[cid].points for cid in {p.customer_id for p in postings}}
    entries = []
    for p in postings:
        after = points[p.customer_id] + p.points
        if after < 0:
            raise ValidationError.for_field(
                "points",
                _("The balance is %(balance)s points; %(points)s cannot be taken from it.")
                % {"balance": points[p.customer_id], "points": -p.points},
                LoyaltyErrorCode.POINTS_BALANCE_SHORT,
            )
        points[p.customer_id] = after
        entries.append(
            PointsEntry(
                customer_id=p.customer_id,
                kind=p.kind,
                points=p.points,
                balance_after=after,
                reason=p.reason,
                order_id=p.order_id,
                created_by=p.by,
                at=now,
                expires_on=p.expires_on,
            )
        )
    if not entries:
        return entries
    if len(points) == 1:
        ((cid, after),) = points.items()
        PointsBalance.objects.filter(customer_id=cid).update(points=after, updated_at=now)
    else:
        rows.update_each(
            PointsBalance, columns=["points"], rows=sorted(points.items()), also={"updated_at": now}
        )
    for cid, after in points.items():
        balances[cid].points = after
    rows.insert_many(entries)
    return entries


def _append(
    balance: PointsBalance,
    *,
    kind: str,
    points: int,
    reason: str = "",
    order: Order | None = None,
    by: User | None = None,
    now: datetime,
    expires_on: date | None = None,
) -> PointsEntry:
    """One entry and the new balance, with `balance` locked by the caller; refuses to go below zero."""
    posting = Posting(
        customer_id=balance.customer_id,
        kind=kind,
        points=points,
        reason=reason,
        order_id=order.pk if order else None,
        by=by,
        expires_on=expires_on,
    )
    (entry,) = _append_many({balance.customer_id: balance}, [posting], now=now)
    return entry


def _whole_points(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            value = int(str(value).strip())
        except (TypeError, ValueError):
            raise ValidationError.for_field(
                "points", _("Points are a whole number."), FieldCode.WRONG_TYPE
            ) from None
    if abs(value) > MAX_POINTS:
        raise ValidationError.for_field(
            "points",
            _("At most %(max)s points at a time.") % {"max": f"{MAX_POINTS:,}"},
            FieldCode.OUT_OF_RANGE,
        )
    return value


# --- earning from orders ---------------------------------------------------------------------------


def points_for_amount(amount: Decimal, rule: PointsRule) -> int:
    """积分 = ⌊amount (元) × the rule's points per 元⌋: 299.90 元 at 1.5 points per 元 earns 449."""
    return int((Decimal(amount) * rule.points_per_yuan).to_integral_value(rounding=ROUND_FLOOR))


def _rules_of(customer_ids: Iterable[int]) -> dict[int, PointsRule]:
    """The active rule of the level of each customer's active card (customers without one: absent)."""
    found = (
        Card.objects.filter(rows.pk_in(Card.objects.all(), set(customer_ids), field="customer"))
        .filter(status=CardStatus.ACTIVE, level__points_rules__active=True)
        .values_list(
            "customer_id",
            "level__points_rules__id",
            "level__points_rules__points_per_yuan",
            "level__points_rules__valid_days",
        )
    )
    rules: dict[int, PointsRule] = {}  # one instance per rule, not one per customer
    holders = {}
    for customer_id, rule_id, rate, valid_days in found:
        if rule_id not in rules:
            rules[rule_id] = PointsRule(id=rule_id, points_per_yuan=rate, valid_days=valid_days, active=True)
        holders[customer_id] = rules[rule_id]
    return holders


def _earnings(orders: Sequence[Order]) -> list[Posting]:
    """What each order earns by the rule of its customer's card (orders that earn nothing: absent)."""
    rules = _rules_of(o.customer_id for o in orders)
    reason = _("Order %(order)s")
    postings = []
    for order in orders:
        rule = rules.get(order.customer_id)
        if rule is None or order.amount <= 0:
            continue
        points = points_for_amount(order.amount, rule)
        if points <= 0:
            continue
        expires_on = (
            timezone.localdate(order.placed_at) + timedelta(days=rule.valid_days) if rule.valid_days else None
        )
        postings.append(
            Posting(
                customer_id=order.customer_id,
                kind=PointsKind.EARN,
                points=points,
                reason=reason % {"order": order.external_id},
                order_id=order.pk,
                expires_on=expires_on,
            )
        )
    return postings


def _earn(orders: Sequence[Order], *, now: datetime) -> list[PointsEntry]:
    """Post what `orders` (no refunds) earn, once per order, in one transaction."""
    postings = _earnings(orders)
    if not postings:
        return []
    # Without a savepoint inside a caller's transaction (an order's, an import batch's): nothing
    # here is caught, so a failure undoes the caller's transaction as a whole anyway.
    with transaction.atomic(savepoint=False):
        balances = _locked_balances(p.customer_id for p in postings)
        # Asked with the balances locked: every earning is written under its customer's lock, so an
        # order another transaction earned meanwhile is seen here, and is not earned twice.
        ids = [p.order_id for p in postings]
        earned = set(
            PointsEntry.objects.filter(rows.pk_in(PointsEntry.objects.all(), ids, field="order"))
            .filter(kind=PointsKind.EARN)
            .values_list("order_id", flat=True)
        )
        return _append_many(balances, [p for p in postings if p.order_id not in earned], now=now)


def earn_for_order(order: Order, *, now: datetime | None = None) -> PointsEntry | None:
    """The points an order earns (once per order), or the points a refund takes back.

    An order earns by the active rule of the level of the customer's active card; no card, a
    suspended card or no rule for its level: nothing. The points are valid for the rule's
    `valid_days` from the order's day. A refund of an order that earned takes back the same share of
    those points, as a correction, at most what is left of the balance. Called for every new order
    (the post_save receiver below); running it again for the same order adds nothing.
    """
    now = now or timezone.now()
    if order.kind == OrderKind.REFUND:
        return _reverse_for_refund(order, now=now)
    entries = _earn([order], now=now)
    return entries[0] if entries else None


def points_earn_for_orders(*, order_ids: Sequence[int], now: datetime | None = None) -> int:
    """积分入账 for a batch of orders (an import's batch, a business system's batch): what
    `earn_for_order` does for each, in one transaction — the customers' balances locked in customer
    order, the entries written in one statement, the balances in one. Orders already earned add
    nothing; refunds take their share back one by one. Returns the entries written."""
    now = now or timezone.now()
    orders = list(
        Order.objects.filter(rows.pk_in(Order.objects.all(), order_ids))
        .only("id", "customer_id", "kind", "amount", "placed_at", "external_id", "refund_of_id")
        .order_by("id")
    )
    with transaction.atomic(savepoint=False):
        written = len(_earn([o for o in orders if o.kind != OrderKind.REFUND], now=now))
        for refund in (o for o in orders if o.kind == OrderKind.REFUND):
            written += _reverse_for_refund(refund, now=now) is not None
    return written


def _reverse_for_refund(refund: Order, *, now: datetime) -> PointsEntry | None:
    original = refund.refund_of
    earned = original and PointsEntry.objects.filter(order=original, kind=PointsKind.EARN).first()
    if not earned or original.amount <= 0:
        return None
    if PointsEntry.objects.filter(order=refund, kind=PointsKind.CORRECT).exists():
        return None
    share = (abs(refund.amount) * earned.points / original.amount).to_integral_value(rounding=ROUND_FLOOR)
    with transaction.atomic():
        balance = _locked_balance(refund.customer_id)
        points = min(int(share), balance.points)  # points already spent are not taken back below zero
        if points <= 0:
            return None
        return _append(
            balance,
            kind=PointsKind.CORRECT,
            points=-points,
            reason=_("Refund %(refund)s of order %(order)s")
            % {"refund": refund.external_id, "order": original.external_id},
            order=refund,
            now=now,
        )


def order_saved(sender, instance: Order, created: bool, raw: bool = False, **kwargs) -> None:
    """post_save on Order: a new order (or refund) earns (or takes back) its points in the same
    transaction. Orders written with bulk_create send no signal: call `earn_for_order` for them."""
    if created and not raw:
        earn_for_order(instance)


# --- redeeming, correcting -------------------------------------------------------------------------


@transaction.atomic
def points_redeem(
    *, customer: Customer, points, reason: str, by: User, now: datetime | None = None
) -> PointsEntry:
    """积分兑换: take `points` from the balance. Refuses a number that is not a positive whole
    number, a balance that does not cover it (field `points`), and anyone but center staff."""
    _require(may_handle_points(by), _("Only service-center staff redeem points."))
    points = _whole_points(points)
    if points <= 0:
        raise ValidationError.for_field("points", _("Redeem at least 1 point."), FieldCode.OUT_OF_RANGE)
    if not (reason or "").strip():
        raise ValidationError.for_field(
            "reason", _("Say what the points were redeemed for."), FieldCode.REQUIRED
        )
    return _append(
        _locked_balance(customer.pk),
        kind=PointsKind.REDEEM,
        points=-points,
        reason=reason.strip(),
        by=by,
        now=now or timezone.now(),
    )


@transaction.atomic
def points_correct(
    *, customer: Customer, points, reason: str, by: User, now: datetime | None = None
) -> PointsEntry:
    """更正: a mistake in the ledger is put right by a new entry (plus or minus), never by changing
    one. Supervisors only; needs a reason; refuses 0 and a correction below a zero balance."""
    _require(may_approve(by), _("Only a supervisor corrects points."))
    points = _whole_points(points)
    if points == 0:
        raise ValidationError.for_field(
            "points", _("A correction of 0 points changes nothing."), FieldCode.INVALID
        )
    if not (reason or "").strip():
        raise ValidationError.for_field("reason", _("A correction needs its reason."), FieldCode.REQUIRED)
    return _append(
        _locked_balance(customer.pk),
        kind=PointsKind.CORRECT,
        points=points,
        reason=reason.strip(),
        by=by,
        now=now or timezone.now(),
    )


# --- expiry and the year-end clearing --------------------------------------------------------------


def points_expire(*, customer_id: int, now: datetime | None = None) -> PointsEntry | None:
    """积分过期: earned points whose `expires_on` has come, less what was already taken from the
    balance (redemptions and every other minus use the points that expire first), at most the
    balance. Running it again the same day adds nothing."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        balance = _locked_balance(customer_id)
        sums = PointsEntry.objects.filter(customer_id=customer_id).aggregate(
            due=Sum("points", filter=Q(kind=PointsKind.EARN, expires_on__lte=today), default=0),
            used=Sum("points", filter=Q(points__lt=0), default=0),
        )
        points = min(sums["due"] + sums["used"], balance.points)
        if points <= 0:
            return None
        return _append(
            balance,
            kind=PointsKind.EXPIRE,
            points=-points,
            reason=_("Points earned until %(day)s expired") % {"day": today.isoformat()},
            now=now,
        )


def points_expire_sweep(*, now: datetime | None = None) -> int:
    """Every customer with earned points past their day and a balance left; returns the entries written."""
    today = timezone.localdate(now or timezone.now())
    ids = (
        PointsEntry.objects.filter(
            kind=PointsKind.EARN, expires_on__lte=today, customer__points_balance__points__gt=0
        )
        .values_list("customer_id", flat=True)
        .distinct()
    )
    return sum(1 for customer_id in list(ids) if points_expire(customer_id=customer_id, now=now))


def points_year_end_clear(*, year: int, now: datetime | None = None, by: User | None = None) -> int:
    """年终清零: the seeds pay the year's points back and clear them on 12-31; one clearing entry per
    customer with a balance, taking it to 0. Idempotent: a cleared balance is 0, so a second run
    writes nothing. Returns the entries written."""
    now = now or timezone.now()
    written = 0
    for customer_id in list(PointsBalance.objects.filter(points__gt=0).values_list("customer_id", flat=True)):
        with transaction.atomic():
            balance = _locked_balance(customer_id)
            if balance.points > 0:
                _append(
                    balance,
                    kind=PointsKind.CLEAR,
                    points=-balance.points,
                    reason=_("Year-end clearing %(year)s") % {"year": year},
                    by=by,
                    now=now,
                )
                written += 1
    return written


def year_end_due(now: datetime) -> bool:
    """The clearing runs in the last hour of 12-31, in the configured zone (Asia/Shanghai)."""
    local = timezone.localtime(now)
    return (local.month, local.day, local.hour) == (12, 31, 23)


# --- cards ------------------------------------------------------------------------------------------


def spend_in_window(customer_id: int, now: datetime) -> Decimal:
    """The customer's orders less refunds over the last 12 months (a level's minimum spend)."""
    return Order.objects.filter(customer_id=customer_id, placed_at__gt=now - SPEND_WINDOW).aggregate(
        total=Sum("amount", default=Decimal(0))
    )["total"]


def _check_criteria(customer: Customer, level: CardLevel, now: datetime) -> None:
    balance = (
        PointsBalance.objects.filter(customer_id=customer.pk).values_list("points", flat=True).first() or 0
    )
    spend = spend_in_window(customer.pk, now)
    problems = []
    if balance < level.min_points:
        problems.append(
            _("%(level)s needs %(need)s points; the balance is %(have)s.")
            % {"level": level.name, "need": level.min_points, "have": balance}
        )
    if spend < level.min_spend:
        problems.append(
            _("%(level)s needs %(need)s 元 spent in 12 months; the customer spent %(have)s 元.")
            % {"level": level.name, "need": level.min_spend, "have": spend}
        )
    if problems:
        raise ValidationError.for_field("level", " ".join(problems), LoyaltyErrorCode.CARD_CRITERIA_NOT_MET)


def card_number(customer_id: int) -> str:
    return f"KF{customer_id:08d}"


def _issue(customer: Customer, level: CardLevel, *, approved_by: User | None, now: datetime) -> Card:
    card, _created = Card.objects.update_or_create(
        customer=customer,
        defaults={"level": level, "approved_by": approved_by, "status": CardStatus.ACTIVE},
        create_defaults={
            "level": level,
            "approved_by": approved_by,
            "number": card_number(customer.pk),
            "issued_at": now,
        },
    )
    return card


@dataclass(frozen=True)
class CardRequest:
    """What asking for a card did: issued it at once, or filed an application for approval."""

    application: CardApplication
    card: Card | None

    @property
    def pending(self) -> bool:
        return self.card is None


@transaction.atomic
def card_request(
    *, customer: Customer, level: CardLevel, by: User, reason: str = "", now: datetime | None = None
) -> CardRequest:
    """办卡/升级: issue `level` to the customer, or — for a level that needs approval (the gold card)
    — file an application a supervisor decides. Refuses staff outside the center, a level not above
    the customer's card, a customer below the level's minimum points or spend, and a second
    application while one waits (all on field `level`)."""
    _require(may_handle_points(by), _("Only service-center staff issue loyalty cards."))
    now = now or timezone.now()
    current = Card.objects.select_related("level").filter(customer=customer).first()
    if current is not None and current.level.rank >= level.rank:
        raise ValidationError.for_field(
            "level",
            _("The customer already holds %(card)s.") % {"card": current.level.name},
            LoyaltyErrorCode.CARD_LEVEL_NOT_HIGHER,
        )
    _check_criteria(customer, level, now)
    if CardApplication.objects.filter(customer=customer, status=ApplicationStatus.PENDING).exists():
        raise ValidationError.for_field(
            "level",
            _("An application for this customer is waiting for a supervisor."),
            LoyaltyErrorCode.CARD_APPLICATION_PENDING,
        )
    application = CardApplication(
        customer=customer, level=level, requested_by=by, reason=reason, created_at=now
    )
    if level.needs_approval:
        application.save()
        return CardRequest(application=application, card=None)
    application.status, application.decided_by, application.decided_at = ApplicationStatus.APPROVED, by, now
    application.save()
    return CardRequest(application=application, card=_issue(customer, level, approved_by=None, now=now))


@transaction.atomic
def card_decide(
    *, application: CardApplication, approve: bool, by: User, reason: str = "", now: datetime | None = None
) -> CardApplication:
    """审批: a supervisor approves (the card is issued, naming them) or refuses (with a reason) a
    pending application. Refuses anyone below supervisor, the person who asked (four eyes), and an
    application already decided."""
    _require(may_approve(by), _("Only a supervisor approves loyalty cards."))
    # Locked: two supervisors deciding at once must not both issue or one refuse what the other approved.
    application = (
        CardApplication.objects.select_for_update().select_related("level", "customer").get(pk=application.pk)
    )
    if application.status != ApplicationStatus.PENDING:
        raise ValidationError.for_field(
            "status",
            _("This application was already %(status)s.") % {"status": application.get_status_display()},
            LoyaltyErrorCode.CARD_APPLICATION_DECIDED,
        )
    _require(application.requested_by_id != by.pk, _("The person who asked for the card cannot approve it."))
    now = now or timezone.now()
    if not approve and not (reason or "").strip():
        raise ValidationError.for_field("reason", _("Say why the card is refused."), FieldCode.REQUIRED)
    application.status = ApplicationStatus.APPROVED if approve else ApplicationStatus.REFUSED
    application.decided_by, application.decided_at = by, now
    if reason.strip():
        application.reason = reason.strip()
    application.save(update_fields=["status", "decided_by", "decided_at", "reason"])
    if approve:
        _issue(application.customer, application.level, approved_by=by, now=now)
    return application
