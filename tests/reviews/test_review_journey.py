"""The review form page by page: starting a draft, a page's save, check answers, unique
titles, and who may reach the new pages."""

import pytest

from reviews import dimensions
from reviews.models import Review

from .factories import ReviewFactory
from .test_views import CHILD, LIST, NEW, REVIEW, post_data, seen

pytestmark = pytest.mark.django_db

START = {k: v for k, v in REVIEW.items() if k.startswith(("review_type", "incident", "notif"))}


def test_new_asks_the_child_then_the_review_then_goes_to_the_next_section(client, contributor):
    """/new/ asks the child's questions, then (carrying them, saving nothing) the review's
    type and months, saves the draft and goes to the first section it did not ask."""
    client.force_login(contributor)
    html = client.get(NEW).content.decode()
    assert 'name="child-reference"' in html
    assert 'name="review-review_type"' not in html
    step = client.post(NEW, post_data(CHILD))
    html = step.content.decode()
    assert step.status_code == 200 and not Review.objects.exists()
    assert 'name="review-review_type"' in html
    assert '<input type="hidden" name="child-reference" value="C-2024-001">' in html
    assert "<title>The review - Record a review" in html
    carried = {**post_data(CHILD, START), "carried": "child"}
    response = client.post(NEW, carried)
    review = Review.objects.get()
    assert response["Location"] == f"{LIST}{review.pk}/edit/ethnicity-faith-and-race/"
    assert review.child.reference == "C-2024-001" and review.child.created_by == contributor


def test_new_child_errors_stay_on_the_child_page(client, contributor):
    """A wrong child answer keeps the child's page, with every typed value and the error."""
    client.force_login(contributor)
    html = client.post(NEW, post_data({**CHILD, "age": "18"})).content.decode()
    assert "<title>Error: About the child - Record a review" in html
    assert 'name="review-review_type"' not in html
    assert 'value="C-2024-001"' in html


def test_review_step_errors_keep_the_carried_child_and_back_shows_it(client, contributor):
    """On the review's page an error keeps the child's answers hidden and carried; "Change
    the child's answers" shows them again; a carried answer made wrong is shown with its
    error, and nothing is saved."""
    client.force_login(contributor)
    carried = {**post_data(CHILD, {**START, "notification_month_month": "1"}), "carried": "child"}
    html = client.post(NEW, carried).content.decode()
    assert "The notification month cannot be before the incident month" in html
    assert '<input type="hidden" name="child-sex" value="female">' in html
    back = client.post(NEW, {**carried, "back": ""}).content.decode()
    assert 'name="review-review_type"' not in back and 'value="C-2024-001"' in back
    tampered = {**carried, "child-sex": "nonsense", "review-notification_month_month": "4"}
    html = client.post(NEW, tampered).content.decode()
    assert 'name="child-sex"' in html and "govuk-error-summary" in html
    assert not Review.objects.exists()


def test_a_page_saves_its_answers_and_the_last_goes_on_to_check_answers(
    client, contributor, northshire
):
    """A page's save keeps the other answers and goes to the next page; the last page's
    save goes to check answers."""
    review = ReviewFactory(child__partnership=northshire)
    client.force_login(contributor)
    url = f"{LIST}{review.pk}/edit/disclosures-and-allegations/"
    html = client.get(url).content.decode()
    assert 'data-app-reveal="review-disclosure" data-app-reveal-values="yes"' in html
    voice = client.get(f"{LIST}{review.pk}/edit/the-childs-voice-risk-and-action/")
    assert 'data-app-reveal="review-risk_recognised" data-app-reveal-values="fully partly"' in (
        voice.content.decode()
    )
    response = client.post(url, {**seen(review), "review-disclosure": "yes"})
    assert response["Location"] == f"{LIST}{review.pk}/edit/language-and-interpreters/"
    review.refresh_from_db()
    assert review.disclosure == "yes"
    assert review.history.first().history_user == contributor
    last = f"{LIST}{review.pk}/edit/{dimensions.PAGES[-1].slug}/"
    response = client.post(last, {**seen(review), "review-adultification": "yes"})
    assert response["Location"] == f"{LIST}{review.pk}/check/"


def test_check_answers_lists_every_page_with_change_links(client, lead, northshire):
    """Check answers has a summary list per page with Change links to that page."""
    review = ReviewFactory(child__partnership=northshire)
    client.force_login(lead)
    html = client.get(f"{LIST}{review.pk}/check/").content.decode()
    for section in dimensions.PAGES:
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
    """The form's pages and check answers are 404 to Panel staff and other partnerships."""
    review = ReviewFactory(child__partnership=northshire)
    for person in (panel, other_lead):
        client.force_login(person)
        assert client.get(f"{LIST}{review.pk}/{suffix}").status_code == 404
