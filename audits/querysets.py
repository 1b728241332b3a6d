"""Querysets for the checklist framework and audits, named in the domain's words."""

from django.db import models
from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.utils import timezone

from partnerships.months import first_of_month, month_after


class FrameworkLockedError(Exception):
    """Raised on any attempt to change a published framework version's content."""


LOCKED = "Version {version} is published and can no longer change. Load a new version instead."


class FrameworkContentQuerySet(models.QuerySet):
    """Themes, items and scale levels: bulk changes are refused once their version is published.

    `version_path` is the lookup from the model to its FrameworkVersion.
    """

    version_path = "version"

    def _refuse_if_published(self):
        published = self.filter(**{f"{self.version_path}__status__in": ["published", "retired"]})
        if published.exists():
            raise FrameworkLockedError(LOCKED.format(version="this"))

    def update(self, **kwargs):
        self._refuse_if_published()
        return super().update(**kwargs)

    def delete(self):
        self._refuse_if_published()
        return super().delete()

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        if any(obj.owning_version().is_frozen for obj in objs):
            raise FrameworkLockedError(LOCKED.format(version="this"))
        return super().bulk_create(objs, *args, **kwargs)


class ItemQuerySet(FrameworkContentQuerySet):
    version_path = "theme__version"


class FrameworkVersionQuerySet(models.QuerySet):
    # Only these may change once a version is published: it can be retired.
    MUTABLE_WHEN_FROZEN = frozenset({"status", "published_at"})

    def update(self, **kwargs):
        frozen = self.exclude(status="draft")
        if set(kwargs) - self.MUTABLE_WHEN_FROZEN and frozen.exists():
            raise FrameworkLockedError(LOCKED.format(version="this"))
        if kwargs.get("status") == "draft" and frozen.exists():
            raise FrameworkLockedError(LOCKED.format(version="this"))
        return super().update(**kwargs)

    def published(self):
        """Versions that audits may use."""
        return self.filter(status="published")


class CycleQuerySet(models.QuerySet):
    def open_on(self, day=None):
        """Cycles accepting changes on the given day (today by default)."""
        day = day or timezone.localdate()
        return self.filter(opens_on__lte=day, closes_on__gte=day)


class AuditQuerySet(models.QuerySet):
    def for_partnership(self, partnership):
        """A partnership's audits, newest cycle first."""
        return (
            self.filter(partnership=partnership)
            .select_related("cycle")
            .order_by("-cycle__opens_on")
        )


class ResponseQuerySet(models.QuerySet):
    def for_theme(self, audit, theme):
        """One audit's responses to one theme's items, in item order, with their actions."""
        return (
            self.filter(audit=audit, item__theme=theme)
            .select_related("item", "updated_by")
            .with_actions()
            .order_by("item__order")
        )

    def with_actions(self):
        """Each response's action lines, each with its record (its status) and the cycle it
        was first planned in, prefetched."""
        from .models import Action

        lines = Action.objects.select_related("record__planned_in")
        return self.prefetch_related(Prefetch("actions", lines))


OPEN = ("not_started", "in_progress")
CLOSED = ("done", "dropped")
SCORED = ("submitted", "accepted")


def _due_by(day) -> Q:
    return Q(latest_line__due_month__lt=first_of_month(day))


def _overdue(day) -> Q:
    return Q(status__in=OPEN) & _due_by(day)


def _due_soon(day) -> Q:
    month = first_of_month(day)
    return Q(
        status__in=OPEN,
        latest_line__due_month__gte=month,
        latest_line__due_month__lte=month_after(month),
    )


class ActionRecordQuerySet(models.QuerySet):
    def for_partnership(self, partnership):
        """One partnership's actions, across every cycle."""
        return self.filter(partnership=partnership)

    def open(self):
        """Not started or in progress."""
        return self.filter(status__in=OPEN)

    def closed(self):
        """Done or dropped."""
        return self.filter(status__in=CLOSED)

    def overdue(self, day):
        """Open, with the due month of the newest plan ended before the month of `day`."""
        return self.filter(_overdue(day))

    def due_soon(self, day):
        """Open, and due in the month of `day` or the month after."""
        return self.filter(_due_soon(day))

    def summary(self, day) -> dict:
        """How many are overdue, due soon, open, done and dropped, in one query."""
        return self.aggregate(
            overdue=Count("pk", filter=_overdue(day)),
            due_soon=Count("pk", filter=_due_soon(day)),
            open=Count("pk", filter=Q(status__in=OPEN)),
            done=Count("pk", filter=Q(status="done")),
            dropped=Count("pk", filter=Q(status="dropped")),
        )

    def in_theme(self, number):
        """Planned under an item of the theme with this number."""
        return self.filter(theme_number=number)

    def owned_by(self, owner):
        """Owned, in the newest plan holding it, by this owner."""
        return self.filter(latest_line__owner=owner)

    def committed(self):
        """In the plan of a submitted or accepted audit: a draft plan is not yet a plan."""
        from .models import Action

        return self.filter(
            Exists(Action.objects.filter(record=OuterRef("pk"), response__audit__status__in=SCORED))
        )

    def due_by(self, day):
        """Due by now: committed, with the due month of the newest plan ended before the month
        of `day` (the boundary `overdue` uses), whatever its status. So an action due last
        month is due by now and one due this month is not; due by now is the overdue ones,
        the done ones and the dropped ones that were due."""
        return self.committed().filter(_due_by(day))

    def follow_through(self, day, *by):
        """The follow-through of committed actions, a row (a dict) per group of the fields
        `by` (partnership_id and theme_number unless given), in their order, in one query:
        `due` (due by now, as due_by, dropped ones included), and of those `done`,
        `dropped` and `overdue` (open). Share done is done out of due less dropped
        (audits.selectors.FollowThrough). A group with committed actions of which none is
        due yet has a row of noughts."""
        by = by or ("partnership_id", "theme_number")
        due = _due_by(day)
        return (
            self.committed()
            .values(*by)
            .annotate(
                due=Count("pk", filter=due),
                done=Count("pk", filter=due & Q(status="done")),
                dropped=Count("pk", filter=due & Q(status="dropped")),
                overdue=Count("pk", filter=_overdue(day)),
            )
            .order_by(*by)
        )

    def with_plan(self):
        """With the newest line, its item and its audit's cycle, and the cycle first planned in."""
        return self.select_related(
            "latest_line__response__item",
            "latest_line__response__audit__cycle",
            "planned_in",
        )
