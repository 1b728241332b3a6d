"""The review statistics of docs/reviews.md's dimensions as tables, for the Panel's national page
and for a partnership's own dashboard.

Every count goes into one ReviewFigures with the totals it belongs to, is suppressed (or,
on the owning partnership's own screen, not) in one pass, and only then laid out.
"""

from reviews import choices as c

from . import selectors
from .selectors import AGE_BANDS
from .tables import COUNT, PERCENT, Column, ReviewFigures, Row, Table

UNITS = ("children", "reviews")

# (measure, what it counts, counted out of) for the table of what the reviews found.
PRACTICE = [
    ("race_not_at_all", "Race, ethnicity and culture not analysed at all", "reviews"),
    ("race_superficially", "Race, ethnicity and culture analysed superficially", "reviews"),
    ("race_substantively", "Race, ethnicity and culture analysed substantively", "reviews"),
    ("racism_named", "Racism or racial bias named", "reviews"),
    ("risk_no_action", "Risk recognised before the incident but no action followed", "reviews"),
    ("voice_absent", "Child's voice absent", "reviews"),
    ("disclosures", "Child disclosed abuse", "reviews"),
    ("unheeded", "Disclosure disbelieved, dismissed or not followed up", "disclosures"),
    ("alleged", "Family alleged racist practice", "reviews"),
    ("not_investigated", "Allegation of racist practice not investigated", "alleged"),
    ("faith_not_recorded", "Faith not recorded", "children"),
    ("disability_not_recorded", "Disability not recorded", "children"),
    ("neurodivergence_not_recorded", "Neurodivergence not recorded", "children"),
]
OUT_OF_LABEL = {
    "reviews": "reviews",
    "children": "children",
    "disclosures": "disclosures",
    "alleged": "allegations",
}
SHARES = [(measure, of) for measure, _label, of in PRACTICE if not measure.startswith("race_")]

# The measures the by-region table shows beside reviews and children.
BY_REGION = [
    ("race_not_at_all", "Race not analysed"),
    ("racism_named", "Racism named"),
    ("risk_no_action", "Risk seen, no action"),
    ("voice_absent", "Child's voice absent"),
]

TABLE_SLUGS = {
    "reviews-by-type",
    "children-by-outcome",
    "ethnicity",
    "sex",
    "age",
    "practice",
    "unheeded-disclosures",
    "by-region",
}

SEXES = c.Sex.choices
GROUPS = c.EthnicityGroup.choices


def _codes(group):
    return [code for code, code_group in c.ETHNICITY_GROUP.items() if code_group == group]


def _m(name):
    return ("m", name)


def gather(measures: dict, breakdown: dict) -> ReviewFigures:
    """One area's counts and totals (a partnership's own, on its dashboard)."""
    figures = ReviewFigures()
    _gather_scope(figures.scoped(None), _all_measures(measures), breakdown)
    return figures


def gather_national(per_region: dict) -> ReviewFigures:
    """Every region's counts and England's, for the Panel's pages.

    `per_region` is {region id: (measures, breakdown)}. England's figures are the sums of
    the regions' (each child and review is in one region), and each figure of England is
    tied to the same figure of every region. So whichever area a page shows, the same cells
    are hidden, and no area can be worked out by subtracting others from England.
    """
    figures = ReviewFigures()
    national_measures: dict = {}
    national_breakdown: dict = {}
    for region_id, (measures, breakdown) in per_region.items():
        measures = _all_measures(measures)
        _gather_scope(figures.scoped(region_id), measures, breakdown)
        for name, value in measures.items():
            national_measures[name] = national_measures.get(name, 0) + value
        for key, units in breakdown.items():
            summed = national_breakdown.setdefault(key, {})
            for unit, value in units.items():
                summed[unit] = summed.get(unit, 0) + value
    _gather_scope(figures.scoped(None), national_measures, national_breakdown)
    for _scope, key in [k for k in figures.counts if k[0] is None]:
        figures.total((None, key), [(region_id, key) for region_id in per_region])
    return figures


def _all_measures(measures: dict) -> dict:
    """Every measure, 0 where the database found no review to count."""
    names = [*selectors.REVIEW_MEASURES, *selectors.CHILD_MEASURES]
    return {name: measures.get(name) or 0 for name in names}


def _gather_scope(figures, measures: dict, breakdown: dict):
    """Put one area's counts, and the totals that tie them, into its scope of the figures.

    `measures` are the area's single figures, `breakdown` its counts by ethnicity, sex and
    age (see dashboards/selectors.py).
    """
    for name, value in measures.items():
        figures.add(_m(name), value)
    for prefix, values, total in (
        ("type", c.ReviewType.values, "reviews"),
        ("race", c.RaceAnalysed.values, "reviews"),
        ("outcome", c.Outcome.values, "children"),
    ):
        figures.total(_m(total), [_m(f"{prefix}_{value}") for value in values])
    for measure, of in SHARES:
        figures.share(_m(measure), _m(of))

    for unit in UNITS:
        group_keys = []
        for group, _label in GROUPS:
            code_keys = []
            for code in _codes(group):
                key = ("ethnicity", code, unit)
                figures.add(key, breakdown.get(("ethnicity", code), {}).get(unit, 0))
                code_keys.append(key)
            group_key = ("group", group, unit)
            figures.add(group_key, sum(figures.count(key) for key in code_keys))
            figures.total(group_key, code_keys)
            group_keys.append(group_key)
        figures.total(_m(unit), group_keys)
        for dimension, values in (
            ("sex", [value for value, _label in SEXES]),
            ("age", [key for key, *_rest in AGE_BANDS]),
        ):
            keys = []
            for value in values:
                key = (dimension, value, unit)
                figures.add(key, breakdown.get((dimension, value), {}).get(unit, 0))
                keys.append(key)
            figures.total(_m(unit), keys)

    # Unheeded disclosures by ethnicity group (rows) and sex (columns), with both totals.
    row_keys, column_parts = [], {sex: [] for sex, _label in SEXES}
    for group, _label in GROUPS:
        cells = []
        for sex, _label in SEXES:
            key = ("unheeded", group, sex)
            figures.add(
                key,
                sum(
                    breakdown.get(("unheeded", sex, code), {}).get("reviews", 0)
                    for code in _codes(group)
                ),
            )
            cells.append(key)
            column_parts[sex].append(key)
        row_key = ("unheeded", group, "all")
        figures.add(row_key, sum(figures.count(key) for key in cells))
        figures.total(row_key, cells)
        row_keys.append(row_key)
    figures.total(_m("unheeded"), row_keys)
    for sex, parts in column_parts.items():
        column_key = ("unheeded", "all", sex)
        figures.add(column_key, sum(figures.count(key) for key in parts))
        figures.total(column_key, parts)
    figures.total(_m("unheeded"), [("unheeded", "all", sex) for sex, _label in SEXES])


def _count_and_share(figures, key, of):
    return [figures[key], figures.percent(key, of)]


def tables(figures: ReviewFigures, *, scope=None, regions=None, area="England") -> list[Table]:
    """The review statistics tables of one area (`scope`: a region id, or None), from
    settled figures; with `regions`, a table of every region too."""
    everywhere, figures = figures, figures.scoped(scope)
    suppressed = figures.suppressed
    result = []

    def table(slug, title, columns, rows, note=""):
        result.append(Table(slug, title, columns, rows, note=note, suppressed=suppressed))

    for slug, title, header, prefix, choices, unit in (
        ("reviews-by-type", "Reviews by type", "Type of review", "type", c.ReviewType, "reviews"),
        ("children-by-outcome", "Children by outcome", "Outcome", "outcome", c.Outcome, "children"),
    ):
        table(
            slug,
            f"{title}, {area}",
            [Column(header), Column(unit.capitalize(), COUNT), Column(f"% of {unit}", PERCENT)],
            [
                Row(label, _count_and_share(figures, _m(f"{prefix}_{value}"), _m(unit)))
                for value, label in choices.choices
            ]
            + [Row(f"All {unit}", _count_and_share(figures, _m(unit), _m(unit)))],
        )
    by_unit_columns = [
        Column("Children", COUNT),
        Column("% of children", PERCENT),
        Column("Reviews", COUNT),
        Column("% of reviews", PERCENT),
    ]

    def by_unit(key_for):
        return [
            value for unit in UNITS for value in _count_and_share(figures, key_for(unit), _m(unit))
        ]

    ethnicity_rows = []
    for group, group_label in GROUPS:
        ethnicity_rows.append(Row(group_label, by_unit(lambda u, g=group: ("group", g, u))))
        for code in _codes(group):
            label = f"{c.Ethnicity(code).label} ({code})"
            ethnicity_rows.append(
                Row(label, by_unit(lambda u, k=code: ("ethnicity", k, u)), level=1)
            )
    ethnicity_rows.append(Row("All", by_unit(lambda u: _m(u))))
    table(
        "ethnicity",
        f"Children and reviews by ethnicity, {area}",
        [Column("Ethnic group and DfE code"), *by_unit_columns],
        ethnicity_rows,
        note="Groups are the five ONS 2021 groups; refused and not obtained count as not recorded.",
    )
    table(
        "sex",
        f"Children and reviews by sex, {area}",
        [Column("Sex"), *by_unit_columns],
        [Row(label, by_unit(lambda u, v=value: ("sex", v, u))) for value, label in SEXES]
        + [Row("All", by_unit(lambda u: _m(u)))],
    )
    table(
        "age",
        f"Children and reviews by age at the incident, {area}",
        [Column("Age in years"), *by_unit_columns],
        [Row(label, by_unit(lambda u, k=key: ("age", k, u))) for key, label, *_r in AGE_BANDS]
        + [Row("All", by_unit(lambda u: _m(u)))],
    )
    table(
        "practice",
        f"What the reviews found, {area}",
        [
            Column("Finding"),
            Column("Number", COUNT),
            Column("Out of", COUNT),
            Column("Counted out of"),
            Column("Percentage", PERCENT),
        ],
        [
            Row(
                label,
                [
                    figures[_m(measure)],
                    figures[_m(of)],
                    OUT_OF_LABEL[of],
                    figures.percent(_m(measure), _m(of)),
                ],
            )
            for measure, label, of in PRACTICE
        ],
    )
    table(
        "unheeded-disclosures",
        f"Disclosures disbelieved, dismissed or not followed up, by sex and ethnic group, {area}",
        [
            Column("Ethnic group"),
            *[Column(label, COUNT) for _sex, label in SEXES],
            Column("All", COUNT),
        ],
        [
            Row(
                label,
                [figures[("unheeded", group, sex)] for sex, _l in SEXES]
                + [figures[("unheeded", group, "all")]],
            )
            for group, label in GROUPS
        ]
        + [
            Row(
                "All",
                [figures[("unheeded", "all", sex)] for sex, _l in SEXES]
                + [figures[_m("unheeded")]],
            )
        ],
        note="Reviews in which the child disclosed abuse and the disclosure was disbelieved, "
        "dismissed or not followed up.",
    )
    if regions is not None:
        columns = [Column("Region"), Column("Reviews", COUNT), Column("Children", COUNT)]
        for _measure, label in BY_REGION:
            columns += [Column(label, COUNT), Column(f"{label}, % of reviews", PERCENT)]

        def region_row(label, region_id):
            region = everywhere.scoped(region_id)
            cells = [region[_m("reviews")], region[_m("children")]]
            for measure, _label in BY_REGION:
                cells += _count_and_share(region, _m(measure), _m("reviews"))
            return Row(label, cells)

        table(
            "by-region",
            "Reviews by region",
            columns,
            [region_row(region.name, region.pk) for region in regions]
            + [region_row("England", None)],
        )
    return result
