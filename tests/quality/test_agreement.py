"""The agreement measures against worked examples from the literature."""

import pytest

from kefu.quality.agreement import fleiss_kappa, item_agreement, krippendorff_alpha_nominal, spread

N = None


def test_krippendorff_alpha_matches_krippendorffs_worked_example_with_missing_values():
    # Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", C: nominal data, 4 observers,
    # 12 units, some values missing; the paper gives alpha = 0.743.
    a = [1, 2, 3, 3, 2, 1, 4, 1, 2, N, N, N]
    b = [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, N, 3]
    c = [N, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, N]
    d = [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, N]
    assert krippendorff_alpha_nominal(list(zip(a, b, c, d, strict=True))) == pytest.approx(0.743, abs=5e-4)


def test_krippendorff_alpha_is_one_when_all_agree_and_undefined_without_variation():
    assert krippendorff_alpha_nominal([[True, True], [False, False]]) == 1.0
    assert krippendorff_alpha_nominal([[True, True], [True, True]]) is None
    assert krippendorff_alpha_nominal([[True, N], [N, False]]) is None  # nothing pairable


def test_krippendorff_alpha_of_two_raters_who_always_disagree_is_negative():
    assert krippendorff_alpha_nominal([[True, False], [False, True]]) < 0


def test_fleiss_kappa_matches_the_textbook_example():
    # Fleiss (1971) as worked on Wikipedia: 10 subjects, 14 raters, 5 categories; kappa = 0.210.
    table = [
        [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
    ]  # fmt: skip
    units = [[category for category, n in enumerate(row) for _ in range(n)] for row in table]
    assert fleiss_kappa(units) == pytest.approx(0.210, abs=5e-4)


def test_fleiss_kappa_needs_the_same_number_of_raters_per_unit():
    assert fleiss_kappa([[True, True], [True, False, True]]) is None


def test_item_agreement_is_the_share_of_unanimous_units():
    assert item_agreement([[True, True, True], [True, False, True], [False, False, N], [True, N, N]]) == 2 / 3


def test_spread_gives_min_max_and_population_standard_deviation():
    s = spread([80, 90, 100])
    assert (s.minimum, s.maximum, s.range, s.mean) == (80, 100, 20, 90)
    assert s.stdev == pytest.approx((200 / 3) ** 0.5)
    assert spread([]) is None
