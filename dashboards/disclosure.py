"""Disclosure control: what a figure about children or reviews may show, to whom.

The rules (national statistics practice; the method and its reasons are in docs/disclosure.md):

1. A count of children or reviews from 1 to 4 is shown as "c" (suppressed). Zero is shown:
   it identifies nobody.
2. A percentage built on a suppressed count, as numerator or denominator, is suppressed too.
3. Wherever a suppressed count could be worked out from a total (the total less the other
   parts), a second cell of that total is suppressed as well: the smallest non-zero part
   still shown, so that as little as possible is lost. This repeats until no total gives a
   suppressed cell away, because a second suppression can expose a cell of another total.
4. A partnership is compared with its peers only when the peer group has at least 5
   partnerships besides itself (with its own score among them, 4 others would do, and the
   quartiles of 5 scores are the 2nd, 3rd and 4th of them).

Every dashboard screen and every export builds its figures through this module. Only the
partnership that owns the records sees its own counts unsuppressed, and only on screen:
exports are always suppressed.
"""

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from statistics import median, quantiles

SUPPRESSED = "c"
SMALLEST_SHOWN = 5
MIN_PEER_GROUP = 5

SUPPRESSION_NOTE = (
    '"c" means a number from 1 to 4, or a number that would let one be worked out, '
    "hidden so that no child can be identified."
)


def is_small(count: int) -> bool:
    """Rule 1: a count from 1 to 4 must not be shown."""
    return 0 < count < SMALLEST_SHOWN


@dataclass(frozen=True)
class Total:
    """A total and the parts that add up to it (the parts may include hidden ones)."""

    key: Hashable
    parts: Sequence[Hashable]


def suppress(counts: Mapping[Hashable, int], totals: Iterable[Total] = ()) -> dict:
    """Rules 1 and 3: each count as shown, an int or SUPPRESSED.

    `counts` holds every cell and total by key; `totals` says which keys add up to which.
    A total's key may itself be a part of a larger total (ethnicity codes add up to a
    group, groups to all children).
    """
    totals = list(totals)
    hidden = {key for key, count in counts.items() if is_small(count)}
    changed = True
    while changed:
        changed = False
        for total in totals:
            members = [*total.parts, total.key]
            if sum(key in hidden for key in members) != 1:
                continue
            # Exactly one cell of this total is hidden, so it could be worked out: hide the
            # smallest other part, a non-zero one if there is one, and the total last.
            shown_parts = [key for key in total.parts if key not in hidden]
            candidates = sorted(shown_parts, key=lambda key: (counts[key] == 0, counts[key]))
            if candidates:
                hidden.add(candidates[0])
            else:
                hidden.add(total.key)
            changed = True
    return {key: SUPPRESSED if key in hidden else count for key, count in counts.items()}


def unsuppressed(counts: Mapping[Hashable, int]) -> dict:
    """The counts as they are, for the owning partnership's own screen."""
    return dict(counts)


def percentage(count, denominator, places: int = 0):
    """Rule 2: the share as a percentage, SUPPRESSED when either figure is, None over zero."""
    if count == SUPPRESSED or denominator == SUPPRESSED:
        return SUPPRESSED
    if not denominator:
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
    """Whether any of the values is a bare count from 1 to 4 (for checks on exports)."""
    return any(
        isinstance(value, int) and not isinstance(value, bool) and is_small(value)
        for value in values
    )
