# ruff: noqa: F811 (the fixtures imported from test_review_statistics are parameters here)
"""The restricted analysis counts in the database (selectors.cell_counts): every cell the
same as the Python pass over the rows (figures.count), which the hand-counted tests of
test_review_statistics.py and test_analysis.py pin, for every dimension broken down, every
"count only reviews where" and several areas and windows. Run it on PostgreSQL too
(DATABASE_URL=postgresql://...): elsewhere cell_counts is the Python pass itself."""

from datetime import date

import pytest

from dashboards import analysis, selectors
from dashboards import figures as f
from reviews import dimensions as dims
from tests.dashboards.test_review_statistics import (  # noqa: F401 (fixtures)
    hand_counted,
    random_dataset,
)

pytestmark = pytest.mark.django_db

WINDOWS = [(date(2023, 1, 1), date(2025, 12, 1)), (date(2024, 4, 1), date(2025, 3, 1))]


def python_counts(filters: analysis.Filters):
    """The computation the page made before: every row into Python, counted there."""
    rows = selectors.review_rows(filters.reviews())
    if filters.only_where:
        rows = analysis.only_reviews_where(rows, filters.only_where)
    return f.count(rows, crossed=[filters.dimension.name])


def nonzero(counts) -> dict:
    """The cells counted, each an int (a decimal from a database sum would not show)."""
    assert all(type(entry[0]) is int for entry in counts.cells.values())
    return {name: entry[0] for name, entry in counts.cells.items() if entry[0]}


def filters_for(dimension, only_where="", *, window=WINDOWS[0], month="notification", **area):
    return analysis.Filters(
        area=area.pop("area", analysis.ENGLAND),
        region=area.get("region"),
        partnership=area.get("partnership"),
        partnerships=area.get("partnerships", ()),
        month=month,
        first=window[0],
        last=window[1],
        dimension=dimension,
        only_where=only_where,
    )


@pytest.mark.parametrize("dimension", dims.DIMENSIONS, ids=lambda d: d.name)
def test_every_dimension_broken_down_counts_as_the_python_pass(random_dataset, dimension):
    filters = filters_for(dimension)
    expected = nonzero(python_counts(filters))
    assert expected  # the fixture's reviews are counted
    assert nonzero(selectors.cell_counts(filters.counted(), crossed=[dimension.name])) == expected


@pytest.mark.parametrize("only_where", sorted(dims.MEASURES))
def test_every_measure_counted_only_where_counts_as_the_python_pass(random_dataset, only_where):
    filters = filters_for(dims.BY_NAME["disclosure"], only_where, window=WINDOWS[1])
    counted = selectors.cell_counts(filters.counted(), crossed=["disclosure"])
    assert nonzero(counted) == nonzero(python_counts(filters))


def test_areas_and_incident_months_count_as_the_python_pass(random_dataset):
    region = random_dataset.regions[1]
    partnership = random_dataset.partnerships[0]
    harm = dims.BY_NAME["harm_types"]
    for filters in (
        filters_for(harm, area=analysis.REGION, region=region),
        filters_for(harm, area=analysis.PARTNERSHIP, partnership=partnership, month="incident"),
        filters_for(
            dims.BY_NAME["reviews_of_child"],
            "disclosures",
            area=analysis.CHOSEN,
            partnerships=tuple(random_dataset.partnerships[:2]),
        ),
    ):
        counted = selectors.cell_counts(filters.counted(), crossed=[filters.dimension.name])
        assert nonzero(counted) == nonzero(python_counts(filters))


def test_the_hand_counted_reviews_count_as_the_python_pass(hand_counted):
    """The 14 hand-counted reviews of test_review_statistics.py (a child with two reviews,
    a draft left out), without a window: every cell as the Python pass."""
    for dimension in ("disclosure_response", "age_band", "outcome"):
        reviews = selectors.complete_reviews()
        expected = f.count(selectors.review_rows(reviews), crossed=[dimension])
        assert nonzero(selectors.cell_counts(reviews, crossed=[dimension])) == nonzero(expected)


def test_nothing_counted_is_every_cell_zero(db):
    counted = selectors.cell_counts(selectors.complete_reviews(), crossed=["disclosure"])
    assert nonzero(counted) == {}


def test_the_cached_filter_form_offers_a_partnership_added_or_renamed(client, panel, northshire):
    """The filters' form is kept rendered, but never stale: a partnership added or renamed
    since is on offer at once."""
    from django.core.cache import cache

    from tests.partnerships.factories import PartnershipFactory

    # The list of partnerships is on the page once an area of one partnership is asked for.
    PartnershipFactory(name="Westfold Safeguarding Children Partnership", slug="westfold")
    page = "/panel/analysis/?area=partnership&partnership=westfold"
    cache.clear()
    client.force_login(panel)
    assert "Newtown" not in client.get(page).content.decode()
    PartnershipFactory(name="Newtown Safeguarding Children Partnership", slug="newtown")
    assert "Newtown Safeguarding Children Partnership" in client.get(page).content.decode()
    northshire.name = "Northshire and Dale"
    northshire.save()
    assert "Northshire and Dale" in client.get(page).content.decode()
    cache.clear()
