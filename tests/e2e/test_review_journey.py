"""The review form page by page in a browser: a lead records a draft, answers each page,
checks the answers and marks the review complete; every page passes axe and fits a 320 px
screen; without JavaScript every follow-up question shows with its hint."""

from reviews import dimensions
from reviews.models import Review

from .pages import Journey
from .test_reviews import PASSWORD, answer_pages, choose, fill_month


def record_a_draft(journey: Journey) -> Review:
    """Record a new child and the start of a review; returns the draft."""
    page = journey.page
    journey.goto("/p/northshire/reviews/new/")
    journey.fill("Reference", "C-2024-070")
    choose(page, "Sex", "Male")
    page.get_by_label("Ethnicity", exact=True).select_option("BCRB")
    choose(page, "Faith", "No religion")
    choose(page, "First language other than English", "No")
    journey.press_button("Continue")
    answer_pages(
        journey,
        {
            "The child's needs": {
                "Disability": "No",
                "Neurodivergence": "No",
                "Immigration status or no recourse to public funds a factor": "No",
            },
            "Services and outcome": {
                "Known to children's social care at the time": "No",
                "On a child protection plan": "No",
                "Looked after": "No",
                "Outcome": "Died",
            },
        },
        button="Continue",
    )
    journey.expect_heading("The review")
    choose(page, "Review type", "Local child safeguarding practice review (LCSPR)")
    fill_month(page, "Incident month", "1", "2024")
    fill_month(page, "Notification month", "2", "2024")
    journey.press_button("Save draft and continue")
    journey.expect_heading("Ethnicity, faith and race")
    return Review.objects.get(child__reference="C-2024-070")


def scroll_width(journey: Journey) -> int:
    return journey.page.evaluate("document.documentElement.scrollWidth")


def test_section_journey_passes_axe_and_fits_320_px(new_journey, lead):
    """A lead records a draft, answers the review's pages, checks the answers and marks the
    review complete; each page passes axe at 1280 px, and none scrolls sideways at 320 px."""
    journey = new_journey()
    journey.page.set_viewport_size({"width": 1280, "height": 900})
    journey.sign_in(lead.email, PASSWORD)
    review = record_a_draft(journey)
    page = journey.page
    answer_pages(
        journey,
        {
            "Ethnicity, faith and race": {
                "Ethnicity in the review": "Missing",
                "Faith recorded in the review": "No",
                "Race, ethnicity and culture analysed": "Not at all",
                "Racism or racial bias named": "No",
            },
            "The child's voice, risk and action": {
                "Child's voice": "Reported by others",
                "Risk recognised before the incident": "No",
            },
            "Disclosures and allegations": {
                "Disclosure of abuse by the child": "No",
                "Family alleged racist practice": "Yes",
                "Allegation investigated": "No",
            },
            "Language and interpreters": {"Interpreter needed": "No"},
            "Adultification, fathers and learning": {
                "Adultification considered": "Yes",
                "Intersectionality considered": "No",
                "Fathers and other men in the household assessed": "No",
                "Learning about race identified": "Yes",
            },
        },
    )
    journey.expect_heading("Check your answers")
    assert "Completed month" in page.get_by_test_id("missing").inner_text()
    journey.click("Change completed month")
    fill_month(page, "Completed month", "6", "2024")
    page.get_by_role("group", name="Types of harm").get_by_label("Neglect").check()
    journey.press_button("Save and continue")
    journey.expect_heading("Ethnicity, faith and race")
    journey.click("Check your answers")
    journey.expect_heading("Check your answers")
    assert page.get_by_test_id("check-the-review").inner_text().count("June 2024") == 1
    journey.press_button("Mark complete")
    journey.expect_text("The review is marked complete")
    review.refresh_from_db()
    assert review.status == "complete" and review.allegation_investigated == "no"

    page.set_viewport_size({"width": 320, "height": 800})
    base = f"/p/northshire/reviews/{review.pk}/"
    for path in (
        "/p/northshire/reviews/",
        "/p/northshire/reviews/new/",
        base,
        *(f"{base}edit/{form_page.slug}/" for form_page in dimensions.PAGES),
        f"{base}check/",
    ):
        journey.goto(path)
        assert scroll_width(journey) == 320, path


def test_without_javascript_every_follow_up_shows_with_its_hint(browser, live_server, lead):
    """Without JavaScript each page shows every follow-up question with its "Only when"
    hint, and an answer to one not asked is refused, keeping what was chosen."""
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 320, "height": 900}, locale="en-GB"
    )
    page = context.new_page()
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email address", exact=True).fill(lead.email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.goto(live_server.url + "/p/northshire/reviews/new/")
    assert page.evaluate("document.documentElement.scrollWidth") == 320
    journey = Journey(page, live_server.url, "")
    journey.check_accessibility = lambda: None  # axe needs scripts; the test above runs it
    review = record_a_draft(journey)
    edit = f"{live_server.url}/p/northshire/reviews/{review.pk}/edit/"
    for slug, question, hint in (
        ("the-childs-voice-risk-and-action", "Action followed", "Only when risk was recognised."),
        (
            "language-and-interpreters",
            "Independent interpreter used",
            "Only when an interpreter was needed.",
        ),
        (
            "disclosures-and-allegations",
            "Response to the disclosure",
            "Only when the child disclosed abuse.",
        ),
    ):
        page.goto(f"{edit}{slug}/")
        group = page.get_by_role("group", name=question, exact=True)
        assert group.is_visible(), question
        assert hint in group.inner_text()
    choose(page, "Disclosure of abuse by the child", "No")
    choose(page, "Response to the disclosure", "Disbelieved or dismissed")
    choose(page, "Family alleged racist practice", "Yes")
    page.get_by_role("button", name="Save and continue", exact=True).click()
    assert "Only answer this when the child disclosed abuse" in page.content()
    alleged = page.get_by_role("group", name="Family alleged racist practice", exact=True)
    assert alleged.get_by_label("Yes", exact=True).is_checked()
    assert page.evaluate("document.documentElement.scrollWidth") == 320
    review.refresh_from_db()
    assert review.disclosure == ""
    context.close()
