"""A rating the partnership's own reviews do not bear out, in the browser: the lead sees the
figure and the flag on the theme page, adds a note on the check page and submits; the Panel
sees the kept figure, the flag and the note, and the view is recorded. axe runs on every page
the journey reaches."""

import re
from datetime import timedelta

from django.utils import timezone

from audits.models import Response
from partnerships.models import RestrictedView
from partnerships.months import first_of_month, months_before
from tests.audits.factories import CycleFactory, complete_audit, start_audit, version_2
from tests.reviews.factories import ChildFactory, ReviewFactory, complete_answers

PASSWORD = "a-long-test-password"
NOTE = "Our audit of 2025 reviews changed the template; the four counted predate it"


def _reviews(partnership, count, accurate):
    """`count` complete reviews of the partnership last month, `accurate` of them recording
    ethnicity accurately and in detail."""
    last_month = months_before(first_of_month(timezone.localdate()), 1)
    for n in range(count):
        answers = {**complete_answers(), "completed_month": last_month}
        if n < accurate:
            answers["ethnicity_in_review"] = "accurate"
        ReviewFactory(child=ChildFactory(partnership=partnership), status="complete", **answers)


def test_lead_meets_a_flag_adds_a_note_and_the_panel_sees_it(
    new_journey, northshire, eastmere, lead, panel
):
    """4 complete reviews, 1 recording ethnicity in detail: rating 6.1 as 3 is flagged; the
    lead's note is kept with the audit; the Panel reads figure, flag and note, and its view is
    recorded. Eastmere's reviews never count."""
    today = timezone.localdate()
    cycle = CycleFactory(
        name="2026-27",
        version=version_2(),
        opens_on=today - timedelta(days=30),
        closes_on=today + timedelta(days=30),
    )
    _reviews(northshire, 4, accurate=1)
    _reviews(eastmere, 6, accurate=6)
    complete_audit(start_audit(partnership=northshire, by=lead, cycle=cycle), by=lead)

    lead_journey = new_journey()
    lead_journey.sign_in(lead.email, PASSWORD)
    lead_journey.goto("/p/northshire/audits/2026-27/themes/6/")
    page = lead_journey.page
    figure = page.get_by_test_id("evidence-6.1")
    assert "In your 4 complete reviews since" in figure.inner_text()
    assert "ethnicity recorded accurately and in detail in 1 of 4" in figure.inner_text()
    assert "Rating not borne out" in figure.inner_text()
    page.get_by_role("group", name="How would you rate item 6.1?").get_by_label(
        "3 Embedded"
    ).check()
    lead_journey.press_button("Save and come back later")
    lead_journey.expect_text("You have completed 7 of 7 themes")
    lead_journey.click("Check your answers and submit")
    lead_journey.expect_text("Ratings your reviews do not bear out")
    flagged = page.get_by_test_id("flagged-6.1")
    assert "3 Embedded" in flagged.inner_text()
    flagged.get_by_label(re.compile(r"Note for the Panel")).fill(NOTE)
    lead_journey.press_button("Save notes")
    lead_journey.expect_text("Notes for the Panel saved")
    assert Response.objects.get(audit__cycle=cycle, item__ref="6.1").consistency_note == NOTE
    lead_journey.press_button("Submit audit")
    lead_journey.expect_heading("Audit submitted")

    reviewer = new_journey()
    reviewer.sign_in(panel.email, PASSWORD)
    before = RestrictedView.objects.count()
    reviewer.goto("/panel/cycles/2026-27/audits/northshire/")
    summary = reviewer.page.get_by_test_id("evidence-summary")
    assert "Item 6.1" in summary.inner_text()
    panel_figure = reviewer.page.get_by_test_id("evidence-6.1").inner_text()
    assert "In its 4 complete reviews since" in panel_figure
    assert "in 1 of 4" in panel_figure
    assert "Rating not borne out" in panel_figure
    assert NOTE in panel_figure
    recorded = RestrictedView.objects.order_by("-pk")[: RestrictedView.objects.count() - before]
    assert [view.path for view in recorded] == ["/panel/cycles/2026-27/audits/northshire/"]
    assert recorded[0].email == panel.email
