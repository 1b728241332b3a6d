"""Review rows for the attacker tests, generated without a database.

Each row is what dashboards/selectors.review_rows returns for one complete review: every
answer of reviews/dimensions.py (a dependent question answered only when it is asked), its
child's answers, the record keys, the partnership and the region. A child has one to three
reviews, all in its own partnership. Everything is drawn from a seeded generator, so a data
set is the same on every run.

Beside the general generator are data sets built to leak under cell suppression: a region
with one small partnership, a region with a lone review, one child with two reviews (54
reviews about 53 children) and two readings either side of one new review.
"""

import random
from dataclasses import dataclass, field
from datetime import date

from reviews import choices as c
from reviews import dimensions as dims

KEY_RANGE = 2**31
YEAR = 2023  # notification months April 2023 to March 2024: one closed year

# Roughly the mix of the reviews the Panel sees: mostly White British, some of every group.
ETHNICITY_WEIGHTS = {
    "WBRI": 60,
    "WIRI": 1,
    "WIRT": 1,
    "WROM": 1,
    "WOTH": 5,
    "MWBC": 4,
    "MWBA": 2,
    "MWAS": 2,
    "MOTH": 2,
    "AIND": 2,
    "APKN": 4,
    "ABAN": 2,
    "CHNE": 1,
    "AOTH": 1,
    "BCRB": 2,
    "BAFR": 4,
    "BOTH": 1,
    "OOTH": 2,
    "REFU": 1,
    "NOBT": 2,
}
REVIEWS_PER_CHILD = {1: 95, 2: 4, 3: 1}


@dataclass
class DataSet:
    """Rows (one reading, or two either side of a change) and the regions they fall in."""

    name: str
    regions: list[int]
    rows: list[dict]
    after: list[dict] | None = None  # the second reading, when there is a change
    notes: str = ""
    partnerships: dict = field(default_factory=dict)  # {partnership id: region id}


class Generator:
    """Draws children and their reviews, numbering children, reviews and partnerships."""

    def __init__(self, seed: int):
        self.random = random.Random(seed)
        self.next_review = 1
        self.next_child = 1

    def key(self) -> int:
        return self.random.randrange(KEY_RANGE)

    def pick(self, values, weights=None):
        return self.random.choices(list(values), weights=weights)[0]

    def month(self) -> date:
        offset = self.random.randrange(12)
        year, month = (YEAR, 4 + offset) if offset < 9 else (YEAR + 1, offset - 8)
        return date(year, month, 1)

    def child(self, **fixed) -> dict:
        answers = {"child_id": self.next_child, "child_key": self.key()}
        self.next_child += 1
        answers["age"] = self.pick([None, *range(18)], [2] + [3] * 18)
        for dimension in dims.CHILD_DIMENSIONS:
            if dimension.typed:
                answers[dimension.name] = self.pick(dimension.values)
        answers["ethnicity"] = self.pick(ETHNICITY_WEIGHTS, list(ETHNICITY_WEIGHTS.values()))
        answers.update(fixed)
        return answers

    def review(self, child: dict, partnership: int, region: int, **fixed) -> dict:
        row = {
            "id": self.next_review,
            "review_key": self.key(),
            "partnership_id": partnership,
            "region_id": region,
            **child,
        }
        self.next_review += 1
        notified = self.month()
        row["notification_month"] = notified
        row["incident_month"] = date(notified.year - (notified.month == 1), 12, 1)
        if notified.month > 1:
            row["incident_month"] = date(notified.year, notified.month - 1, 1)
        row["completed_month"] = notified
        for dimension in dims.REVIEW_DIMENSIONS:
            if dimension.many:
                row[dimension.name] = self.random.sample(
                    dimension.values, self.pick([1, 2, 3], [6, 3, 1])
                )
            else:
                row[dimension.name] = self.pick(dimension.values)
        row.update(fixed)
        for dimension in dims.REVIEW_DIMENSIONS:  # in order: a condition comes first
            if not dims.is_asked(dimension, row):
                row[dimension.name] = ""
        return row

    def reviews_of(self, child: dict, partnership: int, region: int, number: int) -> list[dict]:
        return [self.review(child, partnership, region) for _ in range(number)]

    def area(self, region: int, partnerships: list[int], reviews: int, *, repeats=True):
        """About `reviews` reviews in the region's partnerships, children with 1 to 3 each."""
        rows: list[dict] = []
        while len(rows) < reviews:
            number = self.pick(REVIEWS_PER_CHILD, list(REVIEWS_PER_CHILD.values()))
            number = min(number if repeats else 1, reviews - len(rows))
            rows += self.reviews_of(self.child(), self.pick(partnerships), region, number)
        return rows


def generated(seed: int, regions: int = 4, reviews_per_region: int = 15, partnerships: int = 3):
    """A seeded data set: several regions, each with a few partnerships."""
    generator = Generator(seed)
    rows, owners = [], {}
    for region in range(1, regions + 1):
        ids = [region * 100 + number for number in range(partnerships)]
        owners.update(dict.fromkeys(ids, region))
        rows += generator.area(region, ids, reviews_per_region)
    return DataSet(f"generated-{seed}", list(range(1, regions + 1)), rows, partnerships=owners)


def _regions_of(rows):
    return {row["partnership_id"]: row["region_id"] for row in rows}


def small_partnership(seed: int = 11) -> DataSet:
    """Three regions of 15 reviews; the fourth is one small partnership with 3 reviews."""
    generator = Generator(seed)
    rows = []
    for region in (1, 2, 3):
        rows += generator.area(region, [region * 100, region * 100 + 1], 15, repeats=False)
    rows += generator.area(4, [400], 3, repeats=False)
    return DataSet(
        "small-partnership",
        [1, 2, 3, 4],
        rows,
        notes="region 4 is one partnership with 3 reviews",
        partnerships=_regions_of(rows),
    )


def lone_review(seed: int = 12) -> DataSet:
    """Three regions of 15 reviews and a fourth with a single review in the year."""
    generator = Generator(seed)
    rows = []
    for region in (1, 2, 3):
        rows += generator.area(region, [region * 100, region * 100 + 1], 15, repeats=False)
    rows += generator.reviews_of(generator.child(ethnicity="MWAS", sex="female"), 400, 4, 1)
    return DataSet(
        "lone-review",
        [1, 2, 3, 4],
        rows,
        notes="region 4 has one review",
        partnerships=_regions_of(rows),
    )


def repeat_child(seed: int = 13) -> DataSet:
    """54 reviews about 53 children: one Pakistani child has two reviews, in region 2."""
    generator = Generator(seed)
    rows = []
    for region, number in ((1, 14), (2, 11), (3, 14), (4, 13)):
        rows += generator.area(region, [region * 100, region * 100 + 1], number, repeats=False)
    rows += generator.reviews_of(generator.child(ethnicity="APKN"), 200, 2, 2)
    assert len(rows) == 54 and len({row["child_id"] for row in rows}) == 53
    return DataSet(
        "repeat-child",
        [1, 2, 3, 4],
        rows,
        notes="54 reviews, 53 children: one APKN child with two reviews in region 2",
        partnerships=_regions_of(rows),
    )


def one_change(seed: int = 14) -> DataSet:
    """Two readings of four regions of 15 reviews; the second has one more review, of a
    new child, in region 3."""
    generator = Generator(seed)
    rows = []
    for region in (1, 2, 3, 4):
        rows += generator.area(region, [region * 100, region * 100 + 1], 15, repeats=False)
    added = generator.reviews_of(generator.child(ethnicity="BCRB", sex="male"), 300, 3, 1)
    return DataSet(
        "one-change",
        [1, 2, 3, 4],
        rows,
        after=rows + added,
        notes="one new review (a new Black Caribbean boy) in region 3 between the readings",
        partnerships=_regions_of(rows),
    )


def leak_built() -> list[DataSet]:
    return [small_partnership(), lone_review(), repeat_child(), one_change()]


def national(seed: int = 2026, reviews: int = 350, partnerships: int = 150) -> DataSet:
    """A national-scale year: 9 regions, ~150 partnerships, ~350 reviews, ~340 children."""
    generator = Generator(seed)
    owners = {number: 1 + number % 9 for number in range(1, partnerships + 1)}
    rows: list[dict] = []
    while len(rows) < reviews:
        partnership = generator.pick(owners)
        number = generator.pick(REVIEWS_PER_CHILD, [97, 2.5, 0.5])
        number = min(number, reviews - len(rows))
        rows += generator.reviews_of(generator.child(), partnership, owners[partnership], number)
    return DataSet("national", list(range(1, 10)), rows, partnerships=owners)


def is_consistent(row: dict) -> bool:
    """Whether a row answers a dependent question exactly when it is asked."""
    return c.ethnicity_group(row["ethnicity"]) in c.EthnicityGroup.values and all(
        (row[d.name] not in ("", None)) == dims.is_asked(d, row)
        for d in dims.DIMENSIONS
        if d.typed and not d.many
    )
