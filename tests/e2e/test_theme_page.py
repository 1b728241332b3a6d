"""The audit theme page in a browser: evidence and action plan revealed by the rating with
JavaScript and all shown without it, Add another action landing on the new line with what
was typed, broken rules listed after a save, 320 px without sideways scrolling; axe on every
page, with and without JavaScript."""

import re

import pytest
from playwright.sync_api import expect

from audits import rules, services
from audits.models import Item, Response

from .conftest import AXE_JS
from .pages import Journey
from .test_audits import PASSWORD, cycle  # noqa: F401  (the cycle fixture)

THEME = "/p/northshire/audits/2026-27/themes/1/"


@pytest.fixture
def audit(cycle, lead):  # noqa: F811
    return services.audit_start(
        partnership=lead.memberships.get().partnership, cycle=cycle, by=lead
    )


def item_pk(ref):
    return Item.objects.get(theme__version__number=1, ref=ref).pk


def evidence(page, ref):
    return page.get_by_label(f"Evidence for item {ref}", exact=True)


def plan(page, ref):
    return page.get_by_role("group", name=f"Action plan for item {ref}")


def rate(page, ref, label):
    page.get_by_role("group", name=f"How would you rate item {ref}?").get_by_label(label).check()


def no_js_journey(browser, live_server, width=1280):
    """A journey whose browser runs no page JavaScript; axe is evaluated into the page."""
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": width, "height": 900}, locale="en-GB"
    )
    journey = NoScriptJourney(context.new_page(), live_server.url, AXE_JS.read_text("utf-8"))
    return context, journey


class NoScriptJourney(Journey):
    def check_accessibility(self):
        """axe cannot run in a page without JavaScript (its promises never settle there);
        test_every_field_shows_without_javascript checks the everything-shown page instead."""
        self.checked.append(self.page.url.removeprefix(self.base_url))


def test_rating_reveals_what_it_needs_with_javascript(journey, audit, lead):
    """With JavaScript nothing follows an unrated item's radios; 2 reveals evidence, 0 the
    action plan; evidence typed before changing to 0 stays shown and is saved."""
    journey.sign_in(lead.email, PASSWORD)
    journey.goto(THEME)
    page = journey.page
    expect(evidence(page, "1.1")).to_be_hidden()
    expect(plan(page, "1.1")).to_be_hidden()

    rate(page, "1.1", "2 Established")
    expect(evidence(page, "1.1")).to_be_visible()
    expect(plan(page, "1.1")).to_be_hidden()
    journey.check_accessibility()
    expect(page.get_by_text("You can enter up to 5000 characters").first).to_be_attached()

    rate(page, "1.2", "0 Not in place")
    expect(plan(page, "1.2")).to_be_visible()
    expect(evidence(page, "1.2")).to_be_hidden()
    journey.check_accessibility()

    # Typed evidence is never hidden by a change of rating, and it is saved.
    evidence(page, "1.1").fill("Board minutes")
    expect(
        page.get_by_text(re.compile(r"You have 4,?987 characters remaining")).first
    ).to_be_visible()
    rate(page, "1.1", "0 Not in place")
    expect(evidence(page, "1.1")).to_be_visible()
    expect(plan(page, "1.1")).to_be_visible()
    journey.press_button("Save and come back later")
    saved = Response.objects.get(audit=audit, item__ref="1.1")
    assert (saved.rating, saved.evidence) == (0, "Board minutes")


def test_every_field_shows_without_javascript(browser, live_server, new_journey, audit, lead):
    """Without JavaScript every item's evidence and action plan is on the page, the page
    passes axe and at 320 px nothing scrolls sideways."""
    context, journey = no_js_journey(browser, live_server, width=320)
    journey.sign_in(lead.email, PASSWORD)
    journey.goto(THEME)
    page = journey.page
    for ref in ("1.1", "1.2", "1.3", "1.4", "1.5"):
        expect(evidence(page, ref)).to_be_visible()
        expect(plan(page, ref)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") == 320
    context.close()

    # axe on the page as it shows without JavaScript: every reveal panel open.
    checked = new_journey()
    checked.sign_in(lead.email, PASSWORD)
    checked.goto(THEME)
    checked.page.evaluate(
        "for (const el of document.querySelectorAll('.app-reveal--hidden'))"
        " el.classList.remove('app-reveal--hidden')"
    )
    expect(plan(checked.page, "1.1")).to_be_visible()
    checked.check_accessibility()


@pytest.mark.parametrize("javascript", [True, False])
def test_add_another_action_lands_on_the_new_line(
    browser, live_server, new_journey, audit, lead, javascript
):
    """Add another action shows the page again at the new line, keeping everything typed."""
    if javascript:
        journey, context = new_journey(), None
    else:
        context, journey = no_js_journey(browser, live_server)
    journey.sign_in(lead.email, PASSWORD)
    journey.goto(THEME)
    page = journey.page
    rate(page, "1.3", "1 Emerging")
    journey.fill("What will be done (action 1, item 1.3)", "Publish a statement")
    rate(page, "1.4", "3 Embedded")
    evidence(page, "1.4").fill("Annual report chapter")
    journey.press_button("Add another action to item 1.3")

    new_line = f"i{item_pk('1.3')}-actions-1"
    assert page.url.endswith(f"{THEME}#{new_line}")
    field = page.get_by_label("What will be done (action 2, item 1.3)", exact=True)
    expect(field).to_be_in_viewport()
    assert page.get_by_label("What will be done (action 1, item 1.3)").input_value() == (
        "Publish a statement"
    )
    assert evidence(page, "1.4").input_value() == "Annual report chapter"

    # Removing a line lands on that item's action plan.
    journey.press_button("Remove action 2 from item 1.3")
    assert page.url.endswith(f"#i{item_pk('1.3')}-actions-plan")
    expect(page.get_by_label("What will be done (action 2, item 1.3)")).to_have_count(0)
    assert evidence(page, "1.4").input_value() == "Annual report chapter"
    if context:
        context.close()


def test_broken_rules_are_listed_after_save(journey, audit, lead):
    """A 2 without evidence and a 1 without an action save; the theme page then lists each
    broken rule with a link to its item, and the task list says why the theme is in progress."""
    journey.sign_in(lead.email, PASSWORD)
    journey.goto(THEME)
    page = journey.page
    for ref in ("1.1", "1.3", "1.4", "1.5"):
        rate(page, ref, "2 Established")
        if ref != "1.1":
            evidence(page, ref).fill(f"Evidence for {ref}")
    rate(page, "1.2", "1 Emerging")
    journey.press_button("Save and continue")
    journey.expect_heading("1. Leadership, governance and strategy")
    journey.expect_text("Theme 1 saved. 2 items still break a rule")
    banner = page.get_by_test_id("rule-breaches")
    expect(banner).to_contain_text("Your answers are saved, but 2 items still break a rule")
    assert Response.objects.get(audit=audit, item__ref="1.1").rating == 2

    message = rules.ACTION_RULE.message.format(ref="1.2")
    banner.get_by_role("link", name=message).click()
    assert page.url.endswith(f"#{Item.objects.get(ref='1.2', theme__version__number=1).anchor}")
    expect(page.get_by_test_id("breach-1.2")).to_be_in_viewport()

    journey.goto("/p/northshire/audits/2026-27/")
    expect(page.get_by_test_id("theme-1-hint")).to_have_text(
        "5 items. In progress because 2 items still break a rule"
    )
    journey.click("1. Leadership, governance and strategy")
    journey.click("Continue to theme 2")
    journey.expect_heading("2. Practitioner confidence")
