"""A figure's aggregate sums only the components its formula reads (`metrics.base.reads`): every
figure, under every choice of its family's options, gives the same value from those components
alone as from all of them, on many random rows (zeros included, so each branch is taken)."""

import itertools
import random

import pytest

from kefu.reports.metrics import FIGURES
from kefu.reports.metrics.base import reads


def option_sets(family):
    """Every combination of the family's choice options (numbers at their defaults)."""
    choices = [
        [(option.name, code) for code, _label in option.choices] or [(option.name, option.default)]
        for option in family.options
    ]
    for combination in itertools.product(*choices):
        yield family.clean_options(dict(combination))


@pytest.mark.parametrize("code", sorted(FIGURES))
def test_a_figure_reads_only_the_components_it_declares_by_use(code):
    figure = FIGURES[code]
    rng = random.Random(code)
    for options in option_sets(figure.family):
        names = list(figure.family.components(options))
        needed = reads(figure, options)
        assert needed <= set(names)
        for _ in range(200):
            full = {name: rng.choice((0, 0, 1, rng.randint(0, 50), rng.uniform(0, 500))) for name in names}
            alone = {name: full[name] for name in needed}
            assert figure.formula(alone, options) == figure.formula(full, options), (options, full)


def test_a_heat_map_of_the_offered_calls_sums_only_what_offered_reads():
    """Offered = presented − short abandons (these left out by default), so two components of
    eighteen; counted in, one."""
    offered = FIGURES["calls_offered"]
    options = offered.family.clean_options({})
    assert reads(offered, options) == {"presented", "short_abandoned"}
    assert reads(offered, offered.family.clean_options({"short_abandon_policy": "count"})) == {"presented"}
