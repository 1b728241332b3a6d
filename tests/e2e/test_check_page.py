"""Browser journeys for checking answers, the report, the Panel's audit page and opening a
cycle: axe on every page, Change links reached by keyboard, the GOV.UK date input, and no
page wider than a 320 px screen."""

import pytest
from playwright.sync_api import expect

from audits import services
from audits.models import Cycle, Response
from tests.audits.factories import CycleFactory, rate_theme, themes_of

PASSWORD = "a-long-test-password"
EVIDENCE = "Audit of 40 case files"


@pytest.fixture
def cycle(db):
    return CycleFactory()


def answer_themes(audit, by, numbers):
    """Answer the given themes so that no rule is broken (every item 2, with evidence)."""
    for theme in themes_of(audit):
        if theme.number in numbers:
            rate_theme(audit, theme, by=by, evidence=EVIDENCE)


def page_width(journey) -> int:
    return journey.page.evaluate("document.documentElement.scrollWidth")


def test_lead_checks_every_answer_and_changes_one_by_keyboard(journey, cycle, lead):
    """The check page lists every answer by theme with broken rules beside their items; a
    Change link reached with the Tab key opens the item on its theme page."""
    audit = services.audit_start(
        partnership=lead.memberships.get().partnership, cycle=cycle, by=lead
    )
    answer_themes(audit, lead, range(2, 8))
    journey.sign_in(lead.email, PASSWORD)
    journey.goto(f"/p/northshire/audits/{cycle.name}/check/")
    journey.expect_heading("Check your answers")
    page = journey.page
    expect(page).to_have_title(
        "Check your answers - Northshire Safeguarding Children Partnership - 2026-27 audit - "
        "Assess anti-racist safeguarding practice"
    )
    summary = page.get_by_test_id("broken-rules")
    assert "5 things to fix before you can submit" in summary.inner_text()
    first = page.get_by_test_id("check-1.1").inner_text()
    assert "Item 1.1 needs a rating" in first
    assert "Not rated" in first
    second = page.get_by_test_id("check-2.1").inner_text()
    assert "2 Established" in second
    assert EVIDENCE in second
    assert "needs" not in second

    change = page.get_by_role("link", name="Change the answer to item 1.3", exact=True)
    journey.tab_to(change)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    journey.check_accessibility()
    journey.expect_path(f"/p/northshire/audits/{cycle.name}/themes/1/#item-1-3")
    journey.expect_heading("1. Leadership, governance and strategy")


def test_my_pages_fit_a_320_px_screen(new_journey, cycle, lead, panel):
    """At 320 px the check page, the report, the audit index, the cycle list, the new-cycle
    form (with and without errors) and the Panel's audit page never scroll sideways; a wide
    table scrolls inside its own region, which the keyboard can reach."""
    audit = services.audit_start(
        partnership=lead.memberships.get().partnership, cycle=cycle, by=lead
    )
    answer_themes(audit, lead, range(1, 8))
    audit.refresh_from_db()
    services.audit_submit(audit=audit, by=lead)
    first = Response.objects.get(audit=audit, item__ref="1.1")
    services.moderation_save(
        audit=audit,
        moderations={first.pk: services.Moderation(3, "", revision=first.moderation_revision)},
        by=panel,
    )

    partnership = new_journey()
    partnership.page.set_viewport_size({"width": 320, "height": 800})
    partnership.sign_in(lead.email, PASSWORD)
    for path in ("", "2026-27/check/", "2026-27/report/"):
        partnership.goto(f"/p/northshire/audits/{path}")
        assert page_width(partnership) == 320, f"{path} is {page_width(partnership)} px wide"

    reviewer = new_journey()
    reviewer.page.set_viewport_size({"width": 320, "height": 800})
    reviewer.sign_in(panel.email, PASSWORD)
    for path in (
        "/panel/cycles/",
        "/panel/cycles/new/",
        "/panel/cycles/2026-27/audits/northshire/",
    ):
        reviewer.goto(path)
        assert page_width(reviewer) == 320, f"{path} is {page_width(reviewer)} px wide"
    scores = reviewer.page.get_by_role("region", name="Scores")
    reviewer.tab_to(scores)
    assert scores.evaluate("region => region.scrollWidth > region.clientWidth")

    reviewer.goto("/panel/cycles/new/")
    reviewer.press_button("Open cycle")
    reviewer.expect_text("Enter the opening date")
    assert page_width(reviewer) == 320


def test_panel_opens_a_cycle_with_the_gov_uk_date_input(journey, panel):
    """The newest framework version is chosen already; a date that is not real is reported in
    the service's words, its link moves focus to the date's day, and what was typed stays."""
    journey.sign_in(panel.email, PASSWORD)
    journey.goto("/panel/cycles/new/")
    page = journey.page
    versions = page.get_by_role("radio")
    assert versions.count() == 3
    assert versions.last.is_checked() and not versions.first.is_checked()
    journey.fill("Cycle name", "2027-28")
    opening = page.get_by_role("group", name="Opening date")
    opening.get_by_label("Day").fill("1")
    opening.get_by_label("Month").fill("4")
    opening.get_by_label("Year").fill("2027")
    closing = page.get_by_role("group", name="Closing date")
    closing.get_by_label("Day").fill("31")
    closing.get_by_label("Month").fill("2")
    closing.get_by_label("Year").fill("2028")
    journey.press_button("Open cycle")
    expect(page).to_have_title("Error: Open a new cycle - Assess anti-racist safeguarding practice")
    page.get_by_role("link", name="Closing date must be a real date").click()
    closing = page.get_by_role("group", name="Closing date")
    assert closing.get_by_label("Day").evaluate("input => input === document.activeElement")
    assert page.get_by_role("group", name="Opening date").get_by_label("Year").input_value() == (
        "2027"
    )
    closing.get_by_label("Day").fill("31")
    closing.get_by_label("Month").fill("3")
    journey.press_button("Open cycle")
    journey.expect_text("Cycle 2027-28 opened")
    opened = Cycle.objects.select_related("version").get(name="2027-28")
    assert opened.closes_on.isoformat() == "2028-03-31"
    assert opened.version.number == 3
