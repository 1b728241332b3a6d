"""Journey of partner agencies in an audit: two agencies answer theme 1, each in a browser
of its own; the lead sees their spread beside the partnership's ratings, with the
disagreement tagged, and submits. axe runs on every page."""

from datetime import timedelta

import pytest
from django.utils import timezone

from agencies import services as agency_services
from audits import services
from audits.models import Audit, Cycle, FrameworkVersion
from partnerships.models import Membership
from tests.e2e.test_audits import PASSWORD, answer_themes
from tests.partnerships.factories import MembershipFactory, UserFactory


@pytest.fixture
def cycle(db):
    today = timezone.localdate()
    return Cycle.objects.create(
        name="2026-27",
        version=FrameworkVersion.objects.get(number=1),
        opens_on=today - timedelta(days=30),
        closes_on=today + timedelta(days=30),
    )


def answer_for_agency(journey, ratings: dict, agency: str):
    """Rate the theme's items on the agency's page (ref -> radio label) and save."""
    page = journey.page
    for ref, label in ratings.items():
        group = page.get_by_role("group", name=f"How would {agency} rate item {ref}?")
        group.get_by_label(label, exact=True).check()
    journey.fill(f"{agency}'s evidence for item 1.1", f"{agency} case file audit")
    journey.press_button(f"Save {agency}'s answers")
    journey.expect_text(f"{agency}'s answers to theme 1 saved")


def test_two_agencies_answer_and_the_lead_sees_the_spread(new_journey, cycle, lead, contributor):
    """The police rate 1.1 as 1, health as 3; the lead's theme page shows both beside the
    partnership's 2, tags 1.1 as a disagreement and not 1.2, and the lead submits."""
    partnership = lead.memberships.get().partnership
    audit = services.audit_start(partnership=partnership, cycle=cycle, by=lead)
    answer_themes(audit, lead, range(1, 8))
    agencies = {a.name: a for a in agency_services.agencies_ensure_defaults(partnership)}
    police = agencies["Police"]
    health = agencies["Health (integrated care board)"]
    nurse = MembershipFactory(
        user=UserFactory(email="nurse@northshire.example.org"),
        partnership=partnership,
        role=Membership.Role.CONTRIBUTOR,
    ).user
    for user, agency in ((contributor, police), (nurse, health)):
        agency_services.agency_member_set(membership=user.memberships.get(), agency=agency, by=lead)
    theme_path = f"/p/northshire/audits/{cycle.name}/themes/1/"

    officer = new_journey()
    officer.sign_in(contributor.email, PASSWORD)
    officer.goto(f"{theme_path}agencies/{police.pk}/")
    officer.expect_heading("Police's answers to 1. Leadership, governance and strategy")
    answer_for_agency(officer, {"1.1": "1 Emerging", "1.2": "2 Established"}, "Police")

    clinician = new_journey()
    clinician.sign_in(nurse.email, PASSWORD)
    clinician.goto(f"{theme_path}agencies/{health.pk}/")
    answer_for_agency(
        clinician,
        {"1.1": "3 Embedded", "1.2": "3 Embedded"},
        "Health (integrated care board)",
    )

    leader = new_journey()
    leader.sign_in(lead.email, PASSWORD)
    leader.goto("/p/northshire/agencies/")
    leader.expect_heading("Agencies").expect_text(contributor.email)
    leader.goto(theme_path)
    page = leader.page
    spread = page.get_by_test_id("spread-1.1")
    assert "Police" in spread.inner_text() and "1 Emerging" in spread.inner_text()
    assert "3 Embedded" in spread.inner_text() and "Not rated" in spread.inner_text()
    assert "2 Established" in spread.inner_text()  # the partnership's own rating
    assert page.get_by_test_id("disagree-1.1").inner_text() == (
        "Agencies disagree by 2 or more levels"
    )
    assert page.get_by_test_id("disagree-1.2").count() == 0
    assert page.get_by_test_id("spread-1.3").count() == 0
    leader.goto(f"/p/northshire/audits/{cycle.name}/check/")
    leader.press_button("Submit audit")
    leader.expect_heading("Audit submitted")
    assert Audit.objects.get(pk=audit.pk).status == Audit.Status.SUBMITTED
    leader.goto(f"/p/northshire/audits/{cycle.name}/report/")
    assert page.get_by_test_id("disagree-1.1").count() == 1
