"""Reads for the partnership pages that need other apps' tables."""

from django.db.models import OuterRef, Subquery
from django.utils import timezone


def current_cycle(partnership, today=None):
    """The current audit cycle (the newest opened by today), with `audit_status`: the
    partnership's audit status in it, or None when it has not started one. None when no
    cycle has opened yet. One query."""
    from audits.models import Audit, Cycle  # audits depends on partnerships

    today = today or timezone.localdate()
    status = Audit.objects.filter(cycle=OuterRef("pk"), partnership=partnership).values("status")
    return (
        Cycle.objects.filter(opens_on__lte=today)
        .annotate(audit_status=Subquery(status[:1]))
        .order_by("-opens_on")
        .first()
    )
