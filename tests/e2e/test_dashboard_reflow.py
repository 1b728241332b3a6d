"""Every dashboard page at 320 px wide (WCAG 2.2 reflow): the page never scrolls sideways,
wide tables and charts scroll inside their own labelled, focusable region, chart text is
never drawn below 12 px, and axe finds nothing, with and without JavaScript."""

import re

import pytest
from playwright.sync_api import expect

from audits.models import Audit
from dashboards import services
from tests.dashboards.factories import cycle_named
from tests.e2e.test_analysis import reviews_in_two_partnerships
from tests.e2e.test_dashboards import PASSWORD, national_picture

from .pages import Journey, pass_second_factor

NARROW = {"width": 320, "height": 900}
PANEL_PAGES = [
    "/panel/cycles/2025-26/",
    "/panel/cycles/2025-26/?region=london&status=submitted",
    "/panel/compare/",
    "/panel/compare/?region=london&rating=moderated",
    "/panel/compare/?compare=northshire&compare=eastmere",
    "/panel/reviews/",
    "/panel/reviews/?area=london",
    "/panel/analysis/",
    "/panel/analysis/?area=chosen&partnerships=eastmere&start_month=1&start_year=2022"
    "&end_month=3&end_year=2024",
    "/panel/analysis/?start_month=13&start_year=22",
    "/panel/analysis/record/",
    "/panel/actions/",
    "/panel/actions/?theme=1",
]
LEAD_PAGES = ["/p/northshire/dashboard/", "/p/northshire/dashboard/?cycle=2024-25"]
SMALLEST_CHART_TEXT = """() => Math.min(99, ...[...document.querySelectorAll('svg text')]
    .filter(text => text.getBoundingClientRect().width > 0)
    .map(text => parseFloat(getComputedStyle(text).fontSize)
        * text.ownerSVGElement.getBoundingClientRect().width
        / text.ownerSVGElement.viewBox.baseVal.width))"""


def narrow_journey(browser, live_server, axe_source, *, javascript):
    context = browser.new_context(
        bypass_csp=True, locale="en-GB", viewport=NARROW, java_script_enabled=javascript
    )
    context.set_default_timeout(10_000)
    return context, Journey(context.new_page(), live_server.url, axe_source)


def sign_in(journey: Journey, email: str):
    """Sign in through the form (works without JavaScript too)."""
    page = journey.page
    page.goto(journey.base_url + "/accounts/login/")
    journey.fill("Email address", email).fill("Password", PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in", exact=True).click()
    pass_second_factor(page, journey.base_url, email)


def assert_fits(journey: Journey, path: str, *, javascript: bool):
    """The page is no wider than the screen, and its charts' text is at least 12 px; axe
    (which needs JavaScript to run) finds nothing."""
    page = journey.page
    if javascript:
        journey.goto(path)
    else:
        response = page.goto(journey.base_url + path)
        assert response is not None and response.ok, f"{path} answered {response.status}"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width == NARROW["width"], f"{path} is {width} px wide at 320 px"
    smallest = page.evaluate(SMALLEST_CHART_TEXT)
    assert smallest >= 12, f"{path} draws chart text at {smallest:.1f} px"
    for region in page.locator(".app-table-wrapper, .app-chart__scroll").all():
        assert region.get_attribute("role") == "region"
        assert region.get_attribute("tabindex") == "0"
        assert region.get_attribute("aria-labelledby") or region.get_attribute("aria-label")


@pytest.fixture
def axe_source():
    from .conftest import AXE_JS

    return AXE_JS.read_text(encoding="utf-8")


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_every_dashboard_page_fits_320_px(
    browser, live_server, axe_source, northshire, eastmere, panel, lead, javascript
):
    """Panel staff's and a lead's dashboard pages, filtered and not, at 320 px: no page
    scrolls sideways, tables and charts scroll in their own region, axe finds nothing."""
    national_picture(northshire, eastmere)
    reviews_in_two_partnerships(northshire, eastmere)
    services.publication_publish(year=2025, by=panel)
    for email, paths in ((panel.email, PANEL_PAGES), (lead.email, LEAD_PAGES)):
        context, journey = narrow_journey(browser, live_server, axe_source, javascript=javascript)
        sign_in(journey, email)
        for path in paths:
            assert_fits(journey, path, javascript=javascript)
        context.close()


def test_lead_dashboard_opens_on_latest_submitted_audit(new_journey, northshire, eastmere, lead):
    """With 2026-27 in draft, the lead's dashboard opens on 2025-26 (its latest submitted
    audit), says why, compares it with 2024-25 and links every cycle."""
    national_picture(northshire, eastmere)
    newest = cycle_named("2026-27", closes_in_days=200)
    Audit.objects.create(partnership=northshire, cycle=newest, status=Audit.Status.DRAFT)
    reader = new_journey()
    reader.sign_in(lead.email, PASSWORD)
    reader.goto("/p/northshire/dashboard/")
    page = reader.page
    assert page.title().startswith("Dashboard, 2025-26 - Northshire")
    expect(page.get_by_test_id("newest-unscored")).to_contain_text(
        "Your 2026-27 audit has not been submitted yet"
    )
    expect(
        page.locator("#change").get_by_role("row", name=re.compile("^All themes"))
    ).to_contain_text("+1.0")
    links = page.get_by_test_id("cycle-links")
    expect(links.get_by_role("link", name="2024-25 figures")).to_be_visible()
    reader.click("2026-27 figures")
    assert page.title().startswith("Dashboard, 2026-27 - Northshire")
    expect(
        page.get_by_text("There is no submitted or accepted audit of yours in 2026-27")
    ).to_be_visible()
