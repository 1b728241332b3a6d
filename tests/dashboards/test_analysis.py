"""The restricted analysis (/panel/analysis/) and its record (/panel/analysis/record/): who
may read them, that every view is recorded, the figures of a hand-counted window of months
for each area and for "count only reviews where", hostile filters, and pinned query counts."""

import html as html_lib
import re
from datetime import date

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from dashboards import analysis
from dashboards.tables import COUNT, PERCENT, Column, Row, Table
from partnerships import months, services
from partnerships.models import Region, RestrictedView
from reviews import services as reviews_services
from reviews.models import Review
from tests.dashboards.factories import complete_review
from tests.partnerships.factories import PartnershipFactory, UserFactory
from tests.reviews.factories import ChildFactory, ReviewFactory

pytestmark = pytest.mark.django_db

ANALYSIS = "/panel/analysis/"
RECORD = "/panel/analysis/record/"
WINDOW = "start_month=1&start_year=2022&end_month=3&end_year=2024"
# The queries each page runs (session, user, Panel staff's second-factor device, then the
# page's own), whatever the data; the analysis counting afresh (its counts not yet cached:
# two short fingerprint queries and the count).
QUERIES = {"analysis": 11, "record": 5}


# Helpers ----------------------------------------------------------------------------------


def page(client, query: str = "") -> str:
    response = client.get(f"{ANALYSIS}?{query}" if query else ANALYSIS)
    assert response.status_code == 200
    return response.content.decode()


def _plain(fragment: str) -> str:
    fragment = re.sub(r'<span class="govuk-visually-hidden">.*?</span>', "", fragment, flags=re.S)
    return html_lib.unescape(re.sub(r"<[^>]+>", "", fragment)).strip()


def table(html: str, slug: str) -> dict[str, dict[str, str]]:
    """{row header: {column header: cell as shown}} of the table with this slug."""
    match = re.search(
        rf'<div class="app-table-wrapper" id="{re.escape(slug)}".*?</table>', html, re.S
    )
    assert match, f"no table {slug}"
    found = match.group(0)
    head, body = found.split("</thead>")
    columns = [_plain(c) for c in re.findall(r"<th[^>]*>(.*?)</th>", head, flags=re.S)][1:]
    result = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, flags=re.S):
        header = _plain(re.search(r"<th[^>]*>(.*?)</th>", row, flags=re.S).group(1))
        cells = [_plain(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)]
        result[header] = dict(zip(columns, cells, strict=True))
    return result


def summary(html: str) -> dict[str, str]:
    return {row: cells["Number"] for row, cells in table(html, "summary").items()}


def errors(html: str) -> list[str]:
    box = re.search(r'govuk-error-summary__list">(.*?)</ul>', html, re.S)
    return (
        [_plain(item) for item in re.findall(r"<li>(.*?)</li>", box.group(1), re.S)] if box else []
    )


def review(partnership, *, notified, incident, **rest):
    """A complete review with its own notification and incident months."""
    return complete_review(partnership, notified=notified, incident=incident, **rest)


# Access -----------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [ANALYSIS, RECORD])
def test_panel_staff_read_both_pages_marked_restricted_and_not_indexed(client, panel, url):
    """Panel staff get each page, with the Restricted tag, the warning and noindex."""
    client.force_login(panel)
    response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert '<strong class="govuk-tag govuk-tag--red">Restricted</strong>' in html
    assert analysis.RESTRICTED_WARNING in html
    assert '<meta name="robots" content="noindex">' in html
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("persona", ["lead", "contributor", "viewer", "other_lead", "outsider"])
@pytest.mark.parametrize("url", [ANALYSIS, RECORD])
def test_everyone_else_signed_in_gets_403(client, request, persona, url):
    """Members of any partnership and people who belong nowhere are refused with 403."""
    client.force_login(request.getfixturevalue(persona))
    assert client.get(url).status_code == 403
    assert not RestrictedView.objects.exists()


@pytest.mark.parametrize("url", [ANALYSIS, RECORD])
def test_anonymous_visitors_are_sent_to_sign_in(client, url):
    """Someone not signed in is asked to sign in first, and nothing is recorded."""
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"
    assert not RestrictedView.objects.exists()


def test_inactive_panel_account_is_refused(client, panel):
    """Access is decided in partnerships.access: an inactive Panel account is not let in."""
    panel.is_active = False
    panel.save()
    client.force_login(panel)
    assert client.get(ANALYSIS).status_code in (302, 403)


def test_panel_home_links_to_the_analysis_and_its_record(client, panel):
    """The Panel home page links to the restricted analysis and the record of views."""
    client.force_login(panel)
    html = client.get("/panel/").content.decode()
    assert f'href="{ANALYSIS}">Restricted analysis of review cases</a>' in html
    assert f'href="{RECORD}">Record of restricted views</a>' in html


# No downloads -----------------------------------------------------------------------------


def test_no_download_link_and_no_export_route(client, panel, northshire):
    """The page offers no file, and no export URL exists beside it."""
    review(northshire, notified=date(2023, 5, 1), incident=date(2023, 4, 1))
    client.force_login(panel)
    html = page(client, WINDOW)
    assert "export." not in html
    assert not re.search(r"<a [^>]*\bdownload\b", html)
    assert "Download" not in html
    for suffix in ("export.csv", "export.xlsx", "export"):
        assert client.get(ANALYSIS + suffix).status_code == 404
        assert client.get(RECORD + suffix).status_code == 404
    with pytest.raises(NoReverseMatch):
        reverse("panel:analysis_export", kwargs={"format": "csv"})


# The record of views ----------------------------------------------------------------------


def test_every_view_is_recorded_with_who_when_and_filters(client, panel, northshire):
    """A valid GET leaves one line: the person, the time, the path and the filters applied."""
    client.force_login(panel)
    page(
        client,
        f"{WINDOW}&month=incident&area=partnership&partnership=northshire"
        "&dimension=harm_types&only_where=disclosures",
    )
    view = RestrictedView.objects.get()
    assert view.user == panel
    assert view.email == "panel@example.org"
    assert view.path == ANALYSIS
    assert view.viewed_at is not None
    assert view.filters == {
        "area": "partnership",
        "region": None,
        "partnership": "northshire",
        "partnerships": [],
        "month": "incident",
        "first": "2022-01",
        "last": "2024-03",
        "dimension": "harm_types",
        "only_where": "disclosures",
    }
    assert view.summary == (
        "Northshire Safeguarding Children Partnership; incident months January 2022 to "
        "March 2024; broken down by harm types; only reviews where: child disclosed abuse"
    )


def test_an_invalid_query_is_recorded_with_what_was_asked(client, panel):
    """A GET with filters that are not valid is recorded too: the defaults applied, what
    was asked and the errors shown."""
    client.force_login(panel)
    html = page(
        client, "area=chosen&listed=chosen&start_month=13&start_year=2022&end_month=1&end_year=22"
    )
    assert errors(html) == [
        analysis.CHOSEN_EMPTY,
        months.MONTH_NOT_REAL.format(label="first month counted"),
        months.YEAR_NOT_4_DIGITS.format(label="last month counted"),
    ]
    view = RestrictedView.objects.get()
    assert view.filters["area"] == "england"
    assert view.filters["asked"] == {
        "area": ["chosen"],
        "listed": ["chosen"],
        "start_month": ["13"],
        "start_year": ["2022"],
        "end_month": ["1"],
        "end_year": ["22"],
    }
    assert view.filters["errors"] == errors(html)


def test_a_hostile_query_is_recorded_cut_to_size(client, panel):
    """A very long value is recorded cut to a bounded length, never a 500."""
    client.force_login(panel)
    response = client.get(ANALYSIS, {"area": "x<y>", "dimension": "z" * 5000})
    assert response.status_code == 200
    asked = RestrictedView.objects.get().filters["asked"]
    assert asked["area"] == ["x<y>"]
    assert len(asked["dimension"][0]) == services.MAX_RECORDED_TEXT


def test_the_record_service_keeps_only_what_any_database_can_hold(panel):
    """NUL characters are dropped and long lists cut before the filters are stored."""
    view = services.restricted_view_record(
        user=panel,
        path="/panel/analysis/\x00",
        filters={"asked": {"a\x00": ["b\x00c"] * 500}},
        summary="England\x00",
    )
    view.refresh_from_db()
    assert view.path == "/panel/analysis/"
    assert view.filters == {"asked": {"a": ["bc"] * 200}}
    assert view.summary == "England"
    assert view.email == panel.email


def test_a_nul_in_the_query_is_refused_before_the_page(client, panel):
    """The service answers 400 to a NUL in any query string, so nothing reaches the page."""
    client.force_login(panel)
    assert client.get(ANALYSIS + "?area=%00").status_code == 400
    assert not RestrictedView.objects.exists()


def test_the_record_page_lists_views_newest_first_in_words(client, panel, northshire):
    """Panel staff read who looked, when and at which filters, the newest first."""
    other = UserFactory(email="second@example.org", is_panel_staff=True)
    client.force_login(other)
    page(client, "area=region&region=london")
    client.force_login(panel)
    page(client, "month=bogus")
    html = client.get(RECORD).content.decode()
    rows = re.findall(r"<tr class=\"govuk-table__row\">(.*?)</tr>", html.split("<tbody")[1], re.S)
    cells = [[_plain(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)] for row in rows]
    assert [row[1] for row in cells] == ["panel@example.org", "second@example.org"]
    assert "Some filters were not valid, so defaults were shown" in cells[0][2]
    assert cells[1][2].startswith("London; notification months April ")


def test_the_record_page_is_paginated(client, panel):
    """Fifty lines a page, with a link to the older ones; the page number is forgiving."""
    RestrictedView.objects.bulk_create(
        RestrictedView(user=panel, email=panel.email, path=ANALYSIS, summary=f"view {n}")
        for n in range(analysis.RECORD_PAGE_SIZE + 3)
    )
    client.force_login(panel)
    first = client.get(RECORD).content.decode()
    assert first.count('<td class="govuk-table__cell">panel@example.org</td>') == 50
    assert 'href="?page=2" rel="next"' in first
    second = client.get(RECORD + "?page=2").content.decode()
    assert second.count('<td class="govuk-table__cell">panel@example.org</td>') == 3
    assert client.get(RECORD + "?page=abc").status_code == 200
    assert client.get(RECORD + "?page=99999999999999999999").status_code == 200


def test_the_record_itself_is_not_added_to_by_reading_it(client, panel):
    """Reading the record shows no figures, so it adds no line to the record."""
    client.force_login(panel)
    client.get(RECORD)
    assert not RestrictedView.objects.exists()


def test_admin_reads_the_record_but_cannot_add_change_or_delete(admin_client, panel):
    """The Django admin lists the record read-only: no add, change or delete."""
    view = RestrictedView.objects.create(user=panel, email=panel.email, path=ANALYSIS)
    base = "/admin/partnerships/restrictedview/"
    assert admin_client.get(base).status_code == 200
    detail = admin_client.get(f"{base}{view.pk}/change/")
    assert detail.status_code == 200
    assert 'name="_save"' not in detail.content.decode()
    assert admin_client.get(f"{base}add/").status_code == 403
    assert (
        admin_client.post(f"{base}{view.pk}/change/", {"email": "x@example.org"}).status_code == 403
    )
    assert admin_client.post(f"{base}{view.pk}/delete/", {"post": "yes"}).status_code == 403
    response = admin_client.post(
        base, {"action": "delete_selected", "_selected_action": [view.pk], "post": "yes"}
    )
    assert response.status_code in (200, 302, 403)
    view.refresh_from_db()
    assert view.email == panel.email


# A worked window across three April-to-March years -----------------------------------------


@pytest.fixture
def three_years(northshire, eastmere):
    """Reviews on either side of January 2022 to March 2024 (the report's window).

    # | partnership | notified | incident | child
    1 | northshire  | 2022-01  | 2021-12  | A (girl)   notification in, incident out
    2 | northshire  | 2024-03  | 2024-02  | A (girl)   both in
    3 | northshire  | 2021-12  | 2021-11  | E (girl)   both out, before
    4 | northshire  | 2024-04  | 2024-03  | B (boy)    notification out, incident in
    5 | eastmere    | 2023-06  | 2022-01  | C (girl)   both in (an LCSPR)
    6 | london one  | 2022-02  | 2022-01  | D (boy)    both in
    7 | eastmere    | 2024-05  | 2024-04  | F (boy)    both out, after
    and a draft notified in 2023, never counted.
    """
    london = PartnershipFactory(
        name="Londonshire Safeguarding Children Partnership",
        slug="londonshire",
        region=Region.objects.get(slug="london"),
    )
    girl, boy = {"sex": "female"}, {"sex": "male"}
    child_a = ChildFactory(partnership=northshire, **girl)
    review(northshire, notified=date(2022, 1, 1), incident=date(2021, 12, 1), child=child_a)
    review(northshire, notified=date(2024, 3, 1), incident=date(2024, 2, 1), child=child_a)
    review(northshire, notified=date(2021, 12, 1), incident=date(2021, 11, 1), child_fields=girl)
    review(northshire, notified=date(2024, 4, 1), incident=date(2024, 3, 1), child_fields=boy)
    review(
        eastmere,
        notified=date(2023, 6, 1),
        incident=date(2022, 1, 1),
        child_fields=girl,
        review_type="lcspr",
    )
    review(london, notified=date(2022, 2, 1), incident=date(2022, 1, 1), child_fields=boy)
    review(eastmere, notified=date(2024, 5, 1), incident=date(2024, 4, 1), child_fields=boy)
    ReviewFactory(
        child=ChildFactory(partnership=northshire),
        notification_month=date(2023, 5, 1),
        incident_month=date(2023, 5, 1),
    )
    return london


def test_notification_months_january_2022_to_march_2024(client, panel, three_years):
    """Notified in the window: reviews 1, 2, 5 and 6 (both end months in, 3 and 7 out, 4
    notified a month late): 4 reviews of 3 children, child A with two."""
    client.force_login(panel)
    html = page(client, f"{WINDOW}&month=notification")
    assert summary(html) == {
        "Complete reviews": "4",
        "Children": "3",
        "Children with more than one review": "1",
    }
    sex = table(html, "dimension-sex")
    assert (sex["Female"]["Children"], sex["Female"]["Reviews"]) == ("2", "3")
    assert (sex["Male"]["Children"], sex["Male"]["Reviews"]) == ("1", "1")
    kinds = table(html, "dimension-review-type")
    assert kinds["Rapid review"]["Reviews"] == "3"
    assert kinds["Local child safeguarding practice review (LCSPR)"]["Reviews"] == "1"
    assert "notification months January 2022 to March 2024" in html


def test_incident_months_january_2022_to_march_2024(client, panel, three_years):
    """By incident month: reviews 2, 4, 5 and 6 (4's incident in March 2024 and 5's and 6's
    in January 2022 are in, 1's December 2021 is out): 4 reviews of 4 children."""
    client.force_login(panel)
    html = page(client, f"{WINDOW}&month=incident")
    assert summary(html) == {
        "Complete reviews": "4",
        "Children": "4",
        "Children with more than one review": "0",
    }
    sex = table(html, "dimension-sex")
    assert (sex["Female"]["Children"], sex["Male"]["Children"]) == ("2", "2")
    assert "incident months January 2022 to March 2024" in html


@pytest.mark.parametrize(
    ("area", "expected"),
    [
        ("area=region&region=north-east", {"Complete reviews": "3", "Children": "2"}),
        ("area=region&region=london", {"Complete reviews": "1", "Children": "1"}),
        ("area=partnership&partnership=eastmere", {"Complete reviews": "1", "Children": "1"}),
        ("area=partnership&partnership=northshire", {"Complete reviews": "2", "Children": "1"}),
        (
            "area=chosen&partnerships=eastmere&partnerships=londonshire",
            {"Complete reviews": "2", "Children": "2"},
        ),
        (
            "area=chosen&partnerships=northshire&partnerships=eastmere&partnerships=londonshire",
            {"Complete reviews": "4", "Children": "3"},
        ),
    ],
)
def test_each_kind_of_area(client, panel, three_years, area, expected):
    """A region, one partnership or a chosen set counts only its own reviews in the window
    (notified: 1 and 2 in Northshire, 5 in Eastmere, both North East; 6 in London)."""
    client.force_login(panel)
    shown = summary(page(client, f"{WINDOW}&{area}"))
    assert {key: shown[key] for key in expected} == expected


def test_a_chosen_set_is_named_in_full(client, panel, three_years):
    """The page says which partnerships a chosen set holds."""
    client.force_login(panel)
    html = page(client, f"{WINDOW}&area=chosen&partnerships=eastmere&partnerships=londonshire")
    assert (
        "2 chosen partnerships (Eastmere Safeguarding Children Partnership, Londonshire "
        "Safeguarding Children Partnership)" in html
    )


def test_the_default_window_is_the_last_complete_april_to_march_year(client, panel, northshire):
    """With no months given, the last April-to-March year that has ended is counted."""
    first, last = analysis.last_complete_year(date.today())
    review(northshire, notified=first, incident=first)
    review(northshire, notified=last, incident=last)
    review(northshire, notified=date(last.year, 4, 1), incident=date(last.year, 4, 1))
    client.force_login(panel)
    html = page(client)
    assert summary(html)["Complete reviews"] == "2"
    assert f"notification months April {first.year} to March {last.year}" in html


def test_last_complete_year():
    """March still belongs to the year before; April starts a new one."""
    assert analysis.last_complete_year(date(2026, 3, 31)) == (date(2024, 4, 1), date(2025, 3, 1))
    assert analysis.last_complete_year(date(2026, 4, 1)) == (date(2025, 4, 1), date(2026, 3, 1))


# Count only reviews where ------------------------------------------------------------------


@pytest.fixture
def disclosures(northshire):
    """Five reviews notified in March 2024; four where the child disclosed abuse.

    R1 Pakistani girl,           disclosed, sexual abuse
    R2 White and Asian girl,     disclosed, sexual and physical abuse
    R3 Pakistani boy,            disclosed, physical abuse
    R4 Pakistani girl,           did not disclose, sexual abuse
    R5 White British girl,       disclosed, neglect
    """
    month = date(2024, 3, 1)
    for sex, code, disclosed, harms in [
        ("female", "APKN", "yes", ["sexual"]),
        ("female", "MWAS", "yes", ["sexual", "physical"]),
        ("male", "APKN", "yes", ["physical"]),
        ("female", "APKN", "no", ["sexual"]),
        ("female", "WBRI", "yes", ["neglect"]),
    ]:
        review(
            northshire,
            notified=month,
            incident=month,
            child_fields={"sex": sex, "ethnicity": code},
            disclosure=disclosed,
            disclosure_response="dismissed" if disclosed == "yes" else "",
            harm_types=harms,
        )


def test_disclosures_by_harm_type(client, panel, disclosures):
    """Counting only disclosures (R1, R2, R3, R5): sexual abuse 2, physical 2, neglect 1;
    without the filter sexual abuse is 3 (R4 too)."""
    client.force_login(panel)
    only = table(
        page(client, f"{WINDOW}&dimension=harm_types&only_where=disclosures"),
        "dimension-harm-types",
    )
    assert only["Sexual abuse"]["Reviews"] == "2"
    assert only["Physical abuse or fatal assault"]["Reviews"] == "2"
    assert only["Neglect"]["Reviews"] == "1"
    assert only["Emotional abuse"]["Reviews"] == "0"
    assert only["All"]["Reviews"] == "4"
    everyone = table(page(client, f"{WINDOW}&dimension=harm_types"), "dimension-harm-types")
    assert everyone["Sexual abuse"]["Reviews"] == "3"
    assert everyone["All"]["Reviews"] == "5"


def test_disclosures_of_sexual_abuse_by_code_and_sex(client, panel, disclosures):
    """Disclosures of sexual abuse by DfE code and sex: one Pakistani girl and one White
    and Asian girl (the report's Asian and Mixed White-and-Asian girls), no boy."""
    client.force_login(panel)
    html = page(client, f"{WINDOW}&dimension=harm_types&only_where=disclosures")
    sexual = table(html, "cross-harm-types-sexual")
    assert sexual["Pakistani (APKN)"]["Female"] == "1"
    assert sexual["White and Asian (MWAS)"]["Female"] == "1"
    assert sexual["Asian"]["Female"] == "1"
    assert sexual["Mixed or Multiple"]["Female"] == "1"
    assert sexual["All"]["Female"] == "2"
    assert sexual["All"]["Male"] == "0"
    assert sexual["All"]["All"] == "2"


def test_disclosures_by_code_and_sex(client, panel, disclosures):
    """Every disclosure by code and sex: Pakistani girl 1, boy 1, White and Asian girl 1,
    White British girl 1; the girl who did not disclose is left out."""
    client.force_login(panel)
    html = page(client, f"{WINDOW}&dimension=disclosure&only_where=disclosures")
    yes = table(html, "cross-disclosure-yes")
    assert (yes["Pakistani (APKN)"]["Female"], yes["Pakistani (APKN)"]["Male"]) == ("1", "1")
    assert yes["White and Asian (MWAS)"]["Female"] == "1"
    assert yes["White British (WBRI)"]["Female"] == "1"
    assert yes["All"]["All"] == "4"
    base = table(html, "cross-disclosure-base")
    assert base["All"]["All"] == "4"
    assert summary(html)["Complete reviews"] == "4"


def test_every_dimension_and_the_findings_are_shown(client, panel, disclosures):
    """The page holds the summary, the ethnicity table, a table for every dimension, the
    findings and, for the chosen dimension, a table per value and its base."""
    from reviews import dimensions as dims

    client.force_login(panel)
    html = page(client, f"{WINDOW}&dimension=sex")
    for slug in (
        ["summary", "ethnicity", "measures", "cross-sex-base"]
        + [f"dimension-{d.name.replace('_', '-')}" for d in dims.DIMENSIONS]
        + [f"cross-sex-{value.replace('_', '-')}" for value in dims.SEX.values]
    ):
        assert f'id="{slug}"' in html, slug
        assert f'href="#{slug}"' in html or slug in ("summary", "ethnicity", "measures"), slug
    for heading in ("About the child", "The review", "What the review did"):
        assert f">{heading}</h2>" in html
    findings = table(html, "measures")
    assert findings["Child disclosed abuse"]["Number"] == "4"


# Hostile and invalid filters ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("start_month=4&start_year=2024&end_month=3&end_year=2024", [analysis.END_BEFORE_START]),
        (
            "start_month=0&start_year=2024&end_month=3&end_year=2024",
            [months.MONTH_NOT_REAL.format(label="first month counted")],
        ),
        (
            "start_month=1&start_year=24&end_month=3&end_year=2024",
            [months.YEAR_NOT_4_DIGITS.format(label="first month counted")],
        ),
        (
            "start_month=1&start_year=2022",
            [analysis.WINDOW_HALF.format(label="last month counted")],
        ),
        (
            "start_month=1&end_month=3&end_year=2024",
            [months.MONTH_PART_MISSING.format(label="first month counted")],
        ),
        ("area=region", [analysis.REGION_MISSING]),
        ("area=partnership&listed=partnership", [analysis.PARTNERSHIP_MISSING]),
        ("area=chosen&listed=chosen", [analysis.CHOSEN_EMPTY]),
        ("area=mars", [analysis.NOT_ON_OFFER.format(label="area")]),
        ("area=region&region=atlantis", [analysis.NOT_ON_OFFER.format(label="region")]),
        (
            "dimension=shoe_size",
            [analysis.NOT_ON_OFFER.format(label="break down by ethnicity and sex")],
        ),
        ("only_where=everything", [analysis.NOT_ON_OFFER.format(label="count only reviews where")]),
    ],
)
def test_invalid_filters_show_an_error_and_the_defaults(client, panel, northshire, query, expected):
    """Each invalid filter is named in the error summary and the page counts its default."""
    first, last = analysis.last_complete_year(date.today())
    client.force_login(panel)
    html = page(client, query)
    assert errors(html) == expected
    assert f"England; notification months {first:%B %Y} to {last:%B %Y}" in html
    assert html.count("<title>Error: ") == 1


@pytest.mark.parametrize(
    ("area", "name", "hint"),
    [
        ("chosen", "partnerships", "Select each partnership to count, then select Show figures"),
        ("partnership", "partnership", "Select the partnership to count, then select Show figures"),
    ],
)
def test_asking_for_a_list_of_partnerships_shows_it_with_a_hint_not_an_error(
    client, panel, northshire, area, name, hint
):
    """Choosing one partnership or a chosen set and showing figures brings the list with a
    hint and England's figures, and no error; the list is sent back marked as shown."""
    client.force_login(panel)
    html = page(client, f"area={area}")
    assert errors(html) == []
    assert "<title>Error: " not in html
    assert f"{hint}. Until then the figures are England's." in html
    assert f'name="{name}"' in html
    assert f'<input type="hidden" name="listed" value="{area}">' in html
    assert "<strong>Showing:</strong> England;" in html
    view = RestrictedView.objects.get()
    assert view.filters["area"] == "england"
    assert "errors" not in view.filters


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("area=chosen&listed=chosen", analysis.CHOSEN_EMPTY),
        ("area=partnership&listed=partnership&partnership=", analysis.PARTNERSHIP_MISSING),
    ],
)
def test_a_list_sent_back_with_nothing_chosen_is_an_error(
    client, panel, northshire, query, expected
):
    """Once the list was on the page, sending it back with nothing chosen is an error, and
    the list is shown again."""
    client.force_login(panel)
    html = page(client, query)
    assert errors(html) == [expected]
    assert 'name="listed"' in html


def test_once_chosen_the_hint_no_longer_speaks_of_england(client, panel, northshire):
    """With a partnership ticked the figures are the chosen set's, and the hint says so no
    longer."""
    client.force_login(panel)
    html = page(client, "area=chosen&listed=chosen&partnerships=northshire")
    assert errors(html) == []
    assert "Until then the figures are England's" not in html
    assert "<strong>Showing:</strong> 1 chosen partnership (Northshire" in html


@pytest.mark.parametrize(
    "query",
    [
        "start_month=%FF&start_year=%FF%FE",
        "start_month=99999999999999999999&start_year=99999999999999999999&end_month=1&end_year=2024",
        "start_month=%EF%BC%91&start_year=%EF%BC%92%EF%BC%90%EF%BC%92%EF%BC%92",
        "area=chosen&partnerships=" + "x" * 3000,
        "area[]=region&region=north-east&region=london",
        "month=incident&month=notification&dimension=sex&dimension=x",
        "page=-1&start_year=-2022&start_month=-1&end_month=1e3&end_year=2024.0",
        "partnership=%3Cscript%3E&area=partnership",
    ],
)
def test_hostile_query_strings_answer_200(client, panel, northshire, query):
    """Whatever the query string holds, the page answers 200 and records the view."""
    client.force_login(panel)
    response = client.get(f"{ANALYSIS}?{query}")
    assert response.status_code == 200
    assert "<script>" not in response.content.decode()
    assert RestrictedView.objects.count() == 1


# Query counts ------------------------------------------------------------------------------


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def add_partnerships_with_reviews(count: int):
    london = Region.objects.get(slug="london")
    for n in range(count):
        partnership = PartnershipFactory(region=london)
        for month in (date(2022, 6, 1), date(2023, 6, 1)):
            review(partnership, notified=month, incident=month, child_fields={"sex": "male"})
        RestrictedView.objects.create(email=f"person{n}@example.org", path=ANALYSIS)


@pytest.mark.parametrize(
    ("name", "url"),
    [
        (
            "analysis",
            f"{ANALYSIS}?{WINDOW}&area=chosen&partnerships=northshire&partnerships=eastmere&dimension=harm_types&only_where=disclosures",
        ),
        ("analysis", f"{ANALYSIS}?{WINDOW}&area=region&region=london&month=incident"),
        ("record", RECORD),
    ],
)
def test_query_counts_do_not_grow_with_reviews_or_partnerships(
    client, panel, northshire, eastmere, django_assert_num_queries, name, url
):
    """Each page runs a pinned number of queries, the same for 3 partnerships as for 30 with
    reviews and records of views."""
    client.force_login(panel)
    add_partnerships_with_reviews(1)
    client.get(url)  # the first request after signing in also updates the session
    cache.clear()
    few = count_queries(client, url)
    add_partnerships_with_reviews(27)
    cache.clear()
    with django_assert_num_queries(few):
        client.get(url)
    assert few == QUERIES[name]


# Counted once, and never served stale -----------------------------------------------------


def test_a_view_asked_again_reads_its_counts_from_the_cache(client, panel, three_years):
    """The same view again costs the fingerprint queries but not the count."""
    client.force_login(panel)
    url = f"{ANALYSIS}?{WINDOW}"
    client.get(url)
    assert count_queries(client, url) == QUERIES["analysis"] - 1


def test_cached_counts_follow_an_edited_review_and_child(client, panel, lead, three_years):
    """Editing a review or its child anywhere shows at once: counts are never served stale."""
    client.force_login(panel)
    query = f"{WINDOW}&month=notification"
    before = table(page(client, query), "dimension-review-type")
    assert before["Rapid review"]["Reviews"] == "3"
    review = Review.objects.filter(
        partnership__slug="northshire",
        review_type="rapid_review",
        notification_month=date(2024, 3, 1),
    ).get()
    reviews_services.case_update(
        review=review,
        child_data={},
        review_data={"review_type": "lcspr"},
        review_revision=review.revision,
        child_revision=review.child.revision,
        by=lead,
    )
    after = table(page(client, query), "dimension-review-type")
    assert after["Rapid review"]["Reviews"] == "2"
    assert after["Local child safeguarding practice review (LCSPR)"]["Reviews"] == "2"
    review.refresh_from_db()
    reviews_services.case_update(
        review=review,
        child_data={"sex": "male" if review.child.sex == "female" else "female"},
        review_data={},
        review_revision=review.revision,
        child_revision=review.child.revision,
        by=lead,
    )
    sex = table(page(client, query), "dimension-sex")  # child A, of reviews 1 and 2, a boy now
    assert (sex["Female"]["Children"], sex["Female"]["Reviews"]) == ("1", "1")
    assert (sex["Male"]["Children"], sex["Male"]["Reviews"]) == ("2", "3")


def test_cached_counts_follow_a_deleted_review(client, panel, three_years):
    """A review deleted (here directly, as an operator might) is gone from the counts."""
    client.force_login(panel)
    query = f"{WINDOW}&month=notification"
    assert summary(page(client, query))["Complete reviews"] == "4"
    Review.objects.filter(
        partnership__slug="northshire", notification_month=date(2024, 3, 1)
    ).delete()
    assert summary(page(client, query))["Complete reviews"] == "3"


# Markup -----------------------------------------------------------------------------------


def test_a_table_of_figures_is_styled_by_its_class_with_text_columns_marked():
    """Numeric cells carry no class of their own (the table's app-figures class styles
    them); a column of text and an indented row are marked; every text is escaped."""
    table = Table(
        "t",
        "Title <b>",
        [Column("Row"), Column("Number", COUNT), Column("Said"), Column("Share", PERCENT)],
        [Row("A & B", [1234, "<i>x</i>", 5]), Row("Code", [None, "y", 0], level=1)],
    )
    html = analysis.table_html(table)
    assert 'class="govuk-table app-dashboard-table' in html and " app-figures" in html
    assert "<caption" in html and "Title &lt;b&gt;</caption>" in html
    assert '<th scope="col">Number</th><th scope="col" class="app-figures__text">Said</th>' in html
    assert (
        '<tr><th scope="row">A &amp; B</th><td>1,234</td>'
        '<td class="app-figures__text">&lt;i&gt;x&lt;/i&gt;</td><td>5%</td></tr>'
    ) in html
    assert '<th scope="row" class="app-dashboard-table__indented">Code</th>' in html
    assert '<span class="govuk-visually-hidden">none</span>' in html
    assert "govuk-table__cell" not in html and "govuk-table__row" not in html
