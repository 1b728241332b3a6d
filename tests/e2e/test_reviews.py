"""Journeys of review case entry: record, complete, import, and two people editing at once."""

from reviews import exchange
from reviews.models import Child, Review
from tests.reviews.factories import ReviewFactory

PASSWORD = "a-long-test-password"

CHILD_ANSWERS = {
    "Female": "Sex",
    "Muslim": "Faith",
    "Seriously harmed": "Outcome",
}


def choose(page, group: str, label: str):
    """Tick an answer of a question, not of a follow-up question revealed inside it."""
    fieldset = page.get_by_role("group", name=group, exact=True)
    own = fieldset.locator(":scope > .govuk-radios > .govuk-radios__item")
    own.get_by_label(label, exact=True).check()


def fill_month(page, group: str, month: str, year: str):
    fieldset = page.get_by_role("group", name=group, exact=True)
    fieldset.get_by_label("Month").fill(month)
    fieldset.get_by_label("Year").fill(year)


def answer_pages(journey, pages: dict[str, dict[str, str]], button="Save and continue"):
    """On each page in turn (named by its heading): give the answers, then press `button`.
    An answer is a radio's label, or the text of a "Learning summary"."""
    for heading, answers in pages.items():
        journey.expect_heading(heading)
        for group, answer in answers.items():
            if group == "Learning summary":
                journey.fill(group, answer)
            else:
                choose(journey.page, group, answer)
        journey.press_button(button)


def test_record_complete_and_import(new_journey, contributor, lead):
    """A contributor records a child and review; a lead fixes what is missing and marks it
    complete, then imports a file with an error, reads the errors, fixes it and imports it."""
    recorder = new_journey()
    recorder.sign_in(contributor.email, PASSWORD)
    recorder.click("Rapid reviews and LCSPRs")
    recorder.expect_heading("Rapid reviews and LCSPRs")
    recorder.click("Record a review", role="button")
    page = recorder.page
    recorder.fill("Reference", "C-2024-007")
    choose(page, "Sex", "Female")
    recorder.fill("Age at the incident", "15")
    page.get_by_label("Ethnicity", exact=True).select_option("APKN")
    choose(page, "Faith", "Muslim")
    choose(page, "First language other than English", "Not recorded")
    recorder.press_button("Continue")
    not_recorded = "Not recorded"
    answer_pages(
        recorder,
        {
            "The child's needs": {
                "Disability": not_recorded,
                "Neurodivergence": not_recorded,
                "Immigration status or no recourse to public funds a factor": not_recorded,
            },
            "Services and outcome": {
                "Known to children's social care at the time": not_recorded,
                "On a child protection plan": not_recorded,
                "Looked after": not_recorded,
                "Outcome": "Seriously harmed",
            },
        },
        button="Continue",
    )
    recorder.expect_heading("The review")
    choose(page, "Review type", "Rapid review")
    fill_month(page, "Incident month", "3", "2024")
    fill_month(page, "Notification month", "2", "2024")  # before the incident: an error
    page.get_by_role("group", name="Types of harm").get_by_label("Sexual abuse").check()
    recorder.press_button("Save draft and continue")
    recorder.expect_text("The notification month cannot be before the incident month")
    assert "C-2024-007" in page.get_by_test_id("carried-child").inner_text()
    fill_month(page, "Notification month", "4", "2024")
    recorder.press_button("Save draft and continue")
    recorder.expect_heading("Ethnicity, faith and race")
    recorder.click("Disclosures and allegations")
    recorder.expect_heading("Disclosures and allegations")
    choose(page, "Disclosure of abuse by the child", "Yes")
    choose(page, "Response to the disclosure", "Disbelieved or dismissed")
    recorder.press_button("Save and come back later")
    recorder.expect_heading("Review about C-2024-007")
    assert page.get_by_test_id("review-status").inner_text() == "Draft"
    assert Review.objects.get().disclosure_response == "dismissed"

    # The lead sees what is missing, fills it in and marks the review complete.
    checker = new_journey()
    checker.sign_in(lead.email, PASSWORD)
    checker.goto(Review.objects.get().get_absolute_url())
    checker.press_button("Mark complete")
    checker.expect_text("cannot be marked complete yet")
    assert (
        "Race, ethnicity and culture analysed"
        in checker.page.get_by_test_id("missing").inner_text()
    )
    checker.click("Check your answers")
    checker.expect_heading("Check your answers")
    checker.click("Change completed month")
    checker.expect_heading("The review")
    p = checker.page
    fill_month(p, "Completed month", "9", "2024")
    checker.press_button("Save and continue")
    answer_pages(
        checker,
        {
            "Ethnicity, faith and race": {
                "Ethnicity in the review": "Superficial",
                "Faith recorded in the review": "No",
                "Race, ethnicity and culture analysed": "Not at all",
                "Racism or racial bias named": "No",
            },
            "The child's voice, risk and action": {
                "Child's voice": "Absent",
                "Risk recognised before the incident": "Partly",
                "Action followed": "No",
            },
            "Disclosures and allegations": {"Family alleged racist practice": "No"},
            "Language and interpreters": {"Interpreter needed": "No"},
            "Adultification, fathers and learning": {
                "Adultification considered": "No",
                "Intersectionality considered": "No",
                "Fathers and other men in the household assessed": "Not applicable",
                "Learning about race identified": "Yes",
                "Learning summary": "The disclosure was not believed or followed up.",
            },
        },
    )
    checker.expect_heading("Check your answers")
    disclosures = p.get_by_test_id("check-disclosures-and-allegations").inner_text()
    assert "Disbelieved or dismissed" in disclosures
    checker.press_button("Mark complete")
    checker.expect_text("The review is marked complete")
    assert Review.objects.get().status == "complete"

    # Import a file with a mistake, read the errors, fix it and import it.
    exported = exchange.export_csv(lead.memberships.get().partnership).decode("utf-8-sig")
    header, row = exported.splitlines()[0], exported.splitlines()[1]
    good = row.replace("C-2024-007", "C-2025-001")
    bad = good.replace("APKN", "PAKISTANI")
    checker.goto("/p/northshire/reviews/")
    checker.click("Import a file")
    p.get_by_label("Upload a file").set_input_files(
        {"name": "reviews.csv", "mimeType": "text/csv", "buffer": f"{header}\n{bad}\n".encode()}
    )
    checker.press_button("Import file")
    checker.expect_text("Nothing was imported")
    errors = p.get_by_test_id("import-errors").inner_text()
    assert "child_ethnicity" in errors and "2" in errors
    assert Child.objects.count() == 1
    p.get_by_label("Upload a file").set_input_files(
        {"name": "reviews.csv", "mimeType": "text/csv", "buffer": f"{header}\n{good}\n".encode()}
    )
    checker.press_button("Import file")
    checker.expect_text("Imported 1 review about 1 child")
    assert Child.objects.filter(reference="C-2025-001").exists()
    checker.click("C-2025-001")
    checker.expect_heading("Review about C-2025-001")


def test_two_people_editing_one_review(new_journey, contributor, lead):
    """Two people open one review's form pages. The lead saves a summary; the contributor's
    later save of the age is refused with a banner saying who changed what, their age stays
    on the page, and saving again keeps both."""
    review = ReviewFactory(
        child__partnership=lead.memberships.get().partnership, child__reference="C-2024-007"
    )
    edit = f"/p/northshire/reviews/{review.pk}/edit/"
    first, second = new_journey(), new_journey()
    first.sign_in(lead.email, PASSWORD).goto(f"{edit}adultification-fathers-and-learning/")
    second.sign_in(contributor.email, PASSWORD).goto(edit)
    second.expect_heading("The child")
    first.fill("Learning summary", "Her voice was not heard.")
    first.press_button("Save and come back later")
    first.expect_heading("Review about C-2024-007")

    second.fill("Age at the incident", "9")
    second.press_button("Save and continue")
    banner = second.page.get_by_test_id("conflict")
    assert "Your changes have not been saved" in banner.inner_text()
    assert "lead@northshire.example.org changed the review" in banner.inner_text()
    assert second.page.get_by_label("Age at the incident").input_value() == "9"
    second.press_button("Save and continue")
    second.expect_text("Saved the review about C-2024-007")
    second.expect_heading("The child's needs")
    review.refresh_from_db()
    assert (review.child.age, review.learning_summary) == (9, "Her voice was not heard.")
