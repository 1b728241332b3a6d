"""The compare page's table of ratings not borne out by partnerships' own reviews: counts of
submitted and accepted audits with a kept check and of those flagged, item by item, against
a hand-counted fixture; returned audits left out; never a partnership's name; its download
and its pinned query count."""

import csv
import html as html_lib
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from audits import services
from audits.models import EvidenceCheck
from partnerships.models import Membership, Region
from partnerships.months import first_of_month, months_before
from tests.audits.factories import CycleFactory, complete_audit, start_audit, version_2
from tests.partnerships.factories import MembershipFactory, PartnershipFactory, UserFactory
from tests.reviews.factories import ChildFactory, ReviewFactory, complete_answers

from .test_views import QUERIES, count_queries, parse_csv_sections, table_header, table_rows, text

pytestmark = pytest.mark.django_db

COMPARE = "/panel/compare/"
FLAGS = COMPARE + "?show=flags"
SLUG = "evidence-flags"
TITLE = "Ratings not borne out by partnerships' own reviews, by item"
MAPPED = ["3.2", "3.4", "4.1", "4.2", "4.5", "5.1", "5.3", "6.1", "6.2", "6.3"]
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
NAMES = {
    "alpha": "Alphashire Safeguarding Children Partnership",
    "beta": "Betashire Safeguarding Children Partnership",
    "gamma": "Gammashire Safeguarding Children Partnership",
    "delta": "Deltashire Safeguarding Children Partnership",
    "epsilon": "Epsilonshire Safeguarding Children Partnership",
    "zeta": "Zetashire Safeguarding Children Partnership",
    "eta": "Etashire Safeguarding Children Partnership",
}


def _partnership_with_reviews(slug, region, *, ethnicity):
    """A partnership in the region, its lead, and three complete reviews recent enough to
    count, each meeting every mapped item but with `ethnicity` as 6.1's answer."""
    partnership = PartnershipFactory(name=NAMES[slug], slug=slug, region=region)
    lead = MembershipFactory(
        user=UserFactory(email=f"lead@{slug}.example.org"),
        partnership=partnership,
        role=Membership.Role.LEAD,
    ).user
    completed = months_before(first_of_month(timezone.localdate()), 1)
    for _ in range(3):
        ReviewFactory(
            child=ChildFactory(partnership=partnership),
            status="complete",
            **{
                **complete_answers(),
                **MEETING,
                "ethnicity_in_review": ethnicity,
                "completed_month": completed,
            },
        )
    return partnership, lead


def _submitted(partnership, lead, cycle):
    audit = complete_audit(start_audit(partnership=partnership, by=lead, cycle=cycle), by=lead)
    return services.audit_submit(audit=audit, by=lead)


@pytest.fixture
def flagged(panel):
    """A version 2 cycle, every item rated 2 (hand-counted):
      Alphashire (north-east, submitted): 6.1 0 of 3 -> flagged
      Betashire (London, accepted):      6.1 0 of 3 -> flagged
      Gammashire (north-east, submitted): 6.1 3 of 3 -> not flagged
      Deltashire (London): flagged on 6.1 at submission, then returned -> not counted
      Epsilonshire and Zetashire (London, submitted): 6.1 3 of 3 -> not flagged
    so 6.1: 5 audits, 2 flagged (40%); every other mapped item: 5 audits, none flagged."""
    north_east = Region.objects.get(slug="north-east")
    london = Region.objects.get(slug="london")
    cycle = CycleFactory(version=version_2())
    alpha = _partnership_with_reviews("alpha", north_east, ethnicity="superficial")
    beta = _partnership_with_reviews("beta", london, ethnicity="superficial")
    gamma = _partnership_with_reviews("gamma", north_east, ethnicity="accurate")
    delta = _partnership_with_reviews("delta", london, ethnicity="superficial")
    _submitted(*alpha, cycle)
    services.audit_accept(audit=_submitted(*beta, cycle), by=panel, moderations={})
    _submitted(*gamma, cycle)
    for slug in ("epsilon", "zeta"):
        _submitted(*_partnership_with_reviews(slug, london, ethnicity="accurate"), cycle)
    returned = _submitted(*delta, cycle)
    services.audit_return(audit=returned, by=panel, reason="Look again at theme 6")
    return cycle


def rows_by_ref(html):
    return dict(table_rows(html, SLUG))


def test_flags_are_counted_by_item(client, flagged, panel):
    """6.1: 5 audits with a kept figure, 2 flagged, 40%; the other mapped items 5, 0, 0%;
    only mapped items are listed, in the framework's order."""
    client.force_login(panel)
    html = text(client.get(FLAGS))
    assert table_header(html, SLUG) == [
        "Item",
        "Statement",
        "Audits with a kept figure",
        "Ratings flagged",
        "% flagged",
    ]
    rows = rows_by_ref(html)
    assert list(rows) == MAPPED
    assert rows["6.1"][1:] == ["5", "2", "40%"]
    for ref in set(MAPPED) - {"6.1"}:
        assert rows[ref][1:] == ["5", "0", "0%"], ref
    assert rows["6.1"][0].startswith("Rapid reviews and local child safeguarding")
    assert TITLE in html_lib.unescape(html)


def test_a_returned_audits_flags_are_not_counted(client, flagged, panel):
    """Deltashire was flagged on 6.1 when it submitted; returned, it keeps no check and is not
    in the counts (were a check left behind, the status alone would still leave it out)."""
    client.force_login(panel)
    assert rows_by_ref(text(client.get(FLAGS)))["6.1"][1:] == ["5", "2", "40%"]
    assert not EvidenceCheck.objects.filter(response__audit__partnership__slug="delta").exists()


def test_no_partnership_is_named(client, flagged, panel):
    """The table counts audits: no partnership's name or link appears in it or in its file,
    and the note under it says why no disclosure control is needed."""
    client.force_login(panel)
    html = text(client.get(FLAGS))
    start = html.index(f'id="{SLUG}"')
    table = html[start : html.index("</table>", start)]
    assert not any(name in table for name in NAMES.values())
    assert "/panel/cycles/" not in table
    assert "a flag could point to one partnership" in html
    download = client.get(COMPARE + f"export.csv?table={SLUG}").content.decode("utf-8-sig")
    assert not any(name in download for name in NAMES.values())


def test_region_filter_counts_its_partnerships_only(client, flagged, panel):
    """In the north-east only Alphashire (flagged) and Gammashire (not) kept a figure: 2
    audits, under 5, so neither how many were flagged nor the share is shown, on screen or
    in the file (1 of 2 would point to one of two named submitters)."""
    client.force_login(panel)
    rows = rows_by_ref(text(client.get(FLAGS + "&region=north-east")))
    assert rows["6.1"][1] == "2"
    assert not any(cell.strip() in ("1", "50%") for cell in rows["6.1"][2:])
    one = client.get(COMPARE + f"export.csv?region=north-east&table={SLUG}")
    lines = {row[0]: row for row in csv.reader(io.StringIO(one.content.decode("utf-8-sig")))}
    assert lines["6.1"][2:] == ["2", "", ""]


def test_the_table_is_in_the_downloads(client, flagged, panel):
    """The whole-page CSV and XLSX hold the table, with the same counts; ?table= gives it alone."""
    client.force_login(panel)
    sections = parse_csv_sections(client.get(COMPARE + "export.csv").content)
    header, rows = sections[TITLE]
    assert header == [
        "Item",
        "Statement",
        "Audits with a kept figure",
        "Ratings flagged",
        "% flagged",
    ]
    assert {row[0]: row[2:] for row in rows}["6.1"] == ["5", "2", "40"]
    book = load_workbook(io.BytesIO(client.get(COMPARE + "export.xlsx").content))
    sheet = list(book[SLUG].iter_rows(values_only=True))
    assert {row[0]: row[2:4] for row in sheet[1:]}["6.1"] == (5, 2)
    one = client.get(COMPARE + f"export.csv?table={SLUG}").content.decode("utf-8-sig")
    assert next(csv.reader(io.StringIO(one)))[0] == "Item"


def test_the_view_is_linked_from_on_this_page(client, flagged, panel):
    """The heat map's "On this page" links to the flags table, which is then marked shown."""
    client.force_login(panel)
    assert "?show=flags#evidence-flags" in text(client.get(COMPARE))
    shown = html_lib.unescape(text(client.get(FLAGS)))
    assert f'href="#{SLUG}" aria-current="page">{TITLE}</a> (shown)' in shown


def test_a_version_without_mappings_says_so(client, panel):
    """A version 1 cycle maps no item: the view says so and no table is built or exported."""
    from tests.dashboards.factories import cycle_named, scored_audit

    scored_audit(PartnershipFactory(), cycle_named("2025-26"))
    client.force_login(panel)
    html = text(client.get(FLAGS))
    assert "maps no item to review answers" in html
    assert f'id="{SLUG}"' not in html
    assert TITLE not in parse_csv_sections(client.get(COMPARE + "export.csv").content)


def test_flags_view_takes_one_query_more_than_the_heat_map(client, flagged, panel):
    """The counts are one grouped query: the view runs the heat map's pinned queries and one
    more, the same with another partnership's audit added."""
    client.force_login(panel)
    client.get(FLAGS)
    few = count_queries(client, FLAGS)
    assert few == QUERIES["compare"] + 1
    epsilon = _partnership_with_reviews(
        "eta", Region.objects.get(slug="london"), ethnicity="accurate"
    )
    _submitted(*epsilon, flagged)
    assert count_queries(client, FLAGS) == few
    assert rows_by_ref(text(client.get(FLAGS)))["6.1"][1:] == ["6", "2", "33%"]
