"""The review statistics and restricted analysis pages stay under 150 KB of HTML with 130
partnerships (the national scale): their size grows with the partnerships on offer, not
with the reviews, so the partnerships are all there and the reviews are a few per region."""

from datetime import date

import pytest
from django.core.cache import cache
from django.utils import timezone

from dashboards import analysis, services
from partnerships.models import Region
from tests.conftest import verified_login
from tests.dashboards.factories import complete_review
from tests.partnerships.factories import PartnershipFactory

pytestmark = pytest.mark.django_db

LIMIT = 150 * 1024
PARTNERSHIPS = 130


@pytest.fixture
def national(db):
    """130 partnerships across the regions, one complete review each, notified in the last
    complete April-to-March year (the analysis's default window) and published (every
    region has at least ten)."""
    cache.clear()
    today = timezone.localdate()
    first, _last = analysis.last_complete_year(today)
    regions = list(Region.objects.order_by("order"))
    partnerships = [
        PartnershipFactory(
            name=f"Sizeborough {n:03} Safeguarding Children Partnership",
            slug=f"sizeborough-{n:03}",
            region=regions[n % len(regions)],
        )
        for n in range(PARTNERSHIPS)
    ]
    for n, partnership in enumerate(partnerships):
        complete_review(partnership, notified=date(first.year, 4 + n % 9, 1))
    services.publication_publish(year=first.year, today=today)
    yield partnerships
    cache.clear()


@pytest.fixture
def staff(client, panel):
    verified_login(client, panel)
    return client


def size_of(client, url) -> int:
    response = client.get(url)
    assert response.status_code == 200
    return len(response.content)


def test_review_statistics_are_under_150_kb(national, staff):
    region = Region.objects.order_by("order").first().slug
    html = staff.get("/panel/reviews/").content.decode()
    assert 'id="dimension-sex"' in html  # the tables are there
    assert len(html.encode()) < LIMIT
    assert size_of(staff, f"/panel/reviews/?area={region}") < LIMIT


def test_review_statistics_downloads_every_table_or_the_one_chosen(national, staff):
    """One form at the end offers every table's download; it keeps the page's filters."""
    region = Region.objects.order_by("order").first().slug
    html = staff.get(f"/panel/reviews/?area={region}").content.decode()
    assert "Download this table" not in html
    assert 'action="/panel/reviews/export.csv"' in html
    assert 'formaction="/panel/reviews/export.xlsx"' in html
    assert f'<input type="hidden" name="area" value="{region}">' in html
    assert '<option value="dimension-sex">' in html
    one = staff.get(f"/panel/reviews/export.csv?area={region}&table=dimension-sex")
    assert one.status_code == 200
    every = staff.get(f"/panel/reviews/export.csv?area={region}&table=")
    assert every.status_code == 200
    assert len(every.content) > len(one.content)


def test_the_analysis_is_under_150_kb(national, staff):
    region = Region.objects.order_by("order").first().slug
    html = staff.get("/panel/analysis/").content.decode()
    assert 'id="summary"' in html
    assert len(html.encode()) < LIMIT
    assert size_of(staff, f"/panel/analysis/?area=region&region={region}") < LIMIT


def test_the_analysis_lists_the_partnerships_once_their_area_is_asked_for(national, staff):
    """Each list of 130 partnerships is shown under its area's choice once that area is
    chosen; before, a hint says how to reach it (no JavaScript needed)."""
    default = staff.get("/panel/analysis/").content.decode()
    assert "Sizeborough 001" not in default
    assert default.count("then select Show figures to pick") == 2
    one = staff.get("/panel/analysis/?area=partnership&partnership=sizeborough-001").content
    assert one.decode().count('<option value="sizeborough-') == PARTNERSHIPS
    chosen = staff.get("/panel/analysis/?area=chosen&partnerships=sizeborough-001").content
    assert chosen.decode().count('name="partnerships"') == PARTNERSHIPS
    asked = staff.get("/panel/analysis/?area=chosen").content.decode()  # none ticked yet
    assert "Select at least 1 partnership" not in asked
    assert asked.count('name="partnerships"') == PARTNERSHIPS
    assert len(asked.encode()) < LIMIT
