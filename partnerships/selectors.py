"""Reads for the partnership pages that need other apps' tables."""

from dataclasses import dataclass

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


HOME_ACTIONS_LISTED = 5


@dataclass
class DueActions:
    """The partnership's open actions that are overdue, and those due this month or next."""

    overdue: list
    due_soon: list

    @property
    def overdue_listed(self) -> list:
        return self.overdue[:HOME_ACTIONS_LISTED]

    @property
    def due_soon_listed(self) -> list:
        return self.due_soon[:HOME_ACTIONS_LISTED]


def actions_due(partnership, today=None) -> DueActions:
    """The partnership's open actions due before the month after next, oldest due first,
    split into overdue and due soon. One query."""
    from audits.models import ActionRecord  # audits depends on partnerships
    from partnerships.months import first_of_month, month_after

    today = today or timezone.localdate()
    this_month = first_of_month(today)
    records = list(
        ActionRecord.objects.for_partnership(partnership)
        .open()
        .filter(latest_line__due_month__lt=month_after(this_month, 2))
        .select_related("latest_line")
        .order_by("latest_line__due_month", "item_ref", "pk")
    )
    return DueActions(
        overdue=[r for r in records if r.is_overdue(today)],
        due_soon=[r for r in records if r.is_due_soon(today)],
    )
