"""/panel/reviews/ at scale: the years on offer come from a handful of rows, and the tables
of a publication, rendered once and cached, stay true to what they show."""

from datetime import date

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dashboards import selectors, services
from dashboards.models import Publication
from partnerships.models import Region
from tests.dashboards.factories import complete_review

pytestmark = pytest.mark.django_db

PAGE = "/panel/reviews/"


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def publish_2023(northshire, *, reviews=12):
    for n in range(reviews):
        complete_review(northshire, notified=date(2023, 4 + n % 9, 1))
    return services.publication_publish(year=2023, today=date(2025, 4, 1))


def test_notification_years_reads_distinct_months_not_every_review(northshire):
    """Thirty reviews in three months of two years: two years, from three rows at most."""
    for n in range(30):
        complete_review(northshire, notified=date(2023, (5, 6, 1)[n % 3], 1))
    with CaptureQueriesContext(connection) as queries:
        years = selectors.notification_years()
    assert years == [2023, 2022]  # January 2023 is in April 2022 to March 2023
    (query,) = queries.captured_queries
    cursor = connection.cursor()
    cursor.execute(query["sql"])
    assert len(cursor.fetchall()) == 3  # one row a month, not one a review


def test_the_cached_tables_are_the_tables_rendered_afresh(client, panel, northshire):
    publish_2023(northshire)
    client.force_login(panel)
    first = client.get(PAGE).content.decode()
    again = client.get(PAGE).content.decode()
    cache.clear()
    fresh = client.get(PAGE).content.decode()
    assert 'id="measures"' in first
    # Only the per-request nonce-free parts are compared: the tables' section.
    section = slice(first.index('<nav class="app-contents"'), first.index("Download every table"))
    assert first[section] == again[section] == fresh[section]


def test_a_renamed_region_is_shown_renamed(client, panel, northshire):
    """The cached tables name the regions: renaming one shows the new name at once."""
    publish_2023(northshire)
    client.force_login(panel)
    assert "Greater London" not in client.get(PAGE).content.decode()
    london = Region.objects.get(slug="london")
    london.name = "Greater London"
    london.save()
    assert "Greater London" in client.get(PAGE).content.decode()


def test_a_new_publication_of_the_same_year_is_not_served_the_old_tables(client, panel, northshire):
    """A publication deleted (in tests; never in the service) and made again from other
    reviews is a different publication: its own figures are shown."""
    publish_2023(northshire)
    client.force_login(panel)
    before = client.get(PAGE).content.decode()
    Publication.objects.all().delete()
    publish_2023(northshire, reviews=40)  # 52 reviews counted now
    after = client.get(PAGE).content.decode()
    assert before != after
    assert Publication.objects.get().reviews_counted == 52


def test_the_page_runs_the_same_queries_cached_or_not_for_a_year_of_any_size(
    client, panel, northshire, django_assert_num_queries
):
    """Six queries with 12 reviews and with 60, whether the tables are cached or not."""
    publish_2023(northshire)
    client.force_login(panel)
    client.get(PAGE)  # the first request after signing in also updates the session
    cache.clear()
    with CaptureQueriesContext(connection) as uncached:
        client.get(PAGE)
    uncached_count = len(uncached)  # now: a request resets the log these are read from
    with django_assert_num_queries(6):
        client.get(PAGE)
    for n in range(48):
        complete_review(northshire, notified=date(2021, 4 + n % 9, 1))
    Publication.objects.all().delete()
    services.publication_publish(year=2023, today=date(2025, 4, 1))
    services.publication_publish(year=2021, today=date(2025, 4, 1))
    client.get(PAGE)
    with django_assert_num_queries(6):
        client.get(PAGE)
    assert uncached_count == 7  # the stored figures read once, to render the tables
