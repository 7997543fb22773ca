"""RFM (kefu.customers.rfm): nearest-rank quintile scores on a hand-worked set, the eight segments,
snapshots replaced on a rerun, movement between two dates, and the selector for campaigns."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from kefu.core.errors import ValidationError
from kefu.customers import rfm
from kefu.customers.models import Order, OrderKind, RfmScore
from kefu.customers.models import RfmSegment as S
from tests.factories import CustomerFactory, aware

AS_OF = date(2026, 6, 30)  # window of 365 local days: 2025-07-01 00:00 to 2026-07-01 00:00 (Shanghai)

# The hand-worked set: (days since the last order, orders, net amount) per customer c1…c12.
#
# R, days ascending: 1 3 3 7 15 40 60 90 150 200 250 330; n = 12, so the cut points are the values
#   at positions ⌈12·k/5⌉ = 3, 5, 8, 10 → (3, 15, 90, 200). Score = 6 − (1 + cut points exceeded):
#   1, 3, 3 → 5;  7, 15 → 4 (15 is not above 15);  40, 60, 90 → 3;  150, 200 → 2;  250, 330 → 1.
# F ascending: 1 1 1 1 2 2 4 6 7 8 9 12 → cuts (1, 2, 6, 8): 1 → 1; 2 → 2; 4, 6 → 3; 7, 8 → 4; 9, 12 → 5.
# M ascending: 60 80 100 120 150 150 900 2500 3500 4000 5000 6000 → cuts (100, 150, 2500, 4000):
#   60, 80, 100 → 1;  120, 150, 150 → 2 (the tie at 150 shares its score);  900, 2500 → 3;
#   3500, 4000 → 4;  5000, 6000 → 5.
# Means: R (5+5+5+4+4+3+3+3+2+2+1+1)/12 = 38/12 = 3.17 → high is 4 or 5;
#        F (5+1+5+2+3+4+1+4+1+2+3+1)/12 = 32/12 = 2.67 → high is 3 or more;
#        M (5+4+1+2+3+4+5+2+1+2+3+1)/12 = 33/12 = 2.75 → high is 3 or more.
HAND_WORKED = {
    #      R    F   M       → scores   segment
    "c1": (1, 12, 6000, (5, 5, 5), S.IMPORTANT_VALUE),
    "c2": (3, 1, 4000, (5, 1, 4), S.IMPORTANT_DEVELOP),
    "c3": (3, 9, 100, (5, 5, 1), S.GENERAL_VALUE),
    "c4": (7, 2, 150, (4, 2, 2), S.GENERAL_DEVELOP),
    "c5": (15, 6, 2500, (4, 3, 3), S.IMPORTANT_VALUE),
    "c6": (40, 8, 3500, (3, 4, 4), S.IMPORTANT_KEEP),  # 4,000 in orders less a refund of 500
    "c7": (60, 1, 5000, (3, 1, 5), S.IMPORTANT_WIN_BACK),
    "c8": (90, 7, 150, (3, 4, 2), S.GENERAL_KEEP),
    "c9": (150, 1, 80, (2, 1, 1), S.GENERAL_WIN_BACK),
    "c10": (200, 2, 120, (2, 2, 2), S.GENERAL_WIN_BACK),
    "c11": (250, 4, 900, (1, 3, 3), S.IMPORTANT_KEEP),
    "c12": (330, 1, 60, (1, 1, 1), S.GENERAL_WIN_BACK),
}


def _order(customer, at, amount, kind=OrderKind.ORDER, n=[0]):  # noqa: B006 - a counter for unique ids
    n[0] += 1
    return Order.objects.create(
        customer=customer,
        source="test",
        external_id=f"o{n[0]}",
        kind=kind,
        amount=Decimal(amount),
        placed_at=at,
    )


def _orders_for(customer, recency: int, frequency: int, monetary: int) -> None:
    """`frequency` orders, the last `recency` days before AS_OF at 10:00, the earlier ones a day apart;
    1 元 each but the last, which carries the rest of `monetary`."""
    last_day = AS_OF - timedelta(days=recency)
    for i in range(frequency - 1):
        _order(customer, aware(*(last_day - timedelta(days=i + 1)).timetuple()[:3], 10, 0), 1)
    _order(customer, aware(*last_day.timetuple()[:3], 10, 0), monetary - (frequency - 1))


@pytest.fixture
def hand_worked(db):
    customers = {}
    for name, (recency, frequency, monetary, _scores, _segment) in HAND_WORKED.items():
        customer = CustomerFactory(name=name)
        customers[name] = customer
        if name == "c6":
            _orders_for(customer, recency, frequency, monetary + 500)
            _order(customer, aware(2026, 5, 25, 9, 0), -500, kind=OrderKind.REFUND)  # net 3,500
        elif name == "c4":
            # The last order at 00:30 local on 23 June (16:30 UTC on the 22nd): 7 local days, not 8.
            _orders_for(customer, 8, 1, 1)
            _order(customer, aware(2026, 6, 23, 0, 30), monetary - 1)
        else:
            _orders_for(customer, recency, frequency, monetary)
    # Outside the window (23:30 local on 30 June 2025, the evening before it opens): not counted.
    _order(customers["c12"], aware(2025, 6, 30, 23, 30), 9999)
    # Only a refund in the window: no order, so not scored.
    customers["refund only"] = CustomerFactory(name="refund only")
    _order(customers["refund only"], aware(2026, 6, 1, 12, 0), -80, kind=OrderKind.REFUND)
    return customers


def test_hand_worked_set_scores_by_nearest_rank_quintiles_and_segments(hand_worked):
    run = rfm.rfm_recompute(as_of=AS_OF, now=aware(2026, 7, 1, 2, 0))
    assert run.scored == 12
    assert run.cuts == {"r": (3, 15, 90, 200), "f": (1, 2, 6, 8), "m": (100, 150, 2500, 4000)}
    assert run.means == pytest.approx((38 / 12, 32 / 12, 33 / 12))
    got = {
        s.customer.name: (s.recency_days, s.frequency, int(s.monetary), (s.r, s.f, s.m), s.segment)
        for s in RfmScore.objects.select_related("customer")
    }
    assert got == HAND_WORKED
    assert not RfmScore.objects.filter(customer=hand_worked["refund only"]).exists()


def test_the_window_opens_at_local_midnight(hand_worked):
    # A window of 330 days up to 30 June opens on 5 August 2025 00:00: c12's last order (330 days
    # before, on 4 August 2025) falls out, c11's (250 days before) stays.
    rfm.rfm_recompute(as_of=AS_OF, window_days=330)
    scored = set(RfmScore.objects.values_list("customer__name", flat=True))
    assert "c11" in scored and "c12" not in scored
    assert len(scored) == 11


def test_quintile_ties_share_a_score_and_empty_quintiles_are_skipped():
    # Ten values, seven of them equal: cut points at positions 2, 4, 6, 8 → (1, 5, 5, 5).
    values = [1, 1, 5, 5, 5, 5, 5, 5, 5, 9]
    cuts = rfm.quintile_cuts(values)
    assert cuts == (1, 5, 5, 5)
    # 1 exceeds none → 1; 5 exceeds only the first → 2; 9 exceeds all four → 5 (3 and 4 are empty).
    assert [rfm.quintile_score(v, cuts) for v in (1, 5, 9)] == [1, 2, 5]
    assert [rfm.quintile_score(v, cuts, lower_is_better=True) for v in (1, 5, 9)] == [5, 4, 1]


def test_a_score_equal_to_the_mean_is_low():
    means = (3.0, 3.0, 3.0)
    assert rfm.segment_of(3, 3, 3, means) == S.GENERAL_WIN_BACK
    assert rfm.segment_of(4, 4, 4, means) == S.IMPORTANT_VALUE
    assert rfm.segment_of(4, 2, 4, means) == S.IMPORTANT_DEVELOP
    assert rfm.segment_of(2, 4, 4, means) == S.IMPORTANT_KEEP
    assert rfm.segment_of(2, 2, 4, means) == S.IMPORTANT_WIN_BACK
    assert rfm.segment_of(4, 4, 2, means) == S.GENERAL_VALUE
    assert rfm.segment_of(4, 2, 2, means) == S.GENERAL_DEVELOP
    assert rfm.segment_of(2, 4, 2, means) == S.GENERAL_KEEP


def test_a_rerun_for_the_same_date_replaces_the_snapshot(hand_worked):
    rfm.rfm_recompute(as_of=AS_OF)
    first_ids = set(RfmScore.objects.values_list("pk", flat=True))
    _order(hand_worked["c12"], aware(2026, 6, 30, 18, 0), 20000)  # c12 buys big on the day
    rfm.rfm_recompute(as_of=AS_OF)
    assert RfmScore.objects.count() == 12  # one row per customer and date, no duplicates
    assert not first_ids & set(RfmScore.objects.values_list("pk", flat=True))
    c12 = RfmScore.objects.get(customer=hand_worked["c12"])
    assert (c12.recency_days, c12.frequency, c12.monetary) == (0, 2, Decimal("20060.00"))
    assert rfm.snapshot_dates() == [AS_OF]


def test_bad_window_names_the_field(db):
    with pytest.raises(ValidationError) as caught:
        rfm.rfm_recompute(as_of=AS_OF, window_days=0)
    assert "window_days" in caught.value.errors


def test_segment_sizes_count_every_segment(hand_worked):
    rfm.rfm_recompute(as_of=AS_OF)
    sizes = {s.code: s.count for s in rfm.segment_sizes(AS_OF)}
    # From the table above: value c1 c5; develop c2; keep c6 c11; win back c7; general value c3;
    # general develop c4; general keep c8; general win back c9 c10 c12.
    assert sizes == {
        S.IMPORTANT_VALUE: 2, S.IMPORTANT_DEVELOP: 1, S.IMPORTANT_KEEP: 2, S.IMPORTANT_WIN_BACK: 1,
        S.GENERAL_VALUE: 1, S.GENERAL_DEVELOP: 1, S.GENERAL_KEEP: 1, S.GENERAL_WIN_BACK: 3,
    }  # fmt: skip


def test_movement_counts_customers_from_segment_to_segment(hand_worked):
    rfm.rfm_recompute(as_of=AS_OF)
    later = AS_OF + timedelta(days=30)
    # A month later, nobody ordered again: every recency grows by 30 days and c12's single order
    # (330 + 30 = 360 days ago) is still in the window; then c9 and c10 buy big on 30 July.
    _order(hand_worked["c9"], aware(2026, 7, 30, 11, 0), 7000)
    _order(hand_worked["c10"], aware(2026, 7, 30, 11, 0), 7000)
    rfm.rfm_recompute(as_of=later)
    moves = rfm.movement(AS_OF, later)
    assert moves.total == 12
    # c9: R 0 days → 5; F 2 → 2 (F cuts (1, 2, 6, 8) unchanged); M 7,080 → 5 → 重要发展.
    # c10: R 5, F 3 orders → 3, M 7,120 → 5 → 重要价值.
    later_scores = {
        s.customer.name: s.segment for s in RfmScore.objects.filter(as_of=later).select_related("customer")
    }
    assert later_scores["c9"] == S.IMPORTANT_DEVELOP
    assert later_scores["c10"] == S.IMPORTANT_VALUE
    assert moves.cell(S.GENERAL_WIN_BACK, S.IMPORTANT_DEVELOP) == 1
    assert moves.cell(S.GENERAL_WIN_BACK, S.IMPORTANT_VALUE) == 1
    expected = {(HAND_WORKED[name][4], segment) for name, segment in later_scores.items()}
    assert {key for key, n in moves.counts.items() if n} == expected


def test_movement_counts_customers_scored_on_one_date_only(hand_worked):
    rfm.rfm_recompute(as_of=AS_OF)
    later = AS_OF + timedelta(days=40)
    newcomer = CustomerFactory(name="newcomer")
    _order(newcomer, aware(2026, 8, 1, 9, 0), 300)
    rfm.rfm_recompute(as_of=later)
    moves = rfm.movement(AS_OF, later)
    # 40 days on, c12's only order (370 days before) left the window: scored on the first date only.
    assert moves.cell(S.GENERAL_WIN_BACK, rfm.UNSCORED) == 1
    assert sum(n for (a, b), n in moves.counts.items() if a == rfm.UNSCORED) == 1  # the newcomer
    assert moves.total == 13


def test_customers_in_segment_reads_the_latest_snapshot(hand_worked):
    rfm.rfm_recompute(as_of=AS_OF)
    names = sorted(rfm.customers_in_segment(S.GENERAL_WIN_BACK).values_list("name", flat=True))
    assert names == ["c10", "c12", "c9"]
    _order(hand_worked["c9"], aware(2026, 7, 30, 11, 0), 7000)
    rfm.rfm_recompute(as_of=AS_OF + timedelta(days=30))
    assert "c9" not in set(rfm.customers_in_segment(S.GENERAL_WIN_BACK).values_list("name", flat=True))
    assert "c9" in set(
        rfm.customers_in_segment(S.GENERAL_WIN_BACK, as_of=AS_OF).values_list("name", flat=True)
    )
    with pytest.raises(ValidationError) as caught:
        rfm.customers_in_segment("vip")
    assert "segment" in caught.value.errors


def test_no_snapshot_means_nobody_in_a_segment(db):
    assert list(rfm.customers_in_segment(S.IMPORTANT_VALUE)) == []
    assert rfm.customer_score(1) is None
