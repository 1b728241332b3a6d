"""The published review statistics: which tables, which cells, and their figures.

A year's figures are worked out once from that year's complete reviews, for England and
each of the 9 regions, perturbed cell by cell (dashboards/disclosure.py), and stored
(dashboards/models.Publication). Pages and files then read the stored figures: nothing
published is computed live. Everything here is pure (rows in, figures out, no database), so
the figures can be reproduced and attacked from generated rows.

An area whose year has fewer than MIN_REVIEWS complete reviews is withheld whole: with so
few reviews nearly every cell is 0 or 5, and the few that are not describe one or two
children almost exactly.

Cells are named as in dashboards/figures.py. The table of types of harm among reviews in
which the child disclosed abuse counts a subset of the reviews, so its cells carry the prefix
DISCLOSED ("disclosed>reviews|harm_types|neglect|*|*").
"""

from collections.abc import Callable, Iterable

from reviews import dimensions as dims
from reviews.dimensions import CHILDREN, REVIEWS

from . import dimension_tables as dt
from . import disclosure
from . import figures as f
from .tables import COUNT, PERCENT, Column, Row, Table

MIN_REVIEWS = 10
ENGLAND = "england"
DISCLOSED = "disclosed>"

# The dimensions whose cells the published tables split by ethnicity and sex.
CROSSED = ("disclosure", "disclosure_response")

# The measures the by-region table shows beside reviews and children, as a share of reviews,
# with the short headings a narrow table needs.
BY_REGION = [
    ("race_not_at_all", "Race not analysed"),
    ("racism_named", "Racism named"),
    ("risk_no_action", "Risk seen, no action"),
    ("voice_absent", "Child's voice absent"),
]

WITHHELD_NOTE = (
    f"Figures for {{area}} are not published for this year: it had fewer than {MIN_REVIEWS} "
    "complete reviews, too few to publish without risk of identifying a child."
)


def disclosed(name: str) -> str:
    """The cell of the same name among reviews in which the child disclosed abuse."""
    return DISCLOSED + name


def area_tables(show: Callable[[str], object], area: str) -> list[Table]:
    """The published tables of one area, in the order a page shows them.

    `show` gives each cell's figure (the published figure, or the count itself on a
    partnership's own screen).
    """
    tables = [dt.measures_table(show, area), dt.ethnicity_table(show, area)]
    tables += [dt.dimension_table(show, dimension, area) for dimension in dims.DIMENSIONS]
    tables.append(dt.measure_crosstab(show, "unheeded", area, codes=False))
    tables.append(dt.measure_crosstab(show, "disclosures", area))
    harm = dt.dimension_table(
        lambda name: show(disclosed(name)),
        dims.BY_NAME["harm_types"],
        area,
        note="Reviews in which the child disclosed abuse. A review can record several types "
        "of harm, so the rows add up to more.",
    )
    harm.slug = "disclosed-harm-types"
    harm.title = f"Types of harm where the child disclosed abuse, {area}"
    tables.append(harm)
    return tables


def region_table(areas: Iterable[tuple[str, Callable[[str], object] | None]]) -> Table:
    """Reviews, children and a few measures for each area given as (name, show), with
    show None for an area withheld."""
    columns = [Column("Region"), Column("Reviews", COUNT), Column("Children", COUNT)]
    for _name, label in BY_REGION:
        columns += [Column(label, COUNT), Column(f"{label}, % of reviews", PERCENT)]
    rows = []
    for label, show in areas:
        if show is None:
            rows.append(Row(label, [None] * (len(columns) - 1)))
            continue
        reviews = show(f.total(REVIEWS))
        cells = [reviews, show(f.total(CHILDREN))]
        for name, _label in BY_REGION:
            count = show(f.measure_cell(name, REVIEWS))
            cells += [count, disclosure.percentage(count, reviews)]
        rows.append(Row(label, cells))
    return Table(
        "by-region",
        "Reviews by region",
        columns,
        rows,
        note="A region left blank had too few complete reviews for its figures to be published.",
    )


def _cells_used() -> list[str]:
    """Every cell the published tables read, found by laying them out once."""
    used: dict[str, None] = {}

    def record(name):
        used[name] = None
        return 0

    area_tables(record, "")
    region_table([("", record)])
    return list(used)


PUBLISHED_CELLS = _cells_used()


def cell_counts(rows: list[dict]) -> Callable[[str], tuple[int, int]]:
    """For one area's rows, each cell's (count, sum of record keys), DISCLOSED cells
    counted over the reviews in which the child disclosed abuse."""
    counts = f.count(rows, crossed=CROSSED)
    disclosed_counts = f.count(
        [row for row in rows if row.get("disclosure") == "yes"], crossed=CROSSED
    )

    def of(name: str) -> tuple[int, int]:
        if name.startswith(DISCLOSED):
            name = name[len(DISCLOSED) :]
            return disclosed_counts.n(name), disclosed_counts.key(name)
        return counts.n(name), counts.key(name)

    return of


def exact_show(rows: list[dict]) -> Callable[[str], int]:
    """A `show` giving each cell's count itself (a partnership's own screen)."""
    of = cell_counts(rows)
    return lambda name: of(name)[0]


def area_figures(rows: list[dict]) -> dict[str, int]:
    """The published figure of every cell the tables use, for one area's rows."""
    of = cell_counts(rows)
    return {name: disclosure.perturb(*of(name)) for name in PUBLISHED_CELLS}


def area_id(region) -> str:
    """How an area is named in stored figures: "england", or a region's id as a string."""
    return str(getattr(region, "pk", region))


def published_figures(rows: Iterable[dict], regions: Iterable) -> dict[str, dict | None]:
    """A year's published figures from its complete reviews' rows
    (dashboards/selectors.review_rows): {"england": {cell: figure}, "<region id>": ...},
    None for an area with fewer than MIN_REVIEWS reviews. `regions` are Region objects or
    ids; every one gets an entry, with or without reviews."""
    rows = list(rows)
    areas: dict[str, list[dict]] = {ENGLAND: rows}
    for region in regions:
        areas[area_id(region)] = [row for row in rows if str(row["region_id"]) == area_id(region)]
    return {
        area: area_figures(area_rows) if len(area_rows) >= MIN_REVIEWS else None
        for area, area_rows in areas.items()
    }


def show_of(figures: dict | None) -> Callable[[str], object] | None:
    """A `show` reading stored figures (None for a withheld area)."""
    if figures is None:
        return None
    return lambda name: figures.get(name, 0)


def tables_of(figures: dict, area: str, *, region_areas=None) -> list[Table]:
    """The published tables of one area from its stored figures; with `region_areas`
    ([(region name, its stored figures or None)], England last), the by-region table too."""
    tables = area_tables(show_of(figures), area)
    if region_areas is not None:
        tables.append(region_table([(name, show_of(fig)) for name, fig in region_areas]))
    return tables
