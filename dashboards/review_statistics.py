"""A partnership's own review statistics, for its members' screen only.

The tables are the published tables of dashboards/publication.py, laid out over the
partnership's own counts in full: its members hold the records already. They are never
published and never in a file.

Counting is most of the partnership dashboard's time (about 60 ms for 200 reviews), so the
tables are kept in the cache under a fingerprint of what they count: how many complete
reviews the partnership has, when the last of them changed, and the sums of their and their
children's revisions (each save of a review or a child adds one to its revision). Completing,
editing, importing or deleting a review, or changing a child, changes the fingerprint, so a
cached table is only ever served while it is still true. With no complete review there is
nothing to count and nothing is cached.
"""

import hashlib

from django.core.cache import cache
from django.db.models import Count, Max, Sum

from . import publication, selectors

CACHE_SECONDS = 24 * 60 * 60


def fingerprint(reviews) -> str:
    """What the tables count, in one short aggregate query."""
    seen = reviews.order_by().aggregate(
        n=Count("pk"),
        changed=Max("updated_at"),
        revisions=Sum("revision"),
        children=Sum("child__revision"),
    )
    if not seen["n"]:
        return ""
    seen["changed"] = seen["changed"].isoformat()
    return "{n}-{changed}-{revisions}-{children}".format(**seen)


def own_tables(partnership) -> list:
    """The partnership's own review statistics over all its complete reviews, in full."""
    reviews = selectors.complete_reviews(partnership=partnership)
    seen = fingerprint(reviews)
    if not seen:
        return publication.area_tables(publication.exact_show([]), partnership.name)
    # Hashed: a name has spaces, which some cache backends refuse in a key.
    parts = f"{partnership.pk}:{partnership.name}:{seen}".encode()
    key = f"own-review-tables:{hashlib.sha256(parts).hexdigest()}"
    tables = cache.get(key)
    if tables is None:
        rows = selectors.review_rows(reviews)
        tables = publication.area_tables(publication.exact_show(rows), partnership.name)
        cache.set(key, tables, CACHE_SECONDS)
    return tables
