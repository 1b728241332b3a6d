"""A review's pages cost the same number of queries however long its history and however many
reviews its child has, and the changes they show are those made, newest first."""

import re
from datetime import date
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reviews import dimensions, services
from reviews.models import Review
from reviews.selectors import change_history

from .factories import ChildFactory, ReviewFactory

pytestmark = pytest.mark.django_db

MOST_QUERIES = 12  # the most any page of the service may make (issue 13)


def change(review, by, *, child=None, **fields) -> Review:
    """One saved change to the review (`fields`) or to its child (`child`), as the edit page
    makes it."""
    review = Review.objects.select_related("child", "partnership").get(pk=review.pk)
    return services.case_update(
        review=review,
        child_data=child or {},
        review_data=fields,
        review_revision=review.revision,
        child_revision=review.child.revision,
        by=by,
    )


def a_review(partnership, by, *, changes: int, reviews_of_child: int) -> Review:
    """A draft review with `changes` saved changes after it was recorded, alternately to the
    review and to its child, whose child has `reviews_of_child` reviews in all."""
    child = ChildFactory(partnership=partnership)
    review = ReviewFactory(child=child)
    for month in range(1, reviews_of_child):
        ReviewFactory(child=child, incident_month=date(2023, month, 1))
    for number in range(changes):
        if number % 2:
            change(review, by, child={"age": number % 17})
        else:
            change(review, by, learning_summary=f"Learning point {number}")
    return review


def pages(review) -> dict[str, str]:
    kwargs = {"slug": review.partnership.slug, "pk": review.pk}
    return {
        "review": reverse("reviews:detail", kwargs=kwargs),
        "check": reverse("reviews:check", kwargs=kwargs),
        **{
            f"edit {page.slug}": reverse("reviews:edit_page", kwargs={**kwargs, "page": page.slug})
            for page in (dimensions.PAGES[0], dimensions.PAGES[3], dimensions.PAGES[-1])
        },
    }


def queries(client, url) -> int:
    client.get(url)  # the session and anything cached per process, warmed
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def test_each_review_page_makes_as_many_queries_for_a_long_history_as_for_a_short_one(
    client, lead, northshire
):
    """3 changes and a child with one review, against 40 changes and a child with six: every
    page the same number of queries, at most MOST_QUERIES."""
    short = a_review(northshire, lead, changes=3, reviews_of_child=1)
    long = a_review(northshire, lead, changes=40, reviews_of_child=6)
    assert long.child.reviews.count() == 6 and long.history.count() > 20
    client.force_login(lead)
    small = {name: queries(client, url) for name, url in pages(short).items()}
    large = {name: queries(client, url) for name, url in pages(long).items()}
    assert small == large
    assert max(small.values()) <= MOST_QUERIES, small


def test_a_complete_review_page_makes_as_many_queries_as_a_draft(client, lead, northshire):
    draft = a_review(northshire, lead, changes=2, reviews_of_child=2)
    complete = a_review(northshire, lead, changes=2, reviews_of_child=2)
    Review.objects.filter(pk=complete.pk).update(status="complete")
    client.force_login(lead)
    for name in ("review", "check"):
        assert queries(client, pages(draft)[name]) == queries(client, pages(complete)[name])


def history_rows(html: str) -> list[tuple[str, str]]:
    """(who, what changed) of each row of the review page's Changes table."""
    table = re.search(r'<tbody class="govuk-table__body">(.*?)</tbody>', html, re.S).group(1)
    rows = [
        [
            unescape(re.sub(r"\s+", " ", cell)).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)
    ]
    return [(who, what) for _when, who, what in rows]


def test_the_review_page_shows_each_change_made_newest_first(client, lead, contributor, northshire):
    """Known changes to a review and its child, shown as made: who, and which answers."""
    review = ReviewFactory(child__partnership=northshire)
    change(review, contributor, racism_named="yes", child_voice="reported")
    change(review, lead, child={"age": 13, "faith": "none"})
    change(review, lead, learning_summary="Fathers were not asked")
    review = change(review, lead, child={"sex": "male"}, racism_named="no")
    client.force_login(lead)
    html = client.get(pages(review)["review"]).content.decode()
    lead_, contributor_ = lead.email, contributor.email
    assert history_rows(html) == [
        (lead_, "The review: racism or racial bias named"),
        (lead_, "The child: sex"),
        (lead_, "The review: learning summary"),
        (lead_, "The child: age at the incident, faith"),
        (contributor_, "The review: child's voice, racism or racial bias named"),
        ("System", "The review: created"),
        ("System", "The child: created"),
    ]


def test_the_review_page_shows_the_30_newest_changes(client, lead, northshire):
    review = a_review(northshire, lead, changes=40, reviews_of_child=1)
    client.force_login(lead)
    rows = history_rows(client.get(pages(review)["review"]).content.decode())
    assert len(rows) == 30
    assert rows[0] == (lead.email, "The child: age at the incident")
    assert rows[1] == (lead.email, "The review: learning summary")
    entries = change_history(review)
    assert [entry["revision"] for entry in entries[:4]] == [20, 20, 19, 19]
    assert entries[0]["names"] == ["age"] and entries[1]["names"] == ["learning_summary"]
