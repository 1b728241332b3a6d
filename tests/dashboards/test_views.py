"""The dashboard pages through the test client: who may see them, what a partnership may
learn about its peers, the figures each table shows, publishing review statistics once and
reading them back unchanged, what downloads hold, the filters, and pinned query counts."""

import csv
import html as html_lib
import io
import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from audits.models import Audit
from dashboards import figures as f
from dashboards import review_statistics, services
from dashboards.models import Publication
from partnerships.models import Partnership, Region
from reviews.models import Review
from tests.dashboards.factories import complete_review, cycle_named, scored_audit
from tests.partnerships.factories import PartnershipFactory

pytestmark = pytest.mark.django_db

CYCLE = "2025-26"
PREVIOUS = "2024-25"
DASHBOARD = "/p/northshire/dashboard/"
COMPLETION = f"/panel/cycles/{CYCLE}/"
COMPARE = "/panel/compare/"
REVIEWS = "/panel/reviews/"
PANEL_PAGES = [COMPLETION, COMPARE, REVIEWS]
PANEL_URLS = [page + suffix for page in PANEL_PAGES for suffix in ("", "export.csv", "export.xlsx")]
DASHBOARD_URLS = ["", "export.csv", "export.xlsx"]
MEMBERS = ["lead", "contributor", "viewer"]
OTHERS = ["lead", "contributor", "viewer", "other_lead", "outsider"]
TOO_FEW_CHOSEN = "Select at least 2 partnerships to compare item by item"

# Version 1 of the framework: 7 themes, 34 items (theme 2 has 4 items, the others 5).
THEME_1 = ["1.1", "1.2", "1.3", "1.4", "1.5"]
THEME_2 = ["2.1", "2.2", "2.3", "2.4"]

# The queries each page runs, the same for 5 partnerships as for 50. Each counts those every
# request pays (tests/config/test_request_cost.py): 3 for Panel staff (session, user, the
# verified second factor), 3 for a member (session, user, memberships with their roles).
QUERIES = {
    "completion": 7,
    "compare": 7,
    "compare, 2 chosen": 8,
    "compare, distribution": 9,
    "compare, gap": 7,
    "compare, change": 7,
    "reviews": 6,
    "dashboard": 8,
}
MOST_QUERIES = 12  # the goal for every page, at any size


# Helpers -------------------------------------------------------------------------------


def text(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def _plain(fragment: str) -> str:
    """The text of an HTML fragment as a sighted reader sees it."""
    fragment = re.sub(r'<span class="govuk-visually-hidden">.*?</span>', "", fragment, flags=re.S)
    fragment = re.sub(r"<[^>]+>", "", fragment)
    return html_lib.unescape(fragment).strip()


def _wrapper(slug: str) -> str:
    return rf'<div class="app-table-wrapper" id="{slug}"[ >]'


def table_html(html: str, slug: str) -> str:
    """The markup of the table with this id (a table's id is its slug)."""
    found = re.search(_wrapper(re.escape(slug)), html)
    assert found, f"no table {slug!r} on the page"
    return html[found.start() : html.index("</table>", found.start())]


def has_table(html: str, slug: str) -> bool:
    return re.search(_wrapper(re.escape(slug)), html) is not None


def table_header(html: str, slug: str) -> list[str]:
    head = table_html(html, slug).split("</thead>")[0]
    return [_plain(cell) for cell in re.findall(r"<th[^>]*>(.*?)</th>", head, flags=re.S)]


def table_rows(html: str, slug: str) -> list[tuple[str, list[str]]]:
    """The table's body as (row header, [cell text]) pairs, in order."""
    body = table_html(html, slug).split("<tbody", 1)[1]
    rows = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, flags=re.S):
        header = re.search(r"<th[^>]*>(.*?)</th>", row, flags=re.S)
        cells = [_plain(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)]
        rows.append((_plain(header.group(1)) if header else "", cells))
    return rows


def table_row(html: str, slug: str, header: str) -> list[str]:
    found = [cells for label, cells in table_rows(html, slug) if label == header]
    assert len(found) == 1, f"{len(found)} rows headed {header!r} in {slug}"
    return found[0]


def all_table_slugs(html: str) -> list[str]:
    return re.findall(_wrapper('([^"]+)'), html)


def is_count_label(label) -> bool:
    """A column of counts: any figure column whose header is not a percentage."""
    return bool(label) and "%" not in str(label) and "Percentage" not in str(label)


def is_small_count(value) -> bool:
    """A bare whole number from 1 to 4, as a CSV string, a page's text or an XLSX number."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return 1 <= value <= 4
    if isinstance(value, str) and re.fullmatch(r"\d[\d,]*", value.strip()):
        return 1 <= int(value.replace(",", "")) <= 4
    return False


def small_counts(title, header, rows) -> list[tuple]:
    """(table, row, column, value) of every count from 1 to 4 in the table's count columns."""
    found = []
    for row in rows:
        for label, value in zip(header[1:], row[1:], strict=False):
            if is_count_label(label) and is_small_count(value):
                found.append((title, row[0], label, value))
    return found


def parse_csv_sections(content: bytes) -> dict[str, tuple[list[str], list[list[str]]]]:
    """A whole-page CSV export as {title: (header, rows)}: sections are separated by a blank
    line, and each starts with its title on a line of its own, then its header."""
    assert content.startswith(b"\xef\xbb\xbf"), "the CSV must start with the UTF-8 BOM"
    lines = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    sections, current = {}, []
    for line in [*lines, []]:
        if line:
            current.append(line)
            continue
        if current:
            (title, *_rest), header, *rows = current
            sections[title] = (header, rows)
            current = []
    return sections


def assert_csv_suppressed(content: bytes) -> dict:
    """Every count column of every section holds no count from 1 to 4; return the sections."""
    sections = parse_csv_sections(content)
    found = [
        small
        for title, (header, rows) in sections.items()
        for small in small_counts(title, header, rows)
    ]
    assert found == [], f"unsuppressed counts in the CSV: {found[:10]}"
    return sections


# Sheets of mean ratings (0 to 3), not counts: XLSX stores a mean of 2.0 as the number 2,
# which openpyxl reads back as an int, so their columns cannot be told from counts by type.
RATING_SHEETS = {"peers", "change", "trend"}


def assert_xlsx_suppressed(content: bytes):
    """Every count column of every sheet holds no count from 1 to 4; return the workbook."""
    book = load_workbook(io.BytesIO(content))
    found = []
    for sheet in book.worksheets:
        if sheet.title in RATING_SHEETS:
            continue
        header, *rows = list(sheet.iter_rows(values_only=True))
        found += small_counts(sheet.title, list(header), [list(row) for row in rows])
    assert found == [], f"unsuppressed counts in the XLSX: {found[:10]}"
    return book


def assert_page_suppressed(html: str):
    """Every count column of every table on the page holds no count from 1 to 4."""
    found = []
    for slug in all_table_slugs(html):
        header = table_header(html, slug)
        rows = [[label, *cells] for label, cells in table_rows(html, slug)]
        found += small_counts(slug, header, rows)
    assert found == [], f"unsuppressed counts on the page: {found[:10]}"


def csv_values(content: bytes) -> set[str]:
    return {
        value for line in csv.reader(io.StringIO(content.decode("utf-8-sig"))) for value in line
    }


def xlsx_values(content: bytes) -> set:
    book = load_workbook(io.BytesIO(content))
    return {
        value
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    }


def region(slug: str) -> Region:
    return Region.objects.get(slug=slug)


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


# Fixtures ------------------------------------------------------------------------------


@pytest.fixture
def cycle(db):
    return cycle_named(CYCLE)


@pytest.fixture
def previous(db):
    return cycle_named(PREVIOUS)


@pytest.fixture
def three_reviews(northshire):
    """Three complete reviews of Northshire: every count about them is from 1 to 4."""
    return [complete_review(northshire) for _ in range(3)]


# Access --------------------------------------------------------------------------------


@pytest.mark.parametrize("url", PANEL_URLS)
def test_anonymous_is_sent_to_sign_in_from_panel_dashboards(client, cycle, url):
    """Every Panel dashboard page and download asks anonymous visitors to sign in first."""
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url}"


@pytest.mark.parametrize("page", DASHBOARD_URLS)
def test_anonymous_is_sent_to_sign_in_from_partnership_dashboard(client, northshire, page):
    """The partnership dashboard and its downloads ask anonymous visitors to sign in first."""
    response = client.get(DASHBOARD + page)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={DASHBOARD + page}"


@pytest.mark.parametrize("persona", OTHERS)
@pytest.mark.parametrize("url", PANEL_URLS)
def test_panel_dashboards_are_403_for_everyone_else(client, request, cycle, persona, url):
    """Members of any role and outsiders get 403 on every Panel dashboard and download."""
    client.force_login(request.getfixturevalue(persona))
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", PANEL_URLS)
def test_panel_staff_reach_the_panel_dashboards(client, cycle, panel, url):
    """Panel staff see every Panel dashboard page and download each one."""
    scored_audit(PartnershipFactory(), cycle)
    client.force_login(panel)
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("persona", MEMBERS)
@pytest.mark.parametrize("page", DASHBOARD_URLS)
def test_members_reach_their_own_dashboard(client, request, persona, page):
    """Leads, contributors and viewers all see their own partnership's dashboard."""
    client.force_login(request.getfixturevalue(persona))
    assert client.get(DASHBOARD + page).status_code == 200


@pytest.mark.parametrize("page", DASHBOARD_URLS)
def test_panel_staff_reach_a_partnership_dashboard(client, northshire, panel, page):
    """Panel staff may read any partnership's dashboard and its downloads."""
    client.force_login(panel)
    assert client.get(DASHBOARD + page).status_code == 200


@pytest.mark.parametrize("persona", MEMBERS)
@pytest.mark.parametrize("page", DASHBOARD_URLS)
def test_other_partnership_dashboard_is_404(client, request, eastmere, persona, page):
    """A member of Northshire gets 404 on Eastmere's dashboard and downloads, as if absent."""
    client.force_login(request.getfixturevalue(persona))
    assert client.get(f"/p/eastmere/dashboard/{page}").status_code == 404


@pytest.mark.parametrize("page", DASHBOARD_URLS)
def test_outsider_gets_404_on_a_dashboard(client, northshire, outsider, page):
    """Someone who belongs to no partnership gets 404 on a partnership's dashboard."""
    client.force_login(outsider)
    assert client.get(DASHBOARD + page).status_code == 404


def test_unknown_cycle_is_404_on_completion(client, panel):
    """The completion page and its download answer 404 for a cycle that does not exist."""
    client.force_login(panel)
    assert client.get("/panel/cycles/1999-00/").status_code == 404
    assert client.get("/panel/cycles/1999-00/export.csv").status_code == 404


# The partnership dashboard: peers stay anonymous ---------------------------------------

PEER_NAMES = [
    "Quillmoor Safeguarding Children Partnership",
    "Brackenfold Safeguarding Children Partnership",
    "Vexhampton Safeguarding Children Partnership",
    "Ormsgill Safeguarding Children Partnership",
    "Thistlecombe Safeguarding Children Partnership",
    "Zedbury Safeguarding Children Partnership",
]


@pytest.fixture
def named_peers(northshire, eastmere, cycle):
    """Northshire rated 2 throughout; Eastmere 3 except 0 on theme 2 (overall 90/34, 2.6);
    six more partnerships with distinctive names rated 1 throughout."""
    scored_audit(northshire, cycle, rating=2)
    scored_audit(eastmere, cycle, rating=3, ratings=dict.fromkeys(THEME_2, 0))
    for index, name in enumerate(PEER_NAMES):
        peer = PartnershipFactory(name=name, slug=f"peer-{index}")
        scored_audit(peer, cycle, rating=1)
        complete_review(peer)
    complete_review(eastmere)
    return [eastmere, *Partnership.objects.filter(slug__startswith="peer-")]


def test_dashboard_never_names_another_partnership(client, named_peers, lead):
    """Northshire's dashboard, and its downloads, name no other partnership."""
    client.force_login(lead)
    page = text(client.get(DASHBOARD))
    downloads = [
        client.get(DASHBOARD + "export.csv").content.decode("utf-8-sig"),
        " ".join(
            str(value) for value in xlsx_values(client.get(DASHBOARD + "export.xlsx").content)
        ),
    ]
    assert "Northshire Safeguarding Children Partnership" in page
    for peer in named_peers:
        for shown in (page, *downloads):
            assert peer.name not in shown
            assert peer.name.split()[0] not in shown
            assert f"/p/{peer.slug}/" not in shown


def test_dashboard_shows_no_peer_figures_only_quartiles(client, named_peers, lead):
    """The peers table shows Northshire's means and the quartiles of the 7 others, never
    Eastmere's own means (0.0 on theme 2, 3.0 elsewhere, 2.6 overall)."""
    client.force_login(lead)
    html = text(client.get(DASHBOARD))
    # Northshire's own 2 is not a peer. Overall means of the others, sorted: 1 x6, 2.647
    # (Eastmere); quantiles (inclusive) 1.0, 1.0, 1.0. Theme 2: 0, 1 x6: 1.0, 1.0, 1.0.
    overall = table_row(html, "peers", "All themes")
    assert overall[:6] == ["2.0", "–", "1.0", "1.0", "1.0", "7"]
    theme_2 = [cells for label, cells in table_rows(html, "peers") if label.startswith("2. ")][0]
    assert theme_2[:6] == ["2.0", "–", "1.0", "1.0", "1.0", "7"]
    shown = {
        value for slug in all_table_slugs(html) for _l, c in table_rows(html, slug) for value in c
    }
    assert not shown & {"0.0", "3.0", "2.6"}
    descriptions = " ".join(re.findall(r"<desc[^>]*>(.*?)</desc>", html, flags=re.S))
    assert "yours 2.0, England median 1.0" in descriptions
    assert not re.search(r"\b(0\.0|3\.0|2\.6)\b", descriptions)


@pytest.mark.parametrize("others, quartiles_shown", [(4, False), (5, True)])
def test_peer_quartiles_need_five_partnerships(
    client, northshire, lead, cycle, others, quartiles_shown
):
    """Quartiles appear only when at least 5 partnerships besides Northshire have scores:
    with 4 others the table says "fewer than 5" and shows no median."""
    scored_audit(northshire, cycle, rating=2)
    for rating in [0, 1, 3, 3, 2][:others]:
        scored_audit(PartnershipFactory(), cycle, rating=rating)
    client.force_login(lead)
    html = text(client.get(DASHBOARD))
    for _label, cells in table_rows(html, "peers"):
        if quartiles_shown:
            assert cells[5] == "5"
            assert cells[3] not in ("", "–")
        else:
            assert cells[2:6] == ["–", "–", "–", "fewer than 5"]
            assert cells[6:10] == ["–", "–", "–", "fewer than 5"]
    # Other partnerships' overall means 0, 1, 3, 3, 2: with all five the median is 2.0.
    assert table_row(html, "trend", CYCLE) == ["2.0", "2.0" if quartiles_shown else "–"]
    chart = re.search(r'<svg[^>]*aria-labelledby="theme-range-title.*?</svg>', html, re.S).group(0)
    assert ("app-chart__band" in chart) is quartiles_shown
    assert ("England median" in chart) is quartiles_shown


def test_peer_median_and_quartiles_are_hand_computed(client, northshire, lead, cycle):
    """Other partnerships' overall means 0, 1, 2, 2, 3 give England's lower quartile 1.0,
    median 2.0 and upper quartile 2.0 (inclusive method); North East, with 4 others, shows
    no range."""
    scored_audit(northshire, cycle, rating=2, moderated=1)
    scored_audit(PartnershipFactory(region=region("london")), cycle, rating=0)
    for rating in (1, 2, 2, 3):
        scored_audit(PartnershipFactory(), cycle, rating=rating)
    client.force_login(lead)
    html = text(client.get(DASHBOARD))
    assert table_header(html, "peers")[3:6] == [
        "England lower quartile",
        "England median",
        "England upper quartile",
    ]
    assert table_row(html, "peers", "All themes") == [
        "2.0",
        "1.0",
        "1.0",
        "2.0",
        "2.0",
        "5",
        "–",
        "–",
        "–",
        "fewer than 5",
    ]
    assert len(table_rows(html, "peers")) == 8
    for _label, cells in table_rows(html, "peers"):
        assert cells[2:6] == ["1.0", "2.0", "2.0", "5"]


def test_dashboard_shows_change_and_trend_since_previous_cycle(
    client, northshire, lead, cycle, previous
):
    """Rated 1 in 2024-25 and 2 in 2025-26, Northshire sees +1.0 and both cycles' means."""
    scored_audit(northshire, previous, rating=1)
    scored_audit(northshire, cycle, rating=2)
    client.force_login(lead)
    html = text(client.get(DASHBOARD))
    assert table_header(html, "change") == ["Theme", PREVIOUS, "This cycle", "Change"]
    assert table_row(html, "change", "All themes") == ["1.0", "2.0", "+1.0"]
    assert table_rows(html, "trend") == [(PREVIOUS, ["1.0", "–"]), (CYCLE, ["2.0", "–"])]
    earlier = text(client.get(DASHBOARD + f"?cycle={PREVIOUS}"))
    assert table_row(earlier, "peers", "All themes")[0] == "1.0"
    assert not has_table(earlier, "change")


# The partnership dashboard: its own review statistics ----------------------------------

OWN_NOTE = "You see your own partnership's numbers in full, on this screen only"
REVIEW_SLUGS = {"measures", "ethnicity", "dimension-review-type", "cross-unheeded", "by-region"}


def test_member_sees_own_review_counts_in_full(client, three_reviews, viewer):
    """A member of Northshire sees its 3 complete reviews as 3, not perturbed."""
    client.force_login(viewer)
    html = text(client.get(DASHBOARD))
    assert table_row(html, "dimension-review-type", "All") == ["3", "100%"]
    assert table_row(html, "dimension-outcome", "All")[:2] == ["3", "100%"]
    assert table_row(html, "ethnicity", "All") == ["3", "100%", "3", "100%"]
    assert OWN_NOTE in html
    assert "Files never contain your partnership's review counts" in html


def test_own_review_counts_follow_every_change_of_the_reviews(client, three_reviews, viewer):
    """The own review tables are kept in the cache, but a completed, edited or deleted
    review, or a changed child, shows at once: the cached tables are never out of date."""
    client.force_login(viewer)
    html = text(client.get(DASHBOARD))
    assert table_row(html, "dimension-review-type", "All") == ["3", "100%"]
    fourth = complete_review(three_reviews[0].partnership)
    html = text(client.get(DASHBOARD))
    assert table_row(html, "dimension-review-type", "All") == ["4", "100%"]
    outcomes = dict(table_rows(html, "dimension-outcome"))
    child = fourth.child
    child.outcome = "seriously_harmed" if child.outcome == "died" else "died"
    child.revision += 1  # as every save through reviews/services.py does
    child.save()
    changed = dict(table_rows(text(client.get(DASHBOARD)), "dimension-outcome"))
    assert changed != outcomes
    assert changed["All"] == outcomes["All"]
    fourth.delete()
    html = text(client.get(DASHBOARD))
    assert table_row(html, "dimension-review-type", "All") == ["3", "100%"]


def test_own_review_tables_are_served_rendered_from_the_cache(
    client, three_reviews, viewer, monkeypatch
):
    """The own review tables are counted and rendered once: a second view serves the same
    HTML from the cache, and it equals the tables rendered afresh from the counts."""
    client.force_login(viewer)
    first = client.get(DASHBOARD).content.decode()
    renders = []
    original = review_statistics.render
    monkeypatch.setattr(
        review_statistics, "render", lambda tables: renders.append(1) or original(tables)
    )
    second = client.get(DASHBOARD).content.decode()
    assert renders == []
    fresh = review_statistics.render(review_statistics.own_tables(three_reviews[0].partnership))
    assert 'id="dimension-review-type"' in fresh
    assert fresh in first
    assert fresh in second


def test_own_review_tables_follow_an_edited_review_and_a_renamed_partnership(
    client, three_reviews, viewer
):
    """Editing a complete review's answers, or renaming the partnership, shows at once."""
    client.force_login(viewer)
    partnership = three_reviews[0].partnership
    html = text(client.get(DASHBOARD))
    types = dict(table_rows(html, "dimension-review-type"))
    review = three_reviews[0]
    review.review_type = "lcspr" if review.review_type != "lcspr" else "rapid_review"
    review.revision += 1  # as every save through reviews/services.py does
    review.save()
    changed = dict(table_rows(text(client.get(DASHBOARD)), "dimension-review-type"))
    assert changed != types
    assert changed["All"] == types["All"]
    partnership.name = "Renamed Safeguarding Children Partnership"
    partnership.save()
    assert f"Review type, {partnership.name}" in text(client.get(DASHBOARD))


def test_own_review_tables_with_no_complete_review_then_one(client, northshire, viewer):
    """With no complete review the tables count nothing; the first completed one shows at
    once although the empty tables were cached."""
    client.force_login(viewer)
    html = text(client.get(DASHBOARD))
    assert table_row(html, "dimension-review-type", "All")[0] == "0"
    assert table_row(text(client.get(DASHBOARD)), "dimension-review-type", "All")[0] == "0"
    complete_review(northshire)
    html = text(client.get(DASHBOARD))
    assert table_row(html, "dimension-review-type", "All") == ["1", "100%"]


def test_own_review_tables_offer_no_download(client, three_reviews, viewer):
    """The own review tables carry no download link, and asking for one answers 404."""
    client.force_login(viewer)
    html = text(client.get(DASHBOARD))
    assert "export.csv?table=dimension-review-type" not in html
    assert client.get(DASHBOARD + "export.csv?table=dimension-review-type").status_code == 404
    assert client.get(DASHBOARD + "export.xlsx?table=measures").status_code == 404


def test_panel_staff_do_not_see_one_partnerships_review_counts(client, three_reviews, panel):
    """Panel staff reading Northshire's dashboard get no table of its reviews, on screen or
    in its downloads."""
    client.force_login(panel)
    html = text(client.get(DASHBOARD))
    assert not has_table(html, "dimension-review-type")
    assert "shown only to its members" in html
    assert OWN_NOTE not in html
    sections = parse_csv_sections(client.get(DASHBOARD + "export.csv").content)
    assert not any("review" in title.lower() for title in sections)


@pytest.mark.parametrize("persona", ["lead", "viewer"])
def test_dashboard_downloads_hold_no_review_counts(client, request, three_reviews, persona):
    """Members see their own counts on screen, but no CSV or XLSX of the dashboard holds a
    review table."""
    client.force_login(request.getfixturevalue(persona))
    sections = parse_csv_sections(client.get(DASHBOARD + "export.csv").content)
    assert list(sections) == ["About these figures"]
    book = load_workbook(io.BytesIO(client.get(DASHBOARD + "export.xlsx").content))
    assert book.sheetnames == ["About"]


def test_dashboard_download_with_audits_holds_audit_tables_only(
    client, named_peers, three_reviews, lead
):
    """With peers, a trend and reviews, the download has the audit tables and no review's."""
    client.force_login(lead)
    sections = assert_csv_suppressed(client.get(DASHBOARD + "export.csv").content)
    assert "Your mean ratings against other partnerships" in sections
    book = load_workbook(io.BytesIO(client.get(DASHBOARD + "export.xlsx").content))
    assert not REVIEW_SLUGS & set(book.sheetnames)


# Published review statistics -----------------------------------------------------------

CLOSED_YEAR = 2023  # April 2023 to March 2024
TODAY = timezone.localdate()
OPEN_YEAR = TODAY.year if TODAY.month >= 4 else TODAY.year - 1


@pytest.fixture
def national_reviews(northshire, eastmere):
    """April 2023 to March 2024: 8 reviews in Northshire and 4 in Eastmere (both North
    East, 12), 3 in a London partnership (15 in England); and 2 notified this (open) year."""
    london = PartnershipFactory(
        name="Londinium Safeguarding Children Partnership", region=region("london")
    )
    for _ in range(8):
        complete_review(northshire, notified=date(2023, 6, 1))
    for _ in range(4):
        complete_review(eastmere, notified=date(2024, 3, 1), child_fields={"age": 0})
    for _ in range(3):
        complete_review(london, notified=date(2023, 6, 1), child_fields={"sex": "male"})
    for _ in range(2):
        complete_review(northshire, notified=date(OPEN_YEAR, 4, 1))
    return london


@pytest.fixture
def published(national_reviews, panel):
    """The closed year 2023 published by Panel staff."""
    return services.publication_publish(year=CLOSED_YEAR, by=panel)


def stored(publication, area, cell):
    return publication.figures[area][cell]


def test_nothing_published_shows_an_empty_state_and_the_closed_years(
    client, national_reviews, panel
):
    """With nothing published the page says so and offers the closed year, not the open one."""
    client.force_login(panel)
    html = text(client.get(REVIEWS))
    assert "No review statistics have been published yet" in html
    assert "Publish the figures for April 2023 to March 2024" in html
    assert f"Publish the figures for April {OPEN_YEAR} " not in html
    assert "can never be changed or withdrawn" in html
    assert all_table_slugs(html) == []


def test_panel_staff_publish_a_closed_year(client, national_reviews, panel):
    """Publishing by POST stores the year's figures, says so and shows them."""
    client.force_login(panel)
    response = client.post(REVIEWS, {"year": str(CLOSED_YEAR)}, follow=True)
    html = text(response)
    publication = Publication.objects.get()
    assert (publication.year, publication.published_by, publication.reviews_counted) == (
        CLOSED_YEAR,
        panel,
        15,
    )
    assert "The figures for April 2023 to March 2024 are published" in html
    assert table_row(html, "dimension-review-type", "All")[0] == str(
        stored(publication, "england", f.total("reviews"))
    )
    assert "Publish the figures for April 2023" not in html


def test_publishing_twice_is_refused(client, published, panel):
    """A second POST for a published year changes nothing and says why."""
    client.force_login(panel)
    html = text(client.post(REVIEWS, {"year": str(CLOSED_YEAR)}, follow=True))
    assert services.ALREADY_PUBLISHED in html
    assert Publication.objects.get().published_at == published.published_at


@pytest.mark.parametrize(
    "year, message",
    [
        (str(OPEN_YEAR), services.YEAR_NOT_CLOSED),
        ("2019", services.NO_REVIEWS),
        ("nineteen", services.NOT_A_YEAR),
        ("99999", services.NOT_A_YEAR),
        ("", services.NOT_A_YEAR),
    ],
)
def test_publishing_a_year_not_on_offer_is_refused(client, national_reviews, panel, year, message):
    """An open year, a year without reviews and a value that is no year are refused clearly."""
    client.force_login(panel)
    html = text(client.post(REVIEWS, {"year": year}, follow=True))
    assert message in html
    assert not Publication.objects.exists()


@pytest.mark.parametrize("persona", OTHERS)
def test_only_panel_staff_may_publish(client, request, national_reviews, persona):
    """Anyone signed in but Panel staff gets 403 from the publish POST, and nothing is stored."""
    client.force_login(request.getfixturevalue(persona))
    assert client.post(REVIEWS, {"year": str(CLOSED_YEAR)}).status_code == 403
    assert not Publication.objects.exists()


def test_anonymous_cannot_publish(client, national_reviews):
    """Signed out, the POST is sent to sign in and nothing is stored."""
    response = client.post(REVIEWS, {"year": str(CLOSED_YEAR)})
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert not Publication.objects.exists()


def test_the_page_shows_the_stored_figures_with_a_note(client, published, panel):
    """England's tables show the stored figures, when they were published and why they may
    differ from the true count, and no count from 1 to 4."""
    client.force_login(panel)
    html = text(client.get(REVIEWS))
    total = str(stored(published, "england", f.total("reviews")))
    assert table_row(html, "dimension-review-type", "All")[0] == total
    assert table_row(html, "ethnicity", "All")[2] == total
    assert table_row(html, "by-region", "England")[0] == total
    assert f"published on {timezone.localtime(published.published_at):%-d %B %Y}" in html
    assert "may differ slightly from the true count" in html
    assert "small counts (1 to 4) appear as 0 or 5" in html
    assert_page_suppressed(html)


def test_a_region_with_fewer_than_10_reviews_is_withheld(client, published, panel):
    """London's 3 reviews are too few: its page says why and shows no table; England's
    by-region table leaves it blank; North East's 12 are published."""
    client.force_login(panel)
    html = text(client.get(REVIEWS + "?area=london"))
    assert "fewer than 10 complete reviews" in html
    assert all_table_slugs(html) == []
    england = text(client.get(REVIEWS))
    assert table_row(england, "by-region", "London")[:2] == ["–", "–"]
    north_east = str(region("north-east").pk)
    assert table_row(england, "by-region", "North East")[0] == str(
        stored(published, north_east, f.total("reviews"))
    )
    html = text(client.get(REVIEWS + "?area=north-east"))
    assert "Published review statistics: North East" in html
    assert not has_table(html, "by-region")


def test_bad_filters_fall_back_with_an_error_summary(client, published, panel):
    """?area=atlantis or a year never published shows England's latest year and the problem."""
    client.force_login(panel)
    for query in ("?area=atlantis", "?year=1999", "?year=x"):
        html = text(client.get(REVIEWS + query))
        assert "There is a problem" in html
        assert has_table(html, "by-region")


def unmasked(content: bytes) -> bytes:
    """A response without its CSRF token, which Django masks afresh on every request."""
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", content)


def test_published_figures_never_change(client, published, panel, northshire, eastmere):
    """After publication, completing, changing and adding reviews of the year leaves the
    page and every download as it was."""
    client.force_login(panel)
    urls = [REVIEWS, REVIEWS + "?area=north-east", REVIEWS + "export.csv"]
    before = [unmasked(client.get(url).content) for url in urls]
    xlsx_before = xlsx_values(client.get(REVIEWS + "export.xlsx").content)

    complete_review(northshire, notified=date(2023, 9, 1))
    changed = Review.objects.filter(partnership=eastmere).first()
    changed.racism_named = "yes"
    changed.review_type = "lcspr"
    changed.save()
    draft = complete_review(northshire, notified=date(2023, 10, 1))
    Review.objects.filter(pk=draft.pk).update(status="draft")

    assert [unmasked(client.get(url).content) for url in urls] == before
    assert xlsx_values(client.get(REVIEWS + "export.xlsx").content) == xlsx_before


@pytest.mark.parametrize("query", ["", "?area=north-east", "?area=london"])
def test_review_downloads_hold_only_published_figures(client, published, panel, query):
    """Every count in the CSV and XLSX is a stored figure of the area (or blank)."""
    client.force_login(panel)
    area = "england" if not query else str(region(query.split("=")[1]).pk)
    figures = published.figures[area]
    allowed = set() if figures is None else {str(value) for value in figures.values()}
    if not query:
        for region_figures in published.figures.values():
            allowed |= {str(value) for value in (region_figures or {}).values()}
    sections = assert_csv_suppressed(client.get(REVIEWS + "export.csv" + query).content)
    for title, (header, rows) in sections.items():
        if title == "About these figures":
            continue
        for row in rows:
            for label, value in zip(header[1:], row[1:], strict=True):
                if is_count_label(label) and value and re.fullmatch(r"\d+", value):
                    assert value in allowed, (title, row[0], label, value)
    if figures is None:
        assert list(sections) == ["About these figures"]
    assert_xlsx_suppressed(client.get(REVIEWS + "export.xlsx" + query).content)


def test_csv_checker_catches_small_counts():
    """The export checker flags 3 in a count column, but not 3% or a count of 0 or 5."""
    header = ["Finding", "Number", "% of reviews", "Percentage", "Counted out of"]
    assert (
        small_counts("t", header, [["a", "0", "3", "3", "reviews"], ["b", "5", "c", "c", ""]]) == []
    )
    assert small_counts("t", header, [["a", "3", "c", "c", "reviews"]]) == [
        ("t", "a", "Number", "3")
    ]
    assert small_counts("t", header, [["a", 4, None, 3, "reviews"]]) == [("t", "a", "Number", 4)]


# Completion ----------------------------------------------------------------------------

STATUS_NAMES = {
    "Nostartshire Safeguarding Children Partnership": None,
    "Draftshire Safeguarding Children Partnership": Audit.Status.DRAFT,
    "Submitshire Safeguarding Children Partnership": Audit.Status.SUBMITTED,
    "Returnshire Safeguarding Children Partnership": Audit.Status.RETURNED,
    "Acceptshire Safeguarding Children Partnership": Audit.Status.ACCEPTED,
}


@pytest.fixture
def every_status(cycle):
    """One partnership in each status of the cycle; Acceptshire is in London."""
    for name, status in STATUS_NAMES.items():
        where = region("london") if status == Audit.Status.ACCEPTED else region("north-east")
        partnership = PartnershipFactory(name=name, region=where)
        if status:
            scored_audit(partnership, cycle, status=status)


def listed(html) -> list[str]:
    return [label for label, _cells in table_rows(html, "partnerships") if label]


def test_completion_counts_each_status(client, every_status, panel):
    """One partnership in each status: 1 of 5 (20%) each, overall and in their regions."""
    client.force_login(panel)
    html = text(client.get(COMPLETION))
    assert table_rows(html, "completion") == [
        ("Not started", ["1", "20%"]),
        ("Draft", ["1", "20%"]),
        ("Submitted", ["1", "20%"]),
        ("Returned", ["1", "20%"]),
        ("Accepted", ["1", "20%"]),
        ("All partnerships", ["5", "100%"]),
    ]
    assert table_row(html, "completion-by-region", "North East") == [
        "1",
        "1",
        "1",
        "1",
        "0",
        "4",
        "25%",
    ]
    assert table_row(html, "completion-by-region", "London") == [
        "0",
        "0",
        "0",
        "0",
        "1",
        "1",
        "100%",
    ]
    assert table_row(html, "completion-by-region", "England") == [
        "1",
        "1",
        "1",
        "1",
        "1",
        "5",
        "40%",
    ]
    statuses = {label: cells[1] for label, cells in table_rows(html, "partnerships")}
    assert statuses == {
        "Acceptshire Safeguarding Children Partnership": "Accepted",
        "Draftshire Safeguarding Children Partnership": "Draft",
        "Nostartshire Safeguarding Children Partnership": "Not started",
        "Returnshire Safeguarding Children Partnership": "Returned",
        "Submitshire Safeguarding Children Partnership": "Submitted",
    }
    days = re.search(r'data-testid="days-left">(.*?)</p>', html, flags=re.S).group(1)
    assert "<strong>30 days left</strong> to close." in days


def test_completion_links_started_audits_only(client, every_status, panel):
    """The list links each started audit to its Panel page, not the one not started."""
    client.force_login(panel)
    html = table_html(text(client.get(COMPLETION)), "partnerships")
    assert f'href="/panel/cycles/{CYCLE}/audits/' in html
    assert html.count(f'href="/panel/cycles/{CYCLE}/audits/') == 4


def test_completion_filters_narrow_the_list(client, every_status, panel):
    """?status= and ?region= narrow the list; the summary tables still count everyone."""
    client.force_login(panel)
    html = text(client.get(COMPLETION + "?status=draft"))
    assert listed(html) == ["Draftshire Safeguarding Children Partnership"]
    assert table_row(html, "completion", "All partnerships") == ["5", "100%"]
    html = text(client.get(COMPLETION + "?status=not_started"))
    assert listed(html) == ["Nostartshire Safeguarding Children Partnership"]
    html = text(client.get(COMPLETION + "?region=london"))
    assert listed(html) == ["Acceptshire Safeguarding Children Partnership"]
    html = text(client.get(COMPLETION + "?region=london&status=draft"))
    assert listed(html) == []
    assert "Nothing to show for these filters." in table_html(html, "partnerships")
    exported = client.get(COMPLETION + "export.csv?status=returned&table=partnerships").content
    lines = list(csv.reader(io.StringIO(exported.decode("utf-8-sig"))))
    assert [line[0] for line in lines] == [
        "Partnership",
        "Returnshire Safeguarding Children Partnership",
    ]


def test_completion_bogus_status_shows_error_and_everyone(client, every_status, panel):
    """?status=bogus answers 200 with the error summary and the unfiltered list."""
    client.force_login(panel)
    response = client.get(COMPLETION + "?status=bogus")
    html = text(response)
    assert "There is a problem" in html
    assert "Select a valid choice. bogus is not one of the available choices." in html
    assert len(listed(html)) == 5


def test_completion_days_left_after_closing(client, panel):
    """A cycle that closed says so in place of the days left."""
    closed = cycle_named("2019-20")
    closed.closes_on = timezone.localdate() - timedelta(days=3)
    closed.save()
    client.force_login(panel)
    html = text(client.get("/panel/cycles/2019-20/"))
    assert "Closed 3 days ago: audits are read-only." in html


# Compare -------------------------------------------------------------------------------


@pytest.fixture
def compared(cycle, previous):
    """Alphashire: 3 on theme 1, 0 on theme 2, 1 elsewhere (overall 40/34). Betashire:
    own 3, moderated 1. Gammashire: own 1, moderated 3; 1 in 2024-25 and 2 now. Deltashire:
    a draft, left out."""
    alpha = PartnershipFactory(name="Alphashire Safeguarding Children Partnership", slug="alpha")
    beta = PartnershipFactory(name="Betashire Safeguarding Children Partnership", slug="beta")
    gamma = PartnershipFactory(name="Gammashire Safeguarding Children Partnership", slug="gamma")
    delta = PartnershipFactory(name="Deltashire Safeguarding Children Partnership", slug="delta")
    scored_audit(
        alpha, cycle, rating=1, ratings={**dict.fromkeys(THEME_1, 3), **dict.fromkeys(THEME_2, 0)}
    )
    scored_audit(beta, cycle, rating=3, moderated=1, status=Audit.Status.ACCEPTED)
    scored_audit(gamma, previous, rating=1)
    scored_audit(gamma, cycle, rating=2)
    scored_audit(delta, cycle, rating=3, status=Audit.Status.DRAFT)
    return alpha, beta, gamma, delta


def test_heat_map_shows_theme_means(client, compared, panel):
    """Each heat map cell is the partnership's theme mean, shaded by the nearest level."""
    client.force_login(panel)
    html = text(client.get(COMPARE))
    assert table_row(html, "heat-map", "Alphashire Safeguarding Children Partnership") == [
        "3.0",
        "0.0",
        "1.0",
        "1.0",
        "1.0",
        "1.0",
        "1.0",
        "1.2",  # (5 x 3 + 4 x 0 + 25 x 1) / 34 = 1.18
    ]
    assert table_row(html, "heat-map", "Betashire Safeguarding Children Partnership") == ["3.0"] * 8
    assert "Deltashire" not in table_html(html, "heat-map")
    alpha_row = table_html(html, "heat-map").split("Alphashire")[1].split("</tr>")[0]
    assert re.findall(r"app-heat--(\d)", alpha_row) == ["3", "0", "1", "1", "1", "1", "1", "1"]


def test_heat_map_of_moderated_ratings(client, compared, panel):
    """?rating=moderated maps the Panel's ratings: Betashire 1.0, Alphashire not moderated."""
    client.force_login(panel)
    html = text(client.get(COMPARE + "?rating=moderated"))
    assert table_row(html, "heat-map", "Betashire Safeguarding Children Partnership") == ["1.0"] * 8
    assert table_row(html, "heat-map", "Alphashire Safeguarding Children Partnership") == ["–"] * 8


def test_compare_three_partnerships_item_by_item(client, compared, panel):
    """compare=alpha&compare=beta&compare=gamma shows the item table headed by their names."""
    client.force_login(panel)
    html = text(client.get(COMPARE + "?compare=alpha&compare=beta&compare=gamma"))
    assert table_header(html, "items") == [
        "Item",
        "Alphashire Safeguarding Children Partnership",
        "Betashire Safeguarding Children Partnership",
        "Gammashire Safeguarding Children Partnership",
    ]
    rows = table_rows(html, "items")
    assert len(rows) == 34
    assert rows[0][0].startswith("1.1 ")
    assert rows[0][1] == ["3", "3", "2"]
    assert rows[5][0].startswith("2.1 ")
    assert rows[5][1] == ["0", "3", "2"]
    assert TOO_FEW_CHOSEN not in html
    download = client.get(
        COMPARE + "export.csv?compare=alpha&compare=beta&compare=gamma&table=items"
    )
    assert next(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))[1:] == [
        "Alphashire Safeguarding Children Partnership",
        "Betashire Safeguarding Children Partnership",
        "Gammashire Safeguarding Children Partnership",
    ]


def test_compare_one_partnership_is_an_error(client, compared, panel):
    """Choosing one partnership says to select at least 2 and shows no item table."""
    client.force_login(panel)
    response = client.get(COMPARE + "?compare=alpha")
    html = text(response)
    assert TOO_FEW_CHOSEN in html
    assert "There is a problem" in html
    assert not has_table(html, "items")


def test_compare_seven_partnerships_is_an_error(client, cycle, panel):
    """Choosing more than 6 partnerships is refused with its own message."""
    slugs = [PartnershipFactory(slug=f"many-{n}").slug for n in range(7)]
    for slug in slugs:
        scored_audit(Partnership.objects.get(slug=slug), cycle)
    client.force_login(panel)
    html = text(client.get(COMPARE + "?" + "&".join(f"compare={slug}" for slug in slugs)))
    assert "Select no more than 6 partnerships to compare item by item" in html
    assert not has_table(html, "items")


def test_gap_table_is_own_less_moderated(client, compared, panel):
    """Own 3 and moderated 1 shows +2.0, with its plus sign, for every theme and overall;
    own 2 unmoderated shows a dash."""
    client.force_login(panel)
    html = text(client.get(COMPARE + "?show=gap"))
    gap = table_row(html, "gap", "Betashire Safeguarding Children Partnership")
    assert gap[-1] == "+2.0"  # all themes
    assert gap[:-1] == ["+2.0"] * 7  # each theme, signed like the overall gap
    assert table_row(html, "gap", "Gammashire Safeguarding Children Partnership") == ["–"] * 8


def test_gap_table_shows_a_negative_gap_with_a_minus_sign(client, cycle, panel):
    """Own 1 and moderated 3 shows −2.0 with a true minus sign."""
    scored_audit(PartnershipFactory(name="Lowshire Partnership"), cycle, rating=1, moderated=3)
    client.force_login(panel)
    html = text(client.get(COMPARE + "?show=gap"))
    gap = table_row(html, "gap", "Lowshire Partnership")
    assert gap[-1] == "\u22122.0"  # all themes
    assert gap[:-1] == ["\u22122.0"] * 7  # each theme, signed like the overall gap


def test_change_table_since_previous_cycle(client, compared, panel):
    """Gammashire, rated 1 in 2024-25 and 2 in 2025-26, shows +1.0; the others a dash."""
    client.force_login(panel)
    html = text(client.get(COMPARE + "?show=change"))
    assert "Change in mean rating since 2024-25" in html
    change = table_row(html, "change", "Gammashire Safeguarding Children Partnership")
    assert change[-1] == "+1.0"  # all themes
    assert change[:-1] == ["+1.0"] * 7  # each theme, signed like the overall change
    assert table_row(html, "change", "Alphashire Safeguarding Children Partnership") == ["–"] * 8


def test_distribution_counts_partnerships_at_each_level(client, compared, panel):
    """Item 1.1: Alphashire and Betashire gave 3, Gammashire 2: 0, 0, 1, 2 of 3 rated."""
    client.force_login(panel)
    html = text(client.get(COMPARE + "?show=distribution"))
    first = table_rows(html, "distribution")[0]
    assert first[0].startswith("1.1 ")
    assert first[1] == ["0", "0", "1", "2", "3"]


def test_compare_filters_cycle_and_region(client, compared, panel, previous):
    """?cycle=2024-25 maps that cycle's audits; ?region=london narrows to none."""
    client.force_login(panel)
    html = text(client.get(COMPARE + f"?cycle={PREVIOUS}"))
    assert [label for label, _c in table_rows(html, "heat-map")] == [
        "Gammashire Safeguarding Children Partnership"
    ]
    assert (
        table_row(html, "heat-map", "Gammashire Safeguarding Children Partnership") == ["1.0"] * 8
    )
    html = text(client.get(COMPARE + "?region=london"))
    assert table_rows(html, "heat-map") == [("", ["Nothing to show for these filters."])]


def test_compare_without_any_audit(client, panel):
    """With no audit in any cycle the page says so and its download holds only About."""
    client.force_login(panel)
    assert "No partnership has started an audit yet." in text(client.get(COMPARE))
    sections = parse_csv_sections(client.get(COMPARE + "export.csv").content)
    assert list(sections) == ["About these figures"]


# Downloads -----------------------------------------------------------------------------

EXPORTS = {
    "completion": (COMPLETION, f"completion-{CYCLE}", "partnerships"),
    "compare": (COMPARE, "compare", "heat-map"),
    "reviews": (REVIEWS, "review-statistics-2023-england", "by-region"),
    "dashboard": (DASHBOARD, "northshire-dashboard", "peers"),
}


@pytest.fixture
def some_of_everything(northshire, cycle):
    """An audit, and 10 complete reviews of April 2023 to March 2024, published."""
    scored_audit(northshire, cycle, rating=2)
    for _ in range(10):
        complete_review(northshire)
    services.publication_publish(year=2023)


@pytest.mark.parametrize("page", EXPORTS)
def test_csv_download_is_an_attachment_with_bom(client, some_of_everything, panel, page):
    """The whole-page CSV is an attachment named after the page, starting with the BOM."""
    url, name, _slug = EXPORTS[page]
    client.force_login(panel)
    response = client.get(url + "export.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{name}-all.csv"'
    assert response.content.startswith(b"\xef\xbb\xbf")
    sections = parse_csv_sections(response.content)
    assert list(sections)[0] == "About these figures"


@pytest.mark.parametrize("page", EXPORTS)
def test_one_table_download(client, some_of_everything, panel, page):
    """?table=<slug> downloads only that table, named after it, in CSV and XLSX."""
    url, name, slug = EXPORTS[page]
    client.force_login(panel)
    response = client.get(url + f"export.csv?table={slug}")
    assert response["Content-Disposition"] == f'attachment; filename="{name}-{slug}.csv"'
    assert response.content.startswith(b"\xef\xbb\xbf")
    response = client.get(url + f"export.xlsx?table={slug}")
    assert response["Content-Disposition"] == f'attachment; filename="{name}-{slug}.xlsx"'
    assert load_workbook(io.BytesIO(response.content)).sheetnames == ["About", slug]


@pytest.mark.parametrize("page", EXPORTS)
@pytest.mark.parametrize("format", ["csv", "xlsx"])
def test_unknown_table_download_is_404(client, some_of_everything, panel, page, format):
    """?table= naming no table of the page answers 404."""
    url, _name, _slug = EXPORTS[page]
    client.force_login(panel)
    assert client.get(url + f"export.{format}?table=no-such-table").status_code == 404


@pytest.mark.parametrize("page", EXPORTS)
def test_xlsx_download_opens_with_an_about_sheet(client, some_of_everything, panel, page):
    """The whole-page XLSX opens with openpyxl: About first, then a sheet per table."""
    url, name, slug = EXPORTS[page]
    client.force_login(panel)
    response = client.get(url + "export.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"] == f'attachment; filename="{name}-all.xlsx"'
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames[0] == "About"
    assert slug in book.sheetnames
    about = list(book["About"].iter_rows(values_only=True))
    assert about[1][0] == "Source"
    if page == "reviews":
        assert [row[0] for row in about[2:]] == ["Review figures", "Notified", "Published"]
        assert "moved by a small amount" in about[2][1]


def test_download_keeps_the_page_filters(client, every_status, panel):
    """The page's download links carry its filters, and the download applies them."""
    client.force_login(panel)
    html = text(client.get(COMPLETION + "?region=london"))
    assert f'href="{COMPLETION}export.csv?region=london"' in html
    sections = parse_csv_sections(client.get(COMPLETION + "export.csv?region=london").content)
    _header, rows = sections["Partnerships and their audits"]
    assert [row[0] for row in rows] == ["Acceptshire Safeguarding Children Partnership"]


# Query counts --------------------------------------------------------------------------

STATUS_CYCLE = [
    Audit.Status.SUBMITTED,
    Audit.Status.ACCEPTED,
    Audit.Status.DRAFT,
    Audit.Status.RETURNED,
    None,
]


def add_partnerships(count, cycle, previous, start=0):
    """`count` partnerships spread over the regions, in every status (scale-0 submitted),
    each with an audit last cycle and two complete reviews."""
    regions = list(Region.objects.order_by("order"))
    for index in range(start, start + count):
        partnership = PartnershipFactory(
            slug=f"scale-{index}", region=regions[index % len(regions)]
        )
        status = STATUS_CYCLE[index % len(STATUS_CYCLE)]
        if status:
            scored_audit(
                partnership,
                cycle,
                rating=index % 4,
                moderated=(index + 1) % 4 if status == Audit.Status.ACCEPTED else None,
                status=status,
            )
        scored_audit(partnership, previous, rating=(index + 2) % 4)
        for n in range(2):
            complete_review(
                partnership,
                notified=date(2023 + n, 6, 1),
                child_fields={"sex": ["male", "female"][n], "age": index % 18},
            )


@pytest.fixture
def scale(northshire, cycle, previous):
    """Northshire (with audits in both cycles and 8 reviews) and 4 more partnerships, and
    April 2023 to March 2024 published (12 reviews)."""
    scored_audit(northshire, previous, rating=1)
    scored_audit(northshire, cycle, rating=2, moderated=1, status=Audit.Status.ACCEPTED)
    for _ in range(8):
        complete_review(northshire)
    add_partnerships(4, cycle, previous)
    services.publication_publish(year=2023)
    return cycle, previous


EXPECTED_TABLES = {
    "completion": ["completion", "completion-by-region", "partnerships"],
    "compare": ["heat-map"],
    "compare, 2 chosen": ["items"],
    "compare, distribution": ["distribution"],
    "compare, gap": ["gap"],
    "compare, change": ["change"],
    "reviews": ["dimension-review-type", "ethnicity", "measures", "by-region"],
    "dashboard": ["peers", "change", "trend", "dimension-review-type", "ethnicity", "measures"],
}
QUERY_PAGES = {
    "completion": COMPLETION + "?region=north-east",
    "compare": COMPARE,
    "compare, 2 chosen": COMPARE + "?compare=northshire&compare=scale-0",
    "compare, distribution": COMPARE + "?show=distribution",
    "compare, gap": COMPARE + "?show=gap",
    "compare, change": COMPARE + "?show=change",
    "reviews": REVIEWS + "?year=2023",
    "dashboard": DASHBOARD,
}


@pytest.mark.parametrize("page", QUERY_PAGES)
def test_query_counts_do_not_grow_with_partnerships(
    client, request, scale, lead, panel, django_assert_num_queries, page
):
    """Each dashboard page runs a pinned number of queries, the same for 5 partnerships as
    for 50 with audits and reviews."""
    url = QUERY_PAGES[page]
    client.force_login(lead if page == "dashboard" else panel)
    client.get(url)  # The first request after signing in also updates the session.
    assert Partnership.objects.count() == 5
    few = count_queries(client, url)

    add_partnerships(45, *scale, start=4)
    assert Partnership.objects.count() == 50
    with django_assert_num_queries(few):
        response = client.get(url)
    html = text(response)
    for slug in EXPECTED_TABLES[page]:  # every table of the page was built and measured
        assert has_table(html, slug), slug
    print(f"{page}: {few} queries")
    assert few == QUERIES[page]
    assert few <= MOST_QUERIES
