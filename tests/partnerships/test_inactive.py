"""A partnership that has been turned off answers 404 on every /p/<slug>/ page, of every app,
for its members and for Panel staff, exactly like one that does not exist. The Panel still
reads its past audits under /panel/."""

import pytest

from audits import services as audit_services
from partnerships.models import Membership
from tests.audits.test_views import make_cycle
from tests.reviews.factories import ReviewFactory

pytestmark = pytest.mark.django_db

CYCLE = "2026-27"


@pytest.fixture
def inactive(northshire, lead):
    """Northshire with a started audit and a review, then turned off."""
    audit_services.audit_start(partnership=northshire, cycle=make_cycle(CYCLE), by=lead)
    review = ReviewFactory(child__partnership=northshire)
    northshire.active = False
    northshire.save()
    return review


def _urls(review, lead):
    membership = Membership.objects.get(user=lead)
    return [
        # partnerships
        "/p/northshire/",
        "/p/northshire/members/",
        "/p/northshire/members/add/",
        f"/p/northshire/members/{membership.pk}/role/",
        f"/p/northshire/members/{membership.pk}/remove/",
        # audits
        "/p/northshire/audits/",
        f"/p/northshire/audits/{CYCLE}/",
        f"/p/northshire/audits/{CYCLE}/themes/1/",
        f"/p/northshire/audits/{CYCLE}/check/",
        f"/p/northshire/audits/{CYCLE}/report/",
        f"/p/northshire/audits/{CYCLE}/export.csv",
        # reviews
        "/p/northshire/reviews/",
        "/p/northshire/reviews/new/",
        "/p/northshire/reviews/export.csv",
        "/p/northshire/reviews/import/",
        f"/p/northshire/reviews/{review.pk}/",
        f"/p/northshire/reviews/{review.pk}/edit/",
        # dashboards
        "/p/northshire/dashboard/",
        "/p/northshire/dashboard/export.csv",
    ]


@pytest.mark.parametrize("persona", ["lead", "contributor", "viewer", "panel"])
def test_every_partnership_page_of_an_inactive_partnership_is_404(
    client, request, inactive, lead, persona
):
    """Members and Panel staff alike get 404 on every app's pages, GET and POST."""
    client.force_login(request.getfixturevalue(persona))
    for url in _urls(inactive, lead):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"role": "viewer"}).status_code == 404, url


def test_members_of_an_inactive_partnership_see_the_page_not_found(client, inactive, lead):
    """The answer is the ordinary 'Page not found' page, as for a partnership that never was."""
    client.force_login(lead)
    gone = client.get("/p/northshire/")
    never = client.get("/p/never-existed/")
    assert gone.status_code == never.status_code == 404
    assert "Page not found" in gone.content.decode()


def test_panel_still_reads_past_audits_of_an_inactive_partnership(client, inactive, panel):
    """Under /panel/ the Panel still opens the audit of a partnership that was turned off."""
    client.force_login(panel)
    response = client.get(f"/panel/cycles/{CYCLE}/audits/northshire/")
    assert response.status_code == 200
    assert "Northshire Safeguarding Children Partnership" in response.content.decode()


def test_reactivated_partnership_answers_again(client, inactive, northshire, lead):
    """Turning the partnership back on brings its pages back for its members."""
    northshire.active = True
    northshire.save()
    client.force_login(lead)
    assert client.get("/p/northshire/").status_code == 200
