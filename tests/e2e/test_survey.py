"""The practitioner survey in a browser: a practitioner answers on a 320 px screen with
JavaScript off; the lead, with 10 responses in, sees the figures. axe checks every page."""

from surveys.models import SurveyResponse
from tests.surveys.factories import open_survey, respond

PASSWORD = "a-long-test-password"


def test_a_practitioner_answers_on_a_phone_without_javascript(
    browser, live_server, northshire, lead
):
    """Every statement's radios can be chosen at 320 px with no JavaScript, the page never
    scrolls sideways, a missing answer is told in the error summary, and the answer counts."""
    survey = open_survey(partnership=northshire, lead=lead)
    url = f"{live_server.url}/survey/{survey.token}/"
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 320, "height": 900}, locale="en-GB"
    )
    small = context.new_page()
    small.goto(url)
    assert small.evaluate("document.documentElement.scrollWidth") <= 320
    # No free text: the only text box is the hidden honeypot, which no person sees.
    assert small.locator("textarea, input[type=text]:not([name=website])").count() == 0
    groups = small.locator("fieldset")
    assert groups.count() == len(survey.statements) + 2  # the statements, agency and role
    for n in range(len(survey.statements) - 1):  # the last statement is left out at first
        groups.nth(n).get_by_label("Agree", exact=True).check()
    small.get_by_role("button", name="Send answers", exact=True).click()
    summary = small.locator(".govuk-error-summary").inner_text()
    assert "Select how much you agree with statement 7" in summary
    assert small.evaluate("document.documentElement.scrollWidth") <= 320
    groups.nth(6).get_by_label("Strongly agree", exact=True).check()
    small.get_by_role("group", name="Which agency do you work for? (optional)").get_by_label(
        "Police", exact=True
    ).check()
    small.get_by_role("button", name="Send answers", exact=True).click()
    assert small.get_by_role("heading", level=1).inner_text() == "Your answers have been sent"
    assert SurveyResponse.objects.get(survey=survey).agency == "police"
    small.goto(url)
    small.get_by_role("button", name="Send answers", exact=True).click()  # errors, not counted
    assert SurveyResponse.objects.count() == 1
    context.close()


def test_the_survey_pages_pass_axe_and_the_lead_sees_the_results(new_journey, northshire, lead):
    """axe finds nothing on the form, its errors and the thank-you page; with 10 responses the
    lead's results page shows the share agreeing and the link to share."""
    survey = open_survey(partnership=northshire, lead=lead)
    practitioner = new_journey()
    practitioner.page.set_viewport_size({"width": 320, "height": 900})
    practitioner.goto(f"/survey/{survey.token}/")
    practitioner.press_button("Send answers")
    practitioner.expect_text("Select how much you agree with statement 1")
    for n in range(len(survey.statements)):
        practitioner.page.locator("fieldset").nth(n).get_by_label("Agree", exact=True).check()
    practitioner.press_button("Send answers")
    practitioner.expect_heading("Your answers have been sent")
    respond(survey, times=9)
    journey = new_journey()
    journey.sign_in(lead.email, PASSWORD)
    journey.goto(f"/p/northshire/surveys/{survey.cycle.name}/")
    journey.expect_heading("Practitioner survey")
    assert f"/survey/{survey.token}/" in journey.page.get_by_test_id("survey-link").inner_text()
    assert journey.page.get_by_test_id("survey-responses").inner_text() == "10"
    assert (
        "appear once the survey has closed"
        in journey.page.get_by_test_id("survey-waiting").inner_text()
    )
    journey.press_button("Close the survey now")
    overall = journey.page.get_by_test_id("survey-overall")
    assert "100% of 10" in overall.inner_text()
