"""The review form section by section: starting a draft, a section's save, check answers,
unique titles, and who may reach the new pages."""

import pytest

from reviews import dimensions
from reviews.models import Review

from .factories import ReviewFactory
from .test_views import CHILD, LIST, NEW, REVIEW, post_data, seen

pytestmark = pytest.mark.django_db

START = {k: v for k, v in REVIEW.items() if k.startswith(("review_type", "incident", "notif"))}


def test_new_starts_a_draft_and_goes_to_the_next_section(client, contributor):
    """/new/ asks only what a draft needs, then goes to the first section it did not ask."""
    client.force_login(contributor)
    html = client.get(NEW).content.decode()
    assert 'name="child-reference"' in html and 'name="review-review_type"' in html
    assert 'name="review-risk_recognised"' not in html
    response = client.post(NEW, post_data(CHILD, START))
    review = Review.objects.get()
    assert response["Location"] == f"{LIST}{review.pk}/edit/what-the-review-did/"


def test_a_section_saves_its_answers_and_goes_on_to_check_answers(client, contributor, northshire):
    """The last section's save keeps the other answers and goes to check answers."""
    review = ReviewFactory(child__partnership=northshire)
    client.force_login(contributor)
    url = f"{LIST}{review.pk}/edit/what-the-review-did/"
    html = client.get(url).content.decode()
    assert 'data-app-reveal="review-disclosure" data-app-reveal-values="yes"' in html
    assert 'data-app-reveal="review-risk_recognised" data-app-reveal-values="fully partly"' in html
    response = client.post(url, {**seen(review), "review-disclosure": "yes"})
    assert response["Location"] == f"{LIST}{review.pk}/check/"
    review.refresh_from_db()
    assert review.disclosure == "yes"
    assert review.history.first().history_user == contributor


def test_check_answers_lists_every_section_with_change_links(client, lead, northshire):
    """Check answers has a summary list per section with Change links to its page."""
    review = ReviewFactory(child__partnership=northshire)
    client.force_login(lead)
    html = client.get(f"{LIST}{review.pk}/check/").content.decode()
    for section in dimensions.SECTIONS:
        assert f'data-testid="check-{section.slug}"' in html
        assert f"{LIST}{review.pk}/edit/{section.slug}/#" in html
    assert "Mark complete" in html


def test_two_reviews_of_one_child_have_different_titles(client, viewer, northshire):
    """Each review's page title names its own number."""
    first = ReviewFactory(child__partnership=northshire)
    second = ReviewFactory(child=first.child, partnership=northshire)
    client.force_login(viewer)
    titles = {
        client.get(f"{LIST}{r.pk}/").content.decode().split("<title>")[1].split("</title>")[0]
        for r in (first, second)
    }
    assert len(titles) == 2


@pytest.mark.parametrize("suffix", ["edit/the-review/", "check/"])
def test_panel_staff_and_other_partnerships_get_404(client, panel, other_lead, northshire, suffix):
    """The section and check pages are 404 to Panel staff and other partnerships."""
    review = ReviewFactory(child__partnership=northshire)
    for person in (panel, other_lead):
        client.force_login(person)
        assert client.get(f"{LIST}{review.pk}/{suffix}").status_code == 404
