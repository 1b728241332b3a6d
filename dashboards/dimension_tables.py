"""The review statistics laid out as Tables, one layout for every kind of figure.

Each function takes `show`, which turns a cell's name (dashboards/figures.py) into what is
shown: the count itself on a partnership's own screen and on the restricted pages, the
published figure elsewhere. So the tables, and their rows and columns, are derived from
reviews/dimensions.py alone, whatever the figures are.
"""

from reviews import choices as c
from reviews import dimensions as dims
from reviews.dimensions import CHILDREN, REVIEWS, Dimension

from . import disclosure
from . import figures as f
from .tables import COUNT, PERCENT, Column, Row, Table

UNIT_LABEL = {CHILDREN: "Children", REVIEWS: "Reviews"}


def percent(show, count_cell: str, base_cell: str):
    """A count's share of its base, from the figures as shown."""
    return disclosure.percentage(show(count_cell), show(base_cell))


def base_label(dimension: Dimension, unit: str) -> str:
    """What a dimension's figures are counted out of, in words."""
    if dimension.asked_when:
        return f"{unit} where {dimension.condition}"
    return unit


def dimension_slug(dimension: Dimension) -> str:
    return f"dimension-{dimension.name.replace('_', '-')}"


def dimension_table(show, dimension: Dimension, area: str, *, note: str = "") -> Table:
    """One dimension's values: children and reviews (or reviews alone) and their shares."""
    columns = [Column(dimension.question)]
    for unit in dimension.units:
        columns += [
            Column(UNIT_LABEL[unit], COUNT),
            Column(f"% of {base_label(dimension, unit)}", PERCENT),
        ]

    def cells(value_cell):
        result = []
        for unit in dimension.units:
            name, whole = value_cell(unit), f.base(dimension, unit)
            result += [show(name), percent(show, name, whole)]
        return result

    rows = [
        Row(label, cells(lambda unit, v=value: f.cell(unit, dimension.name, v)))
        for value, label in dimension.choices
    ]
    everyone = f"All where {dimension.condition}" if dimension.asked_when else "All"
    rows.append(Row(everyone, cells(lambda unit: f.base(dimension, unit))))
    if dimension.many:
        note = note or "A review can record several types of harm, so the rows add up to more."
    return Table(
        dimension_slug(dimension), f"{dimension.question}, {area}", columns, rows, note=note
    )


def measures_table(show, area: str) -> Table:
    """Every named measure of reviews/dimensions.py: the number, its base and the share."""
    rows = []
    for name, (dimension, measure) in dims.MEASURES.items():
        unit = dimension.units[0]
        count_cell, whole = f.measure_cell(name, unit), f.base(dimension, unit)
        rows.append(
            Row(
                measure.label,
                [
                    show(count_cell),
                    show(whole),
                    base_label(dimension, unit),
                    percent(show, count_cell, whole),
                ],
            )
        )
    return Table(
        "measures",
        f"What the reviews found, {area}",
        [
            Column("Finding"),
            Column("Number", COUNT),
            Column("Out of", COUNT),
            Column("Counted out of"),
            Column("Percentage", PERCENT),
        ],
        rows,
    )


def ethnicity_label(key: str) -> str:
    """A row header for an ethnicity key: "All", a group, or a code with its name."""
    if key == f.ALL:
        return "All"
    kind, value = key.split(":", 1)
    if kind == "g":
        return c.EthnicityGroup(value).label
    return f"{c.Ethnicity(value).label} ({value})"


def crosstab_table(
    show, slug: str, title: str, cell_of, *, note: str = "", codes: bool = True
) -> Table:
    """A figure by ethnic group (and DfE code, indented under its group) and sex.

    `cell_of(ethnicity, sex)` names the cell of each split.
    """
    sexes = dims.SEX.choices
    columns = [Column("Ethnic group and DfE code" if codes else "Ethnic group")]
    columns += [Column(label, COUNT) for _value, label in sexes] + [Column("All", COUNT)]
    rows = []
    for key in f.ETHNICITIES[1:] + [f.ALL]:
        if key.startswith("c:") and not codes:
            continue
        cells = [show(cell_of(key, sex)) for sex, _label in sexes] + [show(cell_of(key, f.ALL))]
        rows.append(Row(ethnicity_label(key), cells, level=1 if key.startswith("c:") else 0))
    return Table(slug, title, columns, rows, note=note)


def value_crosstab(show, dimension: Dimension, value: str, area: str) -> Table:
    """One value of a dimension by ethnicity and sex (children for a child's dimension)."""
    unit = dimension.units[0]
    label = dimension.label_of(value)
    return crosstab_table(
        show,
        f"cross-{dimension.name.replace('_', '-')}-{value.replace('_', '-')}",
        f"{dimension.question}: {label}, {UNIT_LABEL[unit].lower()} by ethnicity and sex, {area}",
        lambda ethnicity, sex: f.cell(unit, dimension.name, value, ethnicity, sex),
    )


def base_crosstab(show, dimension: Dimension, area: str) -> Table:
    """What a dimension's cross-tabulations are counted out of, by ethnicity and sex."""
    unit = dimension.units[0]
    return crosstab_table(
        show,
        f"cross-{dimension.name.replace('_', '-')}-base",
        f"All {base_label(dimension, UNIT_LABEL[unit].lower())}, by ethnicity and sex, {area}",
        lambda ethnicity, sex: f.base(dimension, unit, ethnicity, sex),
    )


def measure_crosstab(show, name: str, area: str, *, codes: bool = True) -> Table:
    """A named measure (such as unheeded disclosures) by ethnicity and sex."""
    dimension, measure = dims.MEASURES[name]
    unit = dimension.units[0]
    return crosstab_table(
        show,
        f"cross-{name.replace('_', '-')}",
        f"{measure.label}, by ethnicity and sex, {area}",
        lambda ethnicity, sex: f.measure_cell(name, unit, ethnicity, sex),
        codes=codes,
    )


def ethnicity_table(show, area: str) -> Table:
    """Children and reviews by ethnic group and DfE code, with shares of all."""
    columns = [Column("Ethnic group and DfE code")]
    for unit in (CHILDREN, REVIEWS):
        columns += [Column(UNIT_LABEL[unit], COUNT), Column(f"% of {unit}", PERCENT)]
    rows = []
    for key in f.ETHNICITIES[1:] + [f.ALL]:
        cells = []
        for unit in (CHILDREN, REVIEWS):
            cells += [show(f.total(unit, key)), percent(show, f.total(unit, key), f.total(unit))]
        rows.append(Row(ethnicity_label(key), cells, level=1 if key.startswith("c:") else 0))
    return Table(
        "ethnicity",
        f"Children and reviews by ethnicity, {area}",
        columns,
        rows,
        note="Groups are the five ONS 2021 groups; refused and not obtained count as not recorded.",
    )
