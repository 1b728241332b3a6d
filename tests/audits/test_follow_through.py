"""Follow-through of action plans: due by now at the month boundary, share done without the
dropped actions, draft plans left out; the Panel's page (who may see it, its tables, its
filter and its pinned queries); and the peer figures on a partnership's action plan, shown
only for 5 peers or more and never with a peer's own figure."""

import re
from datetime import date

import pytest
from django.core.cache import cache
from django.utils import timezone

from audits.models import ActionRecord, Audit, Response
from audits.selectors import (
    FollowThrough,
    england_follow_through,
    england_follow_through_key,
    national_follow_through,
    partnership_follow_through,
    peer_follow_through,
)
from partnerships.models import Membership
from partnerships.months import first_of_month, months_before
from tests.partnerships.factories import MembershipFactory, PartnershipFactory

from .factories import CycleFactory, line_for, record_for, start_audit, themes_of

pytestmark = pytest.mark.django_db

PANEL = "/panel/actions/"
PLAN = "/p/northshire/actions/"
# The Panel's page, the same for 2 partnerships as for 12: the session, the user and their
# second factor, the newest cycle (its version's themes cached after the first view),
# England's figures by partnership and theme (one grouped query, then kept for a minute)
# and the partnerships' names; 5 while England's figures are kept.
PANEL_QUERIES = 6
PANEL_QUERIES_KEPT = 5
# A day in the middle of a month, for the tests that pass the day themselves.
DAY = date(2027, 4, 15)
MARCH, APRIL, MAY = date(2027, 3, 1), date(2027, 4, 1), date(2027, 5, 1)


@pytest.fixture
def cycle(db):
    return CycleFactory()


def plan_of(partnership, cycle, *, status=Audit.Status.SUBMITTED, by=None):
    """The partnership's audit in the cycle, started by a lead, in the status given (set
    directly: these tests read plans, they do not submit them)."""
    by = by or MembershipFactory(partnership=partnership, role=Membership.Role.LEAD).user
    audit = start_audit(partnership=partnership, by=by, cycle=cycle)
    Audit.objects.filter(pk=audit.pk).update(status=status)
    return audit


def add_actions(audit, theme, due, *statuses):
    """One action with its own line, due in the month `due`, in theme `theme`'s first item,
    for each status given."""
    response = (
        Response.objects.filter(audit=audit, item__theme__number=theme)
        .select_related("audit", "item__theme")
        .order_by("item__order")
        .first()
    )
    for n, status in enumerate(statuses):
        reason = "Replaced by the regional plan" if status == "dropped" else ""
        record = record_for(response, status=status, dropped_reason=reason)
        line_for(
            response, record=record, what=f"Action {n}", owner="Head of learning", due_month=due
        )


def figures(rows, key):
    return next(row.figures for row in rows if row.number == key)


# Definitions -----------------------------------------------------------------------------


def test_due_by_counts_last_month_and_not_this_month(northshire, lead, cycle):
    """An action due in March is due by now from 1 April, not on 31 March; one due in April
    is not due by now on 30 April."""
    audit = plan_of(northshire, cycle, by=lead)
    add_actions(audit, 1, MARCH, "not_started")
    add_actions(audit, 1, APRIL, "done")

    def due(day):
        return sorted(
            str(month)
            for month in ActionRecord.objects.due_by(day).values_list(
                "latest_line__due_month", flat=True
            )
        )

    assert due(date(2027, 3, 31)) == []
    assert due(date(2027, 4, 1)) == ["2027-03-01"]
    assert due(date(2027, 4, 30)) == ["2027-03-01"]
    assert due(date(2027, 5, 1)) == ["2027-03-01", "2027-04-01"]


def test_follow_through_is_hand_counted_by_theme(northshire, lead, cycle):
    """On 15 April: theme 1 has 3 due by now (done, overdue, dropped), 1 done, share 50% of
    the 2 not dropped; theme 2 has 2 due, 1 done and 1 overdue; April's and May's actions,
    done or not, are not due; every theme together is 5 due, 2 done, 50% of the 4 not dropped."""
    audit = plan_of(northshire, cycle, by=lead)
    add_actions(audit, 1, MARCH, "done", "not_started")
    add_actions(audit, 1, date(2027, 2, 1), "dropped")
    add_actions(audit, 1, APRIL, "done")
    add_actions(audit, 1, MAY, "in_progress")
    add_actions(audit, 2, date(2027, 1, 1), "in_progress")
    add_actions(audit, 2, MARCH, "done")
    rows = national_follow_through(england_follow_through(DAY), themes_of(audit))
    assert figures(rows, 1) == FollowThrough(due=3, done=1, dropped=1, overdue=1)
    assert figures(rows, 1).share_text == "50%"
    assert figures(rows, 2) == FollowThrough(due=2, done=1, dropped=0, overdue=1)
    assert figures(rows, 3) == FollowThrough()
    assert figures(rows, None) == FollowThrough(due=5, done=2, dropped=1, overdue=2)
    assert figures(rows, None).share_text == "50%"
    assert [row.title for row in rows][:2] == [t.title for t in themes_of(audit)][:2]
    [row] = partnership_follow_through(england_follow_through(DAY))
    assert (row.name, row.figures) == (northshire.name, figures(rows, None))
    [row] = partnership_follow_through(england_follow_through(DAY), theme=2)
    assert row.figures == figures(rows, 2)


def test_share_done_leaves_dropped_actions_out_of_the_base():
    """4 due of which 2 dropped and 1 done is 50% done; 5 done of 8 rounds half up to 63%;
    nothing due, or every due action dropped, has no share."""
    assert FollowThrough(due=4, done=1, dropped=2, overdue=1).share_percent == 50
    assert FollowThrough(due=8, done=5).share_text == "63%"
    assert FollowThrough(due=2, dropped=2).share_percent is None
    assert FollowThrough(due=2, dropped=2).share_text == "All dropped"
    assert FollowThrough().share_text == "None due yet"


def test_draft_and_returned_plans_are_not_counted(northshire, eastmere, lead, other_lead, cycle):
    """Actions only in a draft or returned audit's plan are not yet committed, so they are in
    no figure: only the submitted plan's one action is due."""
    submitted = plan_of(northshire, cycle, by=lead)
    add_actions(submitted, 1, MARCH, "done")
    draft = plan_of(eastmere, cycle, by=other_lead, status=Audit.Status.DRAFT)
    add_actions(draft, 1, MARCH, "done", "not_started")
    returned = plan_of(PartnershipFactory(), cycle, status=Audit.Status.RETURNED)
    add_actions(returned, 1, MARCH, "not_started")
    assert figures(national_follow_through(england_follow_through(DAY), []), None) == FollowThrough(
        due=1, done=1
    )
    assert [row.name for row in partnership_follow_through(england_follow_through(DAY))] == [
        northshire.name
    ]


# The Panel's page --------------------------------------------------------------------------


def _last_month():
    return months_before(first_of_month(timezone.localdate()), 1)


def _cells(page, testid):
    """The text of each row of the table with this data-testid, cell by cell."""
    table = re.search(rf'data-testid="{testid}".*?</table>', page, re.S).group(0)
    rows = re.findall(r"<tr class=\"govuk-table__row\">(.*?)</tr>", table, re.S)
    return [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        for row in rows[1:]
    ]


@pytest.mark.parametrize("persona", ["lead", "viewer", "other_lead", "outsider"])
def test_panel_page_is_403_for_everyone_but_panel_staff(client, request, persona):
    """Members of any role and people in no partnership get 403, as on the other Panel
    pages; someone signed out is sent to sign in."""
    assert client.get(PANEL)["Location"].startswith("/accounts/login/")
    client.force_login(request.getfixturevalue(persona))
    assert client.get(PANEL).status_code == 403


def test_panel_page_shows_the_national_and_partnership_figures(
    client, panel, northshire, eastmere, lead, other_lead, cycle
):
    """Panel staff see England by theme and each partnership with its region, figures and a
    link to its action plan; an inactive partnership is named without a link."""
    last = _last_month()
    north = plan_of(northshire, cycle, by=lead)
    add_actions(north, 1, last, "done", "done", "not_started", "dropped")
    east = plan_of(eastmere, cycle, by=other_lead)
    add_actions(east, 2, last, "in_progress")
    gone = PartnershipFactory(name="Westford Safeguarding Children Partnership", active=False)
    add_actions(plan_of(gone, cycle), 1, last, "done")
    client.force_login(panel)
    page = client.get(PANEL).content.decode()
    national = _cells(page, "national")
    assert national[0][1:] == ["5", "3", "75%", "1", "1"]
    assert national[1][1:] == ["1", "0", "0%", "0", "1"]
    assert national[-1] == ["All themes", "6", "3", "60%", "1", "2"]
    rows = {row[0]: row[1:] for row in _cells(page, "partnerships")}
    region = northshire.region.name
    assert rows[f"{northshire.name}: action plan"] == [region, "4", "2", "67%", "1", "1"]
    assert rows[f"{eastmere.name}: action plan"] == [region, "1", "0", "0%", "0", "1"]
    assert rows["Westford Safeguarding Children Partnership (inactive)"][1:] == [
        "1",
        "1",
        "100%",
        "0",
        "0",
    ]
    assert 'href="/p/northshire/actions/"' in page
    assert 'href="/p/westford' not in page
    assert "are not in the share" in page


def test_panel_page_filters_partnerships_by_theme(
    client, panel, northshire, eastmere, lead, other_lead, cycle
):
    """With a theme chosen only partnerships with actions in it are listed, with that
    theme's figures; a theme not on offer shows every theme and says so."""
    last = _last_month()
    add_actions(plan_of(northshire, cycle, by=lead), 1, last, "done")
    add_actions(plan_of(eastmere, cycle, by=other_lead), 2, last, "not_started")
    client.force_login(panel)
    page = client.get(PANEL + "?theme=2").content.decode()
    assert [row[0] for row in _cells(page, "partnerships")] == [f"{eastmere.name}: action plan"]
    assert "in theme 2." in page
    assert 'href="/panel/actions/">Show every theme' in page
    page = client.get(PANEL + "?theme=99").content.decode()
    assert "The theme in the address is not one of the choices" in page
    assert len(_cells(page, "partnerships")) == 2


def test_panel_page_says_when_nothing_is_due(client, panel, northshire, lead, cycle):
    """Before any committed action's month has ended the national table says none is due
    and the partnership's row says so for its share; with no committed action at all, the
    partnership table says there is none."""
    client.force_login(panel)
    page = client.get(PANEL).content.decode()
    assert "No actions are due yet." in page
    assert "No partnership has committed actions yet." in page
    add_actions(
        plan_of(northshire, cycle, by=lead), 1, first_of_month(timezone.localdate()), "done"
    )
    cache.clear()  # England's figures are kept for a minute
    page = client.get(PANEL).content.decode()
    assert "No actions are due yet." in page
    assert _cells(page, "partnerships")[0][1:] == [
        northshire.region.name,
        "0",
        "0",
        "None due yet",
        "0",
        "0",
    ]


def test_panel_home_links_to_the_page(client, panel):
    """The Panel home links to the follow-through page."""
    client.force_login(panel)
    assert f'href="{PANEL}"' in client.get("/panel/").content.decode()


def test_panel_page_query_count_is_the_same_for_2_and_12_partnerships(
    client, panel, cycle, django_assert_num_queries
):
    """The Panel's page runs a pinned number of queries, equal for 2 partnerships and for
    12, each with actions in two themes, filtered by theme or not."""
    last = _last_month()

    def partnerships(count):
        for _ in range(count):
            audit = plan_of(PartnershipFactory(), cycle)
            add_actions(audit, 1, last, "done", "not_started")
            add_actions(audit, 3, last, "dropped", "in_progress")

    partnerships(2)
    client.force_login(panel)
    client.get(PANEL)  # the first request after signing in also updates the session
    for query in ("", "?theme=3"):
        cache.delete(england_follow_through_key(timezone.localdate()))
        with django_assert_num_queries(PANEL_QUERIES):
            assert client.get(PANEL + query).status_code == 200
        with django_assert_num_queries(PANEL_QUERIES_KEPT):
            assert client.get(PANEL + query).status_code == 200
    partnerships(10)
    for query in ("", "?theme=3"):
        cache.delete(england_follow_through_key(timezone.localdate()))
        with django_assert_num_queries(PANEL_QUERIES):
            page = client.get(PANEL + query).content.decode()
        assert len(_cells(page, "partnerships")) == 12


# Peer figures on a partnership's action plan ----------------------------------------------

# The peers' shares of theme 1: 1 of 7 (14%), 2 of 4 (50%), 3 of 5 (60%), 3 of 4 (75%) and
# 7 of 8 (88%); of 5 scores the quartiles are the 2nd, 3rd and 4th.
PEERS = [(1, 7), (2, 4), (3, 5), (3, 4), (7, 8)]


def _peers(cycle, shares):
    """A partnership with a submitted plan for each (done, due) given, all in theme 1 and
    due last month, the rest of them overdue."""
    for done, due in shares:
        audit = plan_of(PartnershipFactory(), cycle)
        add_actions(audit, 1, _last_month(), *(["done"] * done + ["not_started"] * (due - done)))


@pytest.fixture
def own_plan(northshire, lead, cycle):
    """Northshire's submitted plan: in theme 1, 2 done, 1 overdue and 1 dropped (67%)."""
    audit = plan_of(northshire, cycle, by=lead)
    add_actions(audit, 1, _last_month(), "done", "done", "not_started", "dropped")
    return audit


def _peer_rows(page):
    return {row[0]: row[1:] for row in _cells(page, "peers")}


def test_peer_figures_show_median_and_quartiles_at_5_peers(client, own_plan, lead, cycle):
    """With 5 other partnerships the plan shows its own share and the peers' lower
    quartile, median and upper quartile, overall and for theme 1, and nothing else of them:
    neither the lowest nor the highest peer's share nor any peer's counts or name."""
    _peers(cycle, PEERS)
    client.force_login(lead)
    page = client.get(PLAN).content.decode()
    rows = _peer_rows(page)
    theme_1 = next(name for name in rows if name.startswith("1. "))
    assert rows[theme_1] == ["67% (2 of 3)", "50%", "60%", "75%"]
    assert rows["All themes"] == ["67% (2 of 3)", "50%", "60%", "75%"]
    for peer_only in ("14%", "88%", "1 of 7", "7 of 8", "Testshire"):
        assert peer_only not in page
    theme_2 = next(name for name in rows if name.startswith("2. "))
    assert rows[theme_2] == ["None due yet", "Not enough partnerships to compare (fewer than 5)"]


def test_peer_figures_are_hidden_at_4_peers(client, own_plan, lead, cycle):
    """With 4 other partnerships no peer figure is shown, only that there are not enough."""
    _peers(cycle, PEERS[:4])
    client.force_login(lead)
    page = client.get(PLAN).content.decode()
    rows = _peer_rows(page)
    assert rows["All themes"] == [
        "67% (2 of 3)",
        "Not enough partnerships to compare (fewer than 5)",
    ]
    for peer_figure in ("14%", "50%", "60%", "75%"):
        assert peer_figure not in page


def test_a_partnership_with_nothing_due_in_a_theme_is_not_a_peer_for_it(
    own_plan, northshire, cycle
):
    """5 peers have actions due in theme 1 but only 4 in theme 2 (the fifth's theme 2 action
    is due this month): theme 1 and overall have figures, theme 2 has none."""
    _peers(cycle, PEERS[:4])
    fifth = plan_of(PartnershipFactory(), cycle)
    add_actions(fifth, 1, _last_month(), "done")
    add_actions(fifth, 2, first_of_month(timezone.localdate()), "done")
    for audit in Audit.objects.exclude(partnership=northshire):
        if audit != fifth:
            add_actions(audit, 2, _last_month(), "done")
    rows, _counted_at = peer_follow_through(northshire, timezone.localdate(), themes_of(own_plan))
    by_number = {row.number: row for row in rows}
    assert by_number[1].peers is not None and by_number[None].peers is not None
    assert by_number[2].peers is None
    assert by_number[1].own == FollowThrough(due=4, done=2, dropped=1, overdue=1)


def test_england_is_counted_at_most_once_a_minute_and_the_page_says_when(
    client, panel, northshire, lead, cycle
):
    """England's figures are kept for FOLLOW_THROUGH_FRESH_SECONDS and the Panel's page says
    when they were counted; once that time has passed the page counts again, and a
    partnership's own figures on its plan are always counted afresh."""
    from datetime import timedelta
    from unittest import mock

    from audits.selectors import FOLLOW_THROUGH_FRESH_SECONDS

    audit = plan_of(northshire, cycle, by=lead)
    add_actions(audit, 1, _last_month(), "done")
    client.force_login(panel)
    page = client.get(PANEL).content.decode()
    assert _cells(page, "partnerships")[0][2:4] == ["1", "1"]
    assert "Counted at" in page
    add_actions(audit, 1, _last_month(), "not_started")
    kept = client.get(PANEL).content.decode()
    assert _cells(kept, "partnerships")[0][2:4] == ["1", "1"]
    client.force_login(lead)
    own = _peer_rows(client.get(PLAN).content.decode())
    assert own["All themes"][0] == "50% (1 of 2)"
    later = timezone.now() + timedelta(seconds=FOLLOW_THROUGH_FRESH_SECONDS + 1)
    with mock.patch("django.core.cache.backends.locmem.time.time", return_value=later.timestamp()):
        client.force_login(panel)
        fresh = client.get(PANEL).content.decode()
    assert _cells(fresh, "partnerships")[0][2:4] == ["2", "1"]
