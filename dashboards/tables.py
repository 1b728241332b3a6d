"""The tables every dashboard shows and exports, built from the selectors' figures.

A Table is what a page renders and what its CSV and XLSX files contain, cell for cell, so
that no number on screen lacks a downloadable source and no file holds a figure the
screen does not. Published counts of children and reviews reach a Table only from a
stored publication (dashboards/publication.py).
"""

from dataclasses import dataclass, field

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
    label: str  # in full: the header of a file, and what a screen reader hears
    kind: str = TEXT
    short: str = ""  # a prefix of the label, ending at a word, shown on a narrow header

    @property
    def rest(self) -> str:
        """What follows the short label: visually hidden, so the header reads in full."""
        return self.label.removeprefix(self.short) if self.short else ""

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

    def cells(self):
        """Each row with (column, value, shading) for each of its cells, for templates."""
        for row in self.rows:
            shading = row.shading or [""] * len(row.cells)
            yield row, list(zip(self.columns[1:], row.cells, shading, strict=True))

    def export_rows(self) -> tuple[list[str], list[list]]:
        """Header and rows for a CSV or XLSX file: no figure left blank silently."""
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
    if column.kind in (MEAN, CHANGE) and isinstance(value, float):
        return round(value, 2)
    return value


def heat_level(mean: float | None) -> str:
    """The shading band of a mean rating: the nearest level of the 0-3 scale."""
    if mean is None:
        return "none"
    return str(min(3, max(0, int(mean + 0.5))))
