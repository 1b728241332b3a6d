"""Journeys of the foundation: signing in as each kind of user and managing members."""

import re

import pytest
from django.core import mail

from partnerships.models import Membership
from tests.partnerships.factories import UserFactory

PASSWORD = "a-long-test-password"


def test_lead_signs_in_and_reaches_the_partnership_home(journey, lead, viewer):
    """A lead signs in from the start page and lands on their partnership's home."""
    journey.sign_in(lead.email, PASSWORD)
    journey.expect_path("/p/northshire/").expect_heading(
        "Northshire Safeguarding Children Partnership"
    )
    journey.expect_text("North East")
    assert journey.page.get_by_test_id("your-role").inner_text() == "Lead"
    journey.expect_text("viewer@northshire.example.org")
    journey.sign_out()
    assert journey.checked == ["/", "/accounts/login/", "/p/northshire/", "/"]


def test_panel_staff_sign_in_and_reach_the_panel_home(journey, panel, lead, other_lead):
    """Panel staff land on the Panel home listing partnerships by region."""
    journey.sign_in(panel.email, PASSWORD)
    journey.expect_path("/panel/").expect_heading("Panel home")
    journey.expect_text("North East")
    journey.click("Eastmere Safeguarding Children Partnership")
    journey.expect_heading("Eastmere Safeguarding Children Partnership")


def test_wrong_password_shows_an_accessible_error(journey, lead):
    """A wrong password shows the error summary, which passes axe."""
    journey.sign_in(lead.email, "not-the-password")
    journey.expect_heading("Sign in").expect_text("Enter a correct email address and password")
    assert journey.page.title().startswith("Error: ")


def test_lead_adds_a_member_who_sets_a_password_and_signs_in(journey, lead, settings):
    """A lead adds a colleague, who follows the emailed link, sets a password and signs in."""
    journey.sign_in(lead.email, PASSWORD)
    journey.click("Members")
    journey.expect_heading("Members")
    journey.click("Add a member", role="button")
    journey.press_button("Add member")
    journey.expect_text("Enter an email address")
    journey.fill("Email address", "new.colleague@example.org").choose("Contributor")
    journey.press_button("Add member")
    journey.expect_heading("Members").expect_text("has been added as contributor")
    journey.expect_text("new.colleague@example.org")
    membership = Membership.objects.get(user__email="new.colleague@example.org")
    assert membership.role == "contributor"
    assert membership.history.latest().history_user == lead

    link = re.search(r"http://\S+/accounts/reset/\S+", mail.outbox[-1].body).group(0)
    journey.sign_out()
    journey.page.goto(link)
    journey.check_accessibility()
    journey.expect_heading("Choose a password")
    journey.fill("Password", "river-otter-lantern-9").fill(
        "Confirm password", "river-otter-lantern-9"
    )
    journey.press_button("Set password")
    journey.expect_heading("Your password has been set")
    journey.click("Sign in")
    journey.fill("Email address", "new.colleague@example.org").fill(
        "Password", "river-otter-lantern-9"
    )
    journey.press_button("Sign in")
    journey.expect_path("/p/northshire/")
    assert journey.page.get_by_test_id("your-role").inner_text() == "Contributor"


def test_lead_changes_a_role_and_removes_a_member(journey, lead, viewer):
    """A lead changes a viewer to contributor, then removes them, and sees the history."""
    journey.sign_in(lead.email, PASSWORD)
    journey.goto("/p/northshire/members/")
    journey.click("Change role of viewer@northshire.example.org")
    journey.choose("Contributor").press_button("Change role")
    journey.expect_text("role has been changed")
    journey.click("Remove viewer@northshire.example.org")
    journey.expect_heading("Remove viewer@northshire.example.org?")
    journey.press_button("Remove member")
    journey.expect_text("has been removed")
    assert not Membership.objects.filter(user=viewer).exists()


@pytest.mark.parametrize("path", ["/no-such-page/", "/p/eastmere/"])
def test_error_pages_pass_axe(journey, lead, other_lead, path):
    """The 404 page (also what another partnership's page looks like) is accessible."""
    journey.sign_in(lead.email, PASSWORD)
    response = journey.page.goto(journey.base_url + path)
    assert response.status == 404
    journey.check_accessibility()
    journey.expect_heading("Page not found")


def test_pages_work_under_the_real_content_security_policy(browser, live_server, lead):
    """Without bypassing CSP, the page's scripts run and nothing is blocked."""
    context = browser.new_context()
    page = context.new_page()
    blocked = []
    page.on(
        "console",
        lambda message: "Content Security Policy" in message.text and blocked.append(message.text),
    )
    page.goto(live_server.url + "/accounts/login/")
    page.wait_for_function("document.body.classList.contains('govuk-frontend-supported')")
    assert "js-enabled" in page.evaluate("document.body.className")
    assert blocked == []
    context.close()


def test_locked_out_page_passes_axe(journey):
    """After 5 failed attempts the locked-out page is clear and accessible."""
    UserFactory(email="someone@example.org")
    for _ in range(5):
        journey.page.goto(journey.base_url + "/accounts/login/")
        journey.fill("Email address", "someone@example.org").fill("Password", "wrong")
        journey.page.get_by_role("button", name="Sign in").click()
        journey.page.wait_for_load_state()
    journey.expect_heading("Too many attempts to sign in")
    journey.check_accessibility()
