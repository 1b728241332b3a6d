"""Fast fixtures for dashboard tests: audits with chosen ratings written straight to the
database (dashboards only read them) with their means stored as the services store them,
and complete reviews with chosen answers."""

from datetime import date, timedelta

from django.utils import timezone

from audits.models import Audit, Cycle, Item, Response
from audits.services import audit_means_store
from reviews.models import Review
from tests.audits.factories import version_1
from tests.partnerships.factories import PartnershipFactory
from tests.reviews.factories import ChildFactory, ReviewFactory, complete_answers


def cycle_named(name: str, *, closes_in_days: int = 30) -> Cycle:
    """A cycle on version 1 opening in April of the name's first year, closing as asked
    from today (so several cycles keep their order by opening date)."""
    start_year = int(name[:4])
    return Cycle.objects.create(
        name=name,
        version=version_1(),
        opens_on=date(start_year, 4, 1),
        closes_on=max(date(start_year, 4, 1), timezone.localdate() + timedelta(closes_in_days)),
    )


def scored_audit(
    partnership,
    cycle,
    *,
    rating=2,
    moderated=None,
    status=Audit.Status.SUBMITTED,
    ratings: dict | None = None,
):
    """An audit with every item rated `rating` (or `ratings[ref]`), moderated if asked."""
    audit = Audit.objects.create(partnership=partnership, cycle=cycle, status=status)
    items = Item.objects.filter(theme__version_id=cycle.version_id)
    Response.objects.bulk_create(
        [
            Response(
                audit=audit,
                item=item,
                rating=(ratings or {}).get(item.ref, rating),
                evidence="Minutes of the board" if (ratings or {}).get(item.ref, rating) else "",
                moderated_rating=moderated,
            )
            for item in items
        ]
    )
    audit_means_store(audit)
    return audit


def partnerships_with_audits(count, cycle, *, region=None, rating=2):
    """`count` partnerships, each with a submitted audit rated `rating` throughout."""
    partnerships = []
    for _ in range(count):
        fields = {"region": region} if region is not None else {}
        partnership = PartnershipFactory(**fields)
        scored_audit(partnership, cycle, rating=rating)
        partnerships.append(partnership)
    return partnerships


def complete_review(
    partnership,
    *,
    child=None,
    notified=date(2024, 3, 1),
    incident=None,
    child_fields=None,
    **answers,
) -> Review:
    """A complete review (every dimension answered) about a new or given child, its incident
    in the month it was notified unless another is given."""
    child = child or ChildFactory(partnership=partnership, **(child_fields or {}))
    values = {**complete_answers(), **answers}
    values["completed_month"] = max(values["completed_month"], notified)
    return ReviewFactory(
        child=child,
        partnership=partnership,
        status="complete",
        incident_month=incident or notified,
        notification_month=notified,
        **values,
    )
