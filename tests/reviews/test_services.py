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


# Revisions: a save from an out-of-date page ---------------------------------------------


def test_each_saved_change_raises_the_revision_and_an_unchanged_save_writes_nothing(
    northshire, contributor
):
    """A changed review or child gets the next revision; saving unchanged values records
    no change and keeps both revisions."""
    review = ReviewFactory(child__partnership=northshire)
    services.case_update(
        **seen(review),
        review=review,
        child_data={},
        review_data={"racism_named": "no"},
        by=contributor,
    )
    review.refresh_from_db()
    assert (review.revision, review.child.revision) == (1, 0)
    history = review.history.count()
    services.case_update(
        **seen(review),
        review=review,
        child_data={"age": 12},
        review_data={"racism_named": "no"},
        by=contributor,
    )
    review.refresh_from_db()
    assert (review.revision, review.child.revision, review.history.count()) == (1, 0, history)


def test_case_update_from_an_out_of_date_page_is_refused_and_saves_nothing(
    northshire, contributor, lead
):
    """A save based on an older revision of the review raises CaseConflict naming who changed
    which field, and neither the review nor the child is changed."""
    review = ReviewFactory(child__partnership=northshire)
    page = seen(review)
    services.case_update(
        **page, review=review, child_data={}, review_data={"child_voice": "absent"}, by=lead
    )
    with pytest.raises(services.CaseConflict) as caught:
        services.case_update(
            **page,
            review=review,
            child_data={"age": 15},
            review_data={"racism_named": "no"},
            by=contributor,
        )
    review.refresh_from_db()
    assert (review.racism_named, review.child_voice, review.child.age) == ("", "absent", 12)
    [change] = caught.value.changes
    assert (change["who"], change["what"], change["names"]) == (
        lead.email,
        "review",
        ["child_voice"],
    )
    assert caught.value.review.revision == 1


def test_a_child_changed_through_another_review_refuses_a_stale_save(northshire, contributor):
    """A child with two reviews: a change to the child made while editing one review refuses
    a save of the other review's page loaded before it."""
    first = ReviewFactory(child__partnership=northshire)
    second = ReviewFactory(child=first.child, partnership=northshire)
    page = seen(second)
    services.case_update(
        **seen(first), review=first, child_data={"age": 14}, review_data={}, by=contributor
    )
    with pytest.raises(services.CaseConflict) as caught:
        services.case_update(
            **page, review=second, child_data={"age": 12}, review_data={}, by=contributor
        )
    assert [change["names"] for change in caught.value.changes] == [["age"]]
    first.child.refresh_from_db()
    assert first.child.age == 14


def test_review_complete_from_an_out_of_date_page_is_refused(northshire, lead, contributor):
    """A lead cannot complete a review changed since their page showed it."""
    review = ReviewFactory(child__partnership=northshire, **complete_answers())
    page = seen(review)
    services.case_update(
        **page,
        review=review,
        child_data={},
        review_data={"child_voice": "reported"},
        by=contributor,
    )
    with pytest.raises(services.CaseConflict):
        services.review_complete(**page, review=review, by=lead)
    review.refresh_from_db()
    assert review.status == "draft"
    services.review_complete(**seen(review), review=review, by=lead)
    review.refresh_from_db()
    assert review.status == "complete"


# References in any case --------------------------------------------------------------


@pytest.mark.parametrize("reference", ["c-2024-001", "C-2024-001"])
def test_case_create_refuses_a_reference_differing_only_in_case(northshire, contributor, reference):
    """C-2024-001 and c-2024-001 are one reference: the second is REFERENCE_TAKEN."""
    ChildFactory(partnership=northshire, reference="C-2024-001")
    with pytest.raises(ValidationError) as caught:
        services.case_create(
            partnership=northshire,
            child_data=child_data(reference),
            review_data=review_data(),
            by=contributor,
        )
    assert caught.value.message_dict == {
        "reference": [services.REFERENCE_TAKEN.format(reference=reference)]
    }
    assert Child.objects.count() == 1


def test_a_reference_taken_between_the_check_and_the_save_is_reference_taken(
    northshire, contributor, monkeypatch
):
    """When the database refuses the reference (IntegrityError: another save got there after
    full_clean looked), the service says REFERENCE_TAKEN on the field and saves nothing."""
    ChildFactory(partnership=northshire, reference="C-2024-001")
    monkeypatch.setattr(Child, "validate_constraints", lambda self, exclude=None: None)
    with pytest.raises(ValidationError) as caught:
        services.case_create(
            partnership=northshire,
            child_data=child_data("c-2024-001"),
            review_data=review_data(),
            by=contributor,
        )
    assert caught.value.message_dict == {
        "reference": [services.REFERENCE_TAKEN.format(reference="c-2024-001")]
    }
    assert (Child.objects.count(), Review.objects.count()) == (1, 0)


def test_renaming_to_a_reference_taken_meanwhile_is_reference_taken(
    northshire, contributor, monkeypatch
):
    """The same holds for a change of reference on the edit page."""
    ChildFactory(partnership=northshire, reference="C-2024-999")
    review = ReviewFactory(child__partnership=northshire, child__reference="C-2024-001")
    monkeypatch.setattr(Child, "validate_constraints", lambda self, exclude=None: None)
    with pytest.raises(ValidationError) as caught:
        services.case_update(
            **seen(review),
            review=review,
            child_data={"reference": "c-2024-999"},
            review_data={},
            by=contributor,
        )
    assert "reference" in caught.value.message_dict
    review.child.refresh_from_db()
    assert review.child.reference == "C-2024-001"
