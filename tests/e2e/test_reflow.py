"""Reflow at 320 px and keyboard reach over the demo data: every page of the lead's and the
Panel analyst's journeys, found by following the pages' own links (benchmarks/journeys.py
walks them), with axe on every page."""

import io
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from audits.models import Audit
from benchmarks.journeys import LEAD_EMAIL, PANEL_EMAIL, PASSWORD, walk_lead, walk_panel
from tests.audits.factories import complete_audit

from .pages import AccessibilityError

NARROW = {"width": 320, "height": 900}
SCROLL_WIDTH = "document.documentElement.scrollWidth"


@pytest.fixture
def demo(settings):
    """The demo partnerships, personas, audits and reviews of `manage.py seed_demo`."""
    settings.DEBUG = True  # seed_demo refuses to run on a live service
    call_command("seed_demo", stdout=io.StringIO())
    settings.DEBUG = False


def narrow_journey(new_journey):
    journey = new_journey()
    journey.page.set_viewport_size(NARROW)
    return journey


def test_no_page_of_either_journey_scrolls_sideways_at_320_px(new_journey, demo):
    """At 320 px wide, no page a lead or a Panel analyst reaches is wider than the screen
    (document.documentElement.scrollWidth equals the viewport's width), and axe finds nothing."""
    problems: list[str] = []
    widths: dict[str, int] = {}

    def measure(journey, who):
        def visit(name, path):
            try:
                journey.goto(path)
            except AccessibilityError as error:
                problems.append(f"{who}: {name} {path}: {error}")
            width = journey.page.evaluate(SCROLL_WIDTH)
            widths[f"{who}: {name} {path}"] = width
            if width != NARROW["width"]:
                problems.append(f"{who}: {name} {path} is {width} px wide")

        return visit

    lead = narrow_journey(new_journey)
    visit = measure(lead, "lead")
    visit("Start", "/")
    visit("Sign in", "/accounts/login/")
    lead.sign_in(LEAD_EMAIL, PASSWORD)
    lead_walk = walk_lead(lead.page, visit, email=LEAD_EMAIL)

    analyst = narrow_journey(new_journey)
    analyst.sign_in(PANEL_EMAIL, PASSWORD)
    panel_walk = walk_panel(analyst.page, measure(analyst, "panel"))

    problems += [f"lead: no link led to {name}" for name in lead_walk.missing]
    problems += [f"panel: no link led to {name}" for name in panel_walk.missing]
    assert len(widths) >= 30, f"Only {len(widths)} pages were reached: {sorted(widths)}"
    assert not problems, f"{len(problems)} problem(s) at 320 px:\n" + "\n".join(problems)


def focus_indicator(locator) -> str:
    return locator.evaluate(
        """element => { const style = getComputedStyle(element);
        return [style.outlineStyle, style.outlineColor, style.outlineWidth, style.boxShadow,
                style.backgroundColor, style.color].join(' | '); }"""
    )


def tab_to_and_see(journey, locator, what: str):
    """Tab from the top of the page to the button; it must get focus, be on screen and look
    different from when it had no focus (GOV.UK's yellow focus style)."""
    expect(locator).to_have_count(1)
    unfocused = focus_indicator(locator)
    journey.page.evaluate("() => document.activeElement && document.activeElement.blur()")
    journey.tab_to(locator)
    expect(locator).to_be_focused()
    expect(locator).to_be_in_viewport()
    assert focus_indicator(locator) != unfocused, f"Focus on {what} cannot be seen"


@pytest.mark.parametrize(
    "viewport", [NARROW, {"width": 1280, "height": 900}], ids=["320px", "1280px"]
)
def test_tab_reaches_the_main_button_of_the_theme_review_and_check_pages(
    new_journey, demo, viewport
):
    """By keyboard alone, Tab reaches the main button of a theme page, the review form and
    the check page, and the focused button is on screen with a visible focus style."""
    from partnerships.models import User

    lead_user = User.objects.get(email=LEAD_EMAIL)
    journey = new_journey()
    journey.page.set_viewport_size(viewport)
    journey.sign_in(LEAD_EMAIL, PASSWORD)
    # Find the pages by their links (axe runs below, on the pages this test is about).
    walk = walk_lead(
        journey.page, lambda name, path: journey.page.goto(journey.base_url + path), LEAD_EMAIL
    )
    pages = dict(walk.visited)
    assert {"Theme 1", "Record a review", "Check your answers"} <= set(pages), walk.missing
    page = journey.page

    journey.goto(pages["Theme 1"])
    tab_to_and_see(
        journey, page.get_by_role("button", name="Save and continue", exact=True), "Save"
    )

    journey.goto(pages["Record a review"])
    main_button = page.locator("main form").last.get_by_role(
        "button", name=re.compile(r"^(Save|Continue)")
    )
    tab_to_and_see(journey, main_button.last, "the review form's save button")

    check = re.fullmatch(r"/p/([^/]+)/audits/([^/]+)/check/", pages["Check your answers"])
    slug, cycle = check.groups()
    audit = Audit.objects.get(partnership__slug=slug, cycle__name=cycle)
    complete_audit(audit, by=lead_user)
    journey.goto(pages["Check your answers"])
    tab_to_and_see(journey, page.get_by_role("button", name="Submit audit"), "Submit audit")
