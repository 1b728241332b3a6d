"""A compact cell suppression, the kind of method the attacker must be able to beat.

Counts from 1 to 4 are hidden as "c"; then, as long as some total (a relation of
dashboards/figures.py that adds parts up to a whole, or England as the sum of its regions)
has exactly one hidden member, the smallest non-zero part of it still shown is hidden too
(the whole, if every part is hidden or zero). It publishes the cells the review statistics
tables showed: children and reviews by ethnicity group and code, by sex and by age band,
reviews by type and by how far race was analysed, children by outcome, the findings, and
unheeded disclosures by ethnic group and sex.
"""

from dashboards import figures
from reviews import choices as c
from reviews.dimensions import CHILDREN, REVIEWS

from .attack import ENGLAND, SUPPRESSED

FINDINGS = {
    REVIEWS: [
        "racism_named",
        "risk_no_action",
        "voice_absent",
        "disclosures",
        "unheeded",
        "alleged",
        "not_investigated",
    ],
    CHILDREN: ["faith_not_recorded", "disability_not_recorded", "neurodivergence_not_recorded"],
}


def table_cells() -> list[str]:
    """The cells the tables show, each total with the parts that add up to it."""
    from reviews import dimensions as dims

    names = []
    for unit in (CHILDREN, REVIEWS):
        names += [figures.total(unit, ethnicity) for ethnicity in figures.ETHNICITIES]
        names += [figures.total(unit, figures.ALL, sex) for sex in figures.SEXES]
        age = dims.dimension("age_band")
        names += [figures.cell(unit, "age_band", band) for band in age.values]
        names.append(figures.base(age, unit))
        names += [figures.measure_cell(name, unit) for name in FINDINGS[unit]]
    for unit, name in ((REVIEWS, "review_type"), (REVIEWS, "race_analysed"), (CHILDREN, "outcome")):
        dimension = dims.dimension(name)
        names += [figures.cell(unit, name, value) for value in dimension.values]
        names.append(figures.base(dimension, unit))
    for group in [figures.ALL, *map(figures.group_key, c.EthnicityGroup.values)]:
        for sex in (figures.ALL, *figures.SEXES):
            names.append(figures.measure_cell("unheeded", REVIEWS, group, sex))
    return list(dict.fromkeys(names))


def suppress(counts: dict, regions, names=None) -> dict:
    """{area: {cell: count or "c"}} from {area: Counts} for England and its regions."""
    names = table_cells() if names is None else names
    areas = [ENGLAND, *map(str, regions)]
    value = {(area, name): counts[area].n(name) for area in areas for name in names}
    totals = [
        [(area, relation.whole), *((area, part) for part in relation.parts)]
        for area in areas
        for relation in sorted(figures.relations(names), key=lambda r: (r.whole, r.parts))
        if relation.kind == "sum"
    ]
    totals += [
        [whole, *parts] for whole, parts in figures.area_relations({ENGLAND: areas[1:]}, names)
    ]
    hidden = {key for key, count in value.items() if 0 < count < 5}
    changed = True
    while changed:
        changed = False
        for whole, *parts in totals:
            if sum(key in hidden for key in (whole, *parts)) != 1:
                continue
            shown = sorted(
                (key for key in parts if key not in hidden),
                key=lambda key: (value[key] == 0, value[key]),
            )
            hidden.add(shown[0] if shown else whole)
            changed = True
    return {
        area: {
            name: SUPPRESSED if (area, name) in hidden else value[(area, name)] for name in names
        }
        for area in areas
    }
