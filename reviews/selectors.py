"""Reads for review pages."""

from django.db.models import Q

from .choices import ETHNICITY_GROUP
from .models import Child, Review


def codes_in_group(group: str) -> list[str]:
    """The DfE codes that roll up to an ONS group."""
    return [code for code, code_group in ETHNICITY_GROUP.items() if code_group == group]


def review_list(partnership, filters: dict):
    """A partnership's reviews with their children, filtered as on the list page."""
    reviews = Review.objects.filter(partnership=partnership).select_related("child", "partnership")
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


def change_history(review: Review, limit: int = 30):
    """Recent changes to the review and its child: who, when and which fields."""
    entries = []
    for model_history in (review.history, review.child.history):
        records = list(
            model_history.select_related("history_user").order_by("-history_date")[:limit]
        )
        for newer, older in zip(records, records[1:] + [None], strict=False):
            if older is None:
                fields = ["created"]
            else:
                fields = [change.field for change in newer.diff_against(older).changes]
            entries.append(
                {
                    "when": newer.history_date,
                    "who": newer.history_user.email if newer.history_user else "System",
                    "what": "child" if model_history.model.__name__.endswith("Child") else "review",
                    "fields": [
                        str(newer.instance_type._meta.get_field(f).verbose_name)
                        if f != "created"
                        else "created"
                        for f in fields
                    ],
                }
            )
    return sorted(entries, key=lambda entry: entry["when"], reverse=True)[:limit]
