"""The Panel's audit page with evidence from the partnership's own reviews: the kept figures,
flags and the lead's note beside each mapped item, the flagged ratings listed at the top, a
restricted view recorded for every page that shows figures, and the page's query pin."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audits import evidence, services
from audits.models import Audit, Response
from partnerships.models import RestrictedView
from partnerships.months import first_of_month, months_before
from reviews.models import Review
from tests.reviews.factories import ChildFactory, ReviewFactory, complete_answers

from .factories import CycleFactory, complete_audit, start_audit, version_2
from .test_views import MAX_QUERIES

pytestmark = pytest.mark.django_db

CYCLE = "2026-27"
PANEL_AUDIT = f"/panel/cycles/{CYCLE}/audits/northshire/"
NOTE = "Our reviews since the spring record ethnicity in detail; the older ones did not."
# Every mapped answer meets its item, unless a review says otherwise.
MEETING = {
    "ethnicity_in_review": "accurate",
    "race_analysed": "substantively",
    "racism_named": "yes",
    "child_voice": "own_words",
    "action_followed": "yes",
    "disclosure_response": "acted_on",
    "adultification": "yes",
}


def _review(partnership, **answers):
    completed = months_before(first_of_month(timezone.localdate()), 2)
    fields = {**complete_answers(), **MEETING, "completed_month": completed, **answers}
    return ReviewFactory(child=ChildFactory(partnership=partnership), status="complete", **fields)


@pytest.fixture
def reviewed(northshire, eastmere):
    """Northshire's four complete reviews, hand-counted:
      6.1 ethnicity accurate: A only              -> 1 of 4, flagged
      4.2 disclosure acted on: A (B, C dismissed; D disclosed nothing) -> 1 of 3, flagged
      every other mapped item met wherever it is asked -> not flagged
    Eastmere's three would meet 6.1 and 4.2 if they were counted."""
    _review(northshire)  # A
    _review(northshire, ethnicity_in_review="superficial", disclosure_response="dismissed")  # B
    _review(northshire, ethnicity_in_review="superficial", disclosure_response="dismissed")  # C
    _review(
        northshire, ethnicity_in_review="superficial", disclosure="no", disclosure_response=""
    )  # D
    for _ in range(3):
        _review(eastmere)
    return northshire


@pytest.fixture
def submitted_2(reviewed, lead):
    """Northshire's audit on a version 2 cycle, every item rated 2, submitted, with the
    lead's note on 6.1."""
    cycle = CycleFactory(name=CYCLE, version=version_2())
    audit = complete_audit(start_audit(partnership=reviewed, by=lead, cycle=cycle), by=lead)
    audit = services.audit_submit(audit=audit, by=lead)
    Response.objects.filter(audit=audit, item__ref="6.1").update(consistency_note=NOTE)
    return audit


@pytest.fixture
def submitted_1(northshire, lead):
    """Northshire's audit on a version 1 cycle (no evidence), submitted."""
    audit = complete_audit(start_audit(partnership=northshire, by=lead), by=lead)
    return services.audit_submit(audit=audit, by=lead)


def html_of(client, url=PANEL_AUDIT, data=None) -> str:
    response = client.post(url, data) if data is not None else client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def plain(fragment: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", fragment)).strip()


def evidence_block(html: str, ref: str) -> str:
    start = html.index(f'data-testid="evidence-{ref}"')
    return plain(html[start : html.index("</div>", start)])


def since() -> str:
    rules = evidence.Rules.of(version_2())
    return f"{rules.since(timezone.localdate()):%B %Y}"


def test_panel_sees_kept_figures_in_its_words_with_flags_and_note(client, submitted_2, panel):
    """Beside 6.1 the Panel reads the figure kept at submission in its own words, the flag
    with its reason and the lead's note; 3.4 shows its figure unflagged."""
    client.force_login(panel)
    html = html_of(client)
    six_one = evidence_block(html, "6.1")
    assert (
        f"In its 4 complete reviews since {since()}: ethnicity recorded accurately and in "
        "detail in 1 of 4 (counted when the audit was submitted)."
    ) in six_one
    assert "Rating not borne out Rated 2 or higher, but fewer than 50% of its reviews" in six_one
    assert f"Lead's note: {NOTE}" in six_one
    four_two = evidence_block(html, "4.2")
    assert "the disclosure acted on in 1 of 3 where the child disclosed abuse" in four_two
    assert "Rating not borne out" in four_two
    three_four = evidence_block(html, "3.4")
    assert "adultification considered in 4 of 4" in three_four
    assert "Rating not borne out" not in three_four
    assert "Lead's note" not in three_four
    assert html.count('data-testid="evidence-') == 10 + 1  # ten items and the summary


def test_summary_lists_flagged_ratings_with_links(client, submitted_2, panel):
    """Near the top: "2 ratings not borne out by the partnership's own reviews", each linked
    to its item's heading on the page, under the restricted marker."""
    client.force_login(panel)
    html = html_of(client)
    start = html.index('data-testid="evidence-summary"')
    summary = html[start : html.index("</section>", start)]
    assert 'data-testid="restricted-marker"' in summary
    assert "Every view of this page is recorded." in summary
    assert "2 ratings not borne out by the partnership's own reviews" in summary
    links = re.findall(r'href="#(item-[\d-]+)">Item ([\d.]+)', summary)
    assert links == [("item-4-2", "4.2"), ("item-6-1", "6.1")]
    for anchor, _ref in links:
        assert f'id="{anchor}"' in html
    assert start < html.index('id="item-1-1"')
    assert '<meta name="robots" content="noindex">' in html


def test_each_get_with_figures_is_recorded_once(client, submitted_2, panel):
    """Every GET that shows figures adds one restricted view: who, the path, the filters."""
    client.force_login(panel)
    html_of(client)
    html_of(client)
    views = list(RestrictedView.objects.order_by("pk"))
    assert len(views) == 2
    view = views[-1]
    assert (view.user, view.email, view.path) == (panel, "panel@example.org", PANEL_AUDIT)
    assert view.filters == {"partnership": "northshire", "cycle": CYCLE}
    assert "Northshire" in view.summary and "2 ratings flagged" in view.summary


def test_a_version_1_audit_shows_no_figures_and_records_nothing(client, submitted_1, panel):
    """Version 1 has no evidence: no figures, no summary, no marker, no record."""
    client.force_login(panel)
    html = html_of(client)
    assert 'data-testid="evidence-' not in html
    assert 'data-testid="restricted-marker"' not in html
    assert "noindex" not in html
    assert not RestrictedView.objects.exists()


def test_a_returned_audit_shows_no_figures_and_records_nothing(client, submitted_2, panel, lead):
    """Once returned the audit keeps no figures: the Panel's page shows none and records
    nothing (its live figures are the partnership's, on its own pages)."""
    services.audit_return(audit=submitted_2, by=panel, reason="Look again at 6.1")
    client.force_login(panel)
    html = html_of(client)
    assert 'data-testid="evidence-' not in html
    assert not RestrictedView.objects.exists()


def test_accepted_audit_still_shows_its_kept_figures(client, submitted_2, panel):
    """Accepting keeps the figures: the accepted audit's page shows them and records the view."""
    services.audit_accept(audit=submitted_2, by=panel, moderations={})
    client.force_login(panel)
    assert "1 of 4" in evidence_block(html_of(client), "6.1")
    assert RestrictedView.objects.count() == 1


def test_a_failed_post_shows_the_figures_again_and_records_it(client, submitted_2, panel):
    """Returning without a reason shows the page again with its errors and the figures; that
    page is a view too, so it is recorded; nothing is returned."""
    client.force_login(panel)
    html_of(client)
    html = html_of(client, data={"return": "1", "reason": ""})
    assert "There is a problem" in html
    assert "1 of 4" in evidence_block(html, "6.1")
    assert RestrictedView.objects.count() == 2
    assert Audit.objects.get(pk=submitted_2.pk).status == Audit.Status.SUBMITTED


def test_a_successful_post_records_only_the_page_it_redirects_to(client, submitted_2, panel):
    """Saving moderation redirects without showing figures: nothing recorded until the GET."""
    client.force_login(panel)
    response = client.post(PANEL_AUDIT, {"moderate": "1"})
    assert response.status_code == 302
    assert not RestrictedView.objects.exists()
    assert "1 of 4" in evidence_block(html_of(client, response["Location"]), "6.1")
    assert RestrictedView.objects.count() == 1


@pytest.mark.parametrize("persona", ["lead", "viewer", "other_lead", "outsider"])
def test_everyone_else_is_refused_the_panel_page(client, request, submitted_2, persona):
    """Members (of this partnership or another) and outsiders get 403 on the Panel's page, as
    before, and no figure reaches them or is recorded."""
    client.force_login(request.getfixturevalue(persona))
    response = client.get(PANEL_AUDIT)
    assert response.status_code == 403
    assert "1 of 4" not in response.content.decode()
    assert not RestrictedView.objects.exists()


def test_anonymous_is_sent_to_sign_in(client, submitted_2):
    """Someone not signed in is sent to sign in, with nothing recorded."""
    response = client.get(PANEL_AUDIT)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not RestrictedView.objects.exists()


def test_someone_not_allowed_restricted_figures_sees_none(client, submitted_2, panel, monkeypatch):
    """Were the restricted rule to leave out some Panel staff, the page would show them no
    figure, no flag summary and record nothing (partnerships.access.sees_kept_evidence)."""
    from partnerships import access

    monkeypatch.setattr(access, "can_use_restricted_analysis", lambda user: False)
    client.force_login(panel)
    html = html_of(client)
    assert 'data-testid="evidence-' not in html
    assert not RestrictedView.objects.exists()


# Query counts ---------------------------------------------------------------------------

# The version 1 page's pin plus the kept figures and the record's insert. The tests run in a
# transaction, so the record's own (atomic) adds a savepoint and its release, counted apart.
VERSION_2_QUERIES = MAX_QUERIES["panel audit, version 2"]
SAVEPOINT = ("SAVEPOINT", "RELEASE SAVEPOINT")


def count_queries(client, url=PANEL_AUDIT):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return [query["sql"] for query in queries.captured_queries]


def test_version_2_page_query_count_is_pinned(client, submitted_2, panel):
    """The version 2 page runs at most two queries more than version 1's pin: the kept
    figures and the record's insert; moderating every item changes nothing."""
    client.force_login(panel)
    client.get(PANEL_AUDIT)
    sparse = count_queries(client)
    services.moderation_save(
        audit=submitted_2,
        moderations={
            r.pk: services.Moderation(1, "Note", revision=r.moderation_revision)
            for r in submitted_2.responses.all()
        },
        by=panel,
    )
    full = count_queries(client)
    statements = [sql for sql in full if not sql.upper().startswith(SAVEPOINT)]
    print(f"panel audit, version 2: {len(statements)} queries (and {len(full) - len(statements)})")
    assert len(full) == len(sparse)
    assert len(statements) == VERSION_2_QUERIES
    assert len(full) - len(statements) == 2


def test_kept_figures_come_in_one_query(client, submitted_2, panel):
    """The kept checks are read once for the page, whatever the number of mapped items."""
    client.force_login(panel)
    client.get(PANEL_AUDIT)
    queries = count_queries(client)
    assert sum('"audits_evidencecheck"' in sql for sql in queries) == 1
    assert sum('INSERT INTO "partnerships_restrictedview"' in sql for sql in queries) == 1


def test_query_count_does_not_depend_on_flags(client, submitted_2, panel, lead, reviewed):
    """A second audit, of the same shape but flagged nowhere, takes as many queries."""
    client.force_login(panel)
    client.get(PANEL_AUDIT)
    flagged = len(count_queries(client))
    services.audit_return(audit=submitted_2, by=panel, reason="Again")
    Review.objects.filter(child__partnership=reviewed).update(
        ethnicity_in_review="accurate", disclosure_response="acted_on", disclosure="yes"
    )
    services.audit_submit(audit=submitted_2, by=lead)
    assert len(count_queries(client)) == flagged
    assert "0 ratings not borne out" in html_of(client)
