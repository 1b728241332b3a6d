"""Children and draft reviews, and the answers that make a review ready to complete."""

from datetime import date

import factory

from reviews.models import Child, Review
from tests.partnerships.factories import PartnershipFactory

NOT_RECORDED = "not_recorded"


class ChildFactory(factory.django.DjangoModelFactory):
    """A 12-year-old Pakistani Muslim girl, seriously harmed; every yes/no not recorded."""

    class Meta:
        model = Child

    partnership = factory.SubFactory(PartnershipFactory)
    reference = factory.Sequence(lambda n: f"C-2024-{n:03d}")
    sex = "female"
    age = 12
    ethnicity = "APKN"
    faith = "muslim"
    first_language_not_english = NOT_RECORDED
    disability = NOT_RECORDED
    neurodivergence = NOT_RECORDED
    immigration_factor = NOT_RECORDED
    known_to_social_care = NOT_RECORDED
    child_protection_plan = NOT_RECORDED
    looked_after = NOT_RECORDED
    outcome = "seriously_harmed"


class ReviewFactory(factory.django.DjangoModelFactory):
    """A draft rapid review of a child in the child's partnership, every dimension blank."""

    class Meta:
        model = Review

    child = factory.SubFactory(ChildFactory)
    partnership = factory.LazyAttribute(lambda review: review.child.partnership)
    review_type = "rapid_review"
    incident_month = date(2024, 3, 1)
    notification_month = date(2024, 3, 1)


def complete_answers() -> dict:
    """Field values that leave reviews.rules.missing_dimensions() empty for a factory review.

    Risk was partly recognised but no action followed; the child disclosed and was
    dismissed; no racism was alleged and no interpreter was needed.
    """
    return {
        "completed_month": date(2024, 9, 1),
        "harm_types": ["sexual"],
        "ethnicity_in_review": "superficial",
        "faith_recorded": "no",
        "race_analysed": "not_at_all",
        "racism_named": "no",
        "child_voice": "absent",
        "risk_recognised": "partly",
        "action_followed": "no",
        "disclosure": "yes",
        "disclosure_response": "dismissed",
        "racism_alleged": "no",
        "interpreter_needed": "no",
        "adultification": "yes",
        "intersectionality": "no",
        "fathers_assessed": "not_applicable",
        "learning_about_race": "yes",
    }
