"""The agencies' spread for an item, and the disagreement rule, stated once."""

from dataclasses import dataclass, field

# Agencies disagree about an item when their ratings are this many levels apart or more.
DISAGREEMENT_LEVELS = 2
DISAGREE_TEXT = f"Agencies disagree by {DISAGREEMENT_LEVELS} or more levels"


@dataclass
class Spread:
    """For one item: each agency's rating (None: not rated), in the agencies' order, and the
    partnership's own rating beside them. Agencies that gave no rating don't count."""

    ratings: list[tuple[str, int | None]] = field(default_factory=list)  # (agency name, rating)
    partnership_rating: int | None = None
    evidence: dict[str, str] = field(default_factory=dict)  # agency name -> its evidence

    @property
    def rated(self) -> list[int]:
        return [rating for _, rating in self.ratings if rating is not None]

    @property
    def lowest(self) -> int | None:
        return min(self.rated, default=None)

    @property
    def highest(self) -> int | None:
        return max(self.rated, default=None)

    @property
    def disagree(self) -> bool:
        """Whether the highest and lowest agency ratings are DISAGREEMENT_LEVELS or more apart."""
        rated = self.rated
        return bool(rated) and max(rated) - min(rated) >= DISAGREEMENT_LEVELS

    disagree_text = DISAGREE_TEXT

    def __bool__(self):
        return bool(self.ratings)


def disagree(ratings) -> bool:
    """The rule for bare ratings (None ignored), as Spread.disagree states it."""
    return Spread(ratings=[("", r) for r in ratings]).disagree
