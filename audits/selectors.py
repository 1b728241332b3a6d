"""Reads for audit pages: task-list progress, scores and the report, computed in the database."""

from dataclasses import dataclass, field

from django.db.models import Avg, Count, F, FloatField, Prefetch, Q
from django.db.models.functions import Cast

from .models import CYCLE_NAME_PATTERN, Audit, AuditEvent, Cycle, Response, ScaleLevel, Theme
from .rules import Breach, broken_rules, theme_status


def current_cycles():
    """Cycles, newest first."""
    return Cycle.objects.select_related("version").order_by("-opens_on")


def get_cycle(name: str) -> Cycle:
    """The cycle of that name; Cycle.DoesNotExist for any name no cycle could have.

    Names from URLs are checked against the pattern before the database sees them: a NUL
    byte, for one, would make PostgreSQL refuse the query.
    """
    if not CYCLE_NAME_PATTERN.fullmatch(name):
        raise Cycle.DoesNotExist(name)
    return Cycle.objects.select_related("version__framework").get(name=name)


def get_audit(*, partnership, cycle) -> Audit | None:
    return (
        Audit.objects.filter(partnership=partnership, cycle=cycle)
        .select_related("cycle", "partnership")
        .first()
    )


def themes_with_responses(audit: Audit):
    """The audit's themes, each with `audit_responses` (items and actions prefetched)."""
    responses = (
        Response.objects.filter(audit=audit)
        .select_related("item", "updated_by", "moderated_by")
        .prefetch_related("actions")
        .order_by("item__order")
    )
    return list(
        Theme.objects.filter(version_id=audit.cycle.version_id)
        .order_by("number")
        .prefetch_related(
            Prefetch("items__responses", queryset=responses, to_attr="audit_responses")
        )
    )


def task_list(audit: Audit):
    """Each theme with its status and item counts, plus overall progress."""
    responses = list(
        Response.objects.filter(audit=audit)
        .select_related("item__theme")
        .prefetch_related("actions")
        .order_by("item__theme__number", "item__order")
    )
    by_theme: dict[int, list] = {}
    for response in responses:
        by_theme.setdefault(response.item.theme_id, []).append(response)
    themes = Theme.objects.filter(version_id=audit.cycle.version_id).order_by("number")
    rows = [
        {
            "theme": theme,
            "status": theme_status(by_theme.get(theme.pk, [])),
            "items": len(by_theme.get(theme.pk, [])),
            "carried_forward": sum(r.carried_forward for r in by_theme.get(theme.pk, [])),
        }
        for theme in themes
    ]
    return {
        "rows": rows,
        "completed": sum(row["status"] == "completed" for row in rows),
        "total": len(rows),
        "breaches": broken_rules(responses),
    }


@dataclass
class CheckRow:
    """One item on the check-your-answers page: its answer and the rules it breaks."""

    item: object
    response: object
    breaches: list[Breach]


@dataclass
class CheckTheme:
    theme: Theme
    status: str
    rows: list[CheckRow] = field(default_factory=list)


def check_answers(audit: Audit) -> dict:
    """Every answer of the audit grouped by theme, each with the rules it breaks, and
    every breach in item order; the same few queries however many answers and actions."""
    groups, breaches = [], []
    for theme in themes_with_responses(audit):
        pairs = [(item, r) for item in theme.items.all() for r in item.audit_responses]
        group = CheckTheme(theme=theme, status=theme_status(r for _, r in pairs))
        for item, response in pairs:
            broken = broken_rules([response])
            breaches += broken
            group.rows.append(CheckRow(item=item, response=response, breaches=broken))
        groups.append(group)
    return {
        "themes": groups,
        "breaches": breaches,
        "completed": sum(group.status == "completed" for group in groups),
        "total": len(groups),
    }


def _score_annotations():
    """Mean rating and count rated 2 or 3, for self and moderated ratings, as SQL aggregates.

    Unreviewed carried-forward answers are left out of the self-rating figures.
    """
    counted = Q(carried_forward=False)
    return {
        "items": Count("id"),
        "self_mean": Avg("rating", filter=counted),
        "self_rated": Count("rating", filter=counted),
        "self_high": Count("id", filter=counted & Q(rating__gte=2)),
        "moderated_mean": Avg("moderated_rating"),
        "moderated_rated": Count("moderated_rating"),
        "moderated_high": Count("id", filter=Q(moderated_rating__gte=2)),
    }


def _with_shares(queryset):
    return queryset.annotate(
        self_share=Cast(F("self_high"), FloatField()) / Cast(F("items"), FloatField()),
        moderated_share=Cast(F("moderated_high"), FloatField()) / Cast(F("items"), FloatField()),
    )


def audit_scores(audit: Audit) -> dict:
    """Per theme and overall: mean rating (0-3) and share of items rated 2 or 3.

    Both for the partnership's own ratings and for the Panel's moderated ones.
    """
    base = Response.objects.filter(audit=audit)
    per_theme = _with_shares(
        base.values(number=F("item__theme__number"), title=F("item__theme__title"))
        .annotate(**_score_annotations())
        .order_by("number")
    )
    # Grouping by audit turns the same annotations into one overall row.
    overall = list(_with_shares(base.values("audit").annotate(**_score_annotations()).order_by()))
    return {"themes": list(per_theme), "overall": overall[0] if overall else {}}


def scale_levels(version_id: int):
    """The version's rating scale, 0 first."""
    return list(ScaleLevel.objects.filter(version_id=version_id).order_by("value"))


def level_map(version_id: int) -> dict:
    """The version's rating scale keyed by value."""
    return {level.value: level for level in scale_levels(version_id)}


def timeline(audit: Audit):
    """The audit's status changes, oldest first, with who made them."""
    return list(AuditEvent.objects.filter(audit=audit).select_related("by").order_by("at", "pk"))


def latest_return_reason(audit: Audit) -> str:
    event = (
        AuditEvent.objects.filter(audit=audit, kind=AuditEvent.Kind.RETURNED)
        .order_by("-at", "-pk")
        .first()
    )
    return event.reason if event else ""


def cycles_with_counts():
    """Cycles, newest first, with how many audits are in each status (counted in SQL)."""
    status = Audit.Status
    return (
        Cycle.objects.select_related("version")
        .annotate(
            draft=Count("audits", filter=Q(audits__status=status.DRAFT)),
            submitted=Count("audits", filter=Q(audits__status=status.SUBMITTED)),
            returned=Count("audits", filter=Q(audits__status=status.RETURNED)),
            accepted=Count("audits", filter=Q(audits__status=status.ACCEPTED)),
        )
        .order_by("-opens_on")
    )
