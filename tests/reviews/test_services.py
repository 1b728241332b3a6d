"""The review case services: who may record, change and complete a case, and what they keep."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from reviews import services
from reviews.models import Child, Review
from reviews.rules import missing_dimensions

from .factories import ChildFactory, ReviewFactory, complete_answers

pytestmark = pytest.mark.django_db


def child_data(reference="C-2024-001", **fields) -> dict:
    """Cleaned child values, as the child form would give them."""
    return {
        "reference": reference,
        "sex": "female",
        "age": 12,
        "ethnicity": "APKN",
        "faith": "muslim",
        "first_language_not_english": "yes",
        "disability": "no",
        "neurodivergence": "not_recorded",
        "immigration_factor": "no",
        "known_to_social_care": "yes",
        "child_protection_plan": "no",
        "looked_after": "no",
        "outcome": "seriously_harmed",
        **fields,
    }


def review_data(**fields) -> dict:
    """Cleaned values of a draft review with only its type and months answered."""
    return {
        "review_type": "rapid_review",
        "incident_month": date(2024, 3, 1),
        "notification_month": date(2024, 4, 1),
        **fields,
    }


def seen(review) -> dict:
    """The revisions of the review and its child as a page loaded now would show them."""
    return {"review_revision": review.revision, "child_revision": review.child.revision}


def complete_review(partnership, **fields) -> Review:
    """A complete review in the partnership with every dimension answered."""
    return ReviewFactory(
        child__partnership=partnership, status="complete", **{**complete_answers(), **fields}
    )


# case_create ---------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["contributor", "lead"])
def test_case_create_records_child_and_draft_review(request, northshire, persona):
    """Contributors and leads record a new child with a first review, as a draft."""
    user = request.getfixturevalue(persona)
    review = services.case_create(
        partnership=northshire, child_data=child_data(), review_data=review_data(), by=user
    )
    review.refresh_from_db()
    assert review.status == "draft"
    assert review.partnership == northshire
    assert review.child.partnership == northshire
    assert review.child.reference == "C-2024-001"
    assert review.child.created_by == user
    assert review.history.first().history_user == user
    assert review.child.history.first().history_user == user


@pytest.mark.parametrize("persona", ["viewer", "panel", "outsider", "other_lead"])
def test_case_create_refused_without_an_editing_role(request, northshire, persona):
    """Viewers, Panel staff and non-members cannot record a case, and nothing is saved."""
    user = request.getfixturevalue(persona)
    with pytest.raises(PermissionDenied):
        services.case_create(
            partnership=northshire, child_data=child_data(), review_data=review_data(), by=user
        )
    assert not Child.objects.exists()
    assert not Review.objects.exists()


def test_case_create_refuses_a_reference_already_used_in_the_partnership(northshire, contributor):
    """A reference the partnership already has (in any case) is refused against the field."""
    ChildFactory(partnership=northshire, reference="C-2024-001")
    with pytest.raises(ValidationError) as caught:
        services.case_create(
            partnership=northshire,
            child_data=child_data("c-2024-001"),
            review_data=review_data(),
            by=contributor,
        )
    assert "reference" in caught.value.message_dict
    assert Child.objects.count() == 1
    assert not Review.objects.exists()


def test_case_create_allows_a_reference_used_by_another_partnership(
    northshire, eastmere, contributor
):
    """References are unique within a partnership only."""
    ChildFactory(partnership=eastmere, reference="C-2024-001")
    review = services.case_create(
        partnership=northshire, child_data=child_data(), review_data=review_data(), by=contributor
    )
    assert review.child.reference == "C-2024-001"
    assert Child.objects.filter(reference="C-2024-001").count() == 2


def test_case_create_runs_model_validation_and_saves_nothing_on_error(northshire, lead):
    """A review that breaks a model rule rolls back the child recorded with it."""
    with pytest.raises(ValidationError):
        services.case_create(
            partnership=northshire,
            child_data=child_data(),
            review_data=review_data(notification_month=date(2024, 1, 1)),
            by=lead,
        )
    assert not Child.objects.exists()
    assert not Review.objects.exists()


# review_add ----------------------------------------------------------------------------


def test_review_add_adds_a_second_review_to_a_child(northshire, contributor):
    """One child can have more than one review."""
    first = ReviewFactory(child__partnership=northshire)
    second = services.review_add(
        child=first.child, review_data=review_data(review_type="lcspr"), by=contributor
    )
    assert second.pk != first.pk
    assert second.partnership == northshire
    assert second.status == "draft"
    assert set(first.child.reviews.values_list("review_type", flat=True)) == {
        "rapid_review",
        "lcspr",
    }
    assert second.history.first().history_user == contributor


@pytest.mark.parametrize("persona", ["viewer", "panel", "other_lead"])
def test_review_add_refused_without_an_editing_role(request, northshire, persona):
    """Only contributors and leads of the child's partnership add a review."""
    child = ChildFactory(partnership=northshire)
    with pytest.raises(PermissionDenied):
        services.review_add(
            child=child, review_data=review_data(), by=request.getfixturevalue(persona)
        )
    assert not Review.objects.exists()


# case_update ---------------------------------------------------------------------------


def test_case_update_records_history_with_the_user(northshire, contributor):
    """Each change to the review and the child is recorded against who made it."""
    review = ReviewFactory(child__partnership=northshire)
    services.case_update(
        **seen(review),
        review=review,
        child_data=child_data(review.child.reference, age=13),
        review_data={"racism_named": "no"},
        by=contributor,
    )
    review.refresh_from_db()
    assert review.racism_named == "no"
    assert review.child.age == 13
    assert review.history.first().history_user == contributor
    assert review.child.history.first().history_user == contributor
    assert review.history.count() == 2


def test_case_update_refuses_a_reference_taken_by_another_child(northshire, contributor):
    """Renaming a child to a reference another child has is refused."""
    ChildFactory(partnership=northshire, reference="C-2024-999")
    review = ReviewFactory(child__partnership=northshire)
    with pytest.raises(ValidationError) as caught:
        services.case_update(
            **seen(review),
            review=review,
            child_data=child_data("C-2024-999"),
            review_data={},
            by=contributor,
        )
    assert "reference" in caught.value.message_dict


@pytest.mark.parametrize("persona", ["viewer", "panel", "other_lead"])
def test_case_update_refused_without_an_editing_role(request, northshire, persona):
    """Viewers, Panel staff and other partnerships' leads cannot change a review."""
    review = ReviewFactory(child__partnership=northshire)
    with pytest.raises(PermissionDenied):
        services.case_update(
            **seen(review),
            review=review,
            child_data={},
            review_data={"racism_named": "no"},
            by=request.getfixturevalue(persona),
        )
    review.refresh_from_db()
    assert review.racism_named == ""


def test_contributor_cannot_change_a_complete_review(northshire, contributor):
    """A complete review is locked to contributors."""
    review = complete_review(northshire)
    with pytest.raises(ValidationError) as caught:
        services.case_update(
            **seen(review),
            review=review,
            child_data={},
            review_data={"racism_named": "yes"},
            by=contributor,
        )
    assert caught.value.code == "locked"
    review.refresh_from_db()
    assert review.racism_named == "no"
    assert review.status == "complete"


def test_lead_can_change_a_complete_review_which_stays_complete(northshire, lead):
    """A lead changes a complete review; with every answer still there it stays complete."""
    review = complete_review(northshire)
    services.case_update(
        **seen(review), review=review, child_data={}, review_data={"racism_named": "yes"}, by=lead
    )
    review.refresh_from_db()
    assert review.racism_named == "yes"
    assert review.status == "complete"
    assert review.history.first().history_user == lead


def test_complete_review_that_loses_an_answer_returns_to_draft(northshire, lead):
    """Blanking a required answer on a complete review puts it back to draft."""
    review = complete_review(northshire)
    services.case_update(
        **seen(review), review=review, child_data={}, review_data={"racism_named": ""}, by=lead
    )
    review.refresh_from_db()
    assert review.racism_named == ""
    assert review.status == "draft"


# review_complete -----------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["contributor", "viewer", "panel", "other_lead"])
def test_review_complete_is_for_leads_only(request, northshire, persona):
    """Only a lead of the partnership marks a review complete."""
    review = ReviewFactory(child__partnership=northshire, **complete_answers())
    with pytest.raises(PermissionDenied):
        services.review_complete(**seen(review), review=review, by=request.getfixturevalue(persona))
    review.refresh_from_db()
    assert review.status == "draft"


def test_review_complete_refuses_with_the_missing_dimensions(northshire, lead):
    """A review with unanswered dimensions is refused, listing what is missing."""
    answers = complete_answers()
    del answers["racism_named"], answers["child_voice"]
    review = ReviewFactory(child__partnership=northshire, **answers)
    with pytest.raises(ValidationError) as caught:
        services.review_complete(**seen(review), review=review, by=lead)
    assert caught.value.code == "incomplete"
    assert caught.value.params["missing"] == [
        ("racism_named", "racism or racial bias named"),
        ("child_voice", "child's voice"),
    ]
    review.refresh_from_db()
    assert review.status == "draft"


def test_review_complete_refuses_a_blank_draft_listing_everything(northshire, lead):
    """A blank draft is refused with every dimension the rules say is missing."""
    review = ReviewFactory(child__partnership=northshire)
    with pytest.raises(ValidationError) as caught:
        services.review_complete(**seen(review), review=review, by=lead)
    assert caught.value.params["missing"] == missing_dimensions(review)
    assert len(caught.value.params["missing"]) > 10


def test_review_complete_succeeds_when_every_dimension_is_answered(northshire, lead):
    """With every dimension answered the lead marks the review complete, recorded as theirs."""
    review = ReviewFactory(child__partnership=northshire, **complete_answers())
    services.review_complete(**seen(review), review=review, by=lead)
    review.refresh_from_db()
    assert review.status == "complete"
    assert review.history.first().history_user == lead
