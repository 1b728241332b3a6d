"""What a review needs before it can be marked complete.

Every question of reviews/dimensions.py about the review must be answered, with the
completed month; a question that depends on another only when its condition holds (an
action only when risk was recognised, and so on).
"""

from . import dimensions
from .models import Review


def _label(field: str) -> str:
    return str(Review._meta.get_field(field).verbose_name)


# Every question the completeness check asks, in the form's order.
ORDER = [name for name in dimensions.review_form_fields() if name in dimensions.TO_COMPLETE]
# Those asked of every review, whatever its other answers.
ALWAYS = [name for name in ORDER if name not in dimensions.dependent_questions()]


def _is_asked(review: Review, field: str) -> bool:
    if field not in dimensions.BY_NAME:
        return True
    return dimensions.is_asked(dimensions.BY_NAME[field], review)


def missing_dimensions(review: Review) -> list[tuple[str, str]]:
    """(field, question) for every dimension the review still needs, in form order."""
    return [
        (field, _label(field))
        for field in ORDER
        if _is_asked(review, field) and getattr(review, field) in (None, "", [])
    ]
