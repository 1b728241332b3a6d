"""Each review page of a partnership runs a pinned number of queries, at most 12, the same
for a partnership with 10 reviews as with 300 (and the same whichever review is shown)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.dashboards.factories import complete_review
from tests.reviews.factories import ChildFactory, ReviewFactory

pytestmark = pytest.mark.django_db

PAGES = {
    "list": "/p/{slug}/reviews/",
    "list, filtered": "/p/{slug}/reviews/?status=complete",
    "a review": "/p/{slug}/reviews/{pk}/",
    "check": "/p/{slug}/reviews/{pk}/check/",
    "edit page": "/p/{slug}/reviews/{pk}/edit/the-child/",
    "import": "/p/{slug}/reviews/import/",
    "file format": "/p/{slug}/reviews/format/",
}


def add_reviews(partnership, count):
    for n in range(count):
        child = ChildFactory(partnership=partnership)
        if n % 2:
            complete_review(partnership, child=child)
        else:
            ReviewFactory(child=child, partnership=partnership)
        if n % 10 == 0:  # some children with a second review
            ReviewFactory(child=child, partnership=partnership)


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


@pytest.mark.parametrize("page", PAGES)
def test_review_pages_run_the_same_queries_for_10_reviews_as_for_300(
    client, lead, northshire, page
):
    client.force_login(lead)
    add_reviews(northshire, 10)
    review = northshire.reviews.order_by("pk").first()
    url = PAGES[page].format(slug=northshire.slug, pk=review.pk)
    client.get(url)  # the first request after signing in also updates the session
    few = queries(client, url)
    add_reviews(northshire, 290)
    assert northshire.reviews.count() > 300
    many = queries(client, url)
    newest = northshire.reviews.order_by("-pk").first()
    other = queries(client, PAGES[page].format(slug=northshire.slug, pk=newest.pk))
    assert few == many == other
    assert few <= 12
