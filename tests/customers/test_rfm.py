"""RFM (kefu.customers.rfm): nearest-rank quintile scores on a hand-worked set, the eight segments,
snapshots replaced on a rerun, movement between two dates, and the selector for campaigns."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine

from kefu.core.errors import ValidationError
from kefu.customers import rfm
from kefu.customers.models import RfmScore
from kefu.customers.models import RfmSegment as S
from kefu.customers.tasks import rfm_nightly
from tests.customers.rfm_set import AS_OF, HAND_WORKED, add_order, build_hand_worked
from tests.factories import CustomerFactory, aware


@pytest.fixture
def hand_worked(db):
    return build_hand_worked()


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
    add_order(hand_worked["c12"], aware(2026, 6, 30, 18, 0), 20000)  # c12 buys big on the day
    rfm.rfm_recompute(as_of=AS_OF)
    assert RfmScore.objects.count() == 12  # one row per customer and date, no duplicates
    assert not first_ids & set(RfmScore.objects.values_list("pk", flat=True))
    c12 = RfmScore.objects.get(customer=hand_worked["c12"])
    assert (c12.recency_days, c12.frequency, c12.monetary) == (0, 2, Decimal("20060.00"))
    assert rfm.snapshot_dates() == [AS_OF]


def test_a_customer_gone_while_scoring_gets_no_row_and_deleting_one_takes_its_rows(hand_worked, monkeypatch):
    """The snapshot has no foreign key in the database: a customer deleted between the measures and
    the store is dropped by the recompute, and deleting a customer takes its rows (Django cascades)."""
    read = rfm.measures

    def measures_then_gone(**kwargs):
        found = read(**kwargs)
        hand_worked["c3"].delete()  # deleted by someone else after the measures were read
        return found

    monkeypatch.setattr(rfm, "measures", measures_then_gone)
    run = rfm.rfm_recompute(as_of=AS_OF)
    assert run.scored == 12  # scored among the twelve (the cut points are those of the read)
    assert RfmScore.objects.count() == 11  # …but only the eleven customers still there are stored
    assert not RfmScore.objects.filter(customer_id=hand_worked["c3"].pk).exists()
    hand_worked["c5"].delete()
    assert RfmScore.objects.count() == 10


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
    add_order(hand_worked["c9"], aware(2026, 7, 30, 11, 0), 7000)
    add_order(hand_worked["c10"], aware(2026, 7, 30, 11, 0), 7000)
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
    add_order(newcomer, aware(2026, 8, 1, 9, 0), 300)
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
    add_order(hand_worked["c9"], aware(2026, 7, 30, 11, 0), 7000)
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


def test_the_nightly_task_takes_todays_snapshot_over_a_year(hand_worked):
    # 18:40 UTC on 30 June is 02:40 on 1 July in Shanghai: the snapshot of 1 July, 365 days.
    with time_machine.travel(aware(2026, 7, 1, 2, 40), tick=False):
        assert rfm_nightly.call_local() == 12
        assert rfm_nightly.call_local() == 12
    assert rfm.snapshot_dates() == [AS_OF + timedelta(days=1)]
    assert RfmScore.objects.count() == 12
    assert set(RfmScore.objects.values_list("window_days", flat=True)) == {365}
