"""The living action plan in the browser: a lead records progress after acceptance, then
sees it in the next cycle's audit. axe runs on every page the journey reaches."""

import re
from datetime import timedelta

from django.utils import timezone

from audits import services
from audits.models import Action, ActionRecord, FrameworkVersion
from partnerships.months import first_of_month, months_before
from tests.audits.factories import CycleFactory, accepted_audit_with_actions

from .pages import pass_second_factor

PASSWORD = "a-long-test-password"


def _update_link(journey, ref):
    link = journey.page.get_by_role("link", name=re.compile(rf"^Update the action for item {ref}:"))
    with journey.page.expect_navigation():
        link.click()
    journey.check_accessibility()


def test_lead_updates_two_actions_after_acceptance_and_sees_them_in_the_next_cycle(
    new_journey, browser, live_server, northshire, lead, panel
):
    """Home says one action is overdue; the lead marks one done with a note, drops another
    (the missing reason is caught, then given), filters to the open ones and downloads them;
    in the next cycle's audit the open ones are carried and the closed ones are told."""
    today = timezone.localdate()
    cycle = CycleFactory(
        name="2026-27", opens_on=today - timedelta(days=60), closes_on=today + timedelta(days=30)
    )
    audit = accepted_audit_with_actions(partnership=northshire, lead=lead, panel=panel, cycle=cycle)
    overdue = ActionRecord.objects.get(lines__response__audit=audit, item_ref="1.1")
    Action.objects.filter(pk=overdue.latest_line_id).update(
        due_month=months_before(first_of_month(today), 2)
    )

    journey = new_journey()
    journey.sign_in(lead.email, PASSWORD)
    journey.expect_text("1 action is overdue")
    journey.click("See the whole action plan")
    journey.expect_heading("Action plan")
    assert journey.page.get_by_test_id("action-card").count() == 5

    _update_link(journey, "1.1")
    journey.expect_heading("Item 1.1: Train every social worker")
    journey.choose("Done").fill("Progress note (optional)", "Delivered to 40 practitioners")
    journey.press_button("Save")
    journey.expect_heading("Action plan").expect_text("Action updated")

    _update_link(journey, "1.2")
    journey.choose("Dropped")
    journey.press_button("Save")
    summary = journey.page.locator(".govuk-error-summary").inner_text()
    assert services.DROPPED_REASON_REQUIRED in summary
    journey.fill("If it was dropped, why?", "Covered by the regional programme")
    journey.press_button("Save")
    journey.expect_text("Action updated")

    journey.page.get_by_label("Status", exact=True).select_option("open")
    journey.press_button("Show actions")
    assert journey.page.get_by_test_id("action-card").count() == 3
    csv_link = journey.page.get_by_role("link", name="CSV", exact=True).get_attribute("href")
    assert "status=open" in csv_link
    assert journey.page.request.get(live_server.url + csv_link).status == 200

    services.cycle_open(
        name="2027-28",
        version=FrameworkVersion.objects.get(number=1),
        opens_on=today,
        closes_on=today + timedelta(days=60),
        by=panel,
    )
    journey.goto("/p/northshire/audits/2027-28/")
    journey.press_button("Start audit")
    journey.click("1. Leadership, governance and strategy")
    page = journey.page
    assert (
        "Carried from 2026-27 · Not started"
        in page.get_by_test_id("line-status-1.3-1").inner_text()
    )
    happened = page.get_by_test_id("closed-before-1.1").inner_text()
    assert "What happened to your 2026-27 actions for item 1.1" in happened
    assert "Done" in happened
    assert "Dropped: Covered by the regional programme" in (
        page.get_by_test_id("closed-before-1.2").inner_text()
    )


def test_dropping_without_a_reason_works_without_javascript_at_320px(
    browser, live_server, northshire, lead, panel
):
    """With JavaScript off on a 320 px screen, the reason question is there, a missing reason
    is told in the error summary, and the page is no wider than the screen."""
    today = timezone.localdate()
    cycle = CycleFactory(
        name="2026-27", opens_on=today - timedelta(days=60), closes_on=today + timedelta(days=30)
    )
    audit = accepted_audit_with_actions(partnership=northshire, lead=lead, panel=panel, cycle=cycle)
    record = ActionRecord.objects.get(lines__response__audit=audit, item_ref="1.2")
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 320, "height": 900}, locale="en-GB"
    )
    small = context.new_page()
    small.goto(live_server.url + "/accounts/login/")
    small.get_by_label("Email address", exact=True).fill(lead.email)
    small.get_by_label("Password", exact=True).fill(PASSWORD)
    small.get_by_role("button", name="Sign in", exact=True).click()
    pass_second_factor(small, live_server.url, lead.email)
    small.goto(live_server.url + "/p/northshire/actions/")
    assert small.evaluate("document.documentElement.scrollWidth") <= 320
    small.goto(live_server.url + f"/p/northshire/actions/{record.pk}/")
    small.get_by_label("Dropped", exact=True).check()
    small.get_by_label("Progress note (optional)", exact=True).fill("Talked to the board")
    small.get_by_role("button", name="Save", exact=True).click()
    assert services.DROPPED_REASON_REQUIRED in small.locator(".govuk-error-summary").inner_text()
    assert small.get_by_label("Progress note (optional)", exact=True).input_value() == (
        "Talked to the board"
    )
    assert small.evaluate("document.documentElement.scrollWidth") <= 320
    small.get_by_label("If it was dropped, why?", exact=True).fill("Replaced")
    small.get_by_role("button", name="Save", exact=True).click()
    assert "Action updated" in small.content()
    record.refresh_from_db()
    assert (record.status, record.dropped_reason) == ("dropped", "Replaced")
    context.close()
