"""RFM: recency, frequency and monetary value of customers, scored and segmented (RFM 客户细分).

The one owner of every RFM figure: pages, exports, the API, callback plans and care read them here.

**The window.** `window_days` local days (Asia/Shanghai, `TIME_ZONE`) up to and including `as_of`:
orders placed from 00:00 of `as_of − window_days + 1` until 24:00 of `as_of`. Default 365 days.

**The measures**, per customer, over the `Order` rows placed in the window:

- F (frequency) = the number of rows of kind "order" (refunds are not orders);
- M (monetary) = the sum of `amount` over orders *and* refunds (a refund is negative: the net amount);
- R (recency) = `as_of` − the local date of the last order (kind "order"), in days: 0 = bought on `as_of`.

Scored are the customers with at least one order (F ≥ 1) in the window; nobody else has a score.

**Scores 1–5 by quintiles (nearest-rank cut points; ties share a score).** Over the n scored customers,
sort a measure's n values ascending, v(1) ≤ … ≤ v(n). The k-th quintile cut point is the
nearest-rank percentile at 20·k % (as SQL's `percentile_disc(0.2·k)`):

    c_k = v(⌈k·n / 5⌉)            for k = 1, 2, 3, 4

A value's score is one plus the number of cut points it exceeds:

    F score = 1 + #{k : F > c_k(F)}          M score = 1 + #{k : M > c_k(M)}
    R score = 6 − (1 + #{k : R > c_k(R)})    (fewer days since the last order is better)

Equal values therefore always get the same score; with many ties a quintile may be larger or
smaller than n / 5, or empty (the score skips a number) — never split arbitrarily.

**Segments (the usual eight).** Each score is "high" when it is *above the mean* of that score over the
scored customers of the snapshot (strictly greater: a score equal to the mean is low):

    R  F  M   segment
    高 高 高  重要价值 important value       高 高 低  一般价值 general value
    高 低 高  重要发展 important to develop  高 低 低  一般发展 general to develop
    低 高 高  重要保持 important to keep     低 高 低  一般保持 general to keep
    低 低 高  重要挽留 important to win back 低 低 低  一般挽留 general to win back

**Snapshots.** `rfm_recompute` stores one `RfmScore` row per scored customer and `as_of` date; a
rerun for the same date replaces that date's rows (a different window included). The customer's
*current* segment is the one of the latest snapshot (`latest_as_of`).
"""

import math
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import connections, router, transaction
from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.core import rows
from kefu.core.errors import ValidationError
from kefu.customers.models import Customer, Order, OrderKind, RfmScore, RfmSegment

DEFAULT_WINDOW_DAYS = 365
MAX_WINDOW_DAYS = 3660
#: The segments in the order pages, charts and exports show them.
SEGMENTS: tuple[str, ...] = tuple(RfmSegment.values)
#: (R high, F high, M high) → segment.
SEGMENT_OF: dict[tuple[bool, bool, bool], str] = {
    (True, True, True): RfmSegment.IMPORTANT_VALUE,
    (True, False, True): RfmSegment.IMPORTANT_DEVELOP,
    (False, True, True): RfmSegment.IMPORTANT_KEEP,
    (False, False, True): RfmSegment.IMPORTANT_WIN_BACK,
    (True, True, False): RfmSegment.GENERAL_VALUE,
    (True, False, False): RfmSegment.GENERAL_DEVELOP,
    (False, True, False): RfmSegment.GENERAL_KEEP,
    (False, False, False): RfmSegment.GENERAL_WIN_BACK,
}


# --- the definitions ---------------------------------------------------------------------------


def quintile_cuts(values: Iterable) -> tuple:
    """The four nearest-rank quintile cut points c_k = v(⌈k·n/5⌉), k = 1…4, of `values` (any order);
    () when there are none."""
    ordered = sorted(values)
    n = len(ordered)
    if not n:
        return ()
    return tuple(ordered[math.ceil(k * n / 5) - 1] for k in range(1, 5))


def quintile_score(value, cuts: Sequence, *, lower_is_better: bool = False) -> int:
    """1–5: one plus the number of cut points `value` exceeds (reversed, 6 − that, for recency)."""
    score = 1 + bisect_left(cuts, value)  # the cut points (ascending) below `value`
    return 6 - score if lower_is_better else score


def segment_of(r: int, f: int, m: int, means: tuple[float, float, float]) -> str:
    """The segment of scores (r, f, m): each high when strictly above its mean over the snapshot."""
    return SEGMENT_OF[(r > means[0], f > means[1], m > means[2])]


def window_bounds(as_of: date, window_days: int) -> tuple[datetime, datetime]:
    """[start, end) of the window: local midnight of `as_of − window_days + 1` to the one after `as_of`."""
    start = timezone.make_aware(datetime.combine(as_of - timedelta(days=window_days - 1), time.min))
    end = timezone.make_aware(datetime.combine(as_of + timedelta(days=1), time.min))
    return start, end


def segment_label(code: str) -> str:
    """The segment's name in the reader's language (the Chinese name is in both)."""
    return str(RfmSegment(code).label) if code in SEGMENTS else code


def segment_choices() -> list[tuple[str, str]]:
    """(code, name) of the eight segments, in their order, for selects and filters."""
    return [(code, segment_label(code)) for code in SEGMENTS]


def clean_segment(value: str, field_name: str = "segment") -> str:
    """A segment code, or a ValidationError naming `field_name` listing the valid ones."""
    value = (value or "").strip()
    if value not in SEGMENTS:
        raise ValidationError.for_field(
            field_name,
            _("Unknown RFM segment “%(value)s”; one of: %(codes)s.")
            % {"value": value, "codes": ", ".join(SEGMENTS)},
        )
    return value


# --- the recomputation (service) -----------------------------------------------------------------


@dataclass
class RfmRun:
    """What one recomputation did: the snapshot's date and window, how many customers it scored,
    the cut points of each measure and the mean of each score."""

    as_of: date
    window_days: int
    scored: int
    cuts: dict[str, tuple] = field(default_factory=dict)
    means: tuple[float, float, float] = (0.0, 0.0, 0.0)


def measures(*, as_of: date, window_days: int) -> list[tuple[int, int, int, Decimal]]:
    """(customer id, recency days, frequency, monetary) of every customer with an order in the window,
    in customer order, aggregated in SQL (one GROUP BY over the orders in the window: on PostgreSQL
    a sequential scan and a hash aggregate in memory), the local day of the last order taken there too."""
    start, end = window_bounds(as_of, window_days)
    is_order = Q(kind=OrderKind.ORDER)
    grouped = (
        Order.objects.filter(placed_at__gte=start, placed_at__lt=end)
        .order_by()
        .values("customer_id")
        .annotate(
            last_day=TruncDate(Max("placed_at", filter=is_order), tzinfo=timezone.get_current_timezone()),
            frequency=Count("id", filter=is_order),
            monetary=Sum("amount"),
        )
        .filter(frequency__gt=0)
        .values_list("customer_id", "last_day", "frequency", "monetary")
    )
    # Read through the ordinary (client-side) cursor, not .iterator(): PostgreSQL plans a
    # server-side cursor for its first rows (cursor_tuple_fraction) and picks an index scan by
    # customer, a random heap read per order — five times slower at a million customers than the
    # sequential scan and hash aggregate it plans for the whole result.
    with transaction.atomic():
        rows.roomy_sorts(connections[grouped.db])
        found = [
            (customer_id, (as_of - last_day).days, frequency, monetary or Decimal(0))
            for customer_id, last_day, frequency, monetary in grouped
        ]
    # In customer order (here, not ORDER BY, which could tempt the planner to sort the orders for a
    # group aggregate): the snapshot's rows are stored in this order, and its unique (customer,
    # as_of) index then grows at its right edge instead of at a random page a row — half the
    # COPY's time at a million customers.
    found.sort()
    return found


def _validate(as_of, window_days) -> None:
    if not isinstance(window_days, int) or not 1 <= window_days <= MAX_WINDOW_DAYS:
        raise ValidationError.for_field(
            "window_days",
            _("The window is a whole number of days from 1 to %(max)s.") % {"max": MAX_WINDOW_DAYS},
        )
    if not isinstance(as_of, date) or isinstance(as_of, datetime):
        raise ValidationError.for_field("as_of", _("Give the date as YYYY-MM-DD."))


def rfm_recompute(
    *, as_of: date | None = None, window_days: int = DEFAULT_WINDOW_DAYS, now: datetime | None = None
) -> RfmRun:
    """Score every customer with an order in the window and store the snapshot for `as_of` (RFM 重算).

    Set-based: the measures are one SQL aggregate; the cut points are computed once per measure over
    all scored customers; the rows go in with `core.rows.copy_rows` (COPY on PostgreSQL). The
    snapshot of `as_of` is replaced in one transaction, so a rerun leaves one row per customer and
    date, and a reader sees the old snapshot or the new one, never half of each. `as_of` defaults to
    the local today. Refuses a window outside 1…3660 days (field `window_days`).
    """
    now = now or timezone.now()
    as_of = timezone.localdate(now) if as_of is None else as_of
    _validate(as_of, window_days)
    found = measures(as_of=as_of, window_days=window_days)
    cuts = {
        "r": quintile_cuts(row[1] for row in found),
        "f": quintile_cuts(row[2] for row in found),
        "m": quintile_cuts(row[3] for row in found),
    }
    scores = [
        (
            quintile_score(recency, cuts["r"], lower_is_better=True),
            quintile_score(frequency, cuts["f"]),
            quintile_score(monetary, cuts["m"]),
        )
        for _id, recency, frequency, monetary in found
    ]
    n = len(scores)
    means = tuple(sum(s[i] for s in scores) / n if n else 0.0 for i in range(3))
    segments = {}  # (r, f, m) → segment: at most 125 of them
    for key in set(scores):
        segments[key] = segment_of(*key, means)
    rows_of = ((customer_id, recency, frequency, monetary, *score, segments[score])
               for (customer_id, recency, frequency, monetary), score in zip(found, scores, strict=True))  # fmt: skip
    connection = connections[router.db_for_write(RfmScore)]
    with transaction.atomic():
        RfmScore.objects.filter(as_of=as_of).delete()
        _store(rows_of, as_of=as_of, window_days=window_days, computed_at=now)
        # The snapshot has no foreign key in the database (RfmScore.customer): a customer deleted
        # since the measures were read loses its row here, in one statement instead of a check a row.
        # (NOT EXISTS: an anti-join; NOT IN over a million ids would be a nested loop on PostgreSQL.)
        # With the snapshot's figures renewed first, a hash anti-join in memory: planned on those of
        # the table before the COPY, it probed the customers' index a million times (5.4 s → 1.2 s).
        rows.refresh_statistics(connection, RfmScore._meta.db_table)
        rows.roomy_sorts(connection)
        gone = ~Exists(Customer.objects.filter(pk=OuterRef("customer_id")))
        RfmScore.objects.filter(gone, as_of=as_of).delete()
    return RfmRun(as_of=as_of, window_days=window_days, scored=n, cuts=cuts, means=means)


_STORED = ("customer_id", "recency_days", "frequency", "monetary", "r", "f", "m", "segment")


def _store(scored: Iterable[tuple], *, as_of: date, window_days: int, computed_at: datetime) -> None:
    """Insert a snapshot's rows, (customer id, recency, frequency, monetary, r, f, m, segment) each,
    with core.rows.copy_rows: tuples, no model instances; on PostgreSQL one COPY straight into the
    table (the date's old rows are deleted first, so nothing can conflict; measured 2× faster than
    COPY into a staging table and INSERT ... SELECT from it)."""
    connection = connections[router.db_for_write(RfmScore)]
    given = (connection.ops.adapt_datefield_value(as_of), window_days,
             connection.ops.adapt_datetimefield_value(computed_at))  # fmt: skip
    rows.copy_rows(
        RfmScore,
        fields=(*_STORED, "as_of", "window_days", "computed_at"),
        rows=((*row, *given) for row in scored),
    )


# --- reads (selectors) ---------------------------------------------------------------------------


def snapshot_dates() -> list[date]:
    """Every date with a snapshot, the latest first."""
    return list(RfmScore.objects.order_by("-as_of").values_list("as_of", flat=True).distinct())


def latest_as_of() -> date | None:
    """The date of the latest snapshot: the customers' current scores and segments are its."""
    return RfmScore.objects.aggregate(latest=Max("as_of"))["latest"]


@dataclass(frozen=True)
class SegmentSize:
    code: str
    name: str
    count: int


def segment_sizes(as_of: date) -> list[SegmentSize]:
    """How many customers each of the eight segments has in the snapshot of `as_of` (0 included)."""
    counts = dict(
        RfmScore.objects.filter(as_of=as_of)
        .order_by()
        .values("segment")
        .annotate(n=Count("id"))
        .values_list("segment", "n")
    )
    return [SegmentSize(code, segment_label(code), counts.get(code, 0)) for code in SEGMENTS]


def snapshot_window(as_of: date) -> int | None:
    """The window (days) the snapshot of `as_of` was computed over; None when there is none."""
    return RfmScore.objects.filter(as_of=as_of).values_list("window_days", flat=True).first()


#: The row and column of customers in one snapshot only: not scored (no order in the window) on the other date.
UNSCORED = ""


@dataclass
class Movement:
    """Customers by (segment on `first`, segment on `second`); UNSCORED ("") where a customer has no
    score on that date. `counts[(from, to)]`."""

    first: date
    second: date
    counts: Counter

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def cell(self, source: str, target: str) -> int:
        return self.counts.get((source, target), 0)

    @property
    def moved(self) -> int:
        """Customers scored on both dates whose segment changed."""
        return sum(n for (a, b), n in self.counts.items() if a and b and a != b)


def movement(first: date, second: date) -> Movement:
    """From-segment → to-segment counts between the snapshots of `first` and `second`, in SQL: the
    customers in both (a join on customer), those only in the first (→ UNSCORED) and only in the
    second (UNSCORED →)."""
    earlier = RfmScore.objects.filter(as_of=first)
    later = RfmScore.objects.filter(as_of=second)
    counts: Counter = Counter()
    both = (
        later.filter(customer__rfm_scores__as_of=first)
        .order_by()
        .values_list("customer__rfm_scores__segment", "segment")
        .annotate(n=Count("id"))
    )
    for source, target, n in both:
        counts[(source, target)] += n
    gone = earlier.exclude(customer_id__in=later.values("customer_id")).order_by().values_list("segment")
    for source, n in gone.annotate(n=Count("id")):
        counts[(source, UNSCORED)] += n
    new = later.exclude(customer_id__in=earlier.values("customer_id")).order_by().values_list("segment")
    for target, n in new.annotate(n=Count("id")):
        counts[(UNSCORED, target)] += n
    return Movement(first=first, second=second, counts=counts)


def customer_score(customer_id: int, as_of: date | None = None) -> RfmScore | None:
    """The customer's scores in the snapshot of `as_of` (default: their latest); None if not scored."""
    scores = RfmScore.objects.filter(customer_id=customer_id)
    if as_of is not None:
        return scores.filter(as_of=as_of).first()
    latest = RfmScore.objects.order_by("-as_of").values("as_of")[:1]  # latest_as_of(), in the same statement
    return scores.filter(as_of=Subquery(latest)).first()


def customers_in_segment(segment: str, as_of: date | None = None) -> QuerySet:
    """The customers in `segment` in the snapshot of `as_of` (default: the latest, i.e. their current
    segment): what a care campaign or a list targets. Unknown segment: ValidationError on "segment"."""
    segment = clean_segment(segment)
    as_of = as_of or latest_as_of()
    if as_of is None:
        return Customer.objects.none()
    members = RfmScore.objects.filter(as_of=as_of, segment=segment).values("customer_id")
    return Customer.objects.filter(pk__in=members)


def in_segment(customers: QuerySet, segment: str, as_of: date | None = None) -> QuerySet:
    """`customers` narrowed to those in `segment` (the customer list's and search's filter)."""
    return customers.filter(pk__in=customers_in_segment(segment, as_of).values("pk"))


def current_segment_members_sql(segments: Sequence[str]) -> tuple[str, list]:
    """`SELECT customer_id …` of the customers whose current segment (latest snapshot) is one of
    `segments`, for raw statements (the callback care plan's INSERT … SELECT); `(sql, params)`."""
    table = RfmScore._meta.db_table
    marks = ", ".join(["%s"] * len(segments))
    sql = (
        f"SELECT customer_id FROM {table} WHERE as_of = (SELECT MAX(as_of) FROM {table}) "
        f"AND segment IN ({marks})"
    )
    return sql, list(segments)


def snapshot_rows(as_of: date) -> QuerySet:
    """The snapshot's rows with the customer's name, for exports (by segment, then customer)."""
    return RfmScore.objects.filter(as_of=as_of).select_related("customer").order_by("segment", "customer_id")
