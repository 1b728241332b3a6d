"""Worked tables for dashboards.disclosure: each test lays out a small table of counts as it
would be published, states the relations that add up, and asserts the whole table as shown.

C stands for SUPPRESSED ("c") so that the expected tables read like the published ones.
"""

from hypothesis import given, settings
from hypothesis import strategies as st

from dashboards.disclosure import (
    SUPPRESSED,
    PeerRange,
    Total,
    contains_small_count,
    peer_range,
    percentage,
    suppress,
    unsuppressed,
)

C = SUPPRESSED


# Helpers ---------------------------------------------------------------------------------


def flatten(table):
    """A cross table written as {row: {column: count}} as {(row, column): count}."""
    return {(row, column): count for row, cells in table.items() for column, count in cells.items()}


def cross_totals(table, total="total"):
    """Every row and every column of a cross table, the total row and column included, as a
    Total of its cells."""
    rows = [row for row in table if row != total]
    columns = [column for column in table[total] if column != total]
    return [
        *(Total((row, total), [(row, column) for column in columns]) for row in [*rows, total]),
        *(Total((total, column), [(row, column) for row in rows]) for column in [*columns, total]),
    ]


def assert_adds_up(counts, totals):
    """Guard against a slip in a worked table: every total is the sum of its parts."""
    for relation in totals:
        assert counts[relation.key] == sum(counts[part] for part in relation.parts), relation


def assert_no_total_gives_a_cell_away(shown, totals):
    """The fixed point of rule 3: no relation is left with exactly one hidden member."""
    for relation in totals:
        hidden = [key for key in [*relation.parts, relation.key] if shown[key] == SUPPRESSED]
        assert len(hidden) != 1, (relation, hidden)


def suppress_cross_table(table):
    counts = flatten(table)
    totals = cross_totals(table)
    assert_adds_up(counts, totals)
    shown = suppress(counts, totals)
    assert_no_total_gives_a_cell_away(shown, totals)
    return shown


# Rule 1: primary suppression -------------------------------------------------------------


def test_counts_from_1_to_4_are_suppressed_but_0_and_5_are_shown():
    """Rule 1: 1, 2, 3 and 4 become "c"; 0, 5 and larger counts are shown as they are."""
    counts = {"none": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "many": 120}

    assert suppress(counts) == {
        "none": 0,
        "one": C,
        "two": C,
        "three": C,
        "four": C,
        "five": 5,
        "many": 120,
    }


def test_suppressed_marker_is_c():
    """The published marker for a hidden figure is the letter "c"."""
    assert SUPPRESSED == "c"


def test_unsuppressed_shows_the_owners_counts_as_they_are():
    """The owning partnership's own screen shows small counts, in a copy of the counts."""
    counts = {"girls": 3, "boys": 12, "all": 15}

    shown = unsuppressed(counts)

    assert shown == {"girls": 3, "boys": 12, "all": 15}
    assert shown is not counts


def test_nothing_is_hidden_when_every_count_is_0_or_at_least_5():
    """Rules 1 and 3: with no count from 1 to 4 there is nothing to hide, zeros included."""
    table = {
        "r1":    {"c1": 0,  "c2": 5,  "c3": 12, "total": 17},
        "r2":    {"c1": 9,  "c2": 0,  "c3": 0,  "total": 9},
        "r3":    {"c1": 6,  "c2": 7,  "c3": 0,  "total": 13},
        "total": {"c1": 15, "c2": 12, "c3": 12, "total": 39},
    }  # fmt: skip

    assert suppress_cross_table(table) == flatten(table)


# Rule 3: secondary suppression in one dimension ------------------------------------------


def test_one_small_category_forces_the_smallest_other_non_zero_category():
    """Rule 3: a lone hidden category would be the total less the rest, so the smallest
    non-zero category still shown is hidden as well, and nothing more."""
    counts = {"asian": 12, "black": 3, "mixed": 7, "white": 40, "other": 9, "total": 71}
    totals = [Total("total", ["asian", "black", "mixed", "white", "other"])]
    assert_adds_up(counts, totals)

    shown = suppress(counts, totals)

    assert shown == {"asian": 12, "black": C, "mixed": C, "white": 40, "other": 9, "total": 71}
    assert_no_total_gives_a_cell_away(shown, totals)


def test_zero_categories_are_passed_over_for_the_smallest_non_zero_one():
    """Rule 3: zeros are hidden last, so the secondary suppression takes the 6, not a 0."""
    counts = {"asian": 0, "black": 2, "mixed": 0, "white": 25, "other": 6, "total": 33}
    totals = [Total("total", ["asian", "black", "mixed", "white", "other"])]
    assert_adds_up(counts, totals)

    shown = suppress(counts, totals)

    assert shown == {"asian": 0, "black": C, "mixed": 0, "white": 25, "other": C, "total": 33}
    assert_no_total_gives_a_cell_away(shown, totals)


def test_a_zero_part_is_hidden_before_the_total_when_no_non_zero_part_is_left():
    """Rule 3: in column c2 the only part still shown is a 0, so the 0 is hidden, never the
    column total."""
    table = {
        "r1":    {"c1": 2, "c2": 6, "total": 8},
        "r2":    {"c1": 7, "c2": 0, "total": 7},
        "total": {"c1": 9, "c2": 6, "total": 15},
    }  # fmt: skip

    assert suppress_cross_table(table) == flatten(
        {
            "r1":    {"c1": C, "c2": C, "total": 8},
            "r2":    {"c1": C, "c2": C, "total": 7},
            "total": {"c1": 9, "c2": 6, "total": 15},
        }
    )  # fmt: skip


def test_a_total_that_is_itself_small_is_hidden_with_its_small_parts():
    """Rules 1 and 3: a total of 4 is hidden like any small count; with its two small parts
    three members are hidden, so nothing more is needed and the zeros stay shown."""
    counts = {"under_1": 0, "age_1_to_4": 3, "age_5_to_9": 0, "age_10_plus": 1, "total": 4}
    totals = [Total("total", ["under_1", "age_1_to_4", "age_5_to_9", "age_10_plus"])]
    assert_adds_up(counts, totals)

    shown = suppress(counts, totals)

    assert shown == {"under_1": 0, "age_1_to_4": C, "age_5_to_9": 0, "age_10_plus": C, "total": C}
    assert_no_total_gives_a_cell_away(shown, totals)


def test_a_total_hidden_on_its_own_forces_its_smallest_part():
    """Rule 3: children is hidden only because the 2 adults force it, and a lone hidden total
    is its parts added up, so its smallest non-zero part (6 girls) is hidden as well."""
    counts = {"girls": 6, "boys": 9, "children": 15, "adults": 2, "everyone": 17}
    totals = [
        Total("everyone", ["children", "adults"]),
        Total("children", ["girls", "boys"]),
    ]
    assert_adds_up(counts, totals)

    shown = suppress(counts, totals)

    assert shown == {"girls": C, "boys": 9, "children": C, "adults": C, "everyone": 17}
    assert_no_total_gives_a_cell_away(shown, totals)


# Rule 3: secondary suppression in two dimensions -----------------------------------------


def test_secondary_suppression_in_a_row_cascades_into_columns_until_stable():
    """Rule 3: the 2 in r1 forces the 10 in r1; that lone hidden cell of column c2 forces the
    15 in r3, which forces the 7 in r3, and so on until no row or column has one hidden."""
    table = {
        "r1":    {"c1": 2,  "c2": 10, "c3": 20, "total": 32},
        "r2":    {"c1": 8,  "c2": 30, "c3": 6,  "total": 44},
        "r3":    {"c1": 12, "c2": 15, "c3": 7,  "total": 34},
        "total": {"c1": 22, "c2": 55, "c3": 33, "total": 110},
    }  # fmt: skip
    expected = flatten(
        {
            "r1":    {"c1": C,  "c2": C,  "c3": 20, "total": 32},
            "r2":    {"c1": C,  "c2": 30, "c3": C,  "total": 44},
            "r3":    {"c1": 12, "c2": C,  "c3": C,  "total": 34},
            "total": {"c1": 22, "c2": 55, "c3": 33, "total": 110},
        }
    )  # fmt: skip

    assert suppress_cross_table(table) == expected


def test_the_cascade_reaches_the_same_table_whichever_relations_come_first():
    """Rule 3: the repetition makes the worked table above independent of whether the
    columns or the rows are examined first."""
    table = {
        "r1":    {"c1": 2,  "c2": 10, "c3": 20, "total": 32},
        "r2":    {"c1": 8,  "c2": 30, "c3": 6,  "total": 44},
        "r3":    {"c1": 12, "c2": 15, "c3": 7,  "total": 34},
        "total": {"c1": 22, "c2": 55, "c3": 33, "total": 110},
    }  # fmt: skip
    counts = flatten(table)
    rows_first = cross_totals(table)
    columns_first = list(reversed(rows_first))

    shown = suppress(counts, columns_first)

    assert shown == suppress(counts, rows_first)
    assert_no_total_gives_a_cell_away(shown, columns_first)


# Rule 3: nested totals and links ---------------------------------------------------------


def test_nested_totals_cascade_up_to_the_group_and_down_to_another_groups_codes():
    """Rule 3: ethnicity codes add up to groups and groups to all children; the small Mixed
    group forces the Black group in the overall total, and the hidden Black group then
    forces its smallest non-zero code (7, not the 0)."""
    counts = {
        "WBRI": 40, "WIRI": 6, "WOTH": 3, "White": 49,
        "BCRB": 7, "BAFR": 12, "BOTH": 0, "Black": 19,
        "MWBC": 2, "MOTH": 1, "Mixed": 3,
        "All": 71,
    }  # fmt: skip
    totals = [
        Total("White", ["WBRI", "WIRI", "WOTH"]),
        Total("Black", ["BCRB", "BAFR", "BOTH"]),
        Total("Mixed", ["MWBC", "MOTH"]),
        Total("All", ["White", "Black", "Mixed"]),
    ]
    assert_adds_up(counts, totals)

    shown = suppress(counts, totals)

    assert shown == {
        "WBRI": 40, "WIRI": C, "WOTH": C, "White": 49,
        "BCRB": C, "BAFR": 12, "BOTH": 0, "Black": C,
        "MWBC": C, "MOTH": C, "Mixed": C,
        "All": 71,
    }  # fmt: skip
    assert_no_total_gives_a_cell_away(shown, totals)


def test_a_single_part_total_ties_two_keys_so_they_hide_together():
    """Rule 3: Total(a, [b]) says a equals b, so when b is hidden by its own table a is
    hidden too (there is no other part, so the total goes)."""
    counts = {"girls": 7, "boys": 2, "children": 9, "girls_in_age_table": 7}
    totals = [
        Total("children", ["girls", "boys"]),
        Total("girls_in_age_table", ["girls"]),
    ]
    assert_adds_up(counts, totals)

    shown = suppress(counts, totals)

    assert shown == {"girls": C, "boys": C, "children": 9, "girls_in_age_table": C}
    assert_no_total_gives_a_cell_away(shown, totals)


def test_a_single_part_total_hidden_elsewhere_hides_its_part():
    """Rule 3: the link works the other way too: when a is hidden, b (equal to a) goes."""
    counts = {"girls": 7, "boys": 2, "children": 9, "girls_in_age_table": 7}
    totals = [
        Total("children", ["girls_in_age_table", "boys"]),
        Total("girls_in_age_table", ["girls"]),
    ]
    assert_adds_up(counts, totals)

    shown = suppress(counts, totals)

    assert shown == {"girls": C, "boys": C, "children": 9, "girls_in_age_table": C}
    assert_no_total_gives_a_cell_away(shown, totals)


def test_a_small_hidden_rest_of_a_binary_share_hides_the_measure_and_its_percentage():
    """Rules 2 and 3: 20 of 23 reviews with the finding leaves a rest of 3, which would be
    23 - 20; so the 20 is hidden, and so is the percentage built on it."""
    counts = {"with_finding": 20, "rest": 3, "reviews": 23}
    totals = [Total("reviews", ["with_finding", "rest"])]
    assert_adds_up(counts, totals)

    shown = suppress(counts, totals)

    assert shown == {"with_finding": C, "rest": C, "reviews": 23}
    assert percentage(shown["with_finding"], shown["reviews"]) == C


def test_a_rest_of_5_leaves_the_binary_share_and_its_percentage_shown():
    """Rules 1 to 3: a rest of 5 is not small, so the measure and its percentage are shown."""
    counts = {"with_finding": 20, "rest": 5, "reviews": 25}
    totals = [Total("reviews", ["with_finding", "rest"])]

    shown = suppress(counts, totals)

    assert shown == {"with_finding": 20, "rest": 5, "reviews": 25}
    assert percentage(shown["with_finding"], shown["reviews"]) == 80


# Rule 2: percentages ---------------------------------------------------------------------


def test_a_percentage_over_a_suppressed_numerator_is_suppressed():
    """Rule 2: the share of a hidden count is hidden."""
    assert percentage(C, 40) == C


def test_a_percentage_over_a_suppressed_denominator_is_suppressed():
    """Rule 2: a shown count over a hidden total is hidden, including a shown zero."""
    assert percentage(12, C) == C
    assert percentage(0, C) == C
    assert percentage(C, C) == C


def test_a_percentage_over_a_zero_denominator_is_none():
    """Rule 2: there is no share of nothing."""
    assert percentage(0, 0) is None
    assert percentage(0, 0, places=1) is None


def test_percentages_are_rounded_to_whole_numbers_unless_places_are_asked_for():
    """Rule 2: whole percentages by default (as ints), or to the given decimal places."""
    assert percentage(2, 3) == 67
    assert isinstance(percentage(2, 3), int)
    assert percentage(1, 3) == 33
    assert percentage(0, 7) == 0
    assert percentage(9, 9) == 100
    assert percentage(1, 3, places=1) == 33.3
    assert percentage(2, 3, places=2) == 66.67
    assert percentage(5, 40, places=1) == 12.5


def test_percentages_round_halves_up_as_people_do():
    """Rule 2: a half rounds up (1 of 8 is 13%, 5 of 8 is 63%), not to the even neighbour."""
    assert percentage(1, 8) == 13
    assert percentage(5, 8) == 63
    assert percentage(1, 40) == 3
    assert percentage(1, 16, places=1) == 6.3
    assert percentage(1, 400, places=1) == 0.3


# Rule 4: peer ranges ---------------------------------------------------------------------


def test_no_peer_range_for_fewer_than_5_peers():
    """Rule 4: four peers are too few to compare with."""
    assert peer_range([10.0, 20.0, 30.0, 40.0]) is None
    assert peer_range([]) is None


def test_peer_range_of_5_peers_gives_inclusive_quartiles_and_median():
    """Rule 4: for 1 to 5 (in any order) the inclusive quartiles are 2 and 4, the median 3."""
    assert peer_range([5, 1, 4, 2, 3]) == PeerRange(
        size=5, lower_quartile=2, median=3, upper_quartile=4
    )


def test_peer_range_of_6_peers_interpolates_between_scores():
    """Rule 4: for 1 to 6 the inclusive quartiles sit at positions 1.25 and 3.75 of 0..5."""
    assert peer_range([1, 2, 3, 4, 5, 6]) == PeerRange(
        size=6, lower_quartile=2.25, median=3.5, upper_quartile=4.75
    )


def test_peer_range_is_rounded_to_two_places():
    """Rule 4: thirds are shown to two decimal places."""
    assert peer_range([0, 1 / 3, 2 / 3, 1, 4 / 3]) == PeerRange(
        size=5, lower_quartile=0.33, median=0.67, upper_quartile=1.0
    )


def test_peer_range_ignores_peers_without_a_score():
    """Rule 4: None is no score, so it neither counts towards the 5 nor moves the quartiles."""
    assert peer_range([1, None, 2, 3, None, 4]) is None
    assert peer_range([None, 5, 1, None, 4, 2, 3, None]) == PeerRange(
        size=5, lower_quartile=2, median=3, upper_quartile=4
    )


def test_peer_range_counts_a_score_of_zero():
    """Rule 4: a score of 0 is a score, not a missing one."""
    assert peer_range([0, 0, 0, 0, 0]) == PeerRange(
        size=5, lower_quartile=0, median=0, upper_quartile=0
    )


# Checks on exports -----------------------------------------------------------------------


def test_contains_small_count_finds_a_bare_count_from_1_to_4():
    """Export check: any int from 1 to 4 is a leak."""
    assert contains_small_count([0, 5, 12, 4])
    assert contains_small_count([1])
    assert contains_small_count(["c", 3, "c"])


def test_contains_small_count_ignores_bools_floats_and_the_suppression_marker():
    """Export check: True, 2.5, 3.0 and "c" (and strings, None, 0, 5) are not bare counts."""
    assert not contains_small_count([True, False, 2.5, 3.0, C, "3", None, 0, 5, 120])
    assert not contains_small_count([])


# Property: any small cross table -----------------------------------------------------------


cross_table_cells = st.lists(
    st.lists(st.integers(min_value=0, max_value=12), min_size=4, max_size=4),
    min_size=3,
    max_size=3,
)


@settings(max_examples=300, deadline=None)
@given(cells=cross_table_cells)
def test_any_3_by_4_table_shows_no_small_count_and_gives_no_cell_away(cells):
    """Rules 1 and 3 for random 3x4 tables with row and column totals: no int from 1 to 4 is
    shown, no relation has exactly one hidden member, and what is shown is the true count."""
    rows = [f"r{i}" for i in range(1, 4)]
    columns = [f"c{j}" for j in range(1, 5)]
    table = {
        row: dict(zip(columns, row_cells, strict=True))
        for row, row_cells in zip(rows, cells, strict=True)
    }
    for row in rows:
        table[row]["total"] = sum(table[row].values())
    table["total"] = {
        column: sum(table[row][column] for row in rows) for column in [*columns, "total"]
    }
    counts = flatten(table)
    totals = cross_totals(table)
    assert_adds_up(counts, totals)

    shown = suppress(counts, totals)

    assert shown.keys() == counts.keys()
    assert not contains_small_count(shown.values())
    assert not any(isinstance(value, int) and 1 <= value <= 4 for value in shown.values())
    assert_no_total_gives_a_cell_away(shown, totals)
    assert all(shown[key] in (counts[key], C) for key in counts)
