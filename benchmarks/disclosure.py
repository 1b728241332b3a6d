"""Benchmark: what the published review statistics hide, and what an attacker recovers.

    DJANGO_SETTINGS_MODULE=config.settings_test .venv/bin/python benchmarks/disclosure.py [--quick]

It generates a national-scale year (9 regions, about 150 partnerships, 350 complete reviews
about 340 children; tests/disclosure/data.py) and the data sets built to leak, and prints:

- under cell suppression as /panel/reviews/ did it (dashboards/review_statistics.py
  gather_national(...).settle(suppress=True), through a throw-away test database): the share
  of the tables' cells hidden across England and the regions, and how many hidden cells the
  attacker of tests/disclosure/attack.py pins;
- under the published method (dashboards/publication.published_figures), when it is there:
  the share of areas withheld, of cells whose published value differs from the truth, the
  mean and largest difference, how small cells (1 to 4) come out (0 or 5), and how many
  small cells the attacker pins.

It never runs as part of the test suite. --quick leaves out the national-scale attacks.
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")

import django  # noqa: E402

django.setup()

from django.db import transaction  # noqa: E402
from django.test.utils import setup_databases, setup_test_environment  # noqa: E402

from dashboards import figures, review_statistics, selectors  # noqa: E402
from partnerships.models import Partnership, Region  # noqa: E402
from reviews import choices as c  # noqa: E402
from reviews import dimensions as dims  # noqa: E402
from reviews.models import Child, Review  # noqa: E402
from tests.disclosure import attack, data  # noqa: E402

CHILD_FIELDS = [
    "age" if d.derived == "age_band" else d.name
    for d in dims.CHILD_DIMENSIONS
    if d.typed or d.derived == "age_band"
]
REVIEW_FIELDS = [
    "review_type",
    "incident_month",
    "notification_month",
    "completed_month",
    *(d.name for d in dims.REVIEW_DIMENSIONS if d.name != "review_type"),
]


# Cell suppression as the Panel's page did it ----------------------------------------------


def legacy_name(key) -> str | None:
    """The figures.py cell a key of review_statistics' figures counts (None: never shown)."""
    kind, *rest = key
    if kind == "m":
        (name,) = rest
        if name in ("reviews", "children"):
            return figures.total(name)
        if name.startswith("type_"):
            return figures.cell(dims.REVIEWS, "review_type", name[5:])
        if name.startswith("outcome_"):
            return figures.cell(dims.CHILDREN, "outcome", name[8:])
        unit = dims.CHILDREN if name in selectors.CHILD_MEASURES else dims.REVIEWS
        return figures.measure_cell(name, unit)
    if kind == "ethnicity":
        code, unit = rest
        return figures.total(unit, figures.code_key(code))
    if kind == "group":
        group, unit = rest
        return figures.total(unit, figures.group_key(group))
    if kind == "sex":
        value, unit = rest
        return figures.cell(unit, "sex", value)
    if kind == "age":
        band, unit = rest
        return figures.cell(unit, "age_band", band)
    if kind == "unheeded":
        group, sex = rest
        ethnicity = figures.ALL if group == "all" else figures.group_key(group)
        return figures.measure_cell(
            "unheeded", dims.REVIEWS, ethnicity, figures.ALL if sex == "all" else sex
        )
    return None  # ("rest", ...): the complement of a share, never shown


def _store(rows, regions, children, partnerships):
    """Create the rows' partnerships, children and complete reviews (what is not there yet)."""
    for row in rows:
        if row["partnership_id"] not in partnerships:
            number = row["partnership_id"]
            partnerships[number] = Partnership.objects.create(
                name=f"Benchmark {number} Safeguarding Children Partnership",
                slug=f"benchmark-{number}",
                region=regions[row["region_id"]],
            )
        partnership = partnerships[row["partnership_id"]]
        if row["child_id"] not in children:
            children[row["child_id"]] = Child.objects.create(
                partnership=partnership,
                reference=f"C-{row['child_id']:05d}",
                record_key=row["child_key"],
                **{name: row[name] for name in CHILD_FIELDS},
            )
        if not Review.objects.filter(
            record_key=row["review_key"], child=children[row["child_id"]]
        ).exists():
            Review.objects.create(
                child=children[row["child_id"]],
                partnership=partnership,
                status=c.Status.COMPLETE,
                record_key=row["review_key"],
                **{name: row[name] for name in REVIEW_FIELDS},
            )


def _legacy_reading(regions) -> tuple[dict, dict, list[str]]:
    """What the Panel's page published, per area: ({area: {cell: value}}, truth, names)."""
    reviews = selectors.complete_reviews()
    measures = selectors.measures_by_region(reviews)
    breakdowns = selectors.breakdowns_by_region(reviews)
    settled = review_statistics.gather_national(
        {
            region.pk: (measures.get(region.pk, {}), breakdowns.get(region.pk, {}))
            for region in regions.values()
        }
    ).settle(suppress=True)
    area_of = {None: attack.ENGLAND, **{region.pk: str(index) for index, region in regions.items()}}
    published: dict = {area: {} for area in area_of.values()}
    exact: dict = {}
    for (scope, key), value in settled.shown.items():
        name = legacy_name(key)
        if name is not None:
            published[area_of[scope]][name] = value
            exact[(area_of[scope], name)] = settled.counts[(scope, key)]
    rows = selectors.review_rows(reviews)
    index_of = {region.pk: index for index, region in regions.items()}
    for row in rows:
        row["region_id"] = index_of[row["region_id"]]
    names = sorted({name for cells in published.values() for name in cells})
    truth = attack.true_counts(attack.rows_by_area(rows, list(regions)), names)
    for (area, name), count in exact.items():  # the key mapping must count the same cells
        assert truth[area].n(name) == count, (area, name, count, truth[area].n(name))
    return published, truth, names


def legacy(dataset: data.DataSet) -> tuple[list[dict], dict]:
    """The legacy readings of a data set (two, across its change) and the true counts."""
    with transaction.atomic():
        regions = {r.order: r for r in Region.objects.filter(order__in=dataset.regions)}
        children, partnerships = {}, {}
        readings, truth = [], {}
        for number, rows in enumerate([dataset.rows] + ([dataset.after] if dataset.after else [])):
            _store(rows, regions, children, partnerships)
            published, counts, _names = _legacy_reading(regions)
            readings.append(published)
            truth.update({(number, area): counted for area, counted in counts.items()})
        transaction.set_rollback(True)
    return readings, truth


def hidden_cells(readings, truth):
    return [
        (number, area, name, truth[(number, area)].n(name))
        for number, reading in enumerate(readings)
        for area, cells in reading.items()
        for name, value in (cells or {}).items()
        if value == attack.SUPPRESSED
    ]


def run_attack(label, readings, support, regions, cells, truth, time_limit=10.0):
    start = time.perf_counter()
    attacker = attack.Attacker(readings, support, [str(r) for r in regions], time_limit=time_limit)
    broken = attacker.violations(truth)
    assert not broken, broken[:5]
    outcome = attacker.attack(cells)
    small = [p for p in outcome.pinned if 0 < p[3] < 5]
    print(
        f"  {label}: {outcome.summary(len(cells))}; of them 1 to 4: {len(small)}; "
        f"{time.perf_counter() - start:.0f} s"
    )
    for pinned in outcome.pinned[:6]:
        print(f"      pinned {pinned}")
    return outcome


def legacy_report(national, quick):
    print("Cell suppression (today's /panel/reviews/), through the database")
    readings, truth = legacy(national)
    cells = [value for reading in readings for area in reading.values() for value in area.values()]
    hidden = sum(value == attack.SUPPRESSED for value in cells)
    small = sum(
        0 < truth[(0, area)].n(name) < 5
        for area, reading in readings[0].items()
        for name in reading
    )
    print(
        f"  national year: {hidden} of {len(cells)} cells hidden across England and "
        f"{len(national.regions)} regions ({100 * hidden / len(cells):.1f}%); "
        f"{small} cells are 1 to 4"
    )
    if not quick:
        run_attack(
            "attack, national",
            readings,
            attack.legacy_support,
            national.regions,
            hidden_cells(readings, truth),
            truth,
            time_limit=20.0,
        )
    for dataset in [data.generated(1), *data.leak_built()]:
        readings, truth = legacy(dataset)
        run_attack(
            dataset.name,
            readings,
            attack.legacy_support,
            dataset.regions,
            hidden_cells(readings, truth),
            truth,
        )


# The published method ---------------------------------------------------------------------


def published_report(national, quick):
    try:
        from dashboards import disclosure, publication
    except ImportError:
        print("Published method: dashboards/publication.py is not there yet")
        return
    from tests.disclosure import new_method

    print("Published method (dashboards/publication.published_figures)")
    readings, truth = new_method.readings(national)
    published = readings[0]
    withheld = [area for area, cells in published.items() if cells is None]
    shown = [
        (cells[name], truth[(0, area)].n(name))
        for area, cells in published.items()
        if cells
        for name in cells
    ]
    moved = [abs(value - true) for value, true in shown if value != true]
    small = [(value, true) for value, true in shown if 0 < true < 5]
    print(
        f"  areas withheld: {len(withheld)} of {len(published)} "
        f"({100 * len(withheld) / len(published):.0f}%) {withheld}"
    )
    print(
        f"  cells published: {len(shown)}; differing from the truth: {len(moved)} "
        f"({100 * len(moved) / max(1, len(shown)):.1f}%); mean absolute difference "
        f"{sum(abs(v - t) for v, t in shown) / max(1, len(shown)):.2f}, "
        f"largest {max(moved, default=0)}"
    )
    print(
        f"  small cells (1 to 4): {len(small)}; shown as 0: "
        f"{sum(v == 0 for v, _t in small)}, as 5: {sum(v == 5 for v, _t in small)}"
    )
    if not quick:
        run_attack(
            "attack, national",
            readings,
            disclosure.true_range,
            national.regions,
            new_method.sensitive(readings, truth),
            truth,
            time_limit=20.0,
        )
    for dataset in [data.generated(1), *data.leak_built()]:
        readings, truth = new_method.readings(dataset)
        run_attack(
            dataset.name,
            readings,
            disclosure.true_range,
            dataset.regions,
            new_method.sensitive(readings, truth),
            truth,
        )
    del publication


def main(quick: bool):
    setup_test_environment()
    setup_databases(verbosity=0, interactive=False)
    national = data.national()
    print(
        f"National year: {len(national.rows)} reviews, "
        f"{len({row['child_id'] for row in national.rows})} children, "
        f"{len({row['partnership_id'] for row in national.rows})} partnerships with reviews, "
        f"{len(national.regions)} regions"
    )
    if hasattr(review_statistics, "gather_national"):
        legacy_report(national, quick)
    published_report(national, quick)


if __name__ == "__main__":
    main("--quick" in sys.argv)
