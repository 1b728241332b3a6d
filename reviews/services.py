"""Every change to review cases. Each runs in a transaction and records who and when.

A review and its child each carry a revision that rises with every saved change. A save
says which revisions its page was built from; if either has moved on, the save is refused
(CaseConflict) and nothing is written, so one person's change never silently replaces
another's.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from partnerships import access

from . import selectors
from .choices import Status
from .models import REFERENCE_TAKEN_CODE, Child, Review
from .rules import missing_dimensions
from .validators import REFERENCE_TAKEN

NOT_COMPLETE = "The review cannot be marked complete until every dimension is answered"
COMPLETE_IS_LOCKED = "This review is complete. Only a lead can change it"
COMPLETED_MEANWHILE = (
    "This review was marked complete while you were changing it, and only a lead can change "
    "it now. Nothing has been saved: your answers are still on this page for a lead to enter"
)

__all__ = [
    "COMPLETE_IS_LOCKED",
    "NOT_COMPLETE",
    "REFERENCE_TAKEN",
    "CaseConflict",
    "case_create",
    "case_update",
    "review_add",
    "review_complete",
]


class CaseConflict(Exception):
    """The review or its child changed after the page was loaded; nothing was saved.

    `review` is the review as it is now (with its child); `changes` lists who changed what
    and when since the revisions the page was built from, newest first.
    """

    def __init__(self, review: Review, changes: list[dict]):
        super().__init__("The review or its child changed since the page was loaded")
        self.review = review
        self.changes = changes


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


def _save_child(child: Child, by, **fields) -> Child:
    """Save a child; a reference taken by a concurrent save is REFERENCE_TAKEN, not a crash.

    full_clean checks the reference first, but two saves can pass that check together; the
    database constraint then refuses the later one.
    """
    try:
        with transaction.atomic():
            return _save(child, by, **fields)
    except IntegrityError:
        taken = Child.objects.filter(
            partnership_id=child.partnership_id, reference__iexact=child.reference
        )
        if child.pk:
            taken = taken.exclude(pk=child.pk)
        if not taken.exists():
            raise
        error = ValidationError(
            REFERENCE_TAKEN.format(reference=child.reference), code=REFERENCE_TAKEN_CODE
        )
        raise ValidationError({"reference": [error]}) from None


def _apply(instance, fields: dict) -> bool:
    """Set the fields on the instance; whether any value differed."""
    changed = False
    for name, value in fields.items():
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed = True
    return changed


def _stale(review: Review, review_revision, child_revision) -> bool:
    return review.revision != review_revision or review.child.revision != child_revision


@transaction.atomic
def case_create(*, partnership, child_data: dict, review_data: dict, by) -> Review:
    """Record a new child with their first review, as a draft."""
    _require_edit(partnership, by)
    child = _save_child(Child(partnership=partnership, created_by=by), by, **child_data)
    return _save(Review(partnership=partnership, child=child), by, **review_data)


@transaction.atomic
def review_add(*, child: Child, review_data: dict, by) -> Review:
    """Record another review about a child the partnership already has."""
    _require_edit(child.partnership, by)
    return _save(Review(partnership=child.partnership, child=child), by, **review_data)


@transaction.atomic
def case_update(
    *,
    review: Review,
    child_data: dict,
    review_data: dict,
    review_revision: int | None,
    child_revision: int | None,
    by,
) -> Review:
    """Change a review and its child, as shown at the given revisions.

    Refused (CaseConflict, nothing saved) if either changed since. Only a record whose values
    differ is saved, raising its revision. A complete review that loses an answer goes back
    to draft.
    """
    review = (
        Review.objects.select_for_update(of=("self", "child"))
        .select_related("child", "partnership")
        .get(pk=review.pk)
    )
    _require_edit(review.partnership, by, review)
    if _stale(review, review_revision, child_revision):
        raise CaseConflict(review, selectors.changes_since(review, review_revision, child_revision))
    child = review.child
    if _apply(child, child_data):
        _save_child(child, by, revision=child.revision + 1)
    review_changed = _apply(review, review_data)
    if review.status == Status.COMPLETE and missing_dimensions(review):
        review.status = Status.DRAFT
        review_changed = True
    if review_changed:
        _save(review, by, revision=review.revision + 1)
    return review


@transaction.atomic
def review_complete(
    *, review: Review, review_revision: int | None, child_revision: int | None, by
) -> Review:
    """A lead marks a review complete once every required dimension is answered.

    Refused (CaseConflict) if the review or its child changed since the lead's page showed
    them at the given revisions: they would be completing something they have not seen.
    """
    review = (
        Review.objects.select_for_update(of=("self", "child"))
        .select_related("child", "partnership")
        .get(pk=review.pk)
    )
    if not access.can_lead(access.role_in(by, review.partnership)):
        raise PermissionDenied
    if _stale(review, review_revision, child_revision):
        raise CaseConflict(review, selectors.changes_since(review, review_revision, child_revision))
    missing = missing_dimensions(review)
    if missing:
        raise ValidationError(NOT_COMPLETE, code="incomplete", params={"missing": missing})
    return _save(review, by, status=Status.COMPLETE, revision=review.revision + 1)
