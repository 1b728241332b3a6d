"""The review case pages through the test client: tenancy and roles, the filtered list, recording
a case with its errors, adding a review, the detail page with its history, editing and
marking complete, and a pinned query count for the list."""

import re
from collections import defaultdict
from datetime import date, timedelta
from html import unescape
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from partnerships import months
from reviews import dimensions, forms, services, validators
from reviews.models import Child, Review

from .factories import ReviewFactory, complete_answers

pytestmark = pytest.mark.django_db

LIST = "/p/northshire/reviews/"
NEW = "/p/northshire/reviews/new/"

# The most queries the list page may run, whatever the number of reviews.
LIST_MAX_QUERIES = 7

CHILD = {
    "reference": "C-2024-001",
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
    "completed_month_month": "9",
    "completed_month_year": "2024",
    "harm_types": ["sexual", "cse"],
    "ethnicity_in_review": "superficial",
    "faith_recorded": "no",
    "race_analysed": "not_at_all",
    "racism_named": "no",
    "child_voice": "absent",
    "risk_recognised": "partly",
    "action_followed": "no",
    "disclosure": "yes",
    "disclosure_response": "dismissed",
    "racism_alleged": "no",
    "interpreter_needed": "no",
    "adultification": "yes",
    "intersectionality": "no",
    "fathers_assessed": "not_applicable",
    "learning_about_race": "yes",
    "learning_summary": "Her ethnicity was recorded but never explored.",
}


# Helpers -------------------------------------------------------------------------------


def post_data(child=None, review=None, **changes) -> dict:
    """Form data for the child and review forms; `changes` use the prefixed field names."""
    data = {f"child-{name}": value for name, value in (child or {}).items()}
    data.update({f"review-{name}": value for name, value in (review or {}).items()})
    data.update(changes)
    return data


def seen(review) -> dict:
    """The hidden revision fields a page loaded now would post."""
    return {"revision-review": str(review.revision), "revision-child": str(review.child.revision)}


def data_for(review) -> dict:
    """The form data that would resubmit a saved review and its child unchanged."""
    data = seen(review)
    for name in forms.ChildForm.Meta.fields:
        value = getattr(review.child, name)
        data[f"child-{name}"] = "" if value is None else str(value)
    for name in forms.ReviewForm.Meta.fields:
        value = getattr(review, name)
        if name.endswith("_month"):
            data[f"review-{name}_month"] = str(value.month) if value else ""
            data[f"review-{name}_year"] = str(value.year) if value else ""
        elif isinstance(value, list):
            data[f"review-{name}"] = value
        else:
            data[f"review-{name}"] = value or ""
    return data


class _FormState(HTMLParser):
    """The values a page's child and review fields show: typed, checked or selected."""

    def __init__(self):
        super().__init__()
        self.values = defaultdict(list)
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name") or ""
        if tag == "input" and attrs.get("type") in ("radio", "checkbox"):
            if "checked" in attrs:
                self.values[name].append(attrs["value"])
        elif tag == "input" and attrs.get("type") == "text" and attrs.get("value"):
            self.values[name].append(attrs["value"])
        elif tag == "select":
            self._select = name
        elif tag == "option" and self._select and "selected" in attrs:
            self.values[self._select].append(attrs["value"])
        elif tag == "textarea":
            self._textarea = name

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea and data:
            # As a browser does, the newline just after <textarea> is not part of the value.
            data = data[1:] if data.startswith("\n") else data
            if data:
                self.values[self._textarea].append(data)


def form_state(html: str) -> dict:
    parser = _FormState()
    parser.feed(html)
    return {
        name: sorted(values)
        for name, values in parser.values.items()
        if name.startswith(("child-", "review-")) and values
    }


def non_blank(data: dict) -> dict:
    """Posted data as form_state() reports it: lists of values, blanks left out."""
    as_lists = {
        k: sorted(v) if isinstance(v, list) else [v]
        for k, v in data.items()
        if k.startswith(("child-", "review-"))
    }
    return {k: v for k, v in as_lists.items() if v and v != [""]}


def error_summary(html: str) -> list[tuple[str, str]]:
    """(link target, message) for each entry of the GOV.UK error summary."""
    match = re.search(r'govuk-error-summary__list">(.*?)</ul>', html, re.S)
    assert match, "no error summary on the page"
    return [
        (unescape(href), unescape(text))
        for href, text in re.findall(r'<li><a href="([^"]*)">(.*?)</a></li>', match.group(1))
    ]


def references(response) -> list[str]:
    """The child references of the reviews on a list page, in order."""
    return [review.child.reference for review in response.context["page"].object_list]


def pagination_links(html: str) -> dict[str, str]:
    """rel (prev/next) -> href of the list's pagination links, unescaped."""
    return {
        rel: unescape(href) for href, rel in re.findall(r'href="([^"]*)" rel="(prev|next)"', html)
    }


def detail_url(review) -> str:
    return f"/p/{review.partnership.slug}/reviews/{review.pk}/"


def edit_url(review) -> str:
    return f"{detail_url(review)}edit/"


def next_month() -> date:
    return (date.today().replace(day=1) + timedelta(days=32)).replace(day=1)


def list_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(LIST)
    assert response.status_code == 200
    return len(queries.captured_queries)


@pytest.fixture
def draft(northshire):
    """A blank draft rapid review about C-2024-001 in Northshire."""
    return ReviewFactory(child__partnership=northshire, child__reference="C-2024-001")


@pytest.fixture
def complete(northshire):
    """A complete review in Northshire with every dimension answered."""
    return ReviewFactory(
        child__partnership=northshire,
        child__reference="C-2024-002",
        status="complete",
        **complete_answers(),
    )


@pytest.fixture
def theirs(eastmere):
    """A review in Eastmere."""
    return ReviewFactory(child__partnership=eastmere, child__reference="E-2024-001")


def _pages(review):
    return [LIST, NEW, detail_url(review), edit_url(review)]


# Tenancy and roles ---------------------------------------------------------------------


def test_other_partnership_lead_gets_404_on_every_page(client, other_lead, draft):
    """A lead of Eastmere gets 404 for every Northshire review page, as if it did not exist."""
    client.force_login(other_lead)
    for url in _pages(draft):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Page not found" in response.content.decode()
    assert client.post(detail_url(draft)).status_code == 404
    assert client.post(edit_url(draft), data_for(draft)).status_code == 404
    assert client.post(NEW, post_data(CHILD, REVIEW)).status_code == 404
    assert Child.objects.count() == 1


def test_anonymous_is_sent_to_sign_in(client, draft):
    """Review pages ask anonymous visitors to sign in first."""
    for url in _pages(draft):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('login')}?next={url}"


def test_viewer_reads_but_cannot_record_or_change(client, viewer, draft):
    """Viewers read the list and detail but get 403 on recording and editing."""
    client.force_login(viewer)
    assert client.get(LIST).status_code == 200
    detail = client.get(detail_url(draft))
    html = detail.content.decode()
    assert detail.status_code == 200
    assert ">Change<" not in html
    assert "Mark complete" not in html
    assert "Record a review" not in client.get(LIST).content.decode()
    assert client.get(NEW).status_code == 403
    assert client.get(edit_url(draft)).status_code == 403
    assert client.post(NEW, post_data(CHILD, REVIEW)).status_code == 403
    assert client.post(edit_url(draft), data_for(draft)).status_code == 403
    assert client.post(detail_url(draft)).status_code == 403
    assert Child.objects.count() == 1
    assert Review.objects.get().status == "draft"


REVIEW_PAGES = [
    "",
    "new/",
    "{pk}/",
    "{pk}/edit/",
    "import/",
    "export.csv",
    "template.csv",
    "format/",
]


@pytest.mark.parametrize("suffix", REVIEW_PAGES)
def test_panel_staff_get_404_on_every_review_page_as_a_non_member(
    client, panel, outsider, draft, suffix
):
    """Panel staff are answered 404 on each record-level review page, GET and POST, exactly
    as someone who belongs nowhere; nothing changes."""
    url = LIST + suffix.format(pk=draft.pk)
    for person in (panel, outsider):
        client.force_login(person)
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Page not found" in response.content.decode()
        assert client.post(url, data_for(draft)).status_code == 404, url
    assert Child.objects.count() == 1
    assert Review.objects.get().status == "draft"


def test_other_partnerships_review_under_own_slug_is_404(client, lead, theirs):
    """A lead cannot reach another partnership's review through their own URL."""
    client.force_login(lead)
    for url in (f"{LIST}{theirs.pk}/", f"{LIST}{theirs.pk}/edit/"):
        assert client.get(url).status_code == 404
    assert client.post(f"{LIST}{theirs.pk}/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "draft"


# List ----------------------------------------------------------------------------------


@pytest.fixture
def listed(northshire, eastmere):
    """Four Northshire reviews of different kinds, and an Eastmere one that never shows."""
    rows = [
        ("C-2024-101", "rapid_review", "seriously_harmed", "APKN", "draft", date(2024, 3, 1)),
        ("C-2023-102", "lcspr", "died", "CHNE", "complete", date(2023, 5, 1)),
        ("C-2023-103", "rapid_review", "died", "WBRI", "draft", date(2023, 1, 1)),
        ("C-2024-104", "lcspr", "seriously_harmed", "BCRB", "draft", date(2024, 6, 1)),
    ]
    for reference, review_type, outcome, ethnicity, status, month in rows:
        ReviewFactory(
            child__partnership=northshire,
            child__reference=reference,
            child__outcome=outcome,
            child__ethnicity=ethnicity,
            review_type=review_type,
            status=status,
            incident_month=month,
            notification_month=month,
        )
    ReviewFactory(child__partnership=eastmere, child__reference="E-2024-001")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["C-2024-104", "C-2024-101", "C-2023-102", "C-2023-103"]),
        ("review_type=lcspr", ["C-2024-104", "C-2023-102"]),
        ("review_type=rapid_review", ["C-2024-101", "C-2023-103"]),
        ("outcome=died", ["C-2023-102", "C-2023-103"]),
        ("ethnicity_group=asian", ["C-2024-101", "C-2023-102"]),
        ("ethnicity_group=black", ["C-2024-104"]),
        ("status=complete", ["C-2023-102"]),
        ("status=draft", ["C-2024-104", "C-2024-101", "C-2023-103"]),
        ("year=2023", ["C-2023-102", "C-2023-103"]),
        ("review_type=lcspr&outcome=died", ["C-2023-102"]),
        ("ethnicity_group=other", []),
    ],
)
def test_list_filters(client, viewer, listed, query, expected):
    """Each filter narrows the partnership's own reviews, newest incident first."""
    client.force_login(viewer)
    response = client.get(f"{LIST}?{query}")
    html = response.content.decode()
    assert response.status_code == 200
    assert references(response) == expected
    assert f'data-testid="review-count">{len(expected)} review' in html
    assert "E-2024-001" not in html
    if not expected:
        assert "No reviews match." in html


def test_list_shows_ethnicity_group_with_code(client, viewer, listed):
    """Chinese is listed under the ONS Asian group, with its DfE code kept."""
    client.force_login(viewer)
    html = client.get(f"{LIST}?ethnicity_group=asian").content.decode()
    assert "Asian (CHNE)" in html
    assert "Asian (APKN)" in html


def test_list_pages_by_25_and_keeps_filters_in_page_links(client, viewer, northshire):
    """30 matching reviews make two pages; the page links keep the filters."""
    for _ in range(30):
        ReviewFactory(child__partnership=northshire, review_type="lcspr")
    ReviewFactory(child__partnership=northshire, review_type="rapid_review")
    client.force_login(viewer)

    first = client.get(f"{LIST}?review_type=lcspr&status=draft")
    assert len(first.context["page"].object_list) == 25
    assert first.context["page"].paginator.count == 30
    links = pagination_links(first.content.decode())
    assert links == {"next": "?review_type=lcspr&status=draft&page=2"}

    second = client.get(f"{LIST}{links['next']}")
    assert len(second.context["page"].object_list) == 5
    assert {r.review_type for r in second.context["page"].object_list} == {"lcspr"}
    assert pagination_links(second.content.decode()) == {
        "prev": "?review_type=lcspr&status=draft&page=1"
    }
    assert set(references(first)).isdisjoint(references(second))


def test_list_query_count_is_pinned(client, lead, northshire, django_assert_max_num_queries):
    """The list page runs a fixed, small number of queries."""
    for _ in range(3):
        ReviewFactory(child__partnership=northshire)
    client.force_login(lead)
    client.get(LIST)
    with django_assert_max_num_queries(LIST_MAX_QUERIES):
        client.get(LIST)


def test_list_query_count_does_not_grow_with_reviews(client, lead, northshire):
    """The list runs the same number of queries for 3 reviews as for 60 (no N+1)."""
    for _ in range(3):
        ReviewFactory(child__partnership=northshire)
    client.force_login(lead)
    client.get(LIST)
    with_three = list_queries(client)
    for _ in range(57):
        ReviewFactory(child__partnership=northshire)
    with_sixty = list_queries(client)
    assert with_three == with_sixty
    assert with_sixty <= LIST_MAX_QUERIES


# Record --------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["contributor", "lead"])
def test_record_creates_child_and_draft_review(client, request, northshire, persona):
    """A full child and review are saved as a draft and the page moves to the review."""
    user = request.getfixturevalue(persona)
    client.force_login(user)
    assert "Record a review" in client.get(NEW).content.decode()
    response = client.post(NEW, post_data(CHILD, REVIEW))
    review = Review.objects.get()
    assert response.status_code == 302
    assert response["Location"] == detail_url(review)
    child = review.child
    assert (child.partnership, child.reference, child.age, child.ethnicity) == (
        northshire,
        "C-2024-001",
        12,
        "APKN",
    )
    assert child.first_language_not_english == "yes"
    assert child.created_by == user
    assert review.partnership == northshire
    assert review.status == "draft"
    assert review.incident_month == date(2024, 3, 1)
    assert review.notification_month == date(2024, 4, 1)
    assert review.completed_month == date(2024, 9, 1)
    assert review.harm_types == ["sexual", "cse"]
    assert (review.risk_recognised, review.action_followed) == ("partly", "no")
    assert review.learning_summary == REVIEW["learning_summary"]
    page = client.get(response["Location"]).content.decode()
    assert "Saved the review about C-2024-001" in page


def test_record_a_draft_with_only_the_required_answers(client, contributor):
    """The dimensions may be left blank on a draft."""
    client.force_login(contributor)
    review_fields = {k: v for k, v in REVIEW.items() if k.startswith(("review_type", "incident"))}
    review_fields.update(notification_month_month="3", notification_month_year="2024")
    response = client.post(NEW, post_data(CHILD, review_fields))
    assert response.status_code == 302
    review = Review.objects.get()
    assert review.status == "draft"
    assert review.completed_month is None
    assert review.racism_named == ""
    assert review.harm_types == []


FUTURE = next_month()

RECORD_ERRORS = [
    (
        {"child-reference": ""},
        "#id_child-reference",
        "Enter a reference for the child, like C-2024-007",
    ),
    ({"child-reference": "Alice"}, "#id_child-reference", validators.REFERENCE_LOOKS_LIKE_NAME),
    (
        {"child-reference": "C-2024-0000000000000001"},
        "#id_child-reference",
        validators.REFERENCE_FORMAT,
    ),
    ({"child-age": "18"}, "#id_child-age", "Enter the age as a whole number from 0 to 17"),
    ({"child-age": "-1"}, "#id_child-age", "Enter the age as a whole number from 0 to 17"),
    (
        {"review-notification_month_month": "2"},
        "#id_review-notification_month_0",
        forms.NOTIFIED_BEFORE_INCIDENT,
    ),
    (
        {
            "review-notification_month_month": str(FUTURE.month),
            "review-notification_month_year": str(FUTURE.year),
            "review-completed_month_month": "",
            "review-completed_month_year": "",
        },
        "#id_review-notification_month_0",
        "The notification month must be this month or earlier",
    ),
    (
        {"review-incident_month_month": "13"},
        "#id_review-incident_month_0",
        months.MONTH_NOT_REAL.format(label="incident month"),
    ),
    (
        {"review-learning_summary": "The girl, born 3/7/2010, was not asked."},
        "#id_review-learning_summary",
        validators.SUMMARY_HAS_DATE,
    ),
    (
        {"review-learning_summary": "The family lived near SW1A 1AA."},
        "#id_review-learning_summary",
        validators.SUMMARY_HAS_POSTCODE,
    ),
    (
        {"review-risk_recognised": "no", "review-action_followed": "yes"},
        "#id_review-action_followed_1",
        "Only answer this when risk was recognised",
    ),
]


RECORD_ERROR_IDS = [
    "no-reference",
    "reference-like-a-name",
    "reference-too-long",
    "age-18",
    "age-negative",
    "notified-before-incident",
    "future-month",
    "month-13",
    "summary-full-date",
    "summary-postcode",
    "action-without-risk",
]


@pytest.mark.parametrize(("changes", "target", "message"), RECORD_ERRORS, ids=RECORD_ERROR_IDS)
def test_record_errors_are_summarised_and_keep_every_value(
    client, contributor, changes, target, message
):
    """Each error is summarised and shown at its field, every value is kept, nothing is saved."""
    client.force_login(contributor)
    data = post_data(CHILD, REVIEW, **changes)
    response = client.post(NEW, data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: " in html
    assert "There is a problem" in html
    assert error_summary(html) == [(target, message)]
    # crispy-forms-gds numbers a field's error messages: <field id>_1_error.
    assert f'id="{re.sub(r"_[01]$", "", target[1:])}_1_error"' in html
    assert escape(message) in html
    assert form_state(html) == non_blank(data)
    assert not Child.objects.exists()
    assert not Review.objects.exists()


def test_record_refuses_a_reference_the_partnership_already_has(client, contributor, draft):
    """A reference already used in the partnership is reported at the reference field."""
    client.force_login(contributor)
    data = post_data(CHILD, REVIEW, **{"child-reference": "c-2024-001"})
    response = client.post(NEW, data)
    html = response.content.decode()
    assert response.status_code == 200
    assert error_summary(html) == [
        (
            "#id_child-reference",
            "Your partnership already has a child with the reference c-2024-001",
        )
    ]
    assert form_state(html) == non_blank(data)
    assert Child.objects.count() == 1
    assert Review.objects.count() == 1


# Add another review to a child ---------------------------------------------------------


def test_add_another_review_to_an_existing_child(client, contributor, draft):
    """/new/?child=<id> asks only about the review and adds it to that child."""
    client.force_login(contributor)
    url = f"{NEW}?child={draft.child.pk}"
    page = client.get(url).content.decode()
    assert "Add a review about C-2024-001" in page
    assert 'name="child-reference"' not in page
    assert 'name="review-review_type"' in page
    response = client.post(url, post_data(review={**REVIEW, "review_type": "lcspr"}))
    assert response.status_code == 302
    assert Child.objects.count() == 1
    added = draft.child.reviews.get(review_type="lcspr")
    assert added.partnership == draft.partnership
    assert added.status == "draft"
    assert response["Location"] == detail_url(added)
    detail = client.get(detail_url(draft)).content.decode()
    assert f'href="{detail_url(added)}"' in detail


def test_add_review_errors_are_summarised_without_child_fields(client, contributor, draft):
    """Adding a review to a child shows its errors the same way, and saves nothing."""
    client.force_login(contributor)
    data = post_data(review={**REVIEW, "notification_month_month": "1"})
    response = client.post(f"{NEW}?child={draft.child.pk}", data)
    html = response.content.decode()
    assert error_summary(html) == [
        ("#id_review-notification_month_0", forms.NOTIFIED_BEFORE_INCIDENT)
    ]
    assert form_state(html) == non_blank(data)
    assert Review.objects.count() == 1


@pytest.mark.parametrize("child", ["theirs", "missing", "not-a-number"])
def test_add_review_to_a_child_not_in_the_partnership_is_404(client, contributor, theirs, child):
    """Another partnership's child, or no such child, is 404 whether read or posted."""
    pk = {"theirs": theirs.child.pk, "missing": 999999, "not-a-number": "abc"}[child]
    client.force_login(contributor)
    url = f"{NEW}?child={pk}"
    assert client.get(url).status_code == 404
    assert client.post(url, post_data(review=REVIEW)).status_code == 404
    assert Review.objects.count() == 1


# Detail --------------------------------------------------------------------------------


def test_detail_change_links_lead_to_the_fields_on_the_edit_page(client, contributor, draft):
    """Every summary row has a Change link to its own field on the form page asking it."""
    client.force_login(contributor)
    html = client.get(detail_url(draft)).content.decode()
    links = re.findall(r'href="([^"]*)">Change<span class="govuk-visually-hidden"> ([^<]*)<', html)
    section_of = {name: s.slug for s in dimensions.PAGES for name in s.fields}
    names = list(forms.ChildForm.Meta.fields) + list(forms.ReviewForm.Meta.fields)
    assert [href.split("#")[0] for href, _ in links] == [
        f"{edit_url(draft)}{section_of[name]}/" for name in names
    ]
    assert ("#id_child-reference" in links[0][0]) and links[0][1] == "reference"
    pages = {}
    for href, _label in links:
        url, anchor = href.split("#")
        pages.setdefault(url, client.get(url).content.decode())
        assert f'id="{anchor}"' in pages[url], href


def test_detail_shows_answers_and_ethnicity_group(client, viewer, complete):
    """The summary lists show the child's and the review's answers as labels."""
    client.force_login(viewer)
    html = client.get(detail_url(complete)).content.decode()
    assert "Review about C-2024-002" in html
    assert "Pakistani" in html
    assert "Asian" in html
    assert "September 2024" in html
    assert "Sexual abuse" in html
    assert "Disbelieved or dismissed" in html
    assert 'data-testid="review-status">Complete<' in html
    assert 'data-testid="missing"' not in html


def test_detail_lists_what_is_still_to_answer(client, contributor, northshire):
    """A draft lists its unanswered dimensions, each linked to its field on the edit page."""
    answers = complete_answers()
    del answers["racism_named"], answers["child_voice"]
    review = ReviewFactory(child__partnership=northshire, **answers)
    client.force_login(contributor)
    html = client.get(detail_url(review)).content.decode()
    match = re.search(r'data-testid="missing">(.*?)</div>', html, re.S)
    assert match
    assert "Still to answer" in match.group(1)
    items = re.findall(r'<li><a class="govuk-link" href="([^"]*)">(.*?)</a></li>', match.group(1))
    assert [(href, unescape(text)) for href, text in items] == [
        (
            f"{edit_url(review)}ethnicity-faith-and-race/#id_review-racism_named_1",
            "Racism or racial bias named",
        ),
        (
            f"{edit_url(review)}the-childs-voice-risk-and-action/#id_review-child_voice_1",
            "Child's voice",
        ),
    ]


def test_detail_history_shows_who_changed_which_fields(client, contributor, lead, northshire):
    """After an edit, the history table says who changed which fields of the child and review."""
    client.force_login(contributor)
    client.post(NEW, post_data(CHILD, REVIEW))
    review = Review.objects.get()
    client.force_login(lead)
    data = data_for(review)
    data.update({"child-age": "13", "review-racism_named": "yes", "review-child_voice": "reported"})
    assert client.post(edit_url(review), data).status_code == 302
    html = client.get(detail_url(review)).content.decode()
    table = re.search(r'<tbody class="govuk-table__body">(.*?)</tbody>', html, re.S).group(1)
    rows = [
        [
            unescape(re.sub(r"\s+", " ", cell)).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)
    ]
    entries = {(who, what) for _, who, what in rows}
    assert ("lead@northshire.example.org", "The child: age at the incident") in entries
    assert (
        "lead@northshire.example.org",
        "The review: child's voice, racism or racial bias named",
    ) in entries
    assert ("contributor@northshire.example.org", "The review: created") in entries
    assert ("contributor@northshire.example.org", "The child: created") in entries


def test_lead_marks_a_complete_review_complete(client, lead, northshire):
    """A lead's POST to the detail page marks a fully answered review complete."""
    review = ReviewFactory(child__partnership=northshire, **complete_answers())
    client.force_login(lead)
    assert "Mark complete" in client.get(detail_url(review)).content.decode()
    response = client.post(detail_url(review), seen(review), follow=True)
    html = response.content.decode()
    assert response.redirect_chain == [(detail_url(review), 302)]
    assert "The review is marked complete" in html
    assert 'data-testid="review-status">Complete<' in html
    assert "Mark complete" not in html
    review.refresh_from_db()
    assert review.status == "complete"
    assert review.history.first().history_user == lead


def test_lead_cannot_mark_an_incomplete_review_complete(client, lead, northshire):
    """A lead's POST for a review with gaps says so and shows what is missing."""
    answers = complete_answers()
    del answers["fathers_assessed"]
    review = ReviewFactory(child__partnership=northshire, **answers)
    client.force_login(lead)
    response = client.post(detail_url(review), seen(review), follow=True)
    html = response.content.decode()
    assert response.redirect_chain == [(detail_url(review), 302)]
    assert "The review cannot be marked complete yet" in html
    missing = re.search(r'data-testid="missing">(.*?)</div>', html, re.S).group(1)
    assert "Fathers and other men in the household assessed" in missing
    assert "Racism or racial bias named" not in missing
    review.refresh_from_db()
    assert review.status == "draft"


def test_contributor_cannot_mark_a_review_complete(client, contributor, northshire):
    """A contributor's POST to the detail page is refused with 403."""
    review = ReviewFactory(child__partnership=northshire, **complete_answers())
    client.force_login(contributor)
    assert "Mark complete" not in client.get(detail_url(review)).content.decode()
    assert client.post(detail_url(review), seen(review)).status_code == 403
    review.refresh_from_db()
    assert review.status == "draft"


# Edit ----------------------------------------------------------------------------------


def test_contributor_edits_a_draft(client, contributor, draft):
    """A contributor changes a draft's child and review; the edit page goes to the first
    page, which shows the saved values; a post of every section still saves them all."""
    client.force_login(contributor)
    page = client.get(edit_url(draft), follow=True)
    html = page.content.decode()
    assert page.status_code == 200
    assert page.redirect_chain[-1][0] == f"{edit_url(draft)}the-child/"
    assert f"Change review {draft.pk}: rapid review about C-2024-001" in html
    saved = non_blank(data_for(draft))
    first = {f"child-{name}" for name in dimensions.PAGES[0].fields}
    assert form_state(html) == {k: v for k, v in saved.items() if k in first}
    data = data_for(draft)
    data.update({"child-reference": "C-2024-011", "review-racism_named": "no"})
    response = client.post(edit_url(draft), data)
    assert response.status_code == 302
    assert response["Location"] == detail_url(draft)
    draft.refresh_from_db()
    assert draft.child.reference == "C-2024-011"
    assert draft.racism_named == "no"
    assert draft.status == "draft"
    assert draft.history.first().history_user == contributor


def test_edit_errors_are_summarised_and_nothing_changes(client, contributor, draft):
    """An invalid change shows the error summary, keeps the values, and saves nothing."""
    client.force_login(contributor)
    data = data_for(draft)
    data.update({"child-age": "18", "review-racism_named": "yes"})
    response = client.post(edit_url(draft), data)
    html = response.content.decode()
    assert error_summary(html) == [
        ("#id_child-age", "Enter the age as a whole number from 0 to 17")
    ]
    assert form_state(html) == non_blank(data)
    draft.refresh_from_db()
    assert (draft.child.age, draft.racism_named) == (12, "")


def test_contributor_cannot_edit_a_complete_review(client, contributor, complete):
    """A complete review's edit page is 403 to contributors; a save from a page opened before
    a lead completed it is refused with the reason, keeping what they typed, saving nothing."""
    client.force_login(contributor)
    assert client.get(edit_url(complete)).status_code == 403
    data = data_for(complete)
    data["review-racism_named"] = "yes"
    data["review-learning_summary"] = "Typed while a lead completed the review"
    response = client.post(edit_url(complete), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in html
    assert services.COMPLETED_MEANWHILE.split(".")[0].replace("'", "&#x27;") in html
    assert "Typed while a lead completed the review" in html
    assert ">Change<" not in client.get(detail_url(complete)).content.decode()
    complete.refresh_from_db()
    assert complete.racism_named == "no"


def test_lead_edits_a_complete_review(client, lead, complete):
    """A lead can change a complete review, which stays complete while fully answered."""
    client.force_login(lead)
    assert client.get(edit_url(complete), follow=True).status_code == 200
    data = data_for(complete)
    data["review-racism_named"] = "yes"
    response = client.post(edit_url(complete), data)
    assert response.status_code == 302
    complete.refresh_from_db()
    assert complete.racism_named == "yes"
    assert complete.status == "complete"


def test_lead_blanking_an_answer_returns_a_complete_review_to_draft(client, lead, complete):
    """A complete review that loses an answer through the edit page goes back to draft."""
    client.force_login(lead)
    data = data_for(complete)
    data["review-racism_named"] = ""
    assert client.post(edit_url(complete), data).status_code == 302
    complete.refresh_from_db()
    assert complete.status == "draft"
    html = client.get(detail_url(complete)).content.decode()
    assert "Racism or racial bias named" in re.search(
        r'data-testid="missing">(.*?)</div>', html, re.S
    ).group(1)


# Two people, one review ----------------------------------------------------------------


def conflict_banner(html: str) -> str:
    match = re.search(r'data-testid="conflict">(.*?)</div>\s*</div>', html, re.S)
    assert match, "no conflict banner on the page"
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1))))


def test_a_save_from_a_page_loaded_before_someone_elses_save_is_refused_and_shown(
    client, contributor, lead, draft
):
    """Two people load one edit page; the first saves the summary, the second the age. The
    second save is refused: nothing of it is stored, the page says who changed what and when,
    keeps the typed age, shows the first person's summary, and saving again stores both."""
    page = data_for(draft)
    client.force_login(lead)
    theirs = {**page, "review-learning_summary": "Her voice was not heard."}
    assert client.post(edit_url(draft), theirs).status_code == 302

    client.force_login(contributor)
    mine = {**page, "child-age": "9"}
    response = client.post(edit_url(draft), mine)
    html = response.content.decode()
    assert response.status_code == 200
    banner = conflict_banner(html)
    assert "Your changes have not been saved" in banner
    assert "lead@northshire.example.org changed the review on" in banner
    assert "learning summary" in banner
    assert "Learning summary is now “Her voice was not heard.”" in banner
    draft.refresh_from_db()
    assert (draft.child.age, draft.learning_summary) == (12, "Her voice was not heard.")
    state = form_state(html)
    assert state["child-age"] == ["9"]
    assert state["review-learning_summary"] == ["Her voice was not heard."]
    assert f'name="revision-review" value="{draft.revision}"' in html

    again = {**mine, **seen(draft), "review-learning_summary": "Her voice was not heard."}
    assert client.post(edit_url(draft), again).status_code == 302
    draft.refresh_from_db()
    assert (draft.child.age, draft.learning_summary) == (9, "Her voice was not heard.")


def test_both_changing_one_answer_keeps_the_later_persons_answer_on_the_page(
    client, contributor, lead, draft
):
    """When both changed the same answer, the refused page keeps the person's own answer and
    names the clash; the other person's answer stays stored until they save again."""
    page = data_for(draft)
    client.force_login(lead)
    assert client.post(edit_url(draft), {**page, "review-child_voice": "absent"}).status_code == 302
    client.force_login(contributor)
    response = client.post(edit_url(draft), {**page, "review-child_voice": "own_words"})
    html = response.content.decode()
    assert "You both changed child's voice" in conflict_banner(html)
    assert form_state(html)["review-child_voice"] == ["own_words"]
    draft.refresh_from_db()
    assert draft.child_voice == "absent"


def test_a_page_without_its_revisions_is_refused_not_saved(client, contributor, draft):
    """A post with the hidden revisions missing or altered is treated as out of date."""
    client.force_login(contributor)
    data = {**data_for(draft), "review-racism_named": "no", "revision-review": "x"}
    response = client.post(edit_url(draft), data)
    assert response.status_code == 200
    assert "Your changes have not been saved" in response.content.decode()
    draft.refresh_from_db()
    assert draft.racism_named == ""


def test_mark_complete_from_a_page_loaded_before_a_change_is_refused(
    client, lead, contributor, northshire
):
    """A lead's "Mark complete" from a page loaded before someone changed the review does not
    complete it and says who changed it."""
    review = ReviewFactory(child__partnership=northshire, **complete_answers())
    page = seen(review)
    client.force_login(contributor)
    changed = {**data_for(review), "review-child_voice": "reported"}
    assert client.post(edit_url(review), changed).status_code == 302
    client.force_login(lead)
    response = client.post(detail_url(review), page, follow=True)
    html = unescape(response.content.decode())
    assert "contributor@northshire.example.org changed this review on" in html
    assert "Check their changes, then mark it complete again" in html
    review.refresh_from_db()
    assert review.status == "draft"


def test_detail_page_mark_complete_carries_the_revisions(client, lead, northshire):
    """The "Mark complete" form posts the revisions the page showed."""
    review = ReviewFactory(child__partnership=northshire, **complete_answers())
    client.force_login(lead)
    html = client.get(detail_url(review)).content.decode()
    assert 'name="revision-review" value="0"' in html
    assert 'name="revision-child" value="0"' in html


# Pasted text and NUL bytes -------------------------------------------------------------


def test_pasted_control_characters_are_cleaned_from_reference_and_summary(client, contributor):
    """A manual line break in the summary becomes a new line; other control characters in the
    reference and summary are dropped before checking and saving."""
    client.force_login(contributor)
    data = post_data(
        {**CHILD, "reference": "C-2024-\x00001"},
        {**REVIEW, "learning_summary": "Seen at school.\x0bNot asked.\x00\x1b"},
    )
    assert client.post(NEW, data).status_code == 302
    review = Review.objects.get()
    assert review.child.reference == "C-2024-001"
    assert review.learning_summary == "Seen at school.\nNot asked."


@pytest.mark.parametrize("field", [*CHILD, *REVIEW])
def test_a_nul_byte_in_any_field_is_never_a_server_error(client, contributor, draft, field):
    """A NUL byte in any field of the record or edit form answers a page, never a 500."""
    client.force_login(contributor)
    record = post_data(CHILD, REVIEW)
    record[next(key for key in record if key.endswith(f"-{field}"))] = "C-1\x00"
    edit = {**data_for(draft), **{k: v for k, v in record.items() if k.endswith(f"-{field}")}}
    for url, data in ((NEW, record), (edit_url(draft), edit)):
        response = client.post(url, data)
        assert response.status_code in (200, 302), (url, response.status_code)
    assert not any("\x00" in child.reference for child in Child.objects.all())
    assert not any("\x00" in review.learning_summary for review in Review.objects.all())
