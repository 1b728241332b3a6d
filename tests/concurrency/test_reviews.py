"""Races on review records: two people saving one review from the same loaded page, two people
recording the same child reference, and two imports of the same references at once."""

import csv
import io
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from reviews import dimensions, exchange
from reviews.models import Child, Review
from tests.concurrency.conftest import run_together
from tests.reviews.factories import ReviewFactory

ROUNDS = 10
NEW = "/p/northshire/reviews/new/"
IMPORT = "/p/northshire/reviews/import/"

CHILD = {
    "reference": "C-2024-050",
    "sex": "female",
    "age": "12",
    "ethnicity": "APKN",
    "faith": "muslim",
    "first_language_not_english": "yes",
    "disability": "no",
    "neurodivergence": "not_recorded",
    "immigration_factor": "no",
    "known_to_social_care": "yes",
    "child_protection_plan": "no",
    "looked_after": "no",
    "outcome": "seriously_harmed",
}
REVIEW = {
    "review_type": "rapid_review",
    "incident_month_month": "3",
    "incident_month_year": "2024",
    "notification_month_month": "4",
    "notification_month_year": "2024",
}


class _Fields(HTMLParser):
    """What a browser would send back from the page's form: every input as it stands."""

    def __init__(self):
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._select = self._textarea = None

    def _add(self, name, value):
        self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name and name != "csrfmiddlewaretoken":
            kind = attrs.get("type", "text")
            if kind in ("radio", "checkbox"):
                if "checked" in attrs:
                    self._add(name, attrs["value"])
            elif kind != "submit":
                self._add(name, attrs.get("value") or "")
        elif tag == "select":
            self._select = name
        elif tag == "option" and self._select and "selected" in attrs:
            self._add(self._select, attrs["value"])
        elif tag == "textarea":
            self._textarea = name
            self._add(name, "")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            # A browser drops the one new line that may follow <textarea>.
            value = self.data[self._textarea][-1]
            self.data[self._textarea][-1] = value[1:] if value.startswith("\n") else value
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][-1] += data


def loaded_form(client, url) -> dict:
    """Every page of the review form as loaded, before the person changes anything: the data
    a browser would post to /edit/, which saves every page at once."""
    parser = _Fields()
    for page in dimensions.PAGES:
        response = client.get(f"{url}{page.slug}/")
        assert response.status_code == 200
        parser.feed(response.content.decode())
    return {name: values if len(values) > 1 else values[0] for name, values in parser.data.items()}


def signed_in(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def csv_upload(references) -> SimpleUploadedFile:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(exchange.HEADER)
    for reference in references:
        cells = {f"child_{name}": value for name, value in CHILD.items()}
        cells.update(
            child_reference=reference,
            review_type="rapid_review",
            incident_month="2024-03",
            notification_month="2024-04",
            status="draft",
        )
        writer.writerow([cells.get(name, "") for name in exchange.HEADER])
    return SimpleUploadedFile("reviews.csv", buffer.getvalue().encode(), content_type="text/csv")


@pytest.fixture
def review(northshire):
    return ReviewFactory(child__partnership=northshire, child__reference="C-2024-001")


def test_two_people_saving_different_fields_of_one_review_lose_nothing(review, contributor, lead):
    """Ten rounds of two saves from one loaded page: the later is refused and shown, never lost."""
    url = f"/p/northshire/reviews/{review.pk}/edit/"
    first, second = signed_in(contributor), signed_in(lead)
    lost, refused, server_errors = 0, 0, 0
    for round_ in range(ROUNDS):
        summary = f"Round {round_}: her ethnicity was recorded but never explored."
        age = str(round_ + 1)
        mine, theirs = loaded_form(first, url), loaded_form(second, url)
        mine["review-learning_summary"] = summary
        theirs["child-age"] = age
        responses = run_together(
            lambda data=mine: first.post(url, data), lambda data=theirs: second.post(url, data)
        )
        review.refresh_from_db()
        review.child.refresh_from_db()
        stored = (
            review.learning_summary == summary,
            review.child.age == int(age),
        )
        for response, kept in zip(responses, stored, strict=True):
            server_errors += response.status_code >= 500
            if response.status_code == 302 and not kept:
                lost += 1
            elif response.status_code == 200:
                refused += 1
                assert "Your changes have not been saved" in response.content.decode()
    assert (lost, server_errors) == (0, 0), (
        f"lost {lost} of {ROUNDS}, refused {refused}, 5xx {server_errors}"
    )
    assert refused == ROUNDS


@pytest.mark.parametrize("variant", ["C-2024-050", "c-2024-050"])
def test_two_people_recording_one_reference_make_one_child(northshire, contributor, lead, variant):
    """Ten rounds of two new records with one reference (or its case variant): one child each."""
    first, second = signed_in(contributor), signed_in(lead)
    server_errors, refused = 0, 0
    for round_ in range(ROUNDS):
        reference = f"C-2024-{round_:03d}"
        other = reference if variant == CHILD["reference"] else reference.lower()
        posts = [
            {f"child-{k}": v for k, v in {**CHILD, "reference": ref}.items()}
            | {f"review-{k}": v for k, v in REVIEW.items()}
            for ref in (reference, other)
        ]
        responses = run_together(
            lambda data=posts[0]: first.post(NEW, data),
            lambda data=posts[1]: second.post(NEW, data),
        )
        server_errors += sum(response.status_code >= 500 for response in responses)
        refused += sum(
            response.status_code == 200
            and "already has a child with the reference" in response.content.decode()
            for response in responses
        )
    children = Child.objects.filter(partnership=northshire).count()
    assert (server_errors, children) == (0, ROUNDS), f"5xx {server_errors}, children {children}"
    assert refused == ROUNDS


def test_two_imports_of_case_variant_references_make_no_duplicates(northshire, contributor, lead):
    """Two files of 200 references, one upper and one lower case, at once: one is refused."""
    references = [f"C-{n}" for n in range(200)]
    first, second = signed_in(contributor), signed_in(lead)
    responses = run_together(
        lambda: first.post(IMPORT, {"file": csv_upload(references)}),
        lambda: second.post(IMPORT, {"file": csv_upload(r.lower() for r in references)}),
    )
    codes = sorted(response.status_code for response in responses)
    children = Child.objects.filter(partnership=northshire).count()
    assert (codes, children) == ([200, 302], 200), f"answers {codes}, children {children}"
    assert Review.objects.filter(partnership=northshire).count() == 200
    refused = next(response for response in responses if response.status_code == 200)
    assert "Your partnership already has a child with the reference" in refused.content.decode()
