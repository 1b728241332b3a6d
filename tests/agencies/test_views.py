"""The agencies pages, an agency's answers to a theme, and the spread on the theme page,
the report and the Panel's audit page, with their query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agencies.models import Agency, AgencyAnswer
from agencies.spread import DISAGREE_TEXT
from audits import services as audit_services
from tests.audits.factories import complete_audit, responses_of, start_audit, themes_of

from .factories import agencies_of, answer_as_agency, attach, health, police

pytestmark = pytest.mark.django_db

AGENCIES = "/p/northshire/agencies/"


@pytest.fixture
def audit(northshire, lead):
    return start_audit(partnership=northshire, by=lead)


@pytest.fixture
def theme(audit):
    return themes_of(audit)[0]


def theme_url(audit, number=1):
    return f"/p/northshire/audits/{audit.cycle.name}/themes/{number}/"


def answer_url(audit, agency, number=1):
    return f"{theme_url(audit, number)}agencies/{agency.pk}/"


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def posted(audit, theme, ratings: dict, revisions=None) -> dict:
    """What the agency page posts: ratings by item ref (missing: not rated)."""
    data = {}
    for response in responses_of(audit, theme):
        prefix = f"i{response.item_id}"
        rating = ratings.get(response.item.ref)
        data[f"{prefix}-rating"] = "" if rating is None else str(rating)
        data[f"{prefix}-evidence"] = f"Evidence {response.item.ref}" if rating is not None else ""
        data[f"{prefix}-revision"] = str((revisions or {}).get(response.item.ref, 0))
    return data


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


# The agencies page ----------------------------------------------------------------------


def test_the_agencies_page_names_the_statutory_partners_before_setting_up(client, lead, northshire):
    """Opening the page writes nothing: it names the three statutory partners and a lead's
    button sets them up, after which they are listed, tagged as statutory."""
    client.force_login(lead)
    html = page(client, AGENCIES)
    for name in ("Local authority children&#x27;s services", "Police", "Health (integrated care"):
        assert name in html
    assert "Set up agencies" in html and not Agency.objects.exists()
    assert client.post(AGENCIES, {"set_up": "1"}).status_code == 302
    html = page(client, AGENCIES)
    assert html.count("Statutory partner</strong>") == 3 and "Set up agencies" not in html


def test_only_a_lead_sets_up_the_agencies(client, contributor, northshire):
    """A contributor is told a lead sets them up, and their post is refused (403)."""
    client.force_login(contributor)
    assert "A lead of the partnership sets them up" in page(client, AGENCIES)
    assert client.post(AGENCIES, {"set_up": "1"}).status_code == 403
    assert not Agency.objects.exists()


def test_a_lead_adds_an_agency_and_attaches_a_member(client, lead, contributor, northshire):
    """A lead adds Schools and attaches the contributor to it; the page lists them."""
    client.force_login(lead)
    assert client.post(AGENCIES, {"name": "Schools"}).status_code == 302
    schools = Agency.objects.get(partnership=northshire, name="Schools")
    membership = contributor.memberships.get()
    response = client.post(
        AGENCIES, {"attach": "1", "membership": membership.pk, "agency": schools.pk}, follow=True
    )
    html = response.content.decode()
    assert f"{contributor.email} is now attached to Schools" in html
    assert membership.agency_member.agency == schools


def test_a_duplicate_name_is_shown_as_an_error(client, lead):
    """Adding a second "Police" shows the error summary and nothing is added."""
    client.force_login(lead)
    html = client.post(AGENCIES, {"name": "police"}).content.decode()
    assert "There is already an agency called police" in html
    assert "govuk-error-summary" in html


def test_contributors_read_but_cannot_change_agencies(client, contributor):
    """A contributor sees the list without forms and a post is refused (403)."""
    client.force_login(contributor)
    assert "Add an agency" not in page(client, AGENCIES)
    assert client.post(AGENCIES, {"name": "Schools"}).status_code == 403


def test_another_partnerships_agencies_answer_404(client, other_lead, northshire):
    """Eastmere's lead cannot see Northshire's agencies or change one of them."""
    client.force_login(other_lead)
    assert client.get(AGENCIES).status_code == 404
    assert client.get(f"{AGENCIES}{police(northshire).pk}/").status_code == 404


def test_removing_an_agency_with_answers_says_why_not(client, lead, northshire, audit, theme):
    """Removing an agency that answered is refused with a clear message on the page."""
    from agencies import services

    schools = services.agency_add(partnership=northshire, name="Schools", by=lead)
    answer_as_agency(audit, schools, theme, by=lead, ratings=2)
    client.force_login(lead)
    html = client.post(f"{AGENCIES}{schools.pk}/", {"remove": "1"}).content.decode()
    assert "Schools has given answers in an audit, so it cannot be removed" in html
    assert Agency.objects.filter(pk=schools.pk).exists()


def test_a_lead_renames_a_statutory_partner(client, lead, northshire):
    """Renaming the police is allowed; there is no remove button for it."""
    client.force_login(lead)
    url = f"{AGENCIES}{police(northshire).pk}/"
    assert "Remove Police" not in page(client, url)
    assert client.post(url, {"name": "Northshire Police"}).status_code == 302
    assert "Northshire Police" in agencies_of(northshire)


# An agency's answers to a theme ---------------------------------------------------------


def test_an_attached_contributor_answers_for_their_agency(
    client, lead, contributor, northshire, audit, theme
):
    """The contributor attached to the police saves its ratings; the theme page then shows
    them, and the partnership's own answers are untouched."""
    attach(contributor, northshire, police(northshire), by=lead)
    client.force_login(contributor)
    url = answer_url(audit, police(northshire))
    assert "How would Police rate item 1.1?" in page(client, url)
    response = client.post(url, posted(audit, theme, {"1.1": 1}))
    assert response.status_code == 302 and response.url == theme_url(audit)
    assert AgencyAnswer.objects.get(agency__name="Police").rating == 1
    assert {r.rating for r in responses_of(audit, theme)} == {None}


def test_a_contributor_reads_another_agencys_answers_only(
    client, lead, contributor, northshire, audit, theme
):
    """Attached to the police, the contributor sees health's page read-only and cannot post."""
    attach(contributor, northshire, police(northshire), by=lead)
    answer_as_agency(audit, health(northshire), theme, by=lead, ratings={"1.1": 3})
    client.force_login(contributor)
    url = answer_url(audit, health(northshire))
    html = page(client, url)
    assert 'data-testid="agency-rating-1.1">3 ' in html
    assert '<form method="post" novalidate>' not in html
    assert client.post(url, posted(audit, theme, {"1.1": 0})).status_code == 403


def test_viewers_never_answer_for_an_agency(client, lead, viewer, northshire, audit, theme):
    """A viewer attached to the police is refused (403)."""
    attach(viewer, northshire, police(northshire), by=lead)
    client.force_login(viewer)
    assert (
        client.post(answer_url(audit, police(northshire)), posted(audit, theme, {})).status_code
        == 403
    )


def test_a_stale_agency_page_is_refused(client, lead, northshire, audit, theme):
    """Saving over answers someone else saved since shows the conflict and keeps theirs."""
    answer_as_agency(audit, police(northshire), theme, by=lead, ratings={"1.1": 2})
    client.force_login(lead)
    html = client.post(answer_url(audit, police(northshire)), posted(audit, theme, {"1.1": 0}))
    assert 'data-testid="conflict"' in html.content.decode()
    assert AgencyAnswer.objects.get(agency__name="Police").rating == 2


def test_another_partnerships_agency_answers_404(client, lead, eastmere, other_lead, audit):
    """Eastmere's agency id in a Northshire address answers 404."""
    client.force_login(lead)
    assert client.get(answer_url(audit, police(eastmere))).status_code == 404


# The spread -----------------------------------------------------------------------------


def test_the_theme_page_shows_the_spread_and_the_disagreement(
    client, lead, northshire, audit, theme
):
    """Police 1 and health 3 on item 1.1: both listed, the council not rated, and the tag;
    item 1.2, rated 2 and 3, has no tag."""
    answer_as_agency(audit, police(northshire), theme, by=lead, ratings={"1.1": 1, "1.2": 2})
    answer_as_agency(audit, health(northshire), theme, by=lead, ratings={"1.1": 3, "1.2": 3})
    client.force_login(lead)
    html = page(client, theme_url(audit))
    spread = html[html.index('data-testid="spread-1.1"') : html.index('data-testid="spread-1.2"')]
    assert 'Police</th><td class="govuk-table__cell">1 ' in spread
    assert 'Health (integrated care board)</th><td class="govuk-table__cell">3 ' in spread
    assert 'children&#x27;s services</th><td class="govuk-table__cell">Not rated' in spread
    assert DISAGREE_TEXT in spread and 'data-testid="disagree-1.1"' in html
    assert 'data-testid="disagree-1.2"' not in html
    assert answer_url(audit, police(northshire)) in html


def test_an_audit_without_agencies_shows_nothing_of_them(client, lead, audit):
    """A partnership without agencies sees no agency section, link or spread."""
    client.force_login(lead)
    html = page(client, theme_url(audit))
    assert "Partner agencies" not in html and "agency-links" not in html
    assert "Agencies&#x27; ratings" not in html and "spread-" not in html


def test_the_theme_page_costs_one_query_more_with_agencies(client, lead, northshire, audit, theme):
    """Without agencies the theme page runs its usual queries; with agencies' answers, one more,
    however many agencies answered."""
    from tests.audits.test_views import MAX_QUERIES

    client.force_login(lead)
    client.get(theme_url(audit))
    without = count_queries(client, theme_url(audit))
    assert without <= MAX_QUERIES["theme page"]
    answer_as_agency(audit, police(northshire), theme, by=lead, ratings=1)
    one = count_queries(client, theme_url(audit))
    answer_as_agency(audit, health(northshire), theme, by=lead, ratings=3)
    assert one == count_queries(client, theme_url(audit)) == without + 1


AGENCY_PAGE_QUERIES = 8


def test_the_agency_page_runs_a_pinned_number_of_queries(
    client, lead, northshire, audit, theme, django_assert_num_queries
):
    """The agency's page for a theme runs the same pinned number of queries whatever it answered."""
    url = answer_url(audit, police(northshire))
    client.force_login(lead)
    client.get(url)
    with django_assert_num_queries(AGENCY_PAGE_QUERIES):
        client.get(url)
    answer_as_agency(audit, police(northshire), theme, by=lead, ratings=2)
    with django_assert_num_queries(AGENCY_PAGE_QUERIES):
        client.get(url)


def test_the_report_and_the_panel_page_show_the_spread(
    client, lead, panel, northshire, audit, theme
):
    """After submitting, the report and the Panel's audit page show each agency's rating and
    the disagreement; the submitted rating stays the partnership's own."""
    answer_as_agency(audit, police(northshire), theme, by=lead, ratings={"1.1": 0})
    answer_as_agency(audit, health(northshire), theme, by=lead, ratings={"1.1": 3})
    complete_audit(audit, by=lead)
    audit_services.audit_submit(audit=audit, by=lead)
    client.force_login(lead)
    report = page(client, f"/p/northshire/audits/{audit.cycle.name}/report/")
    assert 'data-testid="disagree-1.1"' in report and 'data-testid="rating-1.1">2 ' in report
    client.force_login(panel)
    panel_page = page(client, f"/panel/cycles/{audit.cycle.name}/audits/northshire/")
    assert 'data-testid="disagree-1.1"' in panel_page and "Police</th>" in panel_page


def test_a_rating_off_the_scale_links_to_the_items_first_radio(
    client, lead, northshire, audit, theme
):
    """A posted rating of 7 is refused; the error summary links to the item's first radio."""
    client.force_login(lead)
    data = posted(audit, theme, {})
    first = responses_of(audit, theme)[0]
    data[f"i{first.item_id}-rating"] = "7"
    html = client.post(answer_url(audit, police(northshire)), data).content.decode()
    target = f"id_i{first.item_id}-rating_1"
    assert f'href="#{target}"' in html and f'id="{target}"' in html
    assert "Select a rating from 0 to 3" in html
    assert not AgencyAnswer.objects.exists()
