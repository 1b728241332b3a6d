"""Counting review cases on every dimension of reviews/dimensions.py.

Everything the review statistics show, restricted or published, is a *cell*: how many
children or reviews, with one value of one dimension (or all of them), of one ethnicity
(all, an ONS group or a DfE code) and one sex (all or one). A cell is named by a string,
so published figures can be stored and read back:

    "<unit>|<dimension>|<value>|<ethnicity>|<sex>"

with "*" for "all", "g:<group>" or "c:<code>" for ethnicity, and two kinds of value beside
the dimension's own: "@base" (the records the question was asked of) and "@<measure>" (a
named measure, such as risk recognised with no action). The totals are "<unit>|*|*|...".

A cell holds its count and the sum of its records' keys (reviews/models.py), from which the
published figures' perturbation is looked up (dashboards/disclosure.py). Counting is done in
one pass over the rows of dashboards/selectors.review_rows, because a child with several
reviews counts once among children, and types of harm are a list.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from reviews import choices as c
from reviews import dimensions as dims
from reviews.dimensions import CHILDREN, REVIEWS, Dimension

ALL = "*"
BASE = "@base"
SEXES = dims.SEX.values
GROUPS = c.EthnicityGroup.values


def group_key(group: str) -> str:
    return f"g:{group}"


def code_key(code: str) -> str:
    return f"c:{code}"


def codes_of(group: str) -> list[str]:
    return [code for code, code_group in c.ETHNICITY_GROUP.items() if code_group == group]


# Every ethnicity a cell can be split by: all, then each group followed by its codes.
ETHNICITIES = [ALL] + [
    key for group in GROUPS for key in (group_key(group), *map(code_key, codes_of(group)))
]


def cell(unit: str, dimension: str, value: str, ethnicity: str = ALL, sex: str = ALL) -> str:
    return f"{unit}|{dimension}|{value}|{ethnicity}|{sex}"


def total(unit: str, ethnicity: str = ALL, sex: str = ALL) -> str:
    return cell(unit, ALL, ALL, ethnicity, sex)


def base(dimension: Dimension, unit: str, ethnicity: str = ALL, sex: str = ALL) -> str:
    return cell(unit, dimension.name, BASE, ethnicity, sex)


def measure_cell(name: str, unit: str, ethnicity: str = ALL, sex: str = ALL) -> str:
    dimension, _measure = dims.MEASURES[name]
    return cell(unit, dimension.name, f"@{name}", ethnicity, sex)


def parse(name: str) -> tuple[str, str, str, str, str]:
    unit, dimension, value, ethnicity, sex = name.split("|")
    return unit, dimension, value, ethnicity, sex


@dataclass
class Counts:
    """The cells of one set of reviews: {cell: [count, sum of record keys]}."""

    cells: dict = field(default_factory=lambda: defaultdict(lambda: [0, 0]))

    def n(self, name: str) -> int:
        entry = self.cells.get(name)
        return entry[0] if entry else 0

    def key(self, name: str) -> int:
        entry = self.cells.get(name)
        return entry[1] if entry else 0

    def add(self, name: str, record_key: int):
        entry = self.cells[name]
        entry[0] += 1
        entry[1] += record_key

    def add_n(self, name: str, n: int):
        """Add n records to a cell (counts only: the restricted pages need no keys)."""
        if n:
            self.cells[name][0] += n

    def __contains__(self, name):
        return name in self.cells


def age_band(age) -> str:
    for key, _label, low, high in dims.AGE_BANDS:
        if low is not None and age is not None and low <= age <= high:
            return key
    return c.NOT_RECORDED


def values_of(dimension: Dimension, row: dict, reviews_of_child: int) -> list[str]:
    """The values a review row counts under for the dimension (none if not asked)."""
    if dimension.derived == "age_band":
        return [age_band(row["age"])]
    if dimension.derived == "reviews_of_child":
        return [str(min(reviews_of_child, 3))]
    value = row[dimension.name]
    if dimension.many:
        return list(dict.fromkeys(value or []))
    if not dims.is_asked(dimension, row) or value in (None, ""):
        return []
    return [value]


def _splits(row, crossed: bool):
    """(ethnicity, sex) pairs a row counts under: all only, or every split when crossed."""
    if not crossed:
        return [(ALL, ALL)]
    code = row["ethnicity"]
    ethnicities = (ALL, group_key(c.ethnicity_group(code)), code_key(code))
    return [(e, s) for e in ethnicities for s in (ALL, row["sex"])]


def dependencies(names: Iterable[str]) -> set[str]:
    """The dimensions named, with every dimension their base depends on."""
    result = set()
    for name in names:
        while name and name not in result:
            result.add(name)
            asked = dims.BY_NAME[name].asked_when
            name = asked[0] if asked else None
    return result


def count(rows: Iterable[dict], *, crossed: Iterable[str] = ()) -> Counts:
    """Every cell of the rows (one per complete review, with its child's answers).

    Totals are always split by ethnicity and sex; a dimension's own cells only for the
    dimensions in `crossed` (the rest are counted over everyone), with their bases.
    """
    crossed = dependencies(crossed)
    rows = list(rows)
    reviews_of = defaultdict(int)
    for row in rows:
        reviews_of[row["child_id"]] += 1
    counts = Counts()
    seen_children = set()
    for row in rows:
        first_of_child = row["child_id"] not in seen_children
        seen_children.add(row["child_id"])
        units = [(REVIEWS, row["review_key"])]
        if first_of_child:
            units.append((CHILDREN, row["child_key"]))
        for unit, key in units:
            for ethnicity, sex in _splits(row, True):
                counts.add(total(unit, ethnicity, sex), key)
            for dimension in dims.DIMENSIONS:
                if unit not in dimension.units:
                    continue
                values = values_of(dimension, row, reviews_of[row["child_id"]])
                splits = _splits(row, dimension.name in crossed)
                for value in values:
                    for ethnicity, sex in splits:
                        counts.add(cell(unit, dimension.name, value, ethnicity, sex), key)
                if dims.is_asked(dimension, row):
                    for ethnicity, sex in splits:
                        counts.add(base(dimension, unit, ethnicity, sex), key)
                for measure in dimension.measures:
                    if set(values) & measure.values:
                        for ethnicity, sex in splits:
                            counts.add(measure_cell(measure.name, unit, ethnicity, sex), key)
    return counts


def every_cell(*, crossed: Iterable[str] = ()) -> list[str]:
    """The name of every cell `count` can fill, zeros included, for the same `crossed`."""
    crossed = dependencies(crossed)
    every_split = [(e, s) for e in ETHNICITIES for s in (ALL, *SEXES)]
    names = []
    for unit in (CHILDREN, REVIEWS):
        names += [total(unit, e, s) for e, s in every_split]
        for dimension in dims.DIMENSIONS:
            if unit not in dimension.units:
                continue
            splits = every_split if dimension.name in crossed else [(ALL, ALL)]
            for e, s in splits:
                names += [cell(unit, dimension.name, v, e, s) for v in dimension.values]
                names.append(base(dimension, unit, e, s))
                names += [measure_cell(m.name, unit, e, s) for m in dimension.measures]
    return names


def count_areas(rows: Iterable[dict], areas: dict, *, crossed: Iterable[str] = ()) -> dict:
    """{area: Counts} for each area, given {area: a test of a row} (None for every row)."""
    rows = list(rows)
    return {
        area: count([row for row in rows if test is None or test(row)], crossed=crossed)
        for area, test in areas.items()
    }


# How cells add up ---------------------------------------------------------------------


@dataclass(frozen=True)
class Relation:
    """How `whole` stands to the sum of `parts`: equal to it ("sum"), at least it
    ("at_least", as reviews are at least their children) or at most it ("at_most", as every
    review has at least one type of harm, so reviews are at most the sum of the types)."""

    whole: str
    parts: tuple[str, ...]
    kind: str = "sum"


def relations(names: Iterable[str]) -> list[Relation]:
    """Every relation between the given cells that holds whatever the records are.

    These are what someone who knows how the tables are built can rely on: a dimension's
    values add up to its base, a base is all records or the records of the values that ask
    it, a measure is the sum of its values, groups add up from codes and sexes to all,
    children are no more than their reviews, and children by their number of reviews set a
    floor under the reviews.
    """
    names = set(names)
    result = []

    def add(whole, parts, kind="sum"):
        parts = tuple(parts)
        if whole in names and all(part in names for part in parts):
            result.append(Relation(whole, parts, kind))

    splits = {(parse(n)[3], parse(n)[4]) for n in names}
    for unit in (CHILDREN, REVIEWS):
        for ethnicity, sex in splits:
            for dimension in dims.DIMENSIONS:
                if unit not in dimension.units:
                    continue
                dimension_base = base(dimension, unit, ethnicity, sex)
                values = [cell(unit, dimension.name, v, ethnicity, sex) for v in dimension.values]
                if dimension.many:
                    for value in values:
                        add(dimension_base, [value], "at_least")
                    add(dimension_base, values, "at_most")
                    add(total(unit, ethnicity, sex), [dimension_base])
                else:
                    add(dimension_base, values)
                if dimension.asked_when:
                    condition, asking = dimension.asked_when
                    add(
                        dimension_base,
                        [cell(unit, condition, v, ethnicity, sex) for v in sorted(asking)],
                    )
                elif not dimension.many:
                    add(total(unit, ethnicity, sex), [dimension_base])
                for measure in dimension.measures:
                    add(
                        measure_cell(measure.name, unit, ethnicity, sex),
                        [
                            cell(unit, dimension.name, v, ethnicity, sex)
                            for v in sorted(measure.values)
                        ],
                    )
        # Ethnicity and sex roll up: codes to groups to all, each sex to all.
        for name in [n for n in names if parse(n)[0] == unit]:
            _unit, dimension, value, ethnicity, sex = parse(name)
            if ethnicity == ALL:
                add(name, [cell(unit, dimension, value, group_key(g), sex) for g in GROUPS])
            elif ethnicity.startswith("g:"):
                group = ethnicity[2:]
                add(name, [cell(unit, dimension, value, code_key(k), sex) for k in codes_of(group)])
            if sex == ALL:
                add(name, [cell(unit, dimension, value, ethnicity, s) for s in SEXES])
    # Children are no more than their reviews, and each child has at least one.
    for name in [n for n in names if parse(n)[0] == CHILDREN]:
        _unit, dimension, value, ethnicity, sex = parse(name)
        add(cell(REVIEWS, dimension, value, ethnicity, sex), [name], "at_least")
    for ethnicity, sex in splits:
        by_number = [cell(CHILDREN, "reviews_of_child", v, ethnicity, sex) for v in ("1", "2", "3")]
        # reviews >= 1 x (children with one) + 2 x (with two) + 3 x (with three or more)
        add(
            total(REVIEWS, ethnicity, sex),
            [by_number[0], by_number[1], by_number[1], *[by_number[2]] * 3],
            "at_least",
        )
        # A child's reviews all count under the child's number of reviews: children with
        # one review have as many reviews, with two twice as many, with three or more at
        # least three times as many.
        reviews_by_number = [
            cell(REVIEWS, "reviews_of_child", v, ethnicity, sex) for v in ("1", "2", "3")
        ]
        add(reviews_by_number[0], [by_number[0]])
        add(reviews_by_number[1], [by_number[1]] * 2)
        add(reviews_by_number[2], [by_number[2]] * 3, "at_least")
    # The sex and ethnicity dimensions' cells are the totals split the same way.
    for unit in (CHILDREN, REVIEWS):
        for ethnicity, sex in splits:
            if sex == ALL:
                for value in SEXES:
                    add(cell(unit, "sex", value, ethnicity), [total(unit, ethnicity, value)])
            if ethnicity == ALL:
                for code in c.ETHNICITY_GROUP:
                    add(
                        cell(unit, "ethnicity", code, ALL, sex),
                        [total(unit, code_key(code), sex)],
                    )
    return result


def area_relations(
    wholes: dict[str, list[str]], names: Iterable[str]
) -> list[tuple[str, list[str]]]:
    """For {area: the areas that make it up} (England: its regions), each cell of the
    area as the sum of the same cell of its parts: [( (area, cell), [(part, cell), ...] )]."""
    names = list(names)
    return [
        ((area, name), [(part, name) for part in parts])
        for area, parts in wholes.items()
        for name in names
    ]


# Showing cells -------------------------------------------------------------------------

Show = Callable[[str], object]  # a cell's name to what is shown: a count, or a marker


def exact(counts: Counts) -> Show:
    """The counts as they are (restricted pages, and a partnership's own screen)."""
    return counts.n


# Counting from the database's groups ---------------------------------------------------


def _add_grouped(counts, dimension, value, answers, units, code, sex, crossed):
    """Add one group's counts ({unit: how many}) as `count` adds each of its rows: every
    row of the group has this value of the dimension, these answers to the question it
    depends on, this ethnicity code and sex."""
    if dimension.derived:
        values = [value]
    elif not dims.is_asked(dimension, answers) or value in (None, ""):
        values = []
    else:
        values = [value]
    if dimension.name in crossed:
        row = {"ethnicity": code, "sex": sex}
        splits = _splits(row, True)
    else:
        splits = [(ALL, ALL)]
    asked = dims.is_asked(dimension, answers)
    for unit, n in units.items():
        if not n:
            continue
        for ethnicity, split_sex in splits:
            for v in values:
                counts.add_n(cell(unit, dimension.name, v, ethnicity, split_sex), n)
            if asked and not dimension.many:
                counts.add_n(base(dimension, unit, ethnicity, split_sex), n)
            for measure in dimension.measures:
                if set(values) & measure.values:
                    counts.add_n(measure_cell(measure.name, unit, ethnicity, split_sex), n)


def from_groups(groups, child_columns, review_columns, *, crossed=()) -> Counts:
    """The Counts that `count` gives, from the database's groups of the same rows
    (dashboards/selectors.cell_counts): rows of (kind, grouping mask, ethnicity code, sex,
    the grouped values, a, b), kind "children" (a children, b their reviews), "reviews"
    (a reviews) or "harm_types" (a reviews with that type of harm)."""
    crossed = dependencies(crossed)
    counts = Counts()
    harm = dims.BY_NAME["harm_types"]
    by_column = {
        ("age" if d.derived == "age_band" else ("n_of_child" if d.derived else d.name)): d
        for d in dims.DIMENSIONS
    }
    grouped_at: dict = {}  # {(kind, mask): the indexes of the columns grouped}
    for kind, mask, code, sex, values, a, b in groups:
        a, b = int(a), int(b)  # a sum comes back as a decimal
        if kind == "harm_types":
            _add_grouped(counts, harm, values[0], {}, {REVIEWS: a}, code, sex, crossed)
            continue
        columns = child_columns if kind == "children" else review_columns
        if (kind, mask) not in grouped_at:
            width = len(columns)
            grouped_at[kind, mask] = [
                index for index in range(width) if not mask & (1 << (width - 1 - index))
            ]
        grouped = {columns[index]: values[index] for index in grouped_at[kind, mask]}
        units = {CHILDREN: a, REVIEWS: b} if kind == "children" else {REVIEWS: a}
        if not grouped:
            if kind != "children":
                continue  # the totals, and ethnicity and sex, come from the children
            for ethnicity, split_sex in _splits({"ethnicity": code, "sex": sex}, True):
                for unit, n in units.items():
                    counts.add_n(total(unit, ethnicity, split_sex), n)
                if harm.name in crossed or (ethnicity, split_sex) == (ALL, ALL):
                    counts.add_n(base(harm, REVIEWS, ethnicity, split_sex), b)
            for dimension, value in ((dims.SEX, sex), (dims.ETHNICITY, code)):
                _add_grouped(counts, dimension, value, {}, units, code, sex, crossed)
            continue
        for name, value in grouped.items():
            dimension = by_column[name]
            if dimension.asked_when and dimension.asked_when[0] not in grouped:
                continue
            if dimension.asked_when is None and len(grouped) > 1:
                continue  # the question another one depends on, grouped for that one
            if dimension.derived == "age_band":
                value = age_band(None if value is None else int(value))
            elif dimension.derived:
                value = str(min(int(value), 3))
            _add_grouped(counts, dimension, value, grouped, units, code, sex, crossed)
    return counts
