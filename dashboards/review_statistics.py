"""A partnership's own review statistics, for its members' screen only.

The tables are the published tables of dashboards/publication.py, laid out over the
partnership's own counts in full: its members hold the records already. They are never
published and never in a file.

Counting them and rendering them (about 110 KB of HTML) were most of the partnership
dashboard's time, so their rendered HTML is kept in the cache under a fingerprint of what
they count: how many complete reviews the partnership has, when the last of them changed,
and the sums of their and their children's revisions (each save of a review or a child adds
one to its revision). Completing, editing, importing or deleting a review, or changing a
child, changes the fingerprint, so cached tables are only ever served while still true.
With no complete review there is nothing to count: the empty tables depend on the
partnership's name alone.
"""

import hashlib

from django.core.cache import cache
from django.db.models import Count, Max, Sum
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from . import publication, selectors

CACHE_SECONDS = 24 * 60 * 60
TEMPLATE = "dashboards/own_review_tables.html"


def fingerprint(reviews) -> str:
    """What the tables count, in one short aggregate query ("" when there is nothing)."""
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


def cache_key(partnership, seen: str) -> str:
    """The key of a partnership's tables counted at fingerprint `seen`; hashed, since a
    name has spaces, which some cache backends refuse in a key."""
    parts = f"{partnership.pk}:{partnership.name}:{seen}".encode()
    return f"own-review-tables-html:{hashlib.sha256(parts).hexdigest()}"


def own_tables(partnership) -> list:
    """The partnership's own review statistics over all its complete reviews, in full."""
    rows = selectors.review_rows(selectors.complete_reviews(partnership=partnership))
    return publication.area_tables(publication.exact_show(rows), partnership.name)


def render(tables: list) -> SafeString:
    """The tables as the partnership dashboard shows them: no download link."""
    return render_to_string(TEMPLATE, {"tables": tables})


def own_tables_html(partnership) -> SafeString:
    """The partnership's own review tables, rendered, from the cache while still true."""
    reviews = selectors.complete_reviews(partnership=partnership)
    seen = fingerprint(reviews)
    key = cache_key(partnership, seen)
    html = cache.get(key)
    if html is None:
        rows = selectors.review_rows(reviews) if seen else []
        html = render(publication.area_tables(publication.exact_show(rows), partnership.name))
        cache.set(key, html, CACHE_SECONDS)
    return SafeString(html)
