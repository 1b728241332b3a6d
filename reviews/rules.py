"""What a review needs before it can be marked complete.

Every dimension the report analysed must be answered; dependent questions only when
their condition holds (an action only when risk was recognised, and so on).
"""

from .models import Review

ALWAYS = [
    "completed_month",
    "ethnicity_in_review",
    "faith_recorded",
    "race_analysed",
    "racism_named",
    "child_voice",
    "risk_recognised",
    "disclosure",
    "racism_alleged",
    "interpreter_needed",
    "adultification",
    "intersectionality",
    "fathers_assessed",
    "learning_about_race",
]

# (question, asked only when this field has one of these values)
DEPENDENT = [
    ("action_followed", "risk_recognised", {"partly", "fully"}),
    ("disclosure_response", "disclosure", {"yes"}),
    ("allegation_investigated", "racism_alleged", {"yes"}),
    ("independent_interpreter_used", "interpreter_needed", {"yes"}),
    ("child_or_family_interpreted", "interpreter_needed", {"yes"}),
]


def _label(field: str) -> str:
    return str(Review._meta.get_field(field).verbose_name)


CONDITIONS = {field: (condition, values) for field, condition, values in DEPENDENT}
# Every question, in the order the model (and so the form) declares them.
ORDER = [
    field.name
    for field in Review._meta.fields
    if field.name in ALWAYS or field.name in CONDITIONS or field.name == "harm_types"
]


def _is_asked(review: Review, field: str) -> bool:
    if field not in CONDITIONS:
        return True
    condition, values = CONDITIONS[field]
    return getattr(review, condition) in values


def missing_dimensions(review: Review) -> list[tuple[str, str]]:
    """(field, question) for every dimension the review still needs, in form order."""
    return [
        (field, _label(field))
        for field in ORDER
        if _is_asked(review, field) and getattr(review, field) in (None, "", [])
    ]
