"""dashboards.disclosure: the p-table of the published figures' perturbation (cell key
method), what a published figure tells someone who knows the p-table, percentages and peer
ranges."""

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from dashboards.disclosure import (
    KEY_RANGE,
    PeerRange,
    cell_key,
    contains_small_count,
    p_table_row,
    peer_range,
    percentage,
    perturb,
    true_range,
)

KEYS = range(KEY_RANGE)


def outcomes(n):
    """{published figure: how many of the 256 cell keys give it} for a true count n."""
    return Counter(perturb(n, key) for key in KEYS)


# The p-table -----------------------------------------------------------------------------


def test_every_row_of_the_p_table_shares_out_all_256_keys():
    """Each true count's adjustments cover the 256 cell keys exactly once."""
    for n in range(0, 40):
        assert sum(keys for _adjustment, keys in p_table_row(n)) == KEY_RANGE


def test_no_published_figure_is_from_1_to_4():
    """Whatever the count and its key, the figure published is 0 or at least 5."""
    for n in range(0, 60):
        for key in KEYS:
            assert not 1 <= perturb(n, key) <= 4, (n, key)


def test_zero_stays_zero_whatever_the_key():
    """A cell counting nobody is published as 0: it identifies nobody."""
    assert outcomes(0) == {0: KEY_RANGE}


def test_small_counts_become_0_or_5_five_with_a_share_of_n_fifths():
    """1 to 4 become 0 or 5, and 5 for n/5 of the keys (so n on average)."""
    assert outcomes(1) == {0: 205, 5: 51}
    assert outcomes(2) == {0: 154, 5: 102}
    assert outcomes(3) == {0: 102, 5: 154}
    assert outcomes(4) == {0: 51, 5: 205}


def test_counts_of_5_or_more_move_by_at_most_4_and_rarely_beyond_2():
    """From 5 up the figure is within 4 of the true count, and beyond 2 for 6 keys or fewer."""
    for n in range(5, 80):
        moves = [abs(perturb(n, key) - n) for key in KEYS]
        assert max(moves) <= 4
        assert sum(move > 2 for move in moves) <= 6


def test_large_counts_move_by_the_published_shares_of_keys():
    """From 9 up the adjustments -4..+4 take 1, 2, 20, 50, 110, 50, 20, 2 and 1 keys."""
    shares = [1, 2, 20, 50, 110, 50, 20, 2, 1]
    assert outcomes(9) == {9 + d: keys for d, keys in zip(range(-4, 5), shares, strict=True)}
    assert outcomes(100) == {100 + d: keys for d, keys in zip(range(-4, 5), shares, strict=True)}


def test_counts_of_5_to_8_never_step_down_onto_1_to_4():
    """5 stays or rises; 6, 7 and 8 step down no further than 5."""
    assert outcomes(5) == {5: 183, 6: 50, 7: 20, 8: 2, 9: 1}
    assert outcomes(6) == {5: 73, 6: 110, 7: 50, 8: 20, 9: 2, 10: 1}
    for n in (5, 6, 7, 8):
        assert min(outcomes(n)) == 5


def test_the_expected_figure_is_the_true_count_except_a_small_bias_from_5_to_6():
    """Over all keys the mean figure is n to within 1/50, except 5 (+0.39) and 6 (+0.1)."""
    for n in [0, 1, 2, 3, 4, 7, 8, 9, 20, 300]:
        mean = sum(perturb(n, key) for key in KEYS) / KEY_RANGE
        assert abs(mean - n) < 0.02, (n, mean)
    assert round(sum(perturb(5, key) for key in KEYS) / KEY_RANGE - 5, 2) == 0.39
    assert round(sum(perturb(6, key) for key in KEYS) / KEY_RANGE - 6, 2) == 0.11


def test_the_same_records_always_give_the_same_figure():
    """The figure depends only on the count and the cell key: the same key sum, same figure."""
    assert perturb(12, 1_000_003) == perturb(12, 1_000_003)
    assert perturb(3, 777) == perturb(3, 777 + KEY_RANGE * 9)


def test_the_cell_key_is_the_key_sum_modulo_256():
    """The sum of the records' keys is reduced modulo 256 before the p-table is read."""
    assert cell_key(0) == 0
    assert cell_key(255) == 255
    assert cell_key(256) == 0
    assert cell_key(2**31 - 1 + 5) == (2**31 + 4) % 256


def test_true_range_of_each_small_figure():
    """What a figure alone tells someone who knows the p-table: 0 is 0-4, 5 is 1-9."""
    assert true_range(0) == (0, 4)
    assert true_range(5) == (1, 9)
    assert true_range(6) == (5, 10)
    assert true_range(9) == (5, 13)
    assert true_range(10) == (6, 14)
    assert true_range(40) == (36, 44)


def test_true_range_covers_exactly_the_counts_that_can_give_the_figure():
    """Every (n, key) lands inside true_range of its figure, and both ends are reached."""
    reached = {}
    for n in range(0, 50):
        for key in KEYS:
            published = perturb(n, key)
            lo, hi = true_range(published)
            assert lo <= n <= hi, (n, key, published)
            reached.setdefault(published, set()).add(n)
    for published, counts in reached.items():
        if published <= 45:
            assert (min(counts), max(counts)) == true_range(published)


def test_no_true_range_for_a_figure_that_is_never_published():
    """1 to 4 and negative numbers are never published: asking is an error."""
    for figure in (-1, 1, 2, 3, 4):
        try:
            true_range(figure)
        except ValueError:
            continue
        raise AssertionError(figure)


@settings(max_examples=300, deadline=None)
@given(
    keys=st.lists(st.integers(min_value=0, max_value=2**31 - 1), min_size=0, max_size=60),
)
def test_any_set_of_records_gives_a_figure_that_is_0_or_at_least_5(keys):
    """Property: for any records, the cell's figure is 0 or >= 5 and within true_range."""
    published = perturb(len(keys), sum(keys))
    assert published == 0 or published >= 5
    lo, hi = true_range(published)
    assert lo <= len(keys) <= hi


# Percentages -----------------------------------------------------------------------------


def test_a_percentage_of_a_figure_not_shown_is_none():
    """A blank (withheld) numerator or base gives no percentage."""
    assert percentage(None, 12) is None
    assert percentage(3, None) is None


def test_a_percentage_above_100_is_shown_as_it_is():
    """Published parts can exceed their base after perturbation: nothing is capped."""
    assert percentage(7, 5) == 140


def test_a_percentage_over_a_zero_denominator_is_none():
    """there is no share of nothing."""
    assert percentage(0, 0) is None
    assert percentage(0, 0, places=1) is None


def test_percentages_are_rounded_to_whole_numbers_unless_places_are_asked_for():
    """whole percentages by default (as ints), or to the given decimal places."""
    assert percentage(2, 3) == 67
    assert isinstance(percentage(2, 3), int)
    assert percentage(1, 3) == 33
    assert percentage(0, 7) == 0
    assert percentage(9, 9) == 100
    assert percentage(1, 3, places=1) == 33.3
    assert percentage(2, 3, places=2) == 66.67
    assert percentage(5, 40, places=1) == 12.5


def test_percentages_round_halves_up_as_people_do():
    """a half rounds up (1 of 8 is 13%, 5 of 8 is 63%), not to the even neighbour."""
    assert percentage(1, 8) == 13
    assert percentage(5, 8) == 63
    assert percentage(1, 40) == 3
    assert percentage(1, 16, places=1) == 6.3
    assert percentage(1, 400, places=1) == 0.3


# peer ranges ---------------------------------------------------------------------


def test_no_peer_range_for_fewer_than_5_peers():
    """four peers are too few to compare with."""
    assert peer_range([10.0, 20.0, 30.0, 40.0]) is None
    assert peer_range([]) is None


def test_peer_range_of_5_peers_gives_inclusive_quartiles_and_median():
    """for 1 to 5 (in any order) the inclusive quartiles are 2 and 4, the median 3."""
    assert peer_range([5, 1, 4, 2, 3]) == PeerRange(
        size=5, lower_quartile=2, median=3, upper_quartile=4
    )


def test_peer_range_of_6_peers_interpolates_between_scores():
    """for 1 to 6 the inclusive quartiles sit at positions 1.25 and 3.75 of 0..5."""
    assert peer_range([1, 2, 3, 4, 5, 6]) == PeerRange(
        size=6, lower_quartile=2.25, median=3.5, upper_quartile=4.75
    )


def test_peer_range_is_rounded_to_two_places():
    """thirds are shown to two decimal places."""
    assert peer_range([0, 1 / 3, 2 / 3, 1, 4 / 3]) == PeerRange(
        size=5, lower_quartile=0.33, median=0.67, upper_quartile=1.0
    )


def test_peer_range_ignores_peers_without_a_score():
    """None is no score, so it neither counts towards the 5 nor moves the quartiles."""
    assert peer_range([1, None, 2, 3, None, 4]) is None
    assert peer_range([None, 5, 1, None, 4, 2, 3, None]) == PeerRange(
        size=5, lower_quartile=2, median=3, upper_quartile=4
    )


def test_peer_range_counts_a_score_of_zero():
    """a score of 0 is a score, not a missing one."""
    assert peer_range([0, 0, 0, 0, 0]) == PeerRange(
        size=5, lower_quartile=0, median=0, upper_quartile=0
    )


# Checks on exports -----------------------------------------------------------------------


def test_contains_small_count_finds_a_bare_count_from_1_to_4():
    """Export check: any int from 1 to 4 is a leak."""
    assert contains_small_count([0, 5, 12, 4])
    assert contains_small_count([1])
    assert contains_small_count(["x", 3, "y"])


def test_contains_small_count_ignores_bools_floats_and_strings():
    """Export check: True, 2.5, 3.0 and strings (and None, 0, 5) are not bare counts."""
    assert not contains_small_count([True, False, 2.5, 3.0, "3", None, 0, 5, 120])
    assert not contains_small_count([])
