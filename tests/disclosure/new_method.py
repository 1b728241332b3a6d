"""The published method's readings of a data set, for the attacker tests and the benchmark."""

from dashboards import publication

from . import attack


def readings(dataset) -> tuple[list[dict], dict]:
    """The published figures of the data set and the true counts of every area:
    ([{area: {cell: value} or None}], truth).

    A data set with a change between two readings still gives one reading: a year is
    published once and its stored figures never change (dashboards/services.py, and the
    frozen-figures tests of tests/dashboards/test_review_statistics.py and test_views.py),
    so reading the page after the change shows the same figures, byte for byte."""
    result, truth = [], {}
    for number, rows in enumerate([dataset.rows]):
        published = publication.published_figures(rows, dataset.regions)
        result.append(published)
        names = {name for cells in published.values() if cells for name in cells}
        counts = attack.true_counts(attack.rows_by_area(rows, dataset.regions), names)
        truth.update({(number, area): counted for area, counted in counts.items()})
    return result, truth


def sensitive(readings, truth) -> list[tuple]:
    """Every cell of every area, published or withheld, whose true count is 1 to 4."""
    names = sorted(
        {name for reading in readings for cells in reading.values() if cells for name in cells}
    )
    return [
        (number, area, name, truth[(number, area)].n(name))
        for number, reading in enumerate(readings)
        for area in reading
        for name in names
        if 0 < truth[(number, area)].n(name) < 5
    ]
