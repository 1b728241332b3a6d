"""The published method (dashboards/publication.py) against the attacker: no count of 1 to
4 of any area, published or withheld, can be pinned from every published figure."""

import pytest

from dashboards import disclosure

from . import attack, data, new_method

DATA_SETS = [data.generated(1), *data.leak_built()]


@pytest.mark.parametrize("dataset", DATA_SETS, ids=lambda d: d.name)
def test_published_figures_fit_what_the_attacker_assumes(dataset):
    """The true counts satisfy the p-table's ranges and every relation the attacker uses."""
    readings, truth = new_method.readings(dataset)
    attacker = attack.Attacker(readings, disclosure.true_range, dataset.regions)
    assert attacker.violations(truth) == []


@pytest.mark.parametrize("dataset", DATA_SETS, ids=lambda d: d.name)
def test_attacker_pins_no_small_count_of_the_published_figures(dataset):
    """Holding every published figure (both readings across a change), the p-table and every
    relation, the attacker cannot pin any count of 1 to 4, nor leave one unsettled."""
    readings, truth = new_method.readings(dataset)
    attacker = attack.Attacker(readings, disclosure.true_range, dataset.regions, time_limit=5)
    outcome = attacker.attack(new_method.sensitive(readings, truth))
    assert (outcome.pinned, outcome.undecided) == ([], [])
