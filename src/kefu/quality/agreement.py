"""Agreement between raters (校准一致性), pure Python: Krippendorff's alpha (nominal), Fleiss' kappa,
and the spread of scores. Written from the published formulas rather than taken from a package:
the one maintained package (`krippendorff` on PyPI) pulls in numpy for what is a few dozen lines
on the small tables calibration produces.
"""

import statistics
from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass


def krippendorff_alpha_nominal(units: Sequence[Sequence[Hashable | None]]) -> float | None:
    """Krippendorff's alpha for nominal data, with missing values (Krippendorff 2011, "Computing
    Krippendorff's Alpha-Reliability", section C).

    `units` holds, for each unit (here: one item of one conversation), the value each rater gave
    (None: that rater gave none). Units with fewer than two values are not pairable and are dropped.

    From the coincidence matrix o_ck = Σ_u (number of c–k pairs in unit u) / (m_u − 1), where m_u is
    the number of values in unit u, n_c = Σ_k o_ck and n = Σ_c n_c (the pairable values):

        D_o = Σ_{c≠k} o_ck                     (observed disagreement, unnormalised)
        D_e = Σ_{c≠k} n_c · n_k / (n − 1)      (expected disagreement, unnormalised)
        alpha = 1 − D_o / D_e

    Returns None when nothing is pairable or every value is the same (D_e = 0: alpha is undefined,
    since no disagreement was even possible).
    """
    coincidence: Counter = Counter()
    for unit in units:
        values = [v for v in unit if v is not None]
        m = len(values)
        if m < 2:
            continue
        counts = Counter(values)
        for c, n_c in counts.items():
            for k, n_k in counts.items():
                pairs = n_c * (n_c - 1) if c == k else n_c * n_k
                coincidence[(c, k)] += pairs / (m - 1)
    marginals: Counter = Counter()
    for (c, _k), o in coincidence.items():
        marginals[c] += o
    n = sum(marginals.values())
    if n <= 1:
        return None
    observed = sum(o for (c, k), o in coincidence.items() if c != k)
    expected = sum(marginals[c] * marginals[k] for c in marginals for k in marginals if c != k) / (n - 1)
    if expected == 0:
        return None
    return 1 - observed / expected


def fleiss_kappa(units: Sequence[Sequence[Hashable | None]]) -> float | None:
    """Fleiss' kappa (Fleiss 1971) for units each rated by the same number of raters n.

    With N units, n_ij the raters who put unit i in category j:

        P_i = (Σ_j n_ij² − n) / (n (n − 1))      P̄ = mean of P_i
        p_j = Σ_i n_ij / (N n)                    P̄_e = Σ_j p_j²
        kappa = (P̄ − P̄_e) / (1 − P̄_e)

    Returns None when the units do not all have the same number (≥ 2) of ratings, or when
    P̄_e = 1 (every rating in one category: kappa is undefined).
    """
    rows = [Counter(v for v in unit if v is not None) for unit in units]
    sizes = {sum(r.values()) for r in rows}
    if not rows or len(sizes) != 1 or (n := sizes.pop()) < 2:
        return None
    big_n = len(rows)
    p_bar = sum((sum(c * c for c in r.values()) - n) / (n * (n - 1)) for r in rows) / big_n
    totals: Counter = Counter()
    for r in rows:
        totals.update(r)
    p_e = sum((t / (big_n * n)) ** 2 for t in totals.values())
    if p_e == 1:
        return None
    return (p_bar - p_e) / (1 - p_e)


def item_agreement(units: Sequence[Sequence[Hashable | None]]) -> float | None:
    """Share of units (items of conversations) on which every rater gave the same value, counting
    only units with at least two values: unanimous units / pairable units. None when none is pairable."""
    pairable = [
        set(v for v in unit if v is not None) for unit in units if sum(v is not None for v in unit) >= 2
    ]
    if not pairable:
        return None
    return sum(len(values) == 1 for values in pairable) / len(pairable)


@dataclass(frozen=True)
class Spread:
    """How far the totals of one conversation lie apart: min, max, their range and the population
    standard deviation (σ = sqrt(Σ (x − mean)² / n); 0 for a single score)."""

    count: int
    minimum: float
    maximum: float
    mean: float
    stdev: float

    @property
    def range(self) -> float:
        return self.maximum - self.minimum


def spread(scores: Sequence[float]) -> Spread | None:
    """The Spread of `scores` (None when there is none)."""
    values = [float(s) for s in scores]
    if not values:
        return None
    return Spread(
        count=len(values),
        minimum=min(values),
        maximum=max(values),
        mean=statistics.fmean(values),
        stdev=statistics.pstdev(values),
    )
