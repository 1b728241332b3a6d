"""The compare page's table of items where agencies disagree (counts of audits, never a
partnership or agency named, drafts and returned audits left out) and the audit export's
Agencies sheet."""

import io

import pytest
from openpyxl import load_workbook

from agencies import services
from audits import services as audit_services
from partnerships.models import Membership
from tests.audits.factories import CycleFactory, complete_audit, start_audit, themes_of
from tests.dashboards.test_views import QUERIES, count_queries, table_rows, text
from tests.partnerships.factories import MembershipFactory, PartnershipFactory, UserFactory

from .factories import answer_as_agency, health, police

pytestmark = pytest.mark.django_db

AGENCIES_VIEW = "/panel/compare/?show=agencies"
SLUG = "agency-disagreement"


def _partnership(slug):
    partnership = PartnershipFactory(name=f"{slug.title()} Partnership", slug=slug)
    lead = MembershipFactory(
        user=UserFactory(email=f"lead@{slug}.example.org"),
        partnership=partnership,
        role=Membership.Role.LEAD,
    ).user
    return partnership, lead


def _audit(slug, cycle, *, police_rating, health_rating, submit=True):
    """An audit whose police and health rated item 1.1 as given; every item rated 2 by the
    partnership; the Police renamed after the partnership, to see it is never shown."""
    partnership, lead = _partnership(slug)
    audit = start_audit(partnership=partnership, by=lead, cycle=cycle)
    theme = themes_of(audit)[0]
    constabulary = police(partnership)
    answer_as_agency(audit, constabulary, theme, by=lead, ratings={"1.1": police_rating})
    services.agency_rename(agency=constabulary, name=f"{slug} constabulary", by=lead)
    answer_as_agency(audit, health(partnership), theme, by=lead, ratings={"1.1": health_rating})
    complete_audit(audit, by=lead)
    if submit:
        audit_services.audit_submit(audit=audit, by=lead)
    return audit


@pytest.fixture
def cycle(db):
    """Five submitted audits with agency ratings of 1.1 (two disagreeing, 0 and 3 and 1 and
    3; three not, 2 and 3, 3 and 3, 2 and 2) and a draft that disagrees but is not counted."""
    cycle = CycleFactory()
    _audit("alpha", cycle, police_rating=0, health_rating=3)
    _audit("beta", cycle, police_rating=2, health_rating=3)
    _audit("gamma", cycle, police_rating=3, health_rating=3)
    _audit("epsilon", cycle, police_rating=1, health_rating=3)
    _audit("zeta", cycle, police_rating=2, health_rating=2)
    _audit("delta", cycle, police_rating=0, health_rating=3, submit=False)
    return cycle


def test_disagreements_are_counted_by_item(client, cycle, panel):
    """1.1: 5 submitted audits with agency ratings, 2 disagreeing (40%); 1.2: none at all, so
    fewer than 5 and its disagreements not shown."""
    client.force_login(panel)
    rows = dict(table_rows(text(client.get(AGENCIES_VIEW)), SLUG))
    assert rows["1.1"][1:] == ["5", "2", "40%"]
    assert rows["1.2"][1] == "0" and "0" not in rows["1.2"][2:]


def test_disagreements_under_5_audits_are_not_shown(client, cycle, panel):
    """With 4 audits with agency ratings (one returned to draft's count: the fifth removed),
    how many disagree is not shown, on screen or in the file."""
    from audits.models import Audit

    Audit.objects.filter(partnership__slug="zeta").update(status="returned")
    client.force_login(panel)
    rows = dict(table_rows(text(client.get(AGENCIES_VIEW)), SLUG))
    assert rows["1.1"][1] == "4"
    assert not any(cell in ("2", "50%") for cell in rows["1.1"][2:])


def test_no_partnership_or_agency_is_named(client, cycle, panel):
    """Neither the view nor the download names a partnership or an agency."""
    client.force_login(panel)
    html = text(client.get(AGENCIES_VIEW))
    download = client.get("/panel/compare/export.csv").content.decode()
    table = download[download.index("Items where agencies disagree by 2 or more levels") :]
    for slug in ("alpha", "beta", "gamma", "delta"):
        assert f"{slug} constabulary" not in html and f"{slug} constabulary" not in download
        assert f"{slug.title()} Partnership" not in html[html.index(f'id="{SLUG}"') :]
        assert f"{slug.title()} Partnership" not in table


def test_the_view_takes_one_query_more_than_the_heat_map(client, cycle, panel):
    """The counts are one query: the heat map's pinned queries and one more."""
    client.force_login(panel)
    client.get(AGENCIES_VIEW)
    assert count_queries(client, AGENCIES_VIEW) == QUERIES["compare"] + 1


def test_the_export_has_an_agencies_sheet(client, cycle):
    """Alpha's download lists each agency's rating of 1.1 with the spread and the rule."""
    from partnerships.models import User

    client.force_login(User.objects.get(email="lead@alpha.example.org"))
    response = client.get(f"/p/alpha/audits/{cycle.name}/export.xlsx")
    sheet = load_workbook(io.BytesIO(response.content))["Agencies"]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][2:4] == ["Agency", "Agency's rating"]
    police_row = next(row for row in rows if row[1] == "1.1" and row[2] == "alpha constabulary")
    assert police_row[3:] == [0, "Not in place", "Agency case audit, 2026", 2, 0, 3, "yes"]


def test_an_audit_without_agencies_exports_as_before(client, northshire, lead):
    """Without agency answers there is no Agencies sheet."""
    audit = complete_audit(start_audit(partnership=northshire, by=lead), by=lead)
    client.force_login(lead)
    response = client.get(f"/p/northshire/audits/{audit.cycle.name}/export.xlsx")
    assert load_workbook(io.BytesIO(response.content)).sheetnames == ["Items", "Scores", "Timeline"]
