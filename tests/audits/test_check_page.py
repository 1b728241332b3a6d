"""Check your answers: every answer by theme with a Change link per item, the broken rules
beside their items and in one error summary, the partnership in the title, Change links only
for people who may change answers, and a pinned number of queries."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import escape

from audits import services
from audits.models import Cycle, FrameworkVersion, Item, Response, Theme

pytestmark = pytest.mark.django_db

CYCLE = "2026-27"
BASE = f"/p/northshire/audits/{CYCLE}/"
CHECK = BASE + "check/"
TITLE = "Check your answers - Northshire Safeguarding Children Partnership - 2026-27 audit"
# The most queries the page may run, whatever the number of answers and actions (10 before
# the cycle came with the audit and a published version's scale from the cache).
CHECK_MAX_QUERIES = 6
# On a version 2 audit, one more: the figures from the partnership's own reviews
# (tests/audits/test_evidence_pages.py holds it to the version 1 count plus one).
CHECK_MAX_QUERIES_VERSION_2 = 7


def due_next_month():
    return (timezone.localdate().replace(day=1) + timedelta(days=32)).replace(day=1)


def answer(audit, number, *, by, rating=2, evidence="Board minutes", actions=(), only=None):
    """Answer a theme's items (all, or the refs in `only`) through the service."""
    theme = Theme.objects.get(version_id=audit.cycle.version_id, number=number)
    responses = list(Response.objects.filter(audit=audit, item__theme=theme).select_related("item"))
    services.theme_save(
        audit=audit,
        theme=theme,
        answers={
            r.item_id: services.ItemAnswer(rating=rating, evidence=evidence, actions=list(actions))
            for r in responses
            if only is None or r.item.ref in only
        },
        seen_revisions={r.item_id: r.revision for r in responses},
        by=by,
    )


def complete(audit, *, by):
    for number in range(1, 8):
        answer(audit, number, by=by)


def row(html, ref) -> str:
    """The summary-list row of one item."""
    start = html.index(f'data-testid="check-{ref}"')
    return html[start : html.index("</div>", html.index("govuk-summary-list__value", start))]


def change_links(html) -> list[str]:
    return re.findall(r'<a class="govuk-link" href="([^"]+)">Change<span', html)


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.fixture
def cycle(db):
    today = timezone.localdate()
    return Cycle.objects.create(
        name=CYCLE,
        version=FrameworkVersion.objects.get(number=1),
        opens_on=today - timedelta(days=30),
        closes_on=today + timedelta(days=30),
    )


@pytest.fixture
def audit(northshire, lead, cycle):
    return services.audit_start(partnership=northshire, cycle=cycle, by=lead)


@pytest.fixture
def items(db):
    return {item.ref: item for item in Item.objects.filter(theme__version__number=1)}


def test_every_answer_is_listed_by_theme_in_full(client, audit, lead, contributor, items):
    """Each theme has a summary list with a row per item: ref and full statement, rating with
    its label, evidence, actions with owner and due month, and "Not rated" where missing."""
    action = services.ActionLine(
        what="Commission training", owner="Workforce lead", due_month=due_next_month()
    )
    answer(audit, 1, by=lead, rating=1, evidence="Line one\nline two", actions=[action])
    answer(audit, 2, by=lead, rating=3, evidence="Audit of case files", only={"2.1"})
    client.force_login(contributor)
    html = client.get(CHECK).content.decode()
    for number in range(1, 8):
        assert f'data-testid="check-theme-{number}"' in html
    for item in items.values():
        assert escape(item.statement) in row(html, item.ref)
    first = row(html, "1.1")
    assert "Item 1.1" in first
    assert "1 Emerging" in first
    assert "Line one<br>line two" in first
    due = due_next_month().strftime("%B %Y")
    assert f"Commission training (owner: Workforce lead, due: {due}, status: Not started)" in first
    assert "3 Embedded" in row(html, "2.1")
    assert "Audit of case files" in row(html, "2.1")
    unrated = row(html, "2.2")
    assert "Not rated" in unrated
    assert "None given" in unrated
    assert '<span class="govuk-!-font-weight-bold">Actions:</span> None' in unrated
    # Themes in order, items in order within each theme.
    refs = re.findall(r'data-testid="check-(\d\.\d)"', html)
    assert refs == sorted(items, key=lambda ref: (items[ref].theme.number, items[ref].order))


def test_broken_rules_are_shown_beside_their_items_and_summarised(client, audit, lead):
    """Each item breaking a rule says so in its own row, and the one error summary at the top
    counts the things to fix and links each to the item on its theme page."""
    answer(audit, 1, by=lead)
    answer(audit, 2, by=lead, rating=0, only={"2.1"})
    answer(audit, 3, by=lead, rating=3, evidence="", only={"3.2"})
    client.force_login(lead)
    html = client.get(CHECK).content.decode()
    assert "Item 2.1 is rated 0 or 1, so it needs an action" in row(html, "2.1")
    assert "Item 3.2 is rated 2 or 3, so it needs evidence" in row(html, "3.2")
    assert "Item 2.2 needs a rating" in row(html, "2.2")
    assert "govuk-error-message" not in row(html, "1.1")
    assert html.count("govuk-error-summary__title") == 1
    start = html.index('data-testid="broken-rules"')
    summary = html[start : html.index("</ul>", start)]
    # Theme 1 is complete; 2.1 and 3.2 each break one rule; the other 27 items are unrated.
    assert "29 things to fix before you can submit" in summary
    assert f'<a href="{BASE}themes/2/#item-2-1">' in summary
    assert "#item-1-" not in summary
    assert "Submit audit" not in html


def test_one_thing_to_fix_is_singular(client, audit, lead):
    """With a single broken rule the summary says "1 thing to fix"."""
    complete(audit, by=lead)
    answer(audit, 7, by=lead, rating=2, evidence="", only={"7.5"})
    client.force_login(lead)
    html = client.get(CHECK).content.decode()
    assert "1 thing to fix before you can submit" in html


def test_each_item_has_a_change_link_to_its_place_on_its_theme_page(
    client, audit, contributor, items
):
    """A contributor of a draft sees a Change link per item, to the item's anchor on its
    theme page, with visually hidden text naming the item."""
    client.force_login(contributor)
    html = client.get(CHECK).content.decode()
    links = change_links(html)
    assert len(links) == len(items) == 34
    assert f"{BASE}themes/4/#item-4-2" in links
    assert (
        f'<a class="govuk-link" href="{BASE}themes/4/#item-4-2">Change<span '
        'class="govuk-visually-hidden"> the answer to item 4.2</span></a>'
    ) in html


@pytest.mark.parametrize("persona", ["viewer", "panel"])
def test_people_who_may_not_change_answers_see_no_change_links(request, client, audit, persona):
    """A viewer and Panel staff see every answer but no Change link and no actions column."""
    client.force_login(request.getfixturevalue(persona))
    response = client.get(CHECK)
    html = response.content.decode()
    assert response.status_code == 200
    assert change_links(html) == []
    assert "govuk-summary-list__actions" not in html
    assert html.count("govuk-summary-list__row--no-actions") == 34
    assert "Item 1.1" in html


def test_a_submitted_audit_shows_answers_without_change_links(client, audit, lead):
    """Once submitted the answers are still listed, without Change links or Submit."""
    complete(audit, by=lead)
    audit.refresh_from_db()
    services.audit_submit(audit=audit, by=lead)
    client.force_login(lead)
    html = client.get(CHECK).content.decode()
    assert "Board minutes" in row(html, "1.1")
    assert change_links(html) == []
    assert "Submit audit" not in html
    assert "This audit has been submitted" in html
    assert "Every rule is met" in html


def test_title_names_the_partnership(client, audit, panel):
    """The page title names the partnership, as Panel staff see many."""
    client.force_login(panel)
    html = client.get(CHECK).content.decode()
    assert f"<title>{TITLE} - " in html


def test_lead_submits_from_the_check_page(client, audit, lead):
    """With every rule met the lead sees every answer, then Submit, in one form."""
    complete(audit, by=lead)
    client.force_login(lead)
    html = client.get(CHECK).content.decode()
    main = html[html.index('id="main-content"') :]
    assert main.count("<form") == 1
    assert main.count('name="csrfmiddlewaretoken"') == 1
    assert "Submit audit" in main
    assert main.index('data-testid="check-7.5"') < main.index("Submit audit")
    assert client.post(CHECK).status_code == 302


def test_check_page_query_count_is_pinned(client, audit, lead):
    """The page runs a pinned number of queries, the same for a nearly empty audit as for one
    with every item answered with three actions."""
    action = services.ActionLine(what="Do it", owner="Lead", due_month=due_next_month())
    answer(audit, 1, by=lead, rating=1, only={"1.1"}, actions=[action])
    client.force_login(lead)
    client.get(BASE)  # The first request after signing in also updates the session.
    client.get(CHECK)  # and the first of the version's scale reads it into the cache.
    sparse = count_queries(client, CHECK)
    three = [
        services.ActionLine(what=f"Action {n}", owner="Lead", due_month=due_next_month())
        for n in range(3)
    ]
    for number in range(1, 8):
        answer(audit, number, by=lead, rating=0, actions=three)
    full = count_queries(client, CHECK)
    print(f"check queries: sparse={sparse} full={full}")
    assert full == sparse <= CHECK_MAX_QUERIES
