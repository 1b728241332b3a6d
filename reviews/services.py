"""Every change to review cases. Each runs in a transaction and records who and when."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from partnerships import access

from .choices import Status
from .models import Child, Review
from .rules import missing_dimensions

NOT_COMPLETE = "The review cannot be marked complete until every dimension is answered"
COMPLETE_IS_LOCKED = "This review is complete. Only a lead can change it"
REFERENCE_TAKEN = "Your partnership already has a child with the reference {reference}"


def _require_edit(partnership, by, review: Review | None = None) -> str:
    role = access.role_in(by, partnership)
    if not access.can_edit(role):
        raise PermissionDenied
    complete = review is not None and review.status == Status.COMPLETE
    if not access.can_change_record(role, finished=complete):
        raise ValidationError(COMPLETE_IS_LOCKED, code="locked")
    return role


def _save(instance, by, **fields):
    for name, value in fields.items():
        setattr(instance, name, value)
    instance._history_user = by
    instance.full_clean()
    instance.save()
    return instance


def _check_reference_free(partnership, reference, exclude_pk=None):
    taken = Child.objects.filter(partnership=partnership, reference__iexact=reference)
    if exclude_pk:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise ValidationError({"reference": REFERENCE_TAKEN.format(reference=reference)})


@transaction.atomic
def case_create(*, partnership, child_data: dict, review_data: dict, by) -> Review:
    """Record a new child with their first review, as a draft."""
    _require_edit(partnership, by)
    _check_reference_free(partnership, child_data["reference"])
    child = _save(Child(partnership=partnership, created_by=by), by, **child_data)
    return _save(Review(partnership=partnership, child=child), by, **review_data)


@transaction.atomic
def review_add(*, child: Child, review_data: dict, by) -> Review:
    """Record another review about a child the partnership already has."""
    _require_edit(child.partnership, by)
    return _save(Review(partnership=child.partnership, child=child), by, **review_data)


@transaction.atomic
def case_update(*, review: Review, child_data: dict, review_data: dict, by) -> Review:
    """Change a review and its child. A complete review that loses an answer goes back to draft."""
    review = (
        Review.objects.select_for_update(of=("self",)).select_related("child").get(pk=review.pk)
    )
    _require_edit(review.partnership, by, review)
    if child_data:
        _check_reference_free(review.partnership, child_data["reference"], review.child_id)
        _save(review.child, by, **child_data)
    _save(review, by, **review_data)
    if review.status == Status.COMPLETE and missing_dimensions(review):
        _save(review, by, status=Status.DRAFT)
    return review


@transaction.atomic
def review_complete(*, review: Review, by) -> Review:
    """A lead marks a review complete once every required dimension is answered."""
    review = Review.objects.select_for_update(of=("self",)).get(pk=review.pk)
    if not access.can_lead(access.role_in(by, review.partnership)):
        raise PermissionDenied
    missing = missing_dimensions(review)
    if missing:
        raise ValidationError(NOT_COMPLETE, code="incomplete", params={"missing": missing})
    return _save(review, by, status=Status.COMPLETE)
