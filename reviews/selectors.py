"""Reads for review pages."""

from django.db.models import Q

from .choices import ETHNICITY_GROUP
from .models import Child, Review


def codes_in_group(group: str) -> list[str]:
    """The DfE codes that roll up to an ONS group."""
    return [code for code, code_group in ETHNICITY_GROUP.items() if code_group == group]


# What a row of the list shows (and its link needs): a review has some 30 answers more, and
# reading and making them was most of the list's time.
LIST_FIELDS = (
    "review_type",
    "incident_month",
    "status",
    "partnership__slug",
    "child__reference",
    "child__ethnicity",
    "child__outcome",
)


def of_partnership(partnership) -> Q:
    """A partnership's reviews. A review's child is always its partnership's own (both are
    made under one partnership); saying so of the child too lets PostgreSQL read only that
    partnership's children when it joins them (to sort by reference, or to sum their
    revisions), not every child of every partnership: 9 ms to under 1 at ten years."""
    return Q(partnership=partnership, child__partnership=partnership)


def review_list(partnership, filters: dict):
    """A partnership's reviews with their children, filtered as on the list page: only
    LIST_FIELDS read."""
    reviews = (
        Review.objects.filter(of_partnership(partnership))
        .select_related("child", "partnership")
        .only(*LIST_FIELDS)
    )
    conditions = Q()
    if filters.get("review_type"):
        conditions &= Q(review_type=filters["review_type"])
    if filters.get("outcome"):
        conditions &= Q(child__outcome=filters["outcome"])
    if filters.get("ethnicity_group"):
        conditions &= Q(child__ethnicity__in=codes_in_group(filters["ethnicity_group"]))
    if filters.get("status"):
        conditions &= Q(status=filters["status"])
    if filters.get("year"):
        conditions &= Q(incident_month__year=filters["year"])
    return reviews.filter(conditions).order_by("-incident_month", "child__reference", "pk")


def get_review(partnership, pk) -> Review:
    """One of the partnership's reviews; another partnership's answers DoesNotExist."""
    return Review.objects.select_related("child", "partnership").get(partnership=partnership, pk=pk)


def get_child(partnership, pk) -> Child:
    return Child.objects.get(partnership=partnership, pk=pk)


def _compared(historical) -> list[str]:
    """The fields whose changes a history entry names: every one its records track and a
    form can change (as django-simple-history's diff_against compares), but the revision."""
    return sorted(
        field.name
        for field in historical.tracked_fields
        if field.editable and field.name != "revision"
    )


def change_history(review: Review, limit: int = 30):
    """Recent changes to the review and its child: who, when and which fields.

    Each entry also has the record's revision after the change and the changed fields' names.
    One query for each record's history; each change is found by comparing a history row with
    the one before it, field by field.
    """
    entries = []
    for model, pk, what in ((Review, review.pk, "review"), (Child, review.child_id, "child")):
        historical = model.history.model
        compared = _compared(historical)
        rows = list(
            historical.objects.filter(id=pk)
            .order_by("-history_date")
            .values("history_date", "history_user__email", "revision", *compared)[:limit]
        )
        for newer, older in zip(rows, rows[1:] + [None], strict=False):
            names = [] if older is None else [n for n in compared if newer[n] != older[n]]
            who = newer["history_user__email"]
            entries.append(
                {
                    "when": newer["history_date"],
                    "who": "System" if who is None else who,
                    "what": what,
                    "revision": newer["revision"],
                    "names": names,
                    "fields": [str(model._meta.get_field(name).verbose_name) for name in names]
                    if older is not None
                    else ["created"],
                }
            )
    return sorted(entries, key=lambda entry: entry["when"], reverse=True)[:limit]


def changes_since(review: Review, review_revision: int | None, child_revision: int | None):
    """The changes to the review and its child after the given revisions, newest first.

    A revision not known (None) counts as before every change.
    """
    seen = {"review": review_revision, "child": child_revision}
    return [
        entry
        for entry in change_history(review)
        if seen[entry["what"]] is None or entry["revision"] > seen[entry["what"]]
    ]


def as_at_revisions(review: Review, review_revision, child_revision):
    """(review, child) as they were at the given revisions, or None where not recorded."""

    def at(history, revision):
        if revision is None:
            return None
        record = history.filter(revision=revision).order_by("-history_date").first()
        return record.instance if record else None

    return at(review.history, review_revision), at(review.child.history, child_revision)
