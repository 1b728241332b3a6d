"""The published method (dashboards/publication.py) against the attacker: no count of 1 to
4 of any area, published or withheld, can be pinned from every published figure."""

import pytest

from dashboards import disclosure

from . import attack, data, new_method

DATA_SETS = [data.generated(1), *data.leak_built()]
CHANGED_AREAS = ("england", "3")  # where data.one_change adds its review


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
    attacker = attack.Attacker(readings, disclosure.true_range, dataset.regions)
    cells = new_method.sensitive(readings, truth)
    if dataset.after:  # two readings: the cells of the area changed, and England's
        cells = [cell for cell in cells if cell[1] in CHANGED_AREAS]
    outcome = attacker.attack(cells)
    assert (outcome.pinned, outcome.undecided) == ([], [])


def test_disclosures_of_a_region_are_not_pinned_by_outcomes_and_answers():
    """Region 3 of the repeat-review data set has 4 disclosures; its reviews by outcome (at
    least 9 + 5), its reviews without a disclosure (at most 10) and the disclosed reviews'
    types of harm (at most 4) must not leave exactly 4 possible."""
    dataset = data.repeat_child()
    readings, truth = new_method.readings(dataset)
    cell = (0, "3", "reviews|disclosure|yes|*|*", truth[(0, "3")].n("reviews|disclosure|yes|*|*"))
    attacker = attack.Attacker(readings, disclosure.true_range, dataset.regions)
    assert attacker.attack([cell]).pinned == []
