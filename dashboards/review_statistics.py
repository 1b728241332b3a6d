"""A partnership's own review statistics, for its members' screen only.

The tables are the published tables of dashboards/publication.py, laid out over the
partnership's own counts in full: its members hold the records already. They are never
published and never in a file.
"""

from . import publication, selectors


def own_tables(partnership) -> list:
    """The partnership's own review statistics over all its complete reviews, in full."""
    rows = selectors.review_rows(selectors.complete_reviews(partnership=partnership))
    return publication.area_tables(publication.exact_show(rows), partnership.name)
