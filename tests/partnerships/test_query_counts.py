"""The partnership's pages and the Panel's pages outside the dashboards run a pinned number of
queries, the same for a small data set as for a larger one: more cycles, audits, members or
partnerships never add a query. Each page's count includes the five or so that every page
runs (session, user, second-factor device or partnership and role, header links)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audits.models import Audit, AuditEvent, Cycle
from partnerships.models import Membership
from tests.audits.factories import CycleFactory, start_audit
from tests.partnerships.factories import MembershipFactory, PartnershipFactory

pytestmark = pytest.mark.django_db

# The most queries each page may run (what it ran when pinned; the goal is at most 12). The
# home was 7 before it listed the actions overdue and due soon.
PARTNERSHIP_MOST = {"home": 8, "audits": 7, "members": 7, "two-factor": 5}
PANEL_MOST = {"home": 5, "cycles": 5, "new cycle": 7}


def count(client, url) -> int:
    client.get(url)  # the first request after signing in also updates the session
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def cycle_name(year: int) -> str:
    return f"{year}-{(year + 1) % 100:02d}"


def lead_of(partnership):
    lead = partnership.memberships.filter(role=Membership.Role.LEAD).first()
    if lead is None:
        lead = MembershipFactory(partnership=partnership, role=Membership.Role.LEAD)
    return lead.user


def add_cycles(years, *, partnerships):
    """A cycle a year, each a year before the next, with an audit of each partnership (started
    by its lead), every other one submitted."""
    today = timezone.localdate()
    for year in years:
        cycle = CycleFactory(name=cycle_name(year))  # open, to start its audits
        for partnership in partnerships:
            by = lead_of(partnership)
            audit = start_audit(partnership=partnership, by=by, cycle=cycle)
            if year % 2:
                Audit.objects.filter(pk=audit.pk).update(status=Audit.Status.SUBMITTED)
                AuditEvent.objects.create(
                    audit=audit, kind=AuditEvent.Kind.SUBMITTED, by=by, at=timezone.now()
                )
        back = timedelta(days=365 * (2026 - year))
        Cycle.objects.filter(pk=cycle.pk).update(
            opens_on=today - back - timedelta(days=30), closes_on=today - back + timedelta(days=30)
        )


PARTNERSHIP_PAGES = {
    "home": "/p/northshire/",
    "audits": "/p/northshire/audits/",
    "members": "/p/northshire/members/",
    "two-factor": "/p/northshire/two-factor/",
}
PANEL_PAGES = {"home": "/panel/", "cycles": "/panel/cycles/", "new cycle": "/panel/cycles/new/"}


def test_partnership_pages_take_the_same_queries_with_10_cycles_and_60_members(
    client, northshire, lead
):
    """Home, audits, members and the two-factor rule: 2 cycles and 5 members, then 10 cycles
    and 60 members with their history, take the same queries."""
    add_cycles([2025, 2026], partnerships=[northshire])
    for _ in range(4):
        MembershipFactory(partnership=northshire)
    client.force_login(lead)
    small = {name: count(client, url) for name, url in PARTNERSHIP_PAGES.items()}

    add_cycles(range(2017, 2025), partnerships=[northshire])
    for number in range(55):
        membership = MembershipFactory(partnership=northshire)
        if number % 5 == 0:
            membership.role = Membership.Role.CONTRIBUTOR
            membership.save()  # a line in the members page's history
    assert northshire.memberships.count() == 60
    assert Audit.objects.filter(partnership=northshire).count() == 10
    large = {name: count(client, url) for name, url in PARTNERSHIP_PAGES.items()}

    print(f"partnership pages: small={small} large={large}")
    assert large == small
    assert all(small[name] <= most for name, most in PARTNERSHIP_MOST.items())


def test_panel_pages_take_the_same_queries_with_30_partnerships_and_10_cycles(
    client, northshire, lead, panel
):
    """The Panel home, cycles and the new-cycle form: 3 partnerships and 2 cycles, then 30
    partnerships with members and 10 cycles of their audits, take the same queries."""
    others = [PartnershipFactory() for _ in range(2)]
    add_cycles([2025, 2026], partnerships=[northshire, *others])
    client.force_login(panel)
    small = {name: count(client, url) for name, url in PANEL_PAGES.items()}

    more = [PartnershipFactory() for _ in range(27)]
    for partnership in more:
        MembershipFactory.create_batch(2, partnership=partnership)
    add_cycles(range(2017, 2025), partnerships=[northshire, *others, *more])
    large = {name: count(client, url) for name, url in PANEL_PAGES.items()}

    print(f"panel pages: small={small} large={large}")
    assert large == small
    assert all(small[name] <= most for name, most in PANEL_MOST.items())
