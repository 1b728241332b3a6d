"""The tables every dashboard shows and exports, built from the selectors' figures.

A Table is what a page renders and what its CSV and XLSX files contain, cell for cell, so
that no number on screen lacks a downloadable source and no file holds a figure the
screen does not. Counts of children and reviews reach a Table only through
dashboards/disclosure.py.
"""

from dataclasses import dataclass, field

from . import disclosure
from .disclosure import SUPPRESSED

TEXT, COUNT, PERCENT, MEAN, CHANGE, PARTNERSHIPS = (
    "text",
    "count",
    "percent",
    "mean",
    "change",
    "partnerships",
)
NUMERIC = {COUNT, PERCENT, MEAN, CHANGE, PARTNERSHIPS}


@dataclass
class Column:
    label: str
    kind: str = TEXT

    @property
    def numeric(self) -> bool:
        return self.kind in NUMERIC


@dataclass
class Row:
    header: str
    cells: list
    level: int = 0  # 1 for a row indented under the one before (a code under its group)
    href: str = ""
    shading: list = field(default_factory=list)  # a CSS modifier per cell, for heat maps
    select: str = ""  # a value for a "choose this row" checkbox


@dataclass
class Table:
    slug: str
    title: str
    columns: list[Column]  # the first is the column of row headers
    rows: list[Row]
    note: str = ""
    suppressed: bool = False

    def cells(self):
        """Each row with (column, value, shading) for each of its cells, for templates."""
        for row in self.rows:
            shading = row.shading or [""] * len(row.cells)
            yield row, list(zip(self.columns[1:], row.cells, shading, strict=True))

    def export_rows(self) -> tuple[list[str], list[list]]:
        """Header and rows for a CSV or XLSX file: "c" kept, no figure left blank silently."""
        header = [column.label for column in self.columns]
        rows = [
            [("  " * row.level) + row.header]
            + [
                export_value(value, column)
                for column, value in zip(self.columns[1:], row.cells, strict=True)
            ]
            for row in self.rows
        ]
        return header, rows


def export_value(value, column: Column):
    if value is None:
        return ""
    if value == SUPPRESSED:
        return SUPPRESSED
    if column.kind in (MEAN, CHANGE) and isinstance(value, float):
        return round(value, 2)
    return value


def heat_level(mean: float | None) -> str:
    """The shading band of a mean rating: the nearest level of the 0-3 scale."""
    if mean is None:
        return "none"
    return str(min(3, max(0, int(mean + 0.5))))


# Review statistics --------------------------------------------------------------------


class ReviewFigures:
    """Every count a review statistics page shows, with the totals that tie them together.

    Counts are gathered first and suppressed in one pass, so a figure shown in two tables
    is hidden in both or neither, and a total in one table cannot expose a cell in another.
    """

    def __init__(self):
        self.counts: dict = {}
        self.totals: list[disclosure.Total] = []
        self.shown: dict = {}
        self.suppressed = False

    def add(self, key, count: int):
        self.counts[key] = count or 0

    def total(self, key, parts):
        self.totals.append(disclosure.Total(key, list(parts)))

    def settle(self, *, suppress: bool):
        """Decide once what is shown: suppressed, or in full for the owner's own screen."""
        self.suppressed = suppress
        self.shown = (
            disclosure.suppress(self.counts, self.totals)
            if suppress
            else disclosure.unsuppressed(self.counts)
        )
        return self

    def __getitem__(self, key):
        return self.shown.get(key, 0)

    def scoped(self, scope) -> "ScopedFigures":
        return ScopedFigures(self, scope)


class ScopedFigures:
    """The figures of one area (a region, or None for all of them) within ReviewFigures:
    the same keys, each kept as (scope, key), so that several areas settle in one pass."""

    def __init__(self, figures: ReviewFigures, scope):
        self.figures, self.scope = figures, scope

    @property
    def suppressed(self):
        return self.figures.suppressed

    def count(self, key) -> int:
        return self.figures.counts[(self.scope, key)]

    def add(self, key, count: int):
        self.figures.add((self.scope, key), count)

    def total(self, key, parts):
        self.figures.total((self.scope, key), [(self.scope, part) for part in parts])

    def share(self, key, of):
        """A count shown as a share of another: the rest is a hidden part of the total."""
        rest = ("rest", key)
        self.add(rest, self.count(of) - self.count(key))
        self.total(of, [key, rest])

    def __getitem__(self, key):
        return self.figures[(self.scope, key)]

    def percent(self, key, of):
        return disclosure.percentage(self[key], self[of])
