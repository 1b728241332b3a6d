"""The review form's short pages: a new child's questions asked page by page with the
answers so far carried, each page's own title, and no page with too many controls."""

import re
from html import unescape

import pytest

from reviews import dimensions
from reviews.models import Review

from .factories import ReviewFactory
from .test_views import CHILD, LIST, NEW, REVIEW, seen

pytestmark = pytest.mark.django_db

START = {k: v for k, v in REVIEW.items() if k.startswith(("review_type", "incident", "notif"))}
CHILD_PAGES = [page for page in dimensions.PAGES if page.on == dimensions.CHILD]
MOST_CONTROLS = 20  # the most inputs, selects and textareas one page of the form may have


def hidden(html: str) -> list[tuple[str, str]]:
    """(name, value) of every hidden input but the CSRF token, as a browser would post them."""
    inputs = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html)
    return [(name, unescape(value)) for name, value in inputs if name != "csrfmiddlewaretoken"]


def answers(page, values) -> list[tuple[str, str]]:
    """One page's answers from `values` (unprefixed names), as posted."""
    return [
        (f"{page.on}-{name}", value)
        for name, value in values.items()
        if name.removesuffix("_month").removesuffix("_year") in page.fields  # a month's parts
    ]


def answers_review() -> list[tuple[str, str]]:
    """What a draft needs of the review: its type and months, as posted."""
    return [(f"review-{name}", value) for name, value in START.items()]


def post(client, url, pairs):
    """Post (name, value) pairs, a name repeated for several values."""
    data = {}
    for name, value in pairs:
        data.setdefault(name, []).append(value)
    return client.post(url, data)


def controls(html: str) -> int:
    """Inputs (but hidden ones), selects and textareas in a page's main content."""
    main = html.split("<main", 1)[1].split("</main>", 1)[0]
    inputs = re.findall(r"<input\b[^>]*>", main)
    shown = [tag for tag in inputs if 'type="hidden"' not in tag and 'type="submit"' not in tag]
    return len(shown) + main.count("<select") + main.count("<textarea")


def test_a_new_child_is_asked_page_by_page_and_the_draft_saved_after_the_review_page(
    client, contributor
):
    """/new/ asks the child's first page, then each next one carrying the answers so far in
    hidden fields, then the review's type and months; only then is the draft saved."""
    client.force_login(contributor)
    html = client.get(NEW).content.decode()
    assert 'name="child-reference"' in html and 'name="child-disability"' not in html
    carried = []
    for index, page in enumerate(CHILD_PAGES):
        response = post(client, NEW, [*carried, ("pages", page.slug), *answers(page, CHILD)])
        html = response.content.decode()
        assert response.status_code == 200 and not Review.objects.exists()
        assert "govuk-error-summary" not in html
        carried = hidden(html)
        assert ("child-reference", "C-2024-001") in carried
        if index + 1 < len(CHILD_PAGES):
            following = CHILD_PAGES[index + 1]
            assert f"<title>{unescape(following.title)} - Record a review" in unescape(html)
            assert f'name="child-{following.fields[0]}"' in html
    assert "<title>The review - Record a review" in html
    assert {name for name, _ in carried} >= {f"child-{name}" for name in CHILD if name}
    response = post(client, NEW, [*carried, ("pages", "the-review"), *answers_review()])
    review = Review.objects.get()
    assert response["Location"] == f"{LIST}{review.pk}/edit/ethnicity-faith-and-race/"
    assert review.child.looked_after == CHILD["looked_after"]
    assert review.child.ethnicity == CHILD["ethnicity"]


def test_a_child_page_left_blank_stays_with_its_errors_and_the_earlier_answers_kept(
    client, contributor
):
    """A child's page of radios posted with nothing chosen is shown again with its errors;
    the answers of the page before stay carried, not shown, and nothing is saved."""
    client.force_login(contributor)
    first, second = CHILD_PAGES[:2]
    html = post(client, NEW, [("pages", first.slug), *answers(first, CHILD)]).content.decode()
    carried = hidden(html)
    again = post(client, NEW, [*carried, ("pages", second.slug)]).content.decode()
    assert "govuk-error-summary" in again and "<title>Error: " in again
    assert f'name="child-{second.fields[0]}"' in again
    assert 'name="child-sex" value="female"' in again  # carried, hidden
    assert 'type="radio" name="child-sex"' not in again
    assert not Review.objects.exists()


def test_changing_the_childs_answers_shows_the_first_page_and_keeps_the_rest(client, contributor):
    """ "Change the child's answers" on the review's page shows the child's first page with
    its answers; the later pages' answers stay carried, so continuing goes to the review."""
    client.force_login(contributor)
    carried = [(f"child-{name}", value) for name, value in CHILD.items()]
    carried += [("pages", page.slug) for page in CHILD_PAGES] + [("carried", "child")]
    back = post(client, NEW, [*carried, ("back", "")]).content.decode()
    assert 'value="C-2024-001"' in back and 'type="radio" name="child-disability"' not in back
    kept = hidden(back)
    assert ("child-disability", CHILD["disability"]) in kept
    typed = [("pages", CHILD_PAGES[0].slug), *answers(CHILD_PAGES[0], CHILD)]
    html = post(client, NEW, [*kept, *typed]).content.decode()
    assert 'name="review-review_type"' in html and not Review.objects.exists()


def test_every_page_has_its_own_title_naming_the_review_and_the_page(client, lead, northshire):
    """Each form page's title names the page and the review, and no two are the same."""
    review = ReviewFactory(child__partnership=northshire)
    client.force_login(lead)
    titles = []
    for page in dimensions.PAGES:
        html = client.get(f"{LIST}{review.pk}/edit/{page.slug}/").content.decode()
        title = unescape(html.split("<title>")[1].split("</title>")[0])
        assert title.startswith(f"{page.title} - Change review {review.pk}: "), title
        titles.append(title)
    assert len(set(titles)) == len(titles)


def test_no_page_of_the_form_has_more_than_twenty_controls(client, lead, northshire):
    """Every page of the form, and the new review's first page, has at most 20 controls."""
    review = ReviewFactory(child__partnership=northshire)
    client.force_login(lead)
    counts = {NEW: controls(client.get(NEW).content.decode())}
    for page in dimensions.PAGES:
        url = f"{LIST}{review.pk}/edit/{page.slug}/"
        counts[url] = controls(client.get(url).content.decode())
    assert max(counts.values()) <= MOST_CONTROLS, counts


def test_a_page_saves_only_its_own_answers(client, contributor, northshire):
    """Saving one page changes its answers and leaves every other page's as they were."""
    review = ReviewFactory(child__partnership=northshire, interpreter_needed="no")
    client.force_login(contributor)
    url = f"{LIST}{review.pk}/edit/ethnicity-faith-and-race/"
    response = client.post(
        url, {**seen(review), "pages": "ethnicity-faith-and-race", "review-racism_named": "yes"}
    )
    assert response["Location"] == f"{LIST}{review.pk}/edit/the-childs-voice-risk-and-action/"
    review.refresh_from_db()
    assert review.racism_named == "yes" and review.interpreter_needed == "no"
