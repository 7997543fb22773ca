"""Value tiers (客户分级): the measures, the ladder's conditions, the recompute and its reasons.

This module owns every figure a tier condition names; pages, the API, the recompute, the bench
and the documentation ask it. A rung's `conditions` (TierLevel.conditions) is a list of any-of
conditions::

    [{"measure": "arpu_quarter", "min": 5000}, {"flag": "deputy"}, {"measure": "referrals", "min": 3}]

A customer is on the highest-ranked rung one of whose conditions they meet (the first condition
met, in the rung's order, is the reason kept with the change), else on the fallback rung ("C: the
others"). A tier set by hand (TierOverride) wins until its expiry day has passed.

Days and quarters are those of the configured zone (Asia/Shanghai), never UTC. A customer's
"since" is `customer_since`, or the day the record was created when it is empty.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import ROUND_CEILING, ROUND_DOWN, Decimal
from functools import cached_property

from django.db import connection, transaction
from django.db.models import Count, F, Q, Sum, TextField
from django.db.models.functions import Cast, Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.core import rows
from kefu.core.errors import FieldCode, FieldError, PermissionDenied, ValidationError
from kefu.core.refcache import RefCache
from kefu.core.union import union_all
from kefu.customers.models import Customer, Order, Payment, TierChange, TierFlag, TierLevel, TierOverride

#: The seed's ladder (seed 000), what the migration and a new install put on the A and B rungs.
SEED_CONDITIONS: dict[str, list[dict]] = {
    "A": [
        {"measure": "arpu_quarter", "min": 5000},
        {"measure": "payments_quarter", "min": 20000},
        {"flag": "known_brand"},
        {"flag": "deputy"},
        {"measure": "referrals", "min": 3},
        {"measure": "tenure_years", "min": 3},
    ],
    "B": [
        {"measure": "arpu_quarter", "min": 3000},
        {"measure": "payments_quarter", "min": 10000},
        {"measure": "referrals", "min": 1},
        {"measure": "tenure_years", "min": 2},
        {"flag": "welfare"},
        {"flag": "ethnic_minority"},
    ],
}
#: Contacts of A customers come one step higher in the queues (tickets' priority).
SEED_ROUTING_PRIORITY = {"A": 1}
QUARTERS = 4  # the ARPU and payments window: the last four complete quarters
# Movers placed (and their changes written) per transaction: each chunk's UPDATE may scan every customer.
CHUNK = 100_000


# --- quarters ----------------------------------------------------------------------------------


def quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def quarters_back(start: date, n: int) -> date:
    """The first day of the quarter `n` quarters before the one starting on `start`."""
    months = start.year * 12 + start.month - 1 - 3 * n
    return date(months // 12, months % 12 + 1, 1)


@dataclass(frozen=True)
class Window:
    """The last QUARTERS complete quarters before `today`, local days: [first, end)."""

    today: date
    first: date
    end: date

    @classmethod
    def of(cls, today: date) -> Window:
        end = quarter_start(today)
        return cls(today=today, first=quarters_back(end, QUARTERS), end=end)

    def bounds(self) -> tuple[datetime, datetime]:
        zone = timezone.get_default_timezone()
        return (
            datetime.combine(self.first, time.min, tzinfo=zone),
            datetime.combine(self.end, time.min, tzinfo=zone),
        )

    @cached_property
    def ends(self) -> tuple[date, ...]:
        """The first day after each of the window's quarters, the latest first (asked per customer)."""
        return tuple(quarters_back(self.end, k) for k in range(QUARTERS))

    def quarters_of(self, since: date | None) -> int:
        """How many of the window's quarters count for a customer: those ending after `since`
        (every one when `since` is unknown or before the window), at least one."""
        if since is None or since < self.first:
            return QUARTERS
        counted = sum(1 for end in self.ends if end > since)
        return max(counted, 1)


# --- the measures ---------------------------------------------------------------------------------


@dataclass
class Facts:
    """What the measures read for every customer: one aggregate per measure, over all of them, the
    three in one statement."""

    window: Window
    revenue: dict[int, Decimal] = field(default_factory=dict)
    paid: dict[int, Decimal] = field(default_factory=dict)
    referrals: dict[int, int] = field(default_factory=dict)

    @classmethod
    def gather(cls, window: Window, customer_ids: Iterable[int] | None = None) -> Facts:
        start, end = window.bounds()
        orders = Order.objects.filter(placed_at__gte=start, placed_at__lt=end)
        payments = Payment.objects.filter(paid_at__gte=start, paid_at__lt=end)
        referred = Customer.objects.filter(referred_by__isnull=False)
        if customer_ids is not None:
            ids = list(customer_ids)
            orders, payments = orders.filter(customer_id__in=ids), payments.filter(customer_id__in=ids)
            referred = referred.filter(referred_by__in=ids)
        facts = cls(window=window)
        into = (facts.revenue, facts.paid, facts.referrals)
        for part, customer_id, value in union_all(
            [
                orders.order_by().values_list("customer_id").annotate(Sum("amount")),
                payments.order_by().values_list("customer_id").annotate(Sum("amount")),
                referred.order_by().values_list("referred_by").annotate(Count("id")),
            ]
        ):
            into[part][customer_id] = value
        facts.referrals = {k: int(n) for k, n in facts.referrals.items()}  # PostgreSQL's union: numeric
        return facts


@dataclass(frozen=True)
class Row:
    """One customer as the evaluation sees it."""

    id: int
    tier: str
    since: date | None
    flags: tuple[str, ...]


def arpu_quarter(facts: Facts, row: Row) -> Decimal:
    """ARPU per quarter (季度 ARPU), 元: the customer's revenue — orders less refunds, by `placed_at` —
    over the last 4 complete quarters, divided by 4; or by the quarters of that window ending after
    the customer's since day when fewer (at least 1)."""
    return facts.revenue.get(row.id, Decimal(0)) / facts.window.quarters_of(row.since)


def payments_quarter(facts: Facts, row: Row) -> Decimal:
    """Payments per quarter (季度回款), 元: payments received (refunds negative), by `paid_at`, over the
    same window and divided by the same number of quarters as ARPU."""
    return facts.paid.get(row.id, Decimal(0)) / facts.window.quarters_of(row.since)


def referrals(facts: Facts, row: Row) -> int:
    """Referrals (推荐客户): how many customers name this one as `referred_by`, whenever they came."""
    return facts.referrals.get(row.id, 0)


def tenure_years(facts: Facts, row: Row) -> int:
    """Tenure (合作年限), whole years from the customer's since day to today: 3 on the third
    anniversary itself, 2 the day before."""
    if row.since is None:
        return 0
    today = facts.window.today
    return today.year - row.since.year - ((today.month, today.day) < (row.since.month, row.since.day))


def _at_least(column: str, per_quarter: bool = False) -> Callable[[Decimal, Window], str]:
    """The SQL test `measure ≥ minimum` over the recompute's per-customer columns (see _MEASURED):
    a per-quarter figure as `total ≥ minimum × quarters` (the same as total / quarters ≥ minimum,
    without dividing)."""

    def test(minimum: Decimal, window: Window) -> str:
        return f"{column} >= {minimum:f}" + (" * quarters" if per_quarter else "")

    return test


def _tenure_at_least(minimum: Decimal, window: Window) -> str:
    """tenure_years ≥ minimum in SQL: since on or before the day `⌈minimum⌉` years before today (the
    anniversary rule of tenure_years; 28 February when that day is a 29 February)."""
    years = int(minimum.to_integral_value(rounding=ROUND_CEILING))
    today = window.today
    if today.year - years < 1:
        return "1 = 0"
    try:
        cutoff = date(today.year - years, today.month, today.day)
    except ValueError:
        cutoff = date(today.year - years, 2, 28)
    return f"since <= '{cutoff.isoformat()}'"


@dataclass(frozen=True)
class Measure:
    code: str
    label: str  # lazy
    money: bool
    compute: Callable[[Facts, Row], Decimal | int]
    #: The same condition (measure ≥ minimum) in SQL, for the recompute's filter: (minimum, window) → SQL.
    at_least_sql: Callable[[Decimal, Window], str]


MEASURES: dict[str, Measure] = {
    m.code: m
    for m in (
        Measure(
            "arpu_quarter", gettext_lazy("ARPU per quarter"), True, arpu_quarter, _at_least("revenue", True)
        ),
        Measure(
            "payments_quarter",
            gettext_lazy("payments per quarter"),
            True,
            payments_quarter,
            _at_least("paid", True),
        ),  # fmt: skip
        Measure("referrals", gettext_lazy("referrals"), False, referrals, _at_least("referrals")),
        Measure("tenure_years", gettext_lazy("years as a customer"), False, tenure_years, _tenure_at_least),
    )
}


# --- conditions and the ladder --------------------------------------------------------------------


def clean_conditions(conditions, field: str = "conditions") -> list[dict]:
    """The conditions in their stored form; a field error naming the row (`conditions.2`) otherwise."""
    if not isinstance(conditions, list):
        raise ValidationError.for_field(field, _("Give a list of conditions."))
    cleaned, errors = [], {}
    for i, condition in enumerate(conditions, 1):
        name = f"{field}.{i}"
        if not isinstance(condition, dict):
            errors[name] = [
                FieldError(_("A condition is a measure with its minimum, or a flag."), FieldCode.WRONG_TYPE)
            ]
        elif "flag" in condition:
            if condition["flag"] not in TierFlag.values:
                errors[name] = [
                    FieldError(
                        _("Unknown flag “%(value)s”.") % {"value": condition["flag"]},
                        FieldCode.INVALID_CHOICE,
                    )
                ]
            else:
                cleaned.append({"flag": condition["flag"]})
        elif condition.get("measure") not in MEASURES:
            errors[name] = [
                FieldError(
                    _("Unknown measure “%(value)s”.") % {"value": condition.get("measure", "")},
                    FieldCode.INVALID_CHOICE,
                )
            ]
        else:
            try:
                minimum = Decimal(str(condition.get("min", "")).replace(",", "").strip())
            except ArithmeticError:
                minimum = None
            if minimum is None or not minimum.is_finite() or minimum < 0:
                errors[name] = [
                    FieldError(_("Give the minimum as a number, 0 or more."), FieldCode.WRONG_TYPE)
                ]
            else:
                value = int(minimum) if minimum == minimum.to_integral_value() else float(minimum)
                cleaned.append({"measure": condition["measure"], "min": value})
    if errors:
        raise ValidationError(_("Please correct the conditions."), errors=errors)
    return cleaned


@dataclass(frozen=True)
class Rung:
    code: str
    conditions: tuple[dict, ...]

    @property
    def tests(self) -> tuple[tuple, ...]:
        """The conditions compiled for the loop: (flag code, None, None) or (measure code, its
        function, the minimum as a Decimal), with the stored condition for the reason."""
        return tuple(
            (c["flag"], None, None, c)
            if "flag" in c
            else (c["measure"], MEASURES[c["measure"]].compute, Decimal(str(c["min"])), c)
            for c in self.conditions
            if "flag" in c or c.get("measure") in MEASURES
        )


CENT = Decimal("0.01")


@dataclass(frozen=True)
class Ladder:
    rungs: tuple[tuple[str, tuple[tuple, ...]], ...]  # (code, compiled conditions) of the rungs, best first
    fallback: str

    @classmethod
    def load(cls) -> Ladder:
        levels = list(TierLevel.objects.order_by("-rank", "code"))
        fallback = next((lv.code for lv in levels if lv.is_fallback), levels[-1].code if levels else "C")
        return cls.of(
            [Rung(lv.code, tuple(lv.conditions or ())) for lv in levels if not lv.is_fallback], fallback
        )

    @classmethod
    def of(cls, rungs: list[Rung], fallback: str) -> Ladder:
        return cls(rungs=tuple((rung.code, rung.tests) for rung in rungs), fallback=fallback)

    def place(self, facts: Facts, row: Row) -> tuple[str, dict]:
        """(tier code, reason): the best rung with a condition met, and that condition with its figure
        (money cut to the cent, never rounded up past a threshold it missed)."""
        measured: dict[str, Decimal | int] = {}
        for code, tests in self.rungs:
            for key, compute, minimum, condition in tests:
                if compute is None:
                    if key in row.flags:
                        return code, {"flag": key}
                    continue
                value = measured.get(key)
                if value is None:
                    value = measured[key] = compute(facts, row)
                if value >= minimum:
                    if isinstance(value, Decimal):
                        value = str(value.quantize(CENT, rounding=ROUND_DOWN))
                    return code, {"measure": key, "value": value, "min": condition["min"]}
        return self.fallback, {"others": True}


# --- reasons in the reader's language ---------------------------------------------------------------


def _figure(value, money: bool) -> str:
    """6120 → 6,120; 4999.99 → 4,999.99 (money and counts alike)."""
    number = Decimal(str(value))
    places = 0 if number == number.to_integral_value() else 2
    return f"{number:,.{places}f}"


def reason_text(tier: str, reason: dict) -> str:
    """The reason of a placement, e.g. "A: ARPU per quarter 6,120 ≥ 5,000", in the active language."""
    if "measure" in reason:
        measure = MEASURES.get(reason["measure"])
        label = measure.label if measure else reason["measure"]
        money = bool(measure and measure.money)
        return _("%(tier)s: %(measure)s %(value)s ≥ %(min)s") % {
            "tier": tier,
            "measure": label,
            "value": _figure(reason["value"], money),
            "min": _figure(reason["min"], money),
        }
    if "flag" in reason:
        label = dict(TierFlag.choices).get(reason["flag"], reason["flag"])
        return _("%(tier)s: %(flag)s") % {"tier": tier, "flag": label}
    if "override" in reason:
        return _("%(tier)s: set by hand — %(reason)s") % {"tier": tier, "reason": reason["override"]}
    return _("%(tier)s: no condition of a higher tier met") % {"tier": tier}


def condition_text(condition: dict) -> str:
    """A condition as people read it on the ladder page: "ARPU per quarter ≥ 5,000", or the flag."""
    if "flag" in condition:
        return str(dict(TierFlag.choices).get(condition["flag"], condition["flag"]))
    measure = MEASURES.get(condition.get("measure"))
    label = measure.label if measure else condition.get("measure", "")
    return f"{label} ≥ {_figure(condition.get('min', 0), bool(measure and measure.money))}"


def condition_choices() -> list[tuple[str, str]]:
    """What a condition row may name: each measure, and each flag as `flag:<code>`."""
    return [(m.code, str(m.label)) for m in MEASURES.values()] + [
        (f"flag:{code}", str(label)) for code, label in TierFlag.choices
    ]


def change_text(change: TierChange) -> str:
    return reason_text(change.to_tier, change.reason)


# --- the recompute ------------------------------------------------------------------------------------


def can_manage_tiers(user) -> bool:
    """Who edits the ladder, recomputes on demand and sets overrides: managers and administrators."""
    return (
        user is not None
        and user.is_active
        and (user.is_superuser or user.role in ("manager", "general_manager", "admin"))
    )


def active_overrides(today: date) -> dict[int, TierOverride]:
    """Overrides still in force on `today` (the expiry day itself included)."""
    return {
        o.customer_id: o
        for o in TierOverride.objects.filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today))
    }


@dataclass
class Recomputed:
    customers: int = 0
    changed: int = 0
    by_tier: dict[str, int] = field(default_factory=dict)


def _sql_of(queryset) -> tuple[str, list]:
    sql, params = queryset.query.sql_with_params()
    return sql, list(params)


def _placing_sql(ladder: Ladder, window: Window, ids: list[int] | None) -> tuple[str, list]:
    """One statement: every customer (or those of `ids`) joined to the measures' aggregates, the
    ladder compiled to one CASE over them (Measure.at_least_sql; a flag as its JSON text), and only
    the customers it would move returned: (id, tier, since, flags as text, revenue, paid, referrals).

    The CASE is a filter: the recompute places each returned customer again in Python (Ladder.place,
    the owner of the rule and of the reason), so the two must agree on who moves, which the boundary
    tests in tests/customers/test_tiers.py hold on SQLite and PostgreSQL."""
    start, end = window.bounds()
    customers = Customer.objects.order_by()
    orders = Order.objects.filter(placed_at__gte=start, placed_at__lt=end).order_by()
    payments = Payment.objects.filter(paid_at__gte=start, paid_at__lt=end).order_by()
    referred = Customer.objects.filter(referred_by__isnull=False).order_by()
    if ids is not None:
        customers = customers.filter(id__in=ids)
        orders, payments = orders.filter(customer_id__in=ids), payments.filter(customer_id__in=ids)
        referred = referred.filter(referred_by__in=ids)
    zone = timezone.get_default_timezone()
    parts = [
        customers.values(
            c_id=F("id"),
            c_tier=F("tier_id"),
            c_since=Coalesce("customer_since", TruncDate("created_at", tzinfo=zone)),
            c_flags=Cast("flags", TextField()),
        ),
        orders.values(r_id=F("customer_id")).annotate(r_sum=Sum("amount")),
        payments.values(p_id=F("customer_id")).annotate(p_sum=Sum("amount")),
        referred.values(f_id=F("referred_by_id")).annotate(f_count=Count("id")),
        TierOverride.objects.filter(Q(expires_on__isnull=True) | Q(expires_on__gte=window.today))
        .order_by()
        .values(o_id=F("customer_id"), o_tier=F("tier_id")),
    ]
    sqls, params = [], []
    for part in parts:
        sql, part_params = _sql_of(part)
        sqls.append(sql)
        params += part_params
    # Quarters counted for a customer (Window.quarters_of): every one when since is before the end
    # of the window's first quarter, then one fewer per quarter end on or before since; at least one.
    ends = [quarters_back(window.end, k).isoformat() for k in range(QUARTERS)]
    quarters = f"CASE WHEN since IS NULL THEN {QUARTERS}"
    quarters += "".join(f" WHEN since < '{ends[k]}' THEN {k + 1}" for k in range(QUARTERS - 1, 0, -1))
    quarters += " ELSE 1 END"
    whens = ["WHEN o_tier IS NOT NULL THEN o_tier"]
    for code, tests in ladder.rungs:
        met = [
            "flags LIKE " + _literal(f"%{json.dumps(key)}%")
            if compute is None
            else MEASURES[key].at_least_sql(minimum, window)
            for key, compute, minimum, _condition in tests
        ]
        if met:
            whens.append(f"WHEN ({') OR ('.join(met)}) THEN {_literal(code)}")
    placed = f"CASE {' '.join(whens)} ELSE {_literal(ladder.fallback)} END"
    sql = f"""
        SELECT id, tier, since, flags, revenue, paid, referrals FROM (
            SELECT measured.*, {quarters} AS quarters FROM (
                SELECT k.c_id AS id, k.c_tier AS tier, k.c_since AS since, k.c_flags AS flags,
                       ROUND(COALESCE(r.r_sum, 0), 2) AS revenue, ROUND(COALESCE(p.p_sum, 0), 2) AS paid,
                       COALESCE(f.f_count, 0) AS referrals, o.o_tier AS o_tier
                FROM ({sqls[0]}) k
                LEFT JOIN ({sqls[1]}) r ON r.r_id = k.c_id
                LEFT JOIN ({sqls[2]}) p ON p.p_id = k.c_id
                LEFT JOIN ({sqls[3]}) f ON f.f_id = k.c_id
                LEFT JOIN ({sqls[4]}) o ON o.o_id = k.c_id
            ) measured
        ) counted
        WHERE {placed} <> tier
        ORDER BY id
    """
    return sql, params


def _literal(text: str) -> str:
    """A string literal for the recompute's statement (which has parameters: % doubled)."""
    return "'" + str(text).replace("'", "''").replace("%", "%%") + "'"


def _decimal(value) -> Decimal:
    """A sum as the database gives it (SQLite: a float) as the Decimal of cents the ORM would give."""
    return value if isinstance(value, Decimal) else Decimal(str(value)).quantize(CENT)


_CHANGE_FIELDS = ("customer_id", "from_tier", "to_tier", "reason", "at", "by_id")


def _write_moves(moves: list[tuple], *, at: datetime, by) -> None:
    """Write movers given as plain tuples (customer id, from tier, to tier, reason): their tier with
    one UPDATE from the ids (core.rows.update_each) and their TierChange rows with core.rows.copy_rows
    (a binary COPY on PostgreSQL). Half a million movers after a bulk load: no model instance, no
    field-by-field preparation per mover."""
    rows.update_each(Customer, columns=["tier"], rows=[(pk, placed) for pk, _tier, placed, _reason in moves])
    ops = connection.ops
    at, by_id = ops.adapt_datetimefield_value(at), (by.pk if by is not None else None)
    rows.copy_rows(
        TierChange,
        fields=_CHANGE_FIELDS,
        rows=(
            (pk, tier, placed, ops.adapt_json_value(reason, None), at, by_id)
            for pk, tier, placed, reason in moves
        ),
    )


def tiers_recompute(
    *, by=None, now: datetime | None = None, customer_ids: Iterable[int] | None = None
) -> Recomputed:
    """Place every customer (or those of `customer_ids`) on the ladder (客户分级重算); write only the
    customers whose tier changes, each with a TierChange holding the reason.

    One statement finds the customers who move (_placing_sql: the customers joined to the measures'
    aggregates, the ladder as one CASE), so a run where little changes reads little; each of them
    is placed again by Ladder.place for the reason, and the changes are written CHUNK at a time,
    each chunk one transaction (_write_moves). Safe to run twice: a second run changes nothing.
    `by`: who asked (None: the nightly run); refuses anyone but managers and administrators.
    """
    if by is not None and not can_manage_tiers(by):
        raise PermissionDenied(_("Only managers and administrators recompute the tiers."))
    now = now or timezone.now()
    today = timezone.localdate(now)
    ids = None if customer_ids is None else list(customer_ids)
    window = Window.of(today)
    ladder = Ladder.load()
    overrides = active_overrides(today)
    result = Recomputed()
    sql, params = _placing_sql(ladder, window, ids)
    with connection.cursor() as cursor:
        with transaction.atomic():
            rows.roomy_sorts(connection)
            cursor.execute(sql, params)
        for chunk in rows.in_batches(cursor, CHUNK):
            facts = Facts(window=window)
            moves = []
            for pk, tier, since, flags, revenue, paid, referred in chunk:
                override = overrides.get(pk)
                if override is not None:
                    placed, reason = override.tier_id, {"override": override.reason}
                else:
                    facts.revenue[pk], facts.paid[pk], facts.referrals[pk] = (
                        _decimal(revenue),
                        _decimal(paid),
                        referred,
                    )
                    if isinstance(since, str):
                        since = date.fromisoformat(since)
                    flags = () if flags == "[]" else tuple(json.loads(flags))
                    placed, reason = ladder.place(facts, Row(pk, tier, since, flags))
                if placed != tier:
                    moves.append((pk, tier, placed, reason))
            result.changed += len(moves)
            if moves:
                with transaction.atomic():
                    rows.roomy_sorts(connection)
                    _write_moves(moves, at=now, by=by)
    placed = Customer.objects.order_by()
    if ids is not None:
        placed = placed.filter(id__in=ids)
    result.by_tier = dict(placed.values_list("tier").annotate(Count("id")).order_by("tier"))
    result.customers = sum(result.by_tier.values())
    return result


def tier_of(customer: Customer, *, now: datetime | None = None) -> tuple[str, str]:
    """(tier code, reason text) where the ladder would place `customer` now: the customer page's
    "why", and the preview beside an override."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    override = active_overrides(today).get(customer.pk)
    if override is not None:
        return override.tier_id, reason_text(override.tier_id, {"override": override.reason})
    facts = Facts.gather(Window.of(today), [customer.pk])
    since = customer.customer_since or timezone.localdate(customer.created_at)
    tier, reason = Ladder.load().place(
        facts, Row(customer.pk, customer.tier_id, since, tuple(customer.flags or ()))
    )
    return tier, reason_text(tier, reason)


def figures_of(customer: Customer, *, now: datetime | None = None) -> list[tuple[str, str]]:
    """Each measure's figure for one customer (label, value), for the customer page."""
    now = now or timezone.now()
    facts = Facts.gather(Window.of(timezone.localdate(now)), [customer.pk])
    since = customer.customer_since or timezone.localdate(customer.created_at)
    row = Row(customer.pk, customer.tier_id, since, tuple(customer.flags or ()))
    return [
        (str(m.label), _figure(round(Decimal(m.compute(facts, row)), 2), m.money)) for m in MEASURES.values()
    ]


# Read on every new work order: the ladder's priorities are kept per process (core.refcache).
_priorities = RefCache(
    "customers.tier_priorities", lambda: dict(TierLevel.objects.values_list("code", "routing_priority"))
).watch(TierLevel)


def routing_priority(tier_code: str) -> int:
    """How many steps the contacts of this tier's customers are raised in the queues
    (TierLevel.routing_priority; 0 for an unknown tier)."""
    return _priorities.get().get(tier_code, 0)
