"""The dashboards read well (issue 11): theme titles in place of "Theme 1", item statements
in full, the lead's dashboard opening on a cycle with something to compare, unique page
titles, filters rendered by crispy-forms-gds with the one month field, no form inside a
form, and charts whose text is never drawn below 12 px."""

import html as html_lib
import re
from datetime import date
from html.parser import HTMLParser

import pytest

from audits.models import Audit, Item, Theme
from dashboards import analysis, audit_tables, charts
from partnerships import months
from partnerships.models import Region, RestrictedView
from tests.dashboards.factories import cycle_named, partnerships_with_audits, scored_audit
from tests.dashboards.test_views import CYCLE, PREVIOUS, table_header, table_rows, text

pytestmark = pytest.mark.django_db

DASHBOARD = "/p/northshire/dashboard/"
COMPARE = "/panel/compare/"
ANALYSIS = "/panel/analysis/"


def title(html: str) -> str:
    return html_lib.unescape(re.search(r"<title>(.*?)</title>", html, re.S).group(1).strip())


class FormNesting(HTMLParser):
    """Counts <form> tags and how deep they nest."""

    def __init__(self):
        super().__init__()
        self.depth = self.deepest = self.forms = 0

    def handle_starttag(self, tag, attrs):
        if tag == "form":
            self.forms += 1
            self.depth += 1
            self.deepest = max(self.deepest, self.depth)

    def handle_endtag(self, tag):
        if tag == "form":
            self.depth -= 1


@pytest.fixture
def compared(northshire, eastmere):
    """Seven partnerships with submitted audits in 2025-26, Northshire also in 2024-25."""
    earlier, cycle = cycle_named(PREVIOUS, closes_in_days=-400), cycle_named(CYCLE)
    scored_audit(northshire, earlier, rating=1)
    scored_audit(northshire, cycle, rating=2)
    scored_audit(eastmere, cycle, rating=3)
    partnerships_with_audits(5, cycle, region=Region.objects.get(slug="london"), rating=1)
    return earlier, cycle


# Theme titles and item statements ------------------------------------------------------


def test_theme_short_labels_end_at_a_word_and_never_with_an_ellipsis(db):
    """Each theme's short label is its number and the first words of its title, a prefix
    of the full label, cut at a colon, comma or " and ", never with "..."."""
    themes = Theme.objects.filter(version_id=1).order_by("number")
    shorts = [audit_tables.theme_short_label(theme) for theme in themes]
    assert shorts[:3] == [
        "1. Leadership",
        "2. Practitioner confidence",
        "3. Seeing the whole child",
    ]
    for theme, short in zip(themes, shorts, strict=True):
        full = audit_tables.theme_label(theme)
        assert full.startswith(short)
        assert "..." not in short and "…" not in short
        rest = full.removeprefix(short)
        assert rest == "" or rest[0] in ":, "


def test_heat_map_headers_name_each_theme_in_full_for_screen_readers(client, panel, compared):
    """The heat map shows "1. Leadership" and hides ", governance and strategy" visually
    only; the CSV's header carries the full title; the themes' key lists every title."""
    client.force_login(panel)
    html = text(client.get(COMPARE))
    assert table_header(html, "heat-map")[1] == "1. Leadership"
    assert (
        '1. Leadership<span class="govuk-visually-hidden">, governance and strategy</span>' in html
    )
    assert "Theme 1" not in html
    assert 'aria-labelledby="themes-key"' in html
    csv_header = client.get(COMPARE + "export.csv?table=heat-map").content.decode("utf-8-sig")
    assert csv_header.splitlines()[0].split(",")[1] == '"1. Leadership'


def test_item_statements_are_shown_in_full(client, panel, compared):
    """The distribution table, the item select and the chart's title carry each item's
    whole statement, with no "..." anywhere on the page."""
    longest = max(Item.objects.filter(theme__version_id=1), key=lambda item: len(item.statement))
    client.force_login(panel)
    html = text(client.get(COMPARE + f"?item={longest.ref}&show=distribution"))
    labels = [label for label, _cells in table_rows(html, "distribution")]
    assert f"{longest.ref} {longest.statement}" in labels
    assert f">{longest.ref} {longest.statement}</option>" in html
    assert f"Partnerships at each rating level: {longest.ref} {longest.statement}" in html
    assert "..." not in html and "…" not in html


def test_item_comparison_appears_only_when_partnerships_are_chosen(client, panel, compared):
    """Without partnerships ticked there is no empty "Nothing to show" table after the
    heat map; with two ticked the side-by-side table shows."""
    client.force_login(panel)
    html = text(client.get(COMPARE))
    assert "Nothing to show for these filters" not in html
    chosen = text(client.get(COMPARE + "?compare=northshire&compare=eastmere"))
    assert 'id="items"' in chosen


# The lead's dashboard ------------------------------------------------------------------


def test_dashboard_opens_on_the_latest_submitted_audit(
    client, lead, northshire, compared, django_assert_num_queries
):
    """With 2026-27 in draft, the dashboard opens on 2025-26 beside 2024-25, says why, links
    every cycle, and names the partnership and cycle in its title; still 10 queries."""
    newest = cycle_named("2026-27", closes_in_days=200)
    Audit.objects.create(partnership=northshire, cycle=newest, status=Audit.Status.DRAFT)
    client.force_login(lead)
    with django_assert_num_queries(8):
        html = text(client.get(DASHBOARD))
    assert title(html).startswith(f"Dashboard, {CYCLE} - {northshire.name}")
    assert "Your 2026-27 audit has not been submitted yet" in html
    assert table_header(html, "change")[1:3] == [PREVIOUS, "This cycle"]
    assert 'href="?cycle=2026-27"' in html and 'href="?cycle=2024-25"' in html
    assert f'<strong aria-current="page">{CYCLE}</strong>' in html
    newest_page = text(client.get(DASHBOARD + "?cycle=2026-27"))
    assert title(newest_page).startswith(f"Dashboard, 2026-27 - {northshire.name}")
    assert "There is no submitted or accepted audit of yours in 2026-27" in newest_page


def test_dashboard_without_any_submitted_audit_opens_on_the_newest_cycle(client, lead, northshire):
    """A partnership that has never submitted sees the newest cycle and no cycle links."""
    cycle = cycle_named(CYCLE)
    Audit.objects.create(partnership=northshire, cycle=cycle, status=Audit.Status.DRAFT)
    client.force_login(lead)
    html = text(client.get(DASHBOARD))
    assert title(html).startswith(f"Dashboard, {CYCLE} - ")
    assert 'data-testid="cycle-links"' not in html
    assert 'data-testid="newest-unscored"' not in html


def test_range_chart_draws_short_labels_and_describes_full_titles(client, lead, compared):
    """The chart draws "1. Leadership" (room for it: RANGE_LEFT) and its description names
    the full title; the wide drawing sits in a labelled, focusable scrolling region, and a
    narrow drawing (labels above the ranges) is there for small screens, with text at
    least 12px at either size."""
    client.force_login(lead)
    html = text(client.get(DASHBOARD))
    assert html.count(">1. Leadership</text>") == 2
    assert "1. Leadership, governance and strategy: yours 2.0" in html
    assert 'app-chart__wide" role="region" aria-label="Chart: ' in html
    assert 'id="theme-range-narrow-title"' in html
    assert charts.MIN_WIDTH * 16 / charts.WIDTH >= 12
    assert 290 * 16 / charts.NARROW_WIDTH >= 12  # 320 px less the page's margins


# Titles --------------------------------------------------------------------------------


def test_dashboard_titles_say_which_filter_and_page(client, panel, compared):
    """Compare by region and rating, completion filtered, and the record's second page
    each have a title of their own."""
    client.force_login(panel)
    compare = title(text(client.get(COMPARE + "?region=london&rating=moderated")))
    assert compare.startswith(f"Compare partnerships: {CYCLE}, London, Panel's moderated ratings")
    assert title(text(client.get(COMPARE))).startswith(
        f"Compare partnerships: {CYCLE}, all regions, partnerships' own ratings"
    )
    assert title(text(client.get(COMPARE + "?show=distribution&rating=moderated"))).startswith(
        f"Compare partnerships: {CYCLE}, all regions, Panel's moderated ratings, "
        "partnerships at each rating level, by item - "
    )
    completion = title(text(client.get(f"/panel/cycles/{CYCLE}/?region=london&status=submitted")))
    assert completion.startswith(f"{CYCLE} cycle: completion (London, submitted)")
    for _ in range(analysis.RECORD_PAGE_SIZE + 1):
        RestrictedView.objects.create(user=panel, email=panel.email, path=ANALYSIS, filters={})
    record = title(text(client.get("/panel/analysis/record/?page=2")))
    assert record.startswith("Record of restricted views, page 2 of 2")


def test_compare_gap_title_says_once_what_it_shows(client, panel, compared):
    """The gap view's title names its table once, with "the Panel's" capitalised, and
    whichever ratings are chosen (the gap is always own less moderated)."""
    client.force_login(panel)
    expected = (
        f"Compare partnerships: {CYCLE}, London, own rating less the Panel's moderated rating - "
    )
    for rating in ("self", "moderated"):
        gap = title(text(client.get(COMPARE + f"?show=gap&region=london&rating={rating}")))
        assert gap.startswith(expected)


def test_analysis_title_names_its_filters(client, panel):
    """The analysis title is the filters in words, so each filtered page has its own."""
    client.force_login(panel)
    html = text(client.get(ANALYSIS + "?area=region&region=london"))
    assert title(html).startswith("Restricted analysis: London; notification months")


# Forms ---------------------------------------------------------------------------------


def test_analysis_months_use_the_one_month_field(client, panel):
    """The window's months are partnerships.months.MonthField, rendered as the GOV.UK date
    input, with its messages in the one error summary."""
    form = analysis.AnalysisForm(regions=[], partnerships=[], today=date.today())
    assert isinstance(form.fields["start"], months.MonthField)
    assert not form.fields["start"].required
    client.force_login(panel)
    html = text(client.get(ANALYSIS + "?start_month=13&start_year=2024&end_month=3&end_year=24"))
    assert html.count("govuk-error-summary__list") == 1
    assert months.MONTH_NOT_REAL.format(label="first month counted") in html
    assert months.YEAR_NOT_4_DIGITS.format(label="last month counted") in html
    assert 'class="govuk-date-input"' in html
    assert title(html).startswith("Error: ")


@pytest.mark.parametrize(
    "url",
    [
        DASHBOARD,
        COMPARE,
        COMPARE + "?compare=northshire&compare=eastmere",
        f"/panel/cycles/{CYCLE}/",
        "/panel/reviews/",
        ANALYSIS,
    ],
)
def test_no_form_inside_a_form_on_dashboard_pages(client, lead, panel, compared, url):
    """No dashboard page nests a form in another, and none has a CSRF token in a GET form."""
    client.force_login(lead if url == DASHBOARD else panel)
    html = text(client.get(url))
    nesting = FormNesting()
    nesting.feed(html)
    assert nesting.deepest <= 1
    for form in re.findall(r'<form method="get".*?</form>', html, flags=re.S):
        assert "csrfmiddlewaretoken" not in form


def test_filter_errors_use_the_one_error_summary(client, panel, compared):
    """A cycle that is not on offer is listed in the one error summary, linking to the
    field, and the page says it shows its defaults."""
    client.force_login(panel)
    html = text(client.get(COMPARE + "?cycle=1999-00"))
    assert "There is a problem: the page shows its defaults in place of these filters" in html
    assert 'href="#id_cycle"' in html
    assert html.count('class="govuk-error-summary"') == 1
