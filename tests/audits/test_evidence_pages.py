"""The partnership's own evidence on its audit pages: the figures beside each mapped item on the
theme, check and report pages of a version 2 audit, counted by hand; nothing on a version 1
audit; no other partnership's reviews; the lead's notes for the Panel on flagged ratings, who
may write them, when, and what happens when two people write at once; pinned queries."""

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import escape

from audits import services
from audits.evidence import Rules
from audits.forms import CONSISTENCY_NOTE_TOO_LONG
from audits.models import Audit, Response, Theme
from partnerships.months import first_of_month, months_before
from tests.partnerships.factories import MembershipFactory, UserFactory
from tests.reviews.factories import ChildFactory, ReviewFactory, complete_answers

from .factories import CycleFactory, complete_audit, start_audit, version_2
from .page_forms import PageForm
from .test_check_page import CHECK_MAX_QUERIES_VERSION_2
from .test_views import MAX_QUERIES_VERSION_2

pytestmark = pytest.mark.django_db

BASE = "/p/northshire/audits/2026-27/"
VERSION_1_BASE = "/p/northshire/audits/2025-26/"
CHECK = BASE + "check/"
REPORT = BASE + "report/"
NOTE_LABEL = "Note for the Panel on item {ref} (optional)"


def _review(partnership, months_ago=2, status="complete", **answers):
    """A review of the partnership completed `months_ago` months before this month."""
    month = months_before(first_of_month(timezone.localdate()), months_ago)
    fields = {**complete_answers(), "completed_month": month, **answers}
    return ReviewFactory(child=ChildFactory(partnership=partnership), status=status, **fields)


def _since() -> str:
    return f"{Rules.of(version_2()).since(timezone.localdate()):%B %Y}"


def html_of(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def evidence_block(html, ref) -> str:
    """The evidence beside one item (templates/includes/item_evidence.html)."""
    start = html.index(f'data-testid="evidence-{ref}"')
    return html[start : html.index("</div>", start)]


def flagged_block(html, ref) -> str:
    """One item of the check page's "Ratings your reviews do not bear out"."""
    start = html.index(f'data-testid="flagged-{ref}"')
    end = html.find('data-testid="flagged-', start + 1)
    return html[start : end if end != -1 else html.index("</main>", start)]


# What every Northshire review below says unless it says otherwise: these three items are met
# in every one, so that the hand count is about the items the tests look at.
MET = {"child_voice": "own_words", "action_followed": "yes", "race_analysed": "substantively"}


@pytest.fixture
def reviews(northshire, eastmere):
    """Northshire: four complete reviews in the window, one complete before it, one draft.
    Eastmere: seven complete reviews, every one meeting every item, that would change every
    Northshire figure if counted.

    Northshire's four, counted by hand (complete_answers and MET: disclosed and dismissed,
    ethnicity superficial, adultification considered, racism not named, no interpreter needed,
    no racism alleged, no father to assess):
      6.1 ethnicity accurate and detailed: A          -> 1 of 4, flagged at rating 2
      6.3 racism named yes:                none       -> 0 of 4, flagged at rating 2
      4.2 disclosure acted on:             A, B       -> 2 of 4, exactly half, not flagged
      3.4 adultification considered yes:   A, B, C, D -> 4 of 4, not flagged
      3.2, 4.1 and 6.2 (MET):              all        -> 4 of 4, not flagged
      4.5, 5.1 and 5.3:                    none asked -> 0 of 0, too few to flag
    """
    n = northshire
    _review(n, **MET, ethnicity_in_review="accurate", disclosure_response="acted_on")  # A
    _review(n, **MET, disclosure_response="acted_on")  # B
    _review(n, **MET)  # C
    _review(n, **MET, months_ago=0)  # D, this month
    _review(n, months_ago=30, ethnicity_in_review="accurate", racism_named="yes")  # too old
    _review(n, status="draft", ethnicity_in_review="accurate", racism_named="yes")  # a draft
    for _ in range(7):
        _review(
            eastmere,
            **MET,
            ethnicity_in_review="accurate",
            disclosure_response="acted_on",
            racism_named="yes",
        )
    return n


@pytest.fixture
def cycle_2(db):
    return CycleFactory(version=version_2())


@pytest.fixture
def audit_2(reviews, lead, cycle_2):
    """Northshire's audit on version 2, every item rated 2 with evidence."""
    return complete_audit(start_audit(partnership=reviews, by=lead, cycle=cycle_2), by=lead)


@pytest.fixture
def audit_1(reviews, lead):
    """The same answers on a version 1 cycle, open as well."""
    cycle = CycleFactory(name="2025-26")
    return complete_audit(start_audit(partnership=reviews, by=lead, cycle=cycle), by=lead)


def _note(audit, ref) -> str:
    return Response.objects.get(audit=audit, item__ref=ref).consistency_note


def _item_id(audit, ref) -> int:
    return Response.objects.get(audit=audit, item__ref=ref).item_id


# The figures on each page ---------------------------------------------------------------------


def test_theme_page_shows_each_mapped_items_figure_before_its_rating(client, audit_2, lead):
    """Theme 6 shows 6.1's hand-counted figure and flag beside it, before its rating question;
    6.4, which is not mapped, shows none."""
    client.force_login(lead)
    html = html_of(client.get(BASE + "themes/6/"))
    figure = evidence_block(html, "6.1")
    assert (
        f"In your 4 complete reviews since {_since()}: "
        "ethnicity recorded accurately and in detail in 1 of 4"
    ) in figure
    assert "Rating not borne out" in figure
    assert "fewer than 50% of your reviews" in figure
    assert html.index('data-testid="evidence-6.1"') < html.index("How would you rate item 6.1?")
    assert "in 0 of 4" in evidence_block(html, "6.3")
    assert 'data-testid="evidence-6.4"' not in html
    assert "save the theme to see them change" in html


def test_a_rating_the_figure_bears_out_is_not_marked(client, audit_2, lead):
    """4.2 at exactly half (2 of 4) and 3.4 (4 of 4) show their figures without a mark."""
    client.force_login(lead)
    html = html_of(client.get(BASE + "themes/4/"))
    assert "in 2 of 4 where the child disclosed abuse" in evidence_block(html, "4.2")
    assert "Rating not borne out" not in evidence_block(html, "4.2")
    html = html_of(client.get(BASE + "themes/3/"))
    assert "in 4 of 4" in evidence_block(html, "3.4")
    assert "Rating not borne out" not in evidence_block(html, "3.4")


def test_the_flag_follows_the_saved_rating(client, audit_2, lead):
    """Once 6.1 is saved at 1 its figure stays but the mark goes."""
    theme = Theme.objects.get(version=audit_2.cycle.version, number=6)
    one = _item_id(audit_2, "6.1")
    responses = {r.item_id: r for r in Response.objects.filter(audit=audit_2, item__theme=theme)}
    services.theme_save(
        audit=audit_2,
        theme=theme,
        answers={one: services.ItemAnswer(rating=1, evidence="")},
        seen_revisions={pk: r.revision for pk, r in responses.items()},
        by=lead,
    )
    client.force_login(lead)
    figure = evidence_block(html_of(client.get(BASE + "themes/6/")), "6.1")
    assert "in 1 of 4" in figure
    assert "Rating not borne out" not in figure


def test_a_viewer_sees_the_figures_on_the_read_only_theme_page(client, audit_2, viewer):
    """A viewer (every member) sees the figures too, on the page without a form."""
    client.force_login(viewer)
    html = html_of(client.get(BASE + "themes/6/"))
    assert "<textarea" not in html
    assert "in 1 of 4" in evidence_block(html, "6.1")


def test_panel_staff_see_no_partnerships_figures_on_its_pages(client, audit_2, panel):
    """Panel staff reading the partnership's own pages see none of its review counts."""
    client.force_login(panel)
    for url in (BASE + "themes/6/", CHECK, REPORT):
        html = html_of(client.get(url))
        assert "complete reviews since" not in html, url
        assert 'data-testid="evidence-' not in html, url


def test_check_page_lists_the_ratings_not_borne_out(client, audit_2, lead):
    """The check page's section lists 6.1 and 6.3 (flagged) with ref, statement, rating, figure
    and reason, and neither 4.2 nor 3.4; every mapped item's figure is in its answer's row."""
    client.force_login(lead)
    html = html_of(client.get(CHECK))
    assert "Ratings your reviews do not bear out" in html
    assert re.findall(r'data-testid="flagged-([0-9.]+)"', html) == ["6.1", "6.3"]
    first = flagged_block(html, "6.1")
    statement = audit_2.responses.get(item__ref="6.1").item.statement
    assert "Item 6.1" in first and escape(statement) in first
    assert "2 Established" in first
    assert "ethnicity recorded accurately and in detail in 1 of 4" in first
    assert "Rated 2 or higher, but fewer than 50% of your reviews" in first
    assert "Your own reviews do not bear out 2 ratings" in html
    row = html[html.index('data-testid="check-4.2"') :]
    assert "in 2 of 4" in row[: row.index("</dd>")]
    # The flags do not hold up submitting: every rule is met, so the lead may submit.
    assert "Submit audit" in html
    assert client.post(CHECK).status_code == 302
    assert Audit.objects.get(pk=audit_2.pk).status == Audit.Status.SUBMITTED


def test_report_shows_the_figures_and_the_kept_ones_once_submitted(client, audit_2, lead, reviews):
    """The draft's report shows figures counted now; once submitted, the figures kept then,
    with the lead's note, even after more reviews are completed."""
    client.force_login(lead)
    assert "in 1 of 4" in evidence_block(html_of(client.get(REPORT)), "6.1")
    services.consistency_notes_save(
        audit=audit_2,
        notes={_item_id(audit_2, "6.1"): "Recording improved from April"},
        seen={},
        by=lead,
    )
    services.audit_submit(audit=audit_2, by=lead)
    for _ in range(4):
        _review(reviews, ethnicity_in_review="accurate")
    figure = evidence_block(html_of(client.get(REPORT)), "6.1")
    assert "In your 4 complete reviews" in figure and "in 1 of 4" in figure
    assert "(counted when the audit was submitted)" in figure
    assert "Rating not borne out" in figure
    assert "Recording improved from April" in figure


def test_a_version_1_audit_shows_no_figures(client, audit_1, lead):
    """The same answers on version 1: no figure, no mark, no section on any page."""
    client.force_login(lead)
    for url in (VERSION_1_BASE + page for page in ("themes/6/", "check/", "report/")):
        html = html_of(client.get(url))
        assert 'data-testid="evidence-' not in html, url
        assert "Ratings your reviews do not bear out" not in html, url
        assert "complete reviews since" not in html, url


def test_no_other_partnerships_reviews_are_counted(client, audit_2, lead, other_lead):
    """Eastmere's seven reviews are in no Northshire figure, and its lead gets 404."""
    client.force_login(lead)
    for url in (BASE + "themes/6/", CHECK, REPORT):
        html = html_of(client.get(url))
        assert "In your 4 complete reviews" in html, url
        assert not re.search(r"\b(7|11) complete reviews", html), url
        assert not re.search(r"in [5-9] of|of (7|11)\b", html), url
    client.force_login(other_lead)
    assert client.get(CHECK).status_code == 404


# The lead's notes -----------------------------------------------------------------------------


def test_the_lead_saves_a_note_and_it_is_shown_beside_the_item(client, audit_2, lead):
    """The lead types a note under 6.1 and saves: stored stripped, shown beside the item in the
    answers list, in the report, and in the textarea again."""
    client.force_login(lead)
    page = PageForm(html_of(client.get(CHECK)))
    page.set(NOTE_LABEL.format(ref="6.1"), "  Recording improved from April  ")
    response = client.post(CHECK, page.post(save_notes="1"))
    assert response.status_code == 302
    assert response["Location"].endswith("#consistency")
    assert _note(audit_2, "6.1") == "Recording improved from April"
    assert _note(audit_2, "6.3") == ""
    html = html_of(client.get(CHECK))
    assert "Recording improved from April" in evidence_block(html, "6.1")
    assert PageForm(html).value(NOTE_LABEL.format(ref="6.1")) == "Recording improved from April"
    assert "Recording improved from April" in evidence_block(html_of(client.get(REPORT)), "6.1")


def test_a_note_whose_flag_has_gone_can_still_be_changed_or_cleared(client, audit_2, lead):
    """The lead notes 6.1 while it is flagged; once 6.1 is saved at 1 the flag goes, but the
    check page still offers the note (marked as no longer flagged) and the lead clears it."""
    client.force_login(lead)
    page = PageForm(html_of(client.get(CHECK)))
    page.set(NOTE_LABEL.format(ref="6.1"), "Written while flagged")
    client.post(CHECK, page.post(save_notes="1"))
    theme = Theme.objects.get(version=audit_2.cycle.version, number=6)
    one = _item_id(audit_2, "6.1")
    responses = {r.item_id: r for r in Response.objects.filter(audit=audit_2, item__theme=theme)}
    services.theme_save(
        audit=audit_2,
        theme=theme,
        answers={one: services.ItemAnswer(rating=1, evidence="")},
        seen_revisions={pk: r.revision for pk, r in responses.items()},
        by=lead,
    )
    html = html_of(client.get(CHECK))
    assert "Not marked now" in flagged_block(html, "6.1")
    page = PageForm(html)
    assert page.value(NOTE_LABEL.format(ref="6.1")) == "Written while flagged"
    page.set(NOTE_LABEL.format(ref="6.1"), "")
    client.post(CHECK, page.post(save_notes="1"))
    assert _note(audit_2, "6.1") == ""


def test_the_notes_say_to_save_them_before_submitting(client, audit_2, lead):
    """Submitting does not save typed notes, and the page says so beside them."""
    client.force_login(lead)
    assert "Save your notes before you submit" in html_of(client.get(CHECK))


def test_a_note_is_not_the_answer_and_its_history_records_who(client, audit_2, lead, northshire):
    """Saving a note leaves the answer's revision and who changed it alone; the history has
    the note, who wrote it and when; an empty note clears it."""
    second = UserFactory(email="second-lead@northshire.example.org")
    MembershipFactory(user=second, partnership=northshire, role="lead")
    before = Response.objects.get(audit=audit_2, item__ref="6.1")
    one = before.item_id
    services.consistency_notes_save(audit=audit_2, notes={one: "First"}, seen={}, by=lead)
    services.consistency_notes_save(audit=audit_2, notes={one: ""}, seen={one: "First"}, by=second)
    after = Response.objects.get(pk=before.pk)
    assert after.consistency_note == ""
    assert (after.revision, after.updated_by_id, after.updated_at) == (
        before.revision,
        before.updated_by_id,
        before.updated_at,
    )
    history = list(after.history.order_by("history_date", "history_id"))[-2:]
    assert [(h.consistency_note, h.history_user) for h in history] == [
        ("First", lead),
        ("", second),
    ]
    assert history[1].history_date >= history[0].history_date


@pytest.mark.parametrize("persona", ["contributor", "viewer"])
def test_only_a_lead_writes_notes(client, request, audit_2, lead, persona):
    """A contributor or viewer sees the section and the note read-only, with no form; posting
    notes answers 403; the service refuses them with PermissionDenied."""
    one = _item_id(audit_2, "6.1")
    services.consistency_notes_save(
        audit=audit_2, notes={one: "Written by the lead"}, seen={}, by=lead
    )
    person = request.getfixturevalue(persona)
    client.force_login(person)
    html = html_of(client.get(CHECK))
    block = flagged_block(html, "6.1")
    assert "Written by the lead" in block
    assert "<textarea" not in html and "Save notes" not in html
    field = f"n{one}-note"
    assert client.post(CHECK, {"save_notes": "1", field: "Mine"}).status_code == 403
    with pytest.raises(PermissionDenied):
        services.consistency_notes_save(
            audit=audit_2, notes={one: "Mine"}, seen={one: "Written by the lead"}, by=person
        )
    assert _note(audit_2, "6.1") == "Written by the lead"


def test_a_note_on_a_submitted_audit_is_refused(client, audit_2, lead):
    """Once submitted the note is read-only: no form, posting answers 403, the service says
    the audit is locked."""
    one = _item_id(audit_2, "6.1")
    services.audit_submit(audit=audit_2, by=lead)
    client.force_login(lead)
    html = html_of(client.get(CHECK))
    assert "Ratings your reviews do not bear out" in html
    assert "<textarea" not in html
    assert client.post(CHECK, {"save_notes": "1", f"n{one}-note": "Late"}).status_code == 403
    with pytest.raises(ValidationError, match="has been submitted and cannot be changed"):
        services.consistency_notes_save(audit=audit_2, notes={one: "Late"}, seen={}, by=lead)
    assert _note(audit_2, "6.1") == ""


def test_a_stale_note_is_refused_and_what_was_typed_is_kept(client, audit_2, lead):
    """Someone saves 6.1's note after the page was opened: the lead's save is refused with the
    message, nothing is saved, their text stays in the box with the saved note shown above
    it; saving again then replaces it."""
    one = _item_id(audit_2, "6.1")
    client.force_login(lead)
    page = PageForm(html_of(client.get(CHECK)))
    services.consistency_notes_save(audit=audit_2, notes={one: "Theirs"}, seen={}, by=lead)
    page.set(NOTE_LABEL.format(ref="6.1"), "Mine")
    html = html_of(client.post(CHECK, page.post(save_notes="1")))
    message = services.NOTE_CHANGED.format(ref="6.1")
    assert escape(message) in html
    assert 'data-testid="note-errors"' in html
    assert "<title>Error: " in html
    assert _note(audit_2, "6.1") == "Theirs"
    again = PageForm(html)
    assert again.value(NOTE_LABEL.format(ref="6.1")) == "Mine"
    assert "Theirs" in html[html.index('data-testid="saved-note-6.1"') :]
    assert client.post(CHECK, again.post(save_notes="1")).status_code == 302
    assert _note(audit_2, "6.1") == "Mine"


def test_the_service_refuses_a_stale_note(audit_2, lead):
    """consistency_notes_save refuses a changed note whose stored text is not what was seen,
    with the module's message, and saves none of the notes."""
    one, three = _item_id(audit_2, "6.1"), _item_id(audit_2, "6.3")
    services.consistency_notes_save(audit=audit_2, notes={one: "Theirs"}, seen={}, by=lead)
    with pytest.raises(ValidationError) as refused:
        services.consistency_notes_save(
            audit=audit_2, notes={one: "Mine", three: "Also mine"}, seen={}, by=lead
        )
    assert refused.value.messages == [services.NOTE_CHANGED.format(ref="6.1")]
    assert (_note(audit_2, "6.1"), _note(audit_2, "6.3")) == ("Theirs", "")


def test_a_note_over_1000_characters_is_refused_with_an_error_summary(client, audit_2, lead):
    """1,001 characters: the error summary and the field say so, nothing is saved, and the
    text stays in the box."""
    client.force_login(lead)
    page = PageForm(html_of(client.get(CHECK)))
    long = "x" * 1001
    page.set(NOTE_LABEL.format(ref="6.3"), long)
    html = html_of(client.post(CHECK, page.post(save_notes="1")))
    message = CONSISTENCY_NOTE_TOO_LONG.format(ref="6.3")
    summary = html[html.index('data-testid="note-errors"') :]
    field = f"id_n{_item_id(audit_2, '6.3')}-note"
    assert f'<a href="#{field}">{message}</a>' in summary
    assert html.count(message) == 2  # in the summary and at the field
    assert PageForm(html).value(NOTE_LABEL.format(ref="6.3")) == long
    assert _note(audit_2, "6.3") == ""


def test_the_note_asks_for_no_names(client, audit_2, lead):
    """The note's hint is the one every free-text field has: name no children or staff."""
    client.force_login(lead)
    block = flagged_block(html_of(client.get(CHECK)), "6.1")
    assert "Do not name children, families or staff." in block


def test_the_check_page_works_without_javascript(client, audit_2, lead):
    """The notes are their own form of plain fields and a button (no script needed), apart
    from the submit form, and nothing on the page is wider than a summary list."""
    client.force_login(lead)
    html = html_of(client.get(CHECK))
    main = html[html.index("<main") : html.index("</main>")]
    assert main.count("<form") == 2
    assert 'name="save_notes"' in main
    assert "<table" not in main


# Queries --------------------------------------------------------------------------------------


def test_version_2_pages_run_one_query_more_than_version_1(
    client, audit_1, audit_2, lead, django_assert_num_queries
):
    """The theme, check and report pages of a version 2 audit run exactly one query more
    than the same pages of a version 1 audit (the figures), within their pins."""
    client.force_login(lead)
    pages = {"theme page": "themes/6/", "check page": "check/", "report": "report/"}
    pins = {**MAX_QUERIES_VERSION_2, "check page": CHECK_MAX_QUERIES_VERSION_2}
    for name, page in pages.items():
        for base in (VERSION_1_BASE, BASE):
            client.get(base + page)  # the session, and each version's scale into the cache
        with CaptureQueriesContext(connection) as one:
            html_of(client.get(VERSION_1_BASE + page))
        with django_assert_num_queries(len(one) + 1):
            html_of(client.get(BASE + page))
        print(f"{name} queries: version 1 {len(one)}, version 2 {len(one) + 1}")
        assert len(one) + 1 <= pins[name], name
