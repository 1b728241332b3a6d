"""Journeys through the restricted analysis: Panel staff fill its filters by keyboard, read
unperturbed figures on a page marked Restricted, find their view in the record, and read the
page on a 320 px screen without JavaScript."""

import re
from datetime import date

from playwright.sync_api import expect

from partnerships.models import RestrictedView
from tests.e2e.pages import pass_second_factor
from tests.reviews.factories import ChildFactory, ReviewFactory, complete_answers

PASSWORD = "a-long-test-password"
QUERY = (
    "area=chosen&partnerships=eastmere&month=incident&start_month=1&start_year=2022"
    "&end_month=3&end_year=2024&dimension=harm_types&only_where=disclosures"
)


def review(partnership, *, incident, notified, **answers):
    values = {**complete_answers(), **answers}
    values["completed_month"] = max(values["completed_month"], notified)
    return ReviewFactory(
        child=ChildFactory(partnership=partnership),
        partnership=partnership,
        status="complete",
        incident_month=incident,
        notification_month=notified,
        **values,
    )


def reviews_in_two_partnerships(northshire, eastmere):
    """Eastmere: incidents in January 2022 and March 2024 (in the window) and December 2021
    (out); Northshire: one in 2023, not in the chosen set."""
    review(eastmere, incident=date(2022, 1, 1), notified=date(2022, 2, 1))
    review(eastmere, incident=date(2024, 3, 1), notified=date(2024, 4, 1))
    review(eastmere, incident=date(2021, 12, 1), notified=date(2022, 1, 1))
    review(northshire, incident=date(2023, 1, 1), notified=date(2023, 2, 1))


def test_panel_fills_the_filters_by_keyboard(new_journey, northshire, eastmere, panel):
    """From the Panel home, a Panel user asks for a chosen set, picks one partnership from
    the list that then shows with a hint and no error, incident months
    January 2022 to March 2024, disclosures by harm type, all by keyboard; the page is
    marked Restricted, counts Eastmere's two reviews and the view is in the record."""
    reviews_in_two_partnerships(northshire, eastmere)
    staff = new_journey()
    staff.sign_in(panel.email, PASSWORD)
    staff.click("Restricted analysis of review cases")
    staff.expect_heading("Restricted analysis of review cases")
    page = staff.page
    expect(page.get_by_test_id("restricted-marker")).to_contain_text("Restricted")

    england = page.locator("#id_area_0")
    staff.tab_to(england)
    for _ in range(3):
        page.keyboard.press("ArrowDown")
    expect(page.get_by_label("A chosen set of partnerships", exact=True)).to_be_checked()
    # The list of every partnership comes with the page once a chosen set is asked for.
    staff.tab_to(page.get_by_role("button", name="Show figures"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_label("A chosen set of partnerships", exact=True)).to_be_checked()
    # The list comes with a hint, not an error: nothing has been sent back unchosen yet.
    expect(page.locator(".govuk-error-summary")).to_have_count(0)
    expect(page.locator("#id_partnerships_hint")).to_contain_text(
        "Select each partnership to count, then select Show figures."
    )
    chosen = page.get_by_label(eastmere.name, exact=True)
    staff.tab_to(chosen)
    page.keyboard.press("Space")
    expect(chosen).to_be_checked()
    staff.tab_to(page.locator("#id_month_1"))
    page.keyboard.press("ArrowDown")
    expect(page.get_by_label("Incident month", exact=True)).to_be_checked()
    for field, value in [
        ("#id_start_0", "1"),
        ("#id_start_1", "2022"),
        ("#id_end_0", "3"),
        ("#id_end_1", "2024"),
    ]:
        staff.tab_to(page.locator(field))
        page.keyboard.type(value)
    staff.tab_to(page.locator("#id_dimension"))
    page.locator("#id_dimension").select_option("harm_types")
    staff.tab_to(page.locator("#id_only_where"))
    page.locator("#id_only_where").select_option("disclosures")
    staff.tab_to(page.get_by_role("button", name="Show figures"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    staff.check_accessibility()

    expect(page.get_by_test_id("showing")).to_contain_text(
        "1 chosen partnership (Eastmere Safeguarding Children Partnership); incident months "
        "January 2022 to March 2024; broken down by harm types; only reviews where: child "
        "disclosed abuse"
    )
    summary = page.locator("#summary")
    expect(summary.get_by_role("row", name=re.compile("^Complete reviews"))).to_contain_text("2")
    expect(
        page.locator("#dimension-harm-types").get_by_role("row", name=re.compile("^Sexual abuse"))
    ).to_contain_text("2")
    assert page.get_by_role("link", name=re.compile("CSV|XLSX|Download")).count() == 0

    staff.click("See the record of restricted views")
    staff.expect_heading("Record of restricted views")
    expect(page.get_by_role("row").nth(1)).to_contain_text(panel.email)
    expect(page.get_by_role("row").nth(1)).to_contain_text("Eastmere Safeguarding Children")
    assert (
        RestrictedView.objects.filter(user=panel).count() == 3
    )  # the first page, the one asking for a chosen set, and the filtered one


def test_the_analysis_fits_a_320_px_screen_without_javascript(
    browser, live_server, northshire, eastmere, panel
):
    """On a 320 px screen without JavaScript, the page body never scrolls sideways: wide
    tables scroll inside their own region, and every filter is shown."""
    reviews_in_two_partnerships(northshire, eastmere)
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 320, "height": 900}, locale="en-GB"
    )
    small = context.new_page()
    small.goto(live_server.url + "/accounts/login/")
    small.get_by_label("Email address", exact=True).fill(panel.email)
    small.get_by_label("Password", exact=True).fill(PASSWORD)
    small.get_by_role("button", name="Sign in", exact=True).click()
    pass_second_factor(small, live_server.url, panel.email)
    small.goto(f"{live_server.url}/panel/analysis/?{QUERY}")
    expect(small.get_by_role("heading", level=1)).to_have_text(
        "Restricted analysis of review cases"
    )
    expect(small.get_by_label(eastmere.name, exact=True)).to_be_visible()
    assert small.evaluate("document.documentElement.scrollWidth") <= 320
    small.goto(f"{live_server.url}/panel/analysis/record/")
    assert small.evaluate("document.documentElement.scrollWidth") <= 320
    context.close()
