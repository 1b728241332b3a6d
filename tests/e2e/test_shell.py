"""Journeys through the shell of the service: the header's links by keyboard, the partnership
home's current audit, the footer's pages, and every one of them at 320 px, with and without
JavaScript, never scrolling sideways."""

import re

from playwright.sync_api import expect

from tests.audits.factories import CycleFactory
from tests.e2e.conftest import AXE_JS
from tests.e2e.pages import Journey

PASSWORD = "a-long-test-password"
NARROW = {"width": 320, "height": 900}


def page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def narrow_journey(browser, live_server, *, javascript=True) -> tuple[Journey, object]:
    context = browser.new_context(
        bypass_csp=True, locale="en-GB", viewport=NARROW, java_script_enabled=javascript
    )
    context.set_default_timeout(10_000)
    journey = Journey(context.new_page(), live_server.url, AXE_JS.read_text(encoding="utf-8"))
    return journey, context


def test_a_lead_reaches_the_audit_from_the_header_by_keyboard(journey, lead, contributor):
    """A lead sees the current audit's status and closing date on the home, then tabs to
    Audit in the header and presses Enter to reach the cycle's task list, marked current."""
    CycleFactory(name="2026-27")
    journey.sign_in(lead.email, PASSWORD)
    journey.expect_path("/p/northshire/")
    expect(journey.page.get_by_test_id("closing-date")).to_have_text(re.compile(r"^Closes on "))
    expect(journey.page.locator("#home-audit-status")).to_have_text("Not started")
    journey.expect_text("Start the 2026-27 audit")
    header = journey.page.get_by_role("navigation", name="Menu")
    expect(header.get_by_role("link", name="Home", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    audit = header.get_by_role("link", name="Audit", exact=True)
    journey.tab_to(audit)
    with journey.page.expect_navigation():
        journey.page.keyboard.press("Enter")
    journey.check_accessibility()
    journey.expect_path("/p/northshire/audits/2026-27/").expect_heading("2026-27 audit")
    expect(audit).to_have_attribute("aria-current", "page")
    journey.click("Members")
    journey.expect_heading("Members")


def test_panel_staff_move_between_their_pages_from_the_header(journey, panel):
    """Panel staff use the header's links to Cycles, Compare, Review statistics and Analysis."""
    journey.sign_in(panel.email, PASSWORD)
    for name, heading in [
        ("Cycles", "cycles"),
        ("Compare", "Compare"),
        ("Review statistics", "Review statistics"),
        ("Analysis", "Restricted analysis of review cases"),
        ("Panel home", "Panel home"),
    ]:
        journey.click(name)
        link = journey.page.get_by_role("navigation", name="Menu").get_by_role(
            "link", name=name, exact=True
        )
        expect(link).to_have_attribute("aria-current", "page")
        expect(journey.page.get_by_role("heading", level=1)).to_have_text(
            re.compile(re.escape(heading), re.IGNORECASE)
        )


def test_the_footer_pages_are_reached_signed_out_and_pass_axe(journey, db):
    """Signed out, the footer links to the accessibility statement, privacy notice and
    cookies page, each passing axe."""
    journey.goto("/")
    for name, heading in [
        ("Accessibility statement", "Accessibility statement"),
        ("Privacy notice", "Privacy notice"),
        ("Cookies", "Cookies"),
    ]:
        journey.page.get_by_role("contentinfo").get_by_role("link", name=name).click()
        journey.page.wait_for_load_state()
        journey.check_accessibility()
        journey.expect_heading(heading)
    assert journey.checked == ["/", "/accessibility/", "/privacy/", "/cookies/"]


def test_at_320_px_no_page_of_the_shell_scrolls_sideways(browser, live_server, lead, viewer):
    """At 320 px with JavaScript, the home, members, change role, remove and footer pages
    fit the screen and pass axe, and the header's Menu button opens the links."""
    CycleFactory(name="2026-27")
    journey, context = narrow_journey(browser, live_server)
    journey.sign_in(lead.email, PASSWORD)
    member = viewer.memberships.get()
    for path in [
        "/p/northshire/",
        "/p/northshire/members/",
        "/p/northshire/members/add/",
        f"/p/northshire/members/{member.pk}/role/",
        f"/p/northshire/members/{member.pk}/remove/",
        "/accessibility/",
        "/privacy/",
        "/cookies/",
    ]:
        journey.goto(path)
        assert page_width(journey.page) == 320, path
    menu = journey.page.get_by_role("button", name="Menu")
    members = journey.page.get_by_role("link", name="Members", exact=True)
    expect(members).to_be_hidden()
    menu.click()
    expect(members).to_be_visible()
    context.close()


def test_at_320_px_without_javascript_every_header_link_shows(browser, live_server, lead):
    """Without JavaScript at 320 px there is no Menu button: every link shows, and the
    members page does not scroll sideways."""
    context = browser.new_context(java_script_enabled=False, viewport=NARROW, locale="en-GB")
    page = context.new_page()
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email address", exact=True).fill(lead.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.goto(live_server.url + "/p/northshire/members/")
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    header = page.get_by_role("navigation", name="Menu")
    for name in ["Home", "Audit", "Reviews", "Dashboard", "Members"]:
        expect(header.get_by_role("link", name=name, exact=True)).to_be_visible()
    assert page_width(page) == 320
    page.goto(live_server.url + "/p/northshire/")
    assert page_width(page) == 320
    context.close()
