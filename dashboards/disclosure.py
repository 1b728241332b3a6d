"""Disclosure control: what a figure about children or reviews may show, to whom.

Three kinds of figure (docs/disclosure.md says why and who sees which):

- a partnership's own figures, in full, on its own screens only;
- restricted figures, in full, for Panel staff on the recorded analysis pages;
- published figures: England and the regions, for one closed April-to-March year, worked
  out once, stored and never changed (dashboards/publication.py), perturbed by this module.

Published counts are perturbed by a cell key, in the manner of the ONS's cell key method for
Census 2021 tables. Each child and review has a secret random record key (reviews/models.py);
a cell's key is the sum of the keys of the records it counts, modulo 256. The published
figure is the true count plus an adjustment looked up in a fixed table (the p-table) by the
count and the cell key:

- 0 stays 0;
- 1 to 4 becomes 0 or 5, 5 with a probability of n/5, so that on average the figure is n;
- 5 or more moves by -4 to +4, by 0 most often, beyond 2 rarely, and never onto 1 to 4.

So a published figure is never 1 to 4, the same records always give the same figure (a
total shown in two tables agrees with itself, and asking again teaches nothing), and a
figure cannot be undone by subtracting others, because each carries its own adjustment.

A partnership is compared with its peers only when the peer group has at least 5
partnerships besides itself (with its own score among them, 4 others would do, and the
quartiles of 5 scores are the 2nd, 3rd and 4th of them).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from statistics import median, quantiles

KEY_RANGE = 256  # a cell key is the sum of its records' keys modulo this
SMALLEST_SHOWN = 5  # no published count is from 1 to SMALLEST_SHOWN - 1
MAX_ADJUSTMENT = 4
MIN_PEER_GROUP = 5

# How many of the 256 cell keys give each adjustment, for a count of 9 or more: symmetric,
# so the expected adjustment is 0, with 43% of keys leaving the count as it is, 39% moving it
# by 1, 16% by 2 and, rarely, 1.6% by 3 and 0.8% by 4 (2 and 1 keys each way). The rare long
# moves are there so that no figure is ever certain to be within 2 of the truth: an attacker
# who adds up relations between figures (a total and its parts, England and its regions)
# can no longer reach a point where every figure he relies on sits at the end of its
# range, which is how a small count was pinned with moves of at most 2.
LARGE = ((-4, 1), (-3, 2), (-2, 20), (-1, 50), (0, 110), (1, 50), (2, 20), (3, 2), (4, 1))
# The counts from which LARGE can reach 1 to 4 (5 to 8) lose those downward moves: their keys
# go to the smallest move allowed, so 5 stays or rises (published 0.39 high on average), 6 is
# 0.10 high, 7 and 8 less than 0.02.
NEAR_THRESHOLD = range(SMALLEST_SHOWN, SMALLEST_SHOWN + MAX_ADJUSTMENT)


def near_threshold_row(n: int) -> tuple[tuple[int, int], ...]:
    """LARGE for a count of 5 to 8, never moving it onto 1 to 4."""
    lowest = SMALLEST_SHOWN - n
    moved = sum(keys for adjustment, keys in LARGE if adjustment < lowest)
    return tuple(
        (adjustment, keys + (moved if adjustment == lowest else 0))
        for adjustment, keys in LARGE
        if adjustment >= lowest
    )


PERTURBATION_NOTE = (
    "These figures are published once for each April-to-March year and never change. To "
    "protect the children, each figure has been moved by a small amount, so it may differ "
    "slightly from the true count (usually by 2 or less, at most by 4), and small counts "
    "(1 to 4) appear as 0 or 5. "
    "Percentages are worked out from the published figures."
)


def small_count_row(n: int) -> tuple[tuple[int, int], ...]:
    """A count of 1 to 4: 0 for most keys, 5 for n/5 of them (so n on average)."""
    fives = round(KEY_RANGE * n / SMALLEST_SHOWN)
    return ((-n, KEY_RANGE - fives), (SMALLEST_SHOWN - n, fives))


def p_table_row(n: int) -> tuple[tuple[int, int], ...]:
    """The adjustments for a true count n, each with how many of the 256 keys give it, in
    the order the keys are read (key 0 first)."""
    if n < 0:
        raise ValueError("A count cannot be negative.")
    if n == 0:
        return ((0, KEY_RANGE),)
    if n < SMALLEST_SHOWN:
        return small_count_row(n)
    if n in NEAR_THRESHOLD:
        return near_threshold_row(n)
    return LARGE


@cache
def _lookup(n: int) -> tuple[int, ...]:
    """The adjustment for each of the 256 cell keys, for a true count n."""
    adjustments = []
    for adjustment, keys in p_table_row(n):
        adjustments += [adjustment] * keys
    assert len(adjustments) == KEY_RANGE, n
    return tuple(adjustments)


def cell_key(key_sum: int) -> int:
    """A cell's key: the sum of its records' keys, modulo 256."""
    return key_sum % KEY_RANGE


def perturb(n: int, key_sum: int) -> int:
    """The published figure of a cell counting n records whose keys add up to key_sum."""
    return n + _lookup(min(n, NEAR_THRESHOLD.stop))[cell_key(key_sum)]


def true_range(published: int) -> tuple[int, int]:
    """Every true count that could be published as this figure, lowest and highest: what
    someone who knows the p-table (but not the keys) learns from the figure alone."""
    if published < 0 or 0 < published < SMALLEST_SHOWN:
        raise ValueError(f"No count is published as {published}.")
    possible = [
        n
        for n in range(0, published + MAX_ADJUSTMENT + SMALLEST_SHOWN + 1)
        if any(n + d == published for d in set(_lookup(min(n, NEAR_THRESHOLD.stop))))
    ]
    return min(possible), max(possible)


def percentage(count, denominator, places: int = 0):
    """The share as a percentage, None when there is no figure or the base is zero.

    Published percentages are worked out from the published figures, so a part can exceed
    its base after perturbation (3 true of 5 might show as 5 of 4): it is shown as it is.
    """
    if count is None or denominator is None or not isinstance(count, int | float):
        return None
    if not isinstance(denominator, int | float) or not denominator:
        return None
    # Half up, as people round (5 of 8 is 63%), not Python's round-half-to-even.
    exact = Decimal(100 * count) / Decimal(denominator)
    rounded = exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return float(rounded) if places else int(rounded)


@dataclass(frozen=True)
class PeerRange:
    """The spread of a peer group's scores: lower quartile, median and upper quartile."""

    size: int
    lower_quartile: float
    median: float
    upper_quartile: float


def peer_range(values: Iterable[float | None]) -> PeerRange | None:
    """Rule 4: median and quartiles of the peers' scores, or None for fewer than 5 peers."""
    scores = sorted(value for value in values if value is not None)
    if len(scores) < MIN_PEER_GROUP:
        return None
    lower, middle, upper = quantiles(scores, n=4, method="inclusive")
    return PeerRange(
        size=len(scores),
        lower_quartile=round(lower, 2),
        median=round(median(scores), 2),
        upper_quartile=round(upper, 2),
    )


def contains_small_count(values: Iterable) -> bool:
    """Whether any of the values is a bare count from 1 to 4 (for checks on published files)."""
    return any(
        isinstance(value, int) and not isinstance(value, bool) and 0 < value < SMALLEST_SHOWN
        for value in values
    )
