from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from reviews import validators
from reviews.models import Child, Review

from .factories import ChildFactory, ReviewFactory, complete_answers

pytestmark = pytest.mark.django_db


def _assert_refused(instance, constraint=None, *, field=None):
    """full_clean raises ValidationError (naming the constraint or field), save() IntegrityError.

    A field that fails its own validation (such as an invalid choice) is reported against the
    field, and Django then skips the constraints on it: the database constraint still holds.
    """
    with pytest.raises(ValidationError) as caught:
        instance.full_clean()
    if constraint:
        assert constraint in str(caught.value)
    if field:
        assert field in caught.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        instance.save()


def _child(**fields):
    """An unsaved child with the factory's values, in a saved partnership unless given."""
    if "partnership" not in fields:
        fields["partnership"] = ChildFactory().partnership
    return ChildFactory.build(**fields)


def _review(**fields):
    """An unsaved draft review of a saved child, in the child's partnership."""
    child = fields.pop("child", None) or ChildFactory()
    return ReviewFactory.build(child=child, partnership=child.partnership, **fields)


# Valid records


def test_factory_child_is_valid():
    """The factory's child passes full_clean and saves."""
    child = _child()
    child.full_clean()
    child.save()
    assert Child.objects.filter(pk=child.pk).exists()


def test_factory_draft_review_is_valid():
    """The factory's blank draft review passes full_clean and saves as a draft."""
    review = _review()
    review.full_clean()
    review.save()
    review.refresh_from_db()
    assert review.status == "draft"
    assert review.partnership == review.child.partnership


def test_review_with_complete_answers_is_valid():
    """A review with every dimension answered passes full_clean and saves."""
    review = _review(**complete_answers(), status="complete")
    review.full_clean()
    review.save()


# Child reference


@pytest.mark.parametrize("reference", ["C-2024-007", "c-2024-007", "C-2024-007".swapcase()])
def test_reference_repeated_in_a_partnership_in_any_case_is_refused(northshire, reference):
    """A second child whose reference differs only in case is refused on the reference field
    by full_clean (REFERENCE_TAKEN) and by the database (IntegrityError)."""
    ChildFactory(partnership=northshire, reference="C-2024-007")
    duplicate = ChildFactory.build(partnership=northshire, reference=reference)
    _assert_refused(duplicate, field="reference")
    with pytest.raises(ValidationError) as caught:
        duplicate.full_clean()
    assert caught.value.message_dict["reference"] == [
        validators.REFERENCE_TAKEN.format(reference=reference)
    ]


def test_a_child_keeps_its_own_reference_on_full_clean(northshire):
    """Re-validating a saved child does not count its own reference as taken."""
    child = ChildFactory(partnership=northshire, reference="C-2024-007")
    child.reference = "c-2024-007"
    child.full_clean()


def test_reference_may_repeat_in_another_partnership(northshire, eastmere):
    """The same reference may be used by another partnership for its own child."""
    ChildFactory(partnership=northshire, reference="C-2024-007")
    other = ChildFactory.build(partnership=eastmere, reference="C-2024-007")
    other.full_clean()
    other.save()
    assert Child.objects.filter(reference="C-2024-007").count() == 2


def test_reference_that_looks_like_a_name_fails_full_clean(northshire):
    """full_clean runs validate_reference on the child's reference."""
    with pytest.raises(ValidationError) as caught:
        ChildFactory.build(partnership=northshire, reference="Alice").full_clean()
    assert "reference" in caught.value.message_dict


# Child age


@pytest.mark.parametrize("age", [None, 0, 1, 16, 17])
def test_age_from_0_to_17_or_not_recorded_is_valid(age):
    """An age from 0 to 17, or none recorded, passes full_clean and saves."""
    child = _child(age=age)
    child.full_clean()
    child.save()
    child.refresh_from_db()
    assert child.age == age


@pytest.mark.parametrize("age", [18, 25])
def test_age_over_17_is_refused(age):
    """An age over 17 fails full_clean (child_age_0_to_17) and is refused by the database."""
    _assert_refused(_child(age=age), "child_age_0_to_17")


def test_negative_age_is_refused():
    """A negative age fails full_clean and is refused by the database."""
    _assert_refused(_child(age=-1), field="age")


# Child choices


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("sex", "unknown"),
        ("sex", ""),
        ("ethnicity", "XXXX"),
        ("ethnicity", ""),
        ("outcome", "injured"),
        ("outcome", ""),
    ],
)
def test_child_invalid_choice_is_refused(field, value):
    """An unknown sex, ethnicity or outcome fails full_clean and is refused by the database."""
    _assert_refused(_child(**{field: value}), field=field)


@pytest.mark.parametrize(
    ("code", "group", "label"),
    [
        ("APKN", "asian", "Asian"),
        ("CHNE", "asian", "Asian"),
        ("MWAS", "mixed", "Mixed or Multiple"),
        ("WBRI", "white", "White"),
        ("BAFR", "black", "Black"),
        ("OOTH", "other", "Other"),
        ("REFU", "not_recorded", "Not recorded"),
        ("NOBT", "not_recorded", "Not recorded"),
    ],
)
def test_child_ethnicity_group_derives_from_the_code(code, group, label):
    """Child.ethnicity_group and its display come from the DfE code, not a stored field."""
    child = ChildFactory(ethnicity=code)
    assert child.ethnicity_group == group
    assert child.get_ethnicity_group_display() == label


# Review months


@pytest.mark.parametrize(
    "months",
    [
        {"incident_month": date(2024, 2, 15)},
        {"notification_month": date(2024, 3, 15)},
        {"completed_month": date(2024, 6, 2)},
    ],
)
def test_month_not_on_the_1st_is_refused(months):
    """Incident, notification and completed months must each be the 1st of a month."""
    _assert_refused(_review(**months), "review_months_are_first_of_month")


def test_notification_before_incident_is_refused():
    """A notification month before the incident month is refused."""
    review = _review(incident_month=date(2024, 3, 1), notification_month=date(2024, 2, 1))
    _assert_refused(review, "review_notified_not_before_incident")


def test_completed_before_notification_is_refused():
    """A completed month before the notification month is refused."""
    review = _review(notification_month=date(2024, 3, 1), completed_month=date(2024, 2, 1))
    _assert_refused(review, "review_completed_not_before_notification")


def test_incident_notification_and_completion_in_one_month_are_valid():
    """Notification and completion may fall in the same month as the incident."""
    month = date(2024, 3, 1)
    review = _review(incident_month=month, notification_month=month, completed_month=month)
    review.full_clean()
    review.save()


# Dependent questions


@pytest.mark.parametrize("risk", ["partly", "fully"])
def test_action_followed_when_risk_recognised_is_valid(risk):
    """action_followed may be answered when risk was partly or fully recognised."""
    review = _review(risk_recognised=risk, action_followed="no")
    review.full_clean()
    review.save()


@pytest.mark.parametrize("risk", ["", "no"])
def test_action_followed_without_risk_recognised_is_refused(risk):
    """action_followed is refused when risk was not recognised or not answered."""
    review = _review(risk_recognised=risk, action_followed="yes")
    _assert_refused(review, "review_action_only_when_risk_recognised")


def test_disclosure_response_when_disclosure_is_valid():
    """disclosure_response may be answered when the child disclosed."""
    review = _review(disclosure="yes", disclosure_response="not_followed_up")
    review.full_clean()
    review.save()


@pytest.mark.parametrize("disclosure", ["", "no"])
def test_disclosure_response_without_disclosure_is_refused(disclosure):
    """disclosure_response is refused unless the child disclosed."""
    review = _review(disclosure=disclosure, disclosure_response="acted_on")
    _assert_refused(review, "review_response_only_when_disclosure")


def test_allegation_investigated_when_alleged_is_valid():
    """allegation_investigated may be answered when the family alleged racist practice."""
    review = _review(racism_alleged="yes", allegation_investigated="no")
    review.full_clean()
    review.save()


@pytest.mark.parametrize("alleged", ["", "no"])
def test_allegation_investigated_without_allegation_is_refused(alleged):
    """allegation_investigated is refused unless racist practice was alleged."""
    review = _review(racism_alleged=alleged, allegation_investigated="yes")
    _assert_refused(review, "review_investigated_only_when_alleged")


def test_interpreting_answers_when_interpreter_needed_are_valid():
    """Both interpreting questions may be answered when an interpreter was needed."""
    review = _review(
        interpreter_needed="yes",
        independent_interpreter_used="no",
        child_or_family_interpreted="yes",
    )
    review.full_clean()
    review.save()


@pytest.mark.parametrize("needed", ["", "no", "not_recorded"])
@pytest.mark.parametrize("field", ["independent_interpreter_used", "child_or_family_interpreted"])
def test_interpreting_answer_without_interpreter_needed_is_refused(needed, field):
    """Either interpreting question is refused unless an interpreter was needed."""
    review = _review(interpreter_needed=needed, **{field: "yes"})
    _assert_refused(review, "review_interpreting_only_when_needed")


# Review choices


@pytest.mark.parametrize(
    ("field", "value"),
    [("review_type", "scr"), ("review_type", ""), ("status", "archived"), ("status", "")],
)
def test_review_invalid_choice_is_refused(field, value):
    """An unknown review type or status fails full_clean and is refused by the database."""
    _assert_refused(_review(**{field: value}), field=field)


# Children and reviews


def test_a_child_can_have_several_reviews():
    """One child may have more than one review (54 reviews about 53 children)."""
    child = ChildFactory()
    ReviewFactory(child=child)
    ReviewFactory(child=child, review_type="lcspr")
    assert child.reviews.count() == 2
    assert set(child.reviews.values_list("review_type", flat=True)) == {"rapid_review", "lcspr"}


def test_review_str_names_type_and_reference():
    """A review reads as its type and the child's reference, never anything identifying."""
    review = ReviewFactory(child=ChildFactory(reference="C-2024-007"))
    assert str(review) == "Rapid review about C-2024-007"


# History


def test_saving_a_child_records_history():
    """Creating then changing a child leaves a history row for each save."""
    child = ChildFactory()
    assert child.history.count() == 1
    child.disability = "yes"
    child.save()
    assert child.history.count() == 2
    assert child.history.first().disability == "yes"


def test_saving_a_review_records_history():
    """Creating then changing a review leaves a history row for each save."""
    review = ReviewFactory()
    assert review.history.count() == 1
    review.racism_named = "no"
    review.save()
    assert review.history.count() == 2
    assert Review.history.filter(id=review.pk).first().racism_named == "no"
