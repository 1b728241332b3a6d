from datetime import date

import pytest

from reviews.rules import ALWAYS, missing_dimensions

from .factories import ReviewFactory, complete_answers

pytestmark = pytest.mark.django_db

# The order the review form asks its questions in (reviews/forms.py ReviewForm.Meta.fields),
# each dependent question straight after the question it depends on.
FORM_ORDER = [
    "completed_month",
    "harm_types",
    "ethnicity_in_review",
    "faith_recorded",
    "race_analysed",
    "racism_named",
    "child_voice",
    "risk_recognised",
    "action_followed",
    "disclosure",
    "disclosure_response",
    "racism_alleged",
    "allegation_investigated",
    "interpreter_needed",
    "independent_interpreter_used",
    "child_or_family_interpreted",
    "adultification",
    "intersectionality",
    "fathers_assessed",
    "learning_about_race",
]


def _fields(review):
    return [field for field, _ in missing_dimensions(review)]


def _answered(**changes):
    """A saved review with every dimension answered, then the given changes."""
    return ReviewFactory(**{**complete_answers(), **changes})


def test_blank_draft_is_missing_every_dimension():
    """A blank draft needs every always-asked dimension and harm types, and no dependents."""
    assert _fields(ReviewFactory()) == ALWAYS
    assert ALWAYS[:2] == ["completed_month", "harm_types"]
    assert "action_followed" not in ALWAYS


def test_missing_dimensions_carry_their_questions():
    """Each missing dimension comes with the question as the form asks it."""
    missing = dict(missing_dimensions(ReviewFactory()))
    assert missing["harm_types"] == "harm types"
    assert missing["risk_recognised"] == "risk recognised before the incident"
    assert missing["racism_alleged"] == "family alleged racist practice"
    assert missing["completed_month"] == "completed month"


def test_complete_answers_leave_nothing_missing():
    """With every dimension and its dependents answered, nothing is missing."""
    assert missing_dimensions(_answered()) == []


def test_empty_harm_types_are_missing():
    """A review with no harm type selected still needs harm types."""
    assert missing_dimensions(_answered(harm_types=[])) == [("harm_types", "harm types")]


# Blanking a question also blanks its answered dependent, which the database would refuse.
DEPENDENT_ANSWER = {"risk_recognised": "action_followed", "disclosure": "disclosure_response"}


@pytest.mark.parametrize("field", ALWAYS)
def test_each_always_asked_dimension_is_needed(field):
    """Leaving any always-asked dimension blank makes it the only thing missing."""
    blank = {field: None if field == "completed_month" else ""}
    if field in DEPENDENT_ANSWER:
        blank[DEPENDENT_ANSWER[field]] = ""
    assert _fields(_answered(**blank)) == [field]


@pytest.mark.parametrize(
    ("risk", "needed"), [("partly", True), ("fully", True), ("no", False), ("", False)]
)
def test_action_followed_needed_only_when_risk_recognised(risk, needed):
    """action_followed is needed when risk was partly or fully recognised, not otherwise."""
    missing = _fields(_answered(risk_recognised=risk, action_followed=""))
    assert ("action_followed" in missing) is needed


@pytest.mark.parametrize(("disclosure", "needed"), [("yes", True), ("no", False), ("", False)])
def test_disclosure_response_needed_only_when_disclosed(disclosure, needed):
    """disclosure_response is needed when the child disclosed, not otherwise."""
    missing = _fields(_answered(disclosure=disclosure, disclosure_response=""))
    assert ("disclosure_response" in missing) is needed


@pytest.mark.parametrize(("alleged", "needed"), [("yes", True), ("no", False), ("", False)])
def test_allegation_investigated_needed_only_when_alleged(alleged, needed):
    """allegation_investigated is needed when racist practice was alleged, not otherwise."""
    missing = _fields(_answered(racism_alleged=alleged))
    assert ("allegation_investigated" in missing) is needed


@pytest.mark.parametrize(
    ("needed_answer", "needed"),
    [("yes", True), ("no", False), ("not_recorded", False), ("", False)],
)
def test_interpreting_questions_needed_only_when_interpreter_needed(needed_answer, needed):
    """Both interpreting questions are needed when an interpreter was needed, not otherwise."""
    missing = _fields(_answered(interpreter_needed=needed_answer))
    assert ("independent_interpreter_used" in missing) is needed
    assert ("child_or_family_interpreted" in missing) is needed


def test_answered_dependents_are_not_missing():
    """Dependent questions, once answered, are no longer missing."""
    review = _answered(
        risk_recognised="fully",
        action_followed="yes",
        racism_alleged="yes",
        allegation_investigated="no",
        interpreter_needed="yes",
        independent_interpreter_used="no",
        child_or_family_interpreted="yes",
    )
    assert missing_dimensions(review) == []


def test_one_interpreting_answer_leaves_the_other_missing():
    """Answering one interpreting question still leaves the other needed."""
    review = _answered(interpreter_needed="yes", independent_interpreter_used="yes")
    assert _fields(review) == ["child_or_family_interpreted"]


def test_harm_types_come_first_when_completed_month_is_answered():
    """With the completed month answered, harm types lead the list, as on the form."""
    review = ReviewFactory(completed_month=date(2024, 9, 1))
    assert _fields(review)[:2] == ["harm_types", "ethnicity_in_review"]


@pytest.mark.parametrize(
    "answers",
    [
        {},
        {"completed_month": date(2024, 9, 1)},
        {"risk_recognised": "partly"},
        {"disclosure": "yes", "racism_alleged": "yes"},
        {"interpreter_needed": "yes"},
    ],
)
def test_missing_dimensions_follow_the_form_order(answers):
    """Missing dimensions are listed in the order the form asks them (for the error summary)."""
    fields = _fields(ReviewFactory(**answers))
    assert fields == sorted(fields, key=FORM_ORDER.index)
