"""Journeys of the checklist audit: fill, check, submit, return, resubmit, moderate, accept."""

from datetime import timedelta

import pytest
from django.utils import timezone

from audits import services
from audits.models import Audit, Cycle, FrameworkVersion, Response, Theme
from tests.e2e.pages import pass_second_factor

PASSWORD = "a-long-test-password"


@pytest.fixture
def cycle(db):
    today = timezone.localdate()
    return Cycle.objects.create(
        name="2026-27",
        version=FrameworkVersion.objects.get(number=1),
        opens_on=today - timedelta(days=30),
        closes_on=today + timedelta(days=30),
    )


def answer_themes(audit, by, numbers):
    """Answer every item of the given themes so that no rule is broken (as a person would)."""
    for theme in Theme.objects.filter(version=audit.cycle.version, number__in=numbers):
        responses = Response.objects.for_theme(audit, theme)
        services.theme_save(
            audit=audit,
            theme=theme,
            answers={
                r.item_id: services.ItemAnswer(rating=2, evidence="Audit of 40 case files")
                for r in responses
            },
            seen_revisions={r.item_id: r.revision for r in responses},
            by=by,
        )


def test_audit_from_first_theme_to_acceptance(new_journey, cycle, lead, panel):
    """Lead fills a theme, fixes broken rules, submits; Panel returns; lead resubmits; Panel
    moderates and accepts; the report shows it all. axe runs on every page."""
    audit = services.audit_start(
        partnership=lead.memberships.get().partnership, cycle=cycle, by=lead
    )
    answer_themes(audit, lead, range(2, 8))

    partnership = new_journey()
    partnership.sign_in(lead.email, PASSWORD)
    partnership.click("Audits against the anti-racist safeguarding checklist")
    partnership.click("2026-27")
    partnership.expect_heading("2026-27 audit").expect_text("You have completed 6 of 7 themes")
    partnership.click("1. Leadership, governance and strategy")
    partnership.expect_heading("1. Leadership, governance and strategy")

    # Rate 1.1 as 1 without an action, the others 2 with evidence, leave 1.5's evidence out.
    page = partnership.page
    page.get_by_label("1 Emerging").first.check()
    for ref in ("1.2", "1.3", "1.4", "1.5"):
        group = page.get_by_role("group", name=f"How would you rate item {ref}?")
        group.get_by_label("2 Established").check()
        if ref != "1.5":
            partnership.fill(f"Evidence for item {ref}", f"Board minutes for {ref}")
    partnership.press_button("Save and continue")
    # Saved, but two items break a rule: the theme says which, then the person goes on.
    partnership.expect_heading("1. Leadership, governance and strategy")
    partnership.expect_text("Your answers are saved, but 2 items still break a rule")
    partnership.click("Continue to theme 2")
    partnership.expect_heading("2. Practitioner confidence")
    partnership.goto(f"/p/northshire/audits/{cycle.name}/check/")
    partnership.expect_heading("Check your answers")
    broken = page.get_by_test_id("broken-rules")
    assert "Item 1.1 is rated 0 or 1, so it needs an action" in broken.inner_text()
    assert "Item 1.5 is rated 2 or 3, so it needs evidence" in broken.inner_text()
    assert page.get_by_role("button", name="Submit audit").count() == 0

    # Follow the link to 1.1, add an action and evidence for 1.5, and save.
    partnership.click(
        "Item 1.1 is rated 0 or 1, so it needs an action with an owner and a due month"
    )
    partnership.fill("What will be done (action 1, item 1.1)", "Publish a joint statement")
    partnership.fill("Owner (action 1, item 1.1)", "Partnership business manager")
    page.get_by_role("group", name="Due (action 1, item 1.1)").get_by_label("Month").fill("6")
    page.get_by_role("group", name="Due (action 1, item 1.1)").get_by_label("Year").fill("2027")
    partnership.fill("Evidence for item 1.5", "Annual report chapter on race")
    partnership.press_button("Save and come back later")
    partnership.expect_text("You have completed 7 of 7 themes")
    partnership.click("Check your answers and submit")
    partnership.expect_text("Every rule is met")
    partnership.press_button("Submit audit")
    partnership.expect_heading("Audit submitted").expect_text("What happens next")

    # The Panel returns it, first forgetting the reason.
    reviewer = new_journey()
    reviewer.sign_in(panel.email, PASSWORD)
    reviewer.click("See cycles and audits")
    reviewer.click("2026-27")
    reviewer.click("Northshire Safeguarding Children Partnership")
    reviewer.press_button("Return audit")
    reviewer.expect_text("Enter the reason for returning the audit")
    reviewer.fill("Why are you returning the audit?", "Item 1.2 needs evidence of impact")
    reviewer.press_button("Return audit")
    reviewer.expect_text("has been returned")

    # The lead sees the reason, corrects item 1.2 and resubmits.
    partnership.goto(f"/p/northshire/audits/{cycle.name}/")
    assert "Item 1.2 needs evidence of impact" in page.get_by_test_id("return-reason").inner_text()
    partnership.click("1. Leadership, governance and strategy")
    partnership.fill("Evidence for item 1.2", "Board minutes, and the survey showing change")
    partnership.press_button("Save and come back later")
    partnership.click("Check your answers and submit")
    partnership.press_button("Submit audit")
    partnership.expect_heading("Audit submitted")

    # The Panel saves a moderation, then moderates 1.1 and accepts in one go: Accept saves
    # what was typed. A rating off the scale first comes back with everything kept.
    reviewer.goto(f"/panel/cycles/{cycle.name}/audits/northshire/")
    reviewer.page.get_by_label("Moderated rating for item 1.2").select_option("2")
    reviewer.press_button("Save moderated ratings")
    reviewer.expect_text("Moderated ratings saved (1 changed)")
    reviewer.page.get_by_label("Moderated rating for item 1.1").select_option("0")
    reviewer.fill("Moderation note for item 1.1 (optional)", "No statement published yet")
    reviewer.page.get_by_label("Moderated rating for item 1.3").evaluate(
        "select => { select.options[1].value = '9'; select.value = '9'; }"
    )
    reviewer.press_button("Accept audit")
    reviewer.expect_text("There is a problem").expect_text("1.3: Select a rating from 0 to 3")
    note = reviewer.page.get_by_label("Moderation note for item 1.1 (optional)")
    assert note.input_value() == "No statement published yet"
    assert Audit.objects.get(pk=audit.pk).status == "submitted"
    reviewer.page.get_by_role("link", name="1.3: Select a rating from 0 to 3").click()
    focused = reviewer.page.evaluate("document.activeElement && document.activeElement.id")
    assert focused == reviewer.page.get_by_label("Moderated rating for item 1.3").get_attribute(
        "id"
    )
    reviewer.page.get_by_label("Moderated rating for item 1.3").select_option("")
    reviewer.press_button("Accept audit")
    reviewer.expect_text("has been accepted")
    assert Audit.objects.get(pk=audit.pk).status == "accepted"
    moderated = Response.objects.get(audit=audit, item__ref="1.1")
    assert (moderated.moderated_rating, moderated.moderated_by) == (0, panel)

    # The report shows answers, moderation and the whole timeline.
    partnership.goto(f"/p/northshire/audits/{cycle.name}/report/")
    partnership.expect_heading("2026-27 audit report")
    assert page.get_by_test_id("rating-1.1").inner_text().startswith("1 Emerging")
    assert page.get_by_test_id("moderated-1.1").inner_text().startswith("0 Not in place")
    partnership.expect_text("No statement published yet")
    timeline = page.locator("#timeline + ol").inner_text()
    for step in ("Started", "Submitted", "Returned", "Accepted"):
        assert step in timeline
    assert timeline.count("Submitted") == 2


def test_contributor_answers_a_theme_with_the_keyboard_only(journey, cycle, contributor, lead):
    """Every control of a theme page is reachable and usable with Tab, Space and Enter."""
    audit = services.audit_start(
        partnership=lead.memberships.get().partnership, cycle=cycle, by=lead
    )
    journey.sign_in(contributor.email, PASSWORD)
    journey.goto(f"/p/northshire/audits/{cycle.name}/themes/7/")
    page = journey.page
    keyboard = page.keyboard

    ratings = page.get_by_role("group", name="How would you rate item 7.1?")
    # Tab reaches the radio group; arrow keys move through it and choose, as in any browser.
    journey.tab_to(ratings.get_by_label("0 Not in place"))
    for _ in range(3):
        keyboard.press("ArrowDown")
    assert ratings.get_by_label("3 Embedded").is_checked()
    journey.tab_to(page.get_by_label("Evidence for item 7.1", exact=True))
    keyboard.type("Ethnicity codes mapped across all three partners")

    # Rate 7.2 as 1, which reveals its action plan, and add an action line with the keyboard;
    # the page comes back with everything kept.
    second = page.get_by_role("group", name="How would you rate item 7.2?")
    journey.tab_to(second.get_by_label("0 Not in place"))
    keyboard.press("ArrowDown")
    assert second.get_by_label("1 Emerging").is_checked()
    journey.tab_to(page.get_by_role("button", name="Add another action to item 7.2"))
    with page.expect_navigation():
        keyboard.press("Enter")
    journey.check_accessibility()
    assert (
        page.get_by_label("Evidence for item 7.1", exact=True).input_value().startswith("Ethnicity")
    )
    journey.tab_to(page.get_by_label("What will be done (action 2, item 7.2)"))
    keyboard.type("Monitor referrals by ethnicity each quarter")

    journey.tab_to(page.get_by_role("button", name="Save and come back later"))
    with page.expect_navigation():
        keyboard.press("Enter")
    journey.check_accessibility()
    journey.expect_text("Theme 7 saved")
    saved = Response.objects.get(audit=audit, item__ref="7.1")
    assert (saved.rating, saved.updated_by) == (3, contributor)
    assert (
        Response.objects.get(audit=audit, item__ref="7.2").actions.get().what.startswith("Monitor")
    )


def test_stale_moderation_at_320_px_without_javascript(
    browser, live_server, new_journey, cycle, lead, panel
):
    """A reviewer on a 320 px screen without JavaScript saves a page loaded before another
    reviewer's save: it is refused, says who changed what, keeps the typing, fits the screen
    and saves on the second press. The other reviewer's pages pass axe."""
    from tests.partnerships.factories import UserFactory

    audit = services.audit_start(
        partnership=lead.memberships.get().partnership, cycle=cycle, by=lead
    )
    answer_themes(audit, lead, range(1, 8))
    services.audit_submit(audit=audit, by=lead)
    second = UserFactory(email="second.reviewer@example.org", is_panel_staff=True)
    second.set_password(PASSWORD)
    second.save()
    url = f"/panel/cycles/{cycle.name}/audits/northshire/"

    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 320, "height": 900}, locale="en-GB"
    )
    small = context.new_page()
    small.goto(live_server.url + "/accounts/login/")
    small.get_by_label("Email address", exact=True).fill(second.email)
    small.get_by_label("Password", exact=True).fill(PASSWORD)
    small.get_by_role("button", name="Sign in", exact=True).click()
    pass_second_factor(small, live_server.url, second.email)
    small.goto(live_server.url + url)
    small.get_by_label("Moderation note for item 2.1 (optional)").fill("Typed on a phone")

    reviewer = new_journey()
    reviewer.sign_in(panel.email, PASSWORD)
    reviewer.goto(url)
    reviewer.page.get_by_label("Moderated rating for item 2.1").select_option("1")
    reviewer.press_button("Save moderated ratings")
    reviewer.expect_text("Moderated ratings saved (1 changed)")

    small.get_by_role("button", name="Save moderated ratings").click()
    banner = small.get_by_test_id("conflict").inner_text()
    assert "Nothing has been saved" in banner
    assert f"Item 2.1 was moderated by {panel.email}" in banner
    assert "the moderated rating is now 1 Emerging" in banner
    note = small.get_by_label("Moderation note for item 2.1 (optional)")
    assert note.input_value() == "Typed on a phone"
    # Nothing but the scores table's own scrolling region is wider than the screen.
    assert small.evaluate("document.documentElement.scrollWidth") <= 320

    small.get_by_role("button", name="Save moderated ratings").click()
    assert "Moderated ratings saved (1 changed)" in small.content()
    saved = Response.objects.get(audit=audit, item__ref="2.1")
    assert (saved.moderated_rating, saved.moderation_note) == (None, "Typed on a phone")
    context.close()
