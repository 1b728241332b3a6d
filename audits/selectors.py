"""Reads for audit pages: task-list progress, scores and the report, computed in the database."""

from dataclasses import dataclass, field

from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Case, Count, F, IntegerField, Prefetch, Q, Subquery, When
from django.utils import timezone

from dashboards import disclosure
from partnerships.models import Partnership

from . import evidence
from .models import (
    CYCLE_NAME_PATTERN,
    Action,
    ActionNote,
    ActionRecord,
    Audit,
    AuditEvent,
    Cycle,
    EvidenceCheck,
    FrameworkVersion,
    Response,
    ScaleLevel,
    Theme,
)
from .querysets import SCORED
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
    """The partnership's audit in the cycle, or None; its cycle and partnership the objects
    given (so their version and the like come with them)."""
    audit = Audit.objects.filter(partnership=partnership, cycle=cycle).first()
    if audit is not None:
        audit.cycle, audit.partnership = cycle, partnership
    return audit


def get_cycle_and_audit(name: str, *, partnership) -> tuple[Cycle, Audit | None]:
    """The cycle of that name (with its version and framework, as get_cycle) and the
    partnership's audit in it, or None if not started: one query when there is an audit,
    as there is on every page of one. Cycle.DoesNotExist as get_cycle."""
    if not CYCLE_NAME_PATTERN.fullmatch(name):
        raise Cycle.DoesNotExist(name)
    audit = (
        Audit.objects.filter(partnership=partnership, cycle__name=name)
        .select_related("cycle__version__framework")
        .first()
    )
    if audit is None:
        return get_cycle(name), None
    audit.partnership = partnership
    return audit.cycle, audit


def attach_actions(responses) -> list:
    """The responses, each with its actions attached (`Response.action_list`), read in one
    query: prefetch_related would build a filtered queryset for every response, which on a
    page of every item cost more than the query."""
    responses = list(responses)
    by_response = {response.pk: [] for response in responses}
    lines = Action.objects.filter(response_id__in=list(by_response)).select_related("record")
    for action in lines.order_by("response_id", "order", "pk"):
        by_response[action.response_id].append(action)
    for response in responses:
        response._action_list = by_response[response.pk]
    return responses


def _responses(audit: Audit):
    """The audit's responses in theme and item order, each with its item and theme, the
    email of who last changed it (`updated_by_email`) and its actions: two queries however
    many there are."""
    return attach_actions(
        Response.objects.filter(audit=audit)
        .select_related("item__theme")
        .annotate(updated_by_email=F("updated_by__email"))
        .order_by("item__theme__number", "item__order")
    )


def themes_with_responses(audit: Audit, responses=None):
    """The audit's themes in order, each with `audit_items`: its items in order, each with
    `audit_responses` (its answer in this audit, actions attached). Two queries.

    Every item of the cycle's version has a response (services.audit_start makes them all),
    so the themes and items come with the responses rather than in queries of their own."""
    themes, items = {}, {}
    for response in _responses(audit) if responses is None else responses:
        item = items.get(response.item_id)
        if item is None:
            item = items[response.item_id] = response.item
            item.audit_responses = []
            theme = themes.setdefault(item.theme_id, item.theme)
            if not hasattr(theme, "audit_items"):
                theme.audit_items = []
            theme.audit_items.append(item)
        item.theme = themes[item.theme_id]  # one object per theme, as the page shows it
        item.audit_responses.append(response)
    return sorted(themes.values(), key=lambda theme: theme.number)


def task_list(audit: Audit):
    """Each theme with its status and item counts, plus overall progress and how many open
    actions of earlier plans were carried into this one."""
    responses = attach_actions(
        Response.objects.filter(audit=audit)
        .select_related("item__theme")
        .order_by("item__theme__number", "item__order")
    )
    by_theme: dict[int, list] = {}
    for response in responses:
        by_theme.setdefault(response.item.theme_id, []).append(response)
    themes = version_themes(audit.cycle.version)
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
        "carried_actions": sum(line.carried for r in responses for line in r.action_list),
    }


@dataclass
class CheckRow:
    """One item on the check-your-answers page: its answer and the rules it breaks."""

    item: object
    response: object
    breaches: list[Breach]
    change_url: str = ""  # where its answer is changed (the view knows the URLs)


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
        pairs = [(item, r) for item in theme.audit_items for r in item.audit_responses]
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


def _score(number, title, responses) -> dict:
    """Mean rating and count rated 2 or 3, for self and moderated ratings, of some responses.

    Unreviewed carried-forward answers are left out of the self-rating figures; shares are
    out of every item, rated or not."""
    own = [r.rating for r in responses if not r.carried_forward and r.rating is not None]
    moderated = [r.moderated_rating for r in responses if r.moderated_rating is not None]
    items = len(responses)
    self_high = sum(rating >= 2 for rating in own)
    moderated_high = sum(rating >= 2 for rating in moderated)
    return {
        "number": number,
        "title": title,
        "items": items,
        "self_mean": sum(own) / len(own) if own else None,
        "self_rated": len(own),
        "self_high": self_high,
        "moderated_mean": sum(moderated) / len(moderated) if moderated else None,
        "moderated_rated": len(moderated),
        "moderated_high": moderated_high,
        "self_share": self_high / items if items else None,
        "moderated_share": moderated_high / items if items else None,
    }


def audit_scores(audit: Audit, themes=None) -> dict:
    """Per theme and overall: mean rating (0-3) and share of items rated 2 or 3.

    Both for the partnership's own ratings and for the Panel's moderated ones. From `themes`
    (themes_with_responses) when the page has them, so no query of its own; else one query.
    """
    if themes is None:
        themes = themes_with_responses(
            audit,
            Response.objects.filter(audit=audit)
            .select_related("item__theme")
            .order_by("item__theme__number", "item__order"),
        )
    rows, every = [], []
    for theme in themes:
        responses = [r for item in theme.audit_items for r in item.audit_responses]
        every += responses
        rows.append(_score(theme.number, theme.title, responses))
    overall = _score(None, None, every) if every else {}
    if overall:
        del overall["number"], overall["title"]
    return {"themes": rows, "overall": overall}


def scale_levels(version_id: int):
    """The version's rating scale, 0 first."""
    return list(ScaleLevel.objects.filter(version_id=version_id).order_by("value"))


def _version_content(version: FrameworkVersion, name: str, read):
    """What `read()` gives of a version's content: a published or retired version's from the
    cache, since its scale, themes and items can never change (FrameworkVersion.save and
    delete, FrameworkContentQuerySet and models.refuse_change_to_published_content refuse
    it), so the copy is always true; a draft's read afresh every time, as it may change."""
    if not version.is_frozen:
        return read()
    key = f"audits:version:{version.pk}:{version.content_hash}:{name}"
    content = cache.get(key)
    if content is None:
        content = read()
        cache.set(key, content, None)
    return content


def version_levels(version: FrameworkVersion) -> list[ScaleLevel]:
    """The version's rating scale, 0 first (no query once a published version's is cached)."""
    return _version_content(version, "levels", lambda: scale_levels(version.pk))


def version_themes(version: FrameworkVersion) -> list[Theme]:
    """The version's themes in number order (no query once a published version's are cached)."""
    return _version_content(
        version,
        "themes",
        lambda: list(Theme.objects.filter(version_id=version.pk).order_by("number")),
    )


def level_map(version) -> dict:
    """The version's rating scale keyed by value: of a FrameworkVersion as version_levels
    reads it, or of a version's id."""
    if isinstance(version, FrameworkVersion):
        return {level.value: level for level in version_levels(version)}
    return {level.value: level for level in scale_levels(version)}


@dataclass(frozen=True)
class ItemEvidence:
    """What an item's page shows beside the rating: the figure from the partnership's own
    reviews, whether the rating is flagged against it, the lead's note, and whether the
    figure is the one kept at submission (`kept`) or counted now."""

    figure: evidence.Figure
    flagged: bool
    note: str
    kept: bool
    rules: evidence.Rules

    @property
    def flag_reason(self) -> str:
        """Why the rating is flagged, in the rule's own numbers, as the partnership reads it."""
        return self._reason("your")

    @property
    def flag_reason_for_panel(self) -> str:
        """Why the rating is flagged, as the Panel reads it ("its reviews")."""
        return self._reason("its")

    def _reason(self, whose: str) -> str:
        return evidence.FLAG_REASON.format(
            rating=self.rules.flag_from_rating,
            threshold=self.rules.threshold_percent,
            whose=whose,
        )


def audit_evidence(audit: Audit, responses, today) -> dict:
    """item id -> ItemEvidence for the audit's mapped items among `responses` (with their
    items): a submitted or accepted audit's as kept at submission, any other's counted now
    from the partnership's complete reviews against the ratings as they stand. One query;
    none for a version without evidence rules."""
    rule = evidence.Rules.of(audit.cycle.version)
    if rule is None:
        return {}
    responses = list(responses)
    if audit.status in SCORED:
        by_id = {response.pk: response for response in responses}
        checks = EvidenceCheck.objects.filter(response_id__in=list(by_id))
        return {
            (response := by_id[check.response_id]).item_id: ItemEvidence(
                figure=evidence.frozen_figure(response.item, check),
                flagged=check.flagged,
                note=response.consistency_note,
                kept=True,
                rules=rule,
            )
            for check in checks
        }
    figures = evidence.live_figures(
        audit.partnership, [response.item for response in responses], rule, today
    )
    return {
        response.item_id: ItemEvidence(
            figure=figure,
            flagged=rule.flags(response.effective_rating, figure),
            note=response.consistency_note,
            kept=False,
            rules=rule,
        )
        for response in responses
        if (figure := figures.get(response.item_id)) is not None
    }


def timeline(audit: Audit):
    """The audit's status changes, oldest first, with who made them."""
    return list(AuditEvent.objects.filter(audit=audit).select_related("by").order_by("at", "pk"))


def latest_return_reason(audit: Audit, events=None) -> str:
    """The reason the Panel gave when it last returned the audit; from `events` (timeline)
    when the page has them, else one query."""
    if events is not None:
        returned = [event for event in events if event.kind == AuditEvent.Kind.RETURNED]
        return returned[-1].reason if returned else ""
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


def get_action_record(partnership, pk: int) -> ActionRecord:
    """One of the partnership's actions, with its newest line; another partnership's, or none,
    raises ActionRecord.DoesNotExist (the page answers 404)."""
    return (
        ActionRecord.objects.for_partnership(partnership)
        .with_plan()
        .select_related("status_changed_by")
        .get(pk=pk)
    )


def action_lines(record: ActionRecord) -> list:
    """Each plan's line of the action, oldest cycle first: what, owner and due month as
    planned in that cycle."""
    return list(
        record.lines.select_related("response__audit__cycle").order_by(
            "response__audit__cycle__opens_on"
        )
    )


@dataclass
class HistoryEntry:
    """One thing that happened to an action: its status changed, or a note was written."""

    at: object
    by: str
    status: str = ""
    previous_status: str = ""
    reason: str = ""
    note: str = ""


def action_history(record: ActionRecord) -> list[HistoryEntry]:
    """The action's status changes (from its history: who, when, from what to what, and the
    reason when dropped) and its progress notes, newest first; two queries whatever their
    number."""
    labels = dict(ActionRecord.Status.choices)
    entries = []
    previous = None
    rows = record.history.select_related("history_user").order_by("history_date", "history_id")
    for row in rows:
        if previous is not None and (
            row.status != previous.status or row.dropped_reason != previous.dropped_reason
        ):
            entries.append(
                HistoryEntry(
                    at=row.history_date,
                    by=row.history_user.email if row.history_user else "a removed account",
                    status=labels.get(row.status, row.status),
                    previous_status=labels.get(previous.status, previous.status),
                    reason=row.dropped_reason,
                )
            )
        previous = row
    for note in record.notes.all():
        entries.append(
            HistoryEntry(
                at=note.at,
                by=note.by_email or "a removed account",
                status=labels.get(note.status, note.status),
                note=note.text,
            )
        )
    return sorted(entries, key=lambda entry: entry.at, reverse=True)


# A page of the plan: 25 cards (50 took some 40 ms to render at ten years of national data).
PLAN_PAGE_SIZE = 25
ANY = ""
OPEN = "open"


def plan_themes(partnership) -> list[Theme]:
    """The themes of the framework version of the partnership's newest audit (the plan's
    theme filter), in one query."""
    version = Audit.objects.filter(partnership=partnership).order_by("-cycle__opens_on")
    return list(
        Theme.objects.filter(Q(version_id=Subquery(version.values("cycle__version_id")[:1])))
        .only("number", "title")
        .order_by("number")
    )


def plan_owners(partnership) -> list[str]:
    """The owners of the partnership's actions, as their newest lines name them, A to Z."""
    return list(
        ActionRecord.objects.for_partnership(partnership)
        .exclude(latest_line__owner="")
        .order_by("latest_line__owner")
        .values_list("latest_line__owner", flat=True)
        .distinct()
    )


def plan_records(partnership, filters: dict, today):
    """The partnership's actions as the plan lists them: filtered by status (any, open, or
    one status), theme number, owner and overdue; open ones first, then by due month (none
    last), theme, item and age; each with its newest line, its item and cycle, and its
    notes (newest first, as `notes_newest`) for the records read."""
    records = ActionRecord.objects.for_partnership(partnership)
    status = filters.get("status") or ANY
    if status == OPEN:
        records = records.open()
    elif status != ANY:
        records = records.filter(status=status)
    if filters.get("theme"):
        records = records.in_theme(int(filters["theme"]))
    if filters.get("owner"):
        records = records.owned_by(filters["owner"])
    if filters.get("overdue"):
        records = records.overdue(today)
    return (
        records.with_plan()
        .select_related("status_changed_by")
        .prefetch_related(
            Prefetch("notes", ActionNote.objects.order_by("-at", "-pk"), to_attr="notes_newest")
        )
        .annotate(
            closed=Case(
                When(status__in=ActionRecord.CLOSED, then=1), default=0, output_field=IntegerField()
            )
        )
        .order_by(
            "closed",
            F("latest_line__due_month").asc(nulls_last=True),
            "theme_number",
            "item_ref",
            "pk",
        )
    )


@dataclass
class PlanRow:
    """One action as the plan page and its downloads show it: the one spelling of its fields."""

    record: ActionRecord
    today: object

    @property
    def line(self):
        return self.record.latest_line

    @property
    def item_ref(self) -> str:
        return self.record.item_ref

    @property
    def what(self) -> str:
        return self.line.what if self.line else ""

    @property
    def owner(self) -> str:
        return self.line.owner if self.line else ""

    @property
    def due_month(self):
        return self.line.due_month if self.line else None

    @property
    def overdue(self) -> bool:
        return self.record.is_overdue(self.today)

    @property
    def due_soon(self) -> bool:
        return self.record.is_due_soon(self.today)

    @property
    def planned_in(self) -> str:
        return self.record.planned_in.name

    @property
    def now_in(self) -> str:
        """The cycle of the newest plan holding it, when that is not the one it was made in."""
        if self.line is None:
            return ""
        name = self.line.response.audit.cycle.name
        return "" if name == self.planned_in else name

    @property
    def cycles(self) -> str:
        """ "2026-27", or "2026-27, carried into 2027-28"."""
        return self.planned_in + (f", carried into {self.now_in}" if self.now_in else "")

    @property
    def notes(self) -> list:
        return getattr(self.record, "notes_newest", [])

    @property
    def latest_note(self):
        return self.notes[0] if self.notes else None


def plan_page(partnership, filters: dict, today, page_number):
    """One page (of PLAN_PAGE_SIZE) of the plan: the page and its PlanRows."""
    page = Paginator(plan_records(partnership, filters, today), PLAN_PAGE_SIZE).get_page(
        page_number
    )
    return page, [PlanRow(record, today) for record in page.object_list]


def plan_rows(partnership, filters: dict, today) -> list[PlanRow]:
    """Every action the filters choose, as PlanRows (for the downloads)."""
    return [PlanRow(record, today) for record in plan_records(partnership, filters, today)]


def plan_summary(partnership, today) -> dict:
    """How many of the partnership's actions are overdue, due soon, open, done and dropped."""
    return ActionRecord.objects.for_partnership(partnership).summary(today)


def closed_before(audit: Audit, refs) -> dict[str, list]:
    """What happened to the last audit's actions for these items that are now done or
    dropped (open ones were carried into this plan): item ref -> those lines, each with its
    record and its audit's cycle. The last audit is the partnership's latest in an earlier
    cycle, of any framework version; items are matched by ref. One query."""
    previous = (
        Audit.objects.filter(
            partnership_id=audit.partnership_id, cycle__opens_on__lt=audit.cycle.opens_on
        )
        .order_by("-cycle__opens_on")
        .values("pk")[:1]
    )
    lines = (
        Action.objects.filter(
            response__audit=Subquery(previous),
            response__item__ref__in=list(refs),
            record__status__in=ActionRecord.CLOSED,
        )
        .select_related("record", "response__item", "response__audit__cycle")
        .order_by("response__item__order", "order", "pk")
    )
    by_ref = {}
    for line in lines:
        by_ref.setdefault(line.response.item.ref, []).append(line)
    return by_ref


# Follow-through: actions due by now and the share done --------------------------------


@dataclass(frozen=True)
class FollowThrough:
    """What became of some committed actions due by now (ActionRecordQuerySet.due_by):
    how many were due, and of those how many are done, dropped and overdue. Share done is
    done out of those due that were not dropped: a dropped action is counted on its own and
    is not in the share's base."""

    due: int = 0
    done: int = 0
    dropped: int = 0
    overdue: int = 0

    def __add__(self, other: "FollowThrough") -> "FollowThrough":
        return FollowThrough(
            due=self.due + other.due,
            done=self.done + other.done,
            dropped=self.dropped + other.dropped,
            overdue=self.overdue + other.overdue,
        )

    @classmethod
    def of(cls, row: dict) -> "FollowThrough":
        """From a row of ActionRecordQuerySet.follow_through."""
        return cls(due=row["due"], done=row["done"], dropped=row["dropped"], overdue=row["overdue"])

    @property
    def base(self) -> int:
        """The share's base: due by now, less those dropped."""
        return self.due - self.dropped

    @property
    def share(self) -> float | None:
        """Share done as an exact percentage, None when nothing is in the base."""
        return 100 * self.done / self.base if self.base else None

    @property
    def share_percent(self) -> int | None:
        """Share done as a whole percentage (half up), None when nothing is in the base."""
        return disclosure.percentage(self.done, self.base)

    @property
    def share_text(self) -> str:
        """Share done as the pages show it: "63%", "None due yet", or "All dropped" when
        every action due was dropped."""
        if self.base:
            return f"{self.share_percent}%"
        return "All dropped" if self.due else "None due yet"


@dataclass
class ThemeFollowThrough:
    """One theme's row (theme None: every theme) of a follow-through table."""

    number: int | None
    title: str
    figures: FollowThrough


@dataclass
class PartnershipFollowThrough:
    """One partnership's row of the Panel's follow-through table."""

    name: str
    slug: str
    region: str
    active: bool
    figures: FollowThrough


def follow_through_themes() -> list[Theme]:
    """The themes the follow-through pages name: those of the newest cycle's framework
    version, in number order (one query, and one more for a version not yet cached)."""
    cycle = Cycle.objects.select_related("version").order_by("-opens_on").first()
    return version_themes(cycle.version) if cycle else []


def _theme_rows(themes, figures: dict) -> list[ThemeFollowThrough]:
    """A row per theme (those named first, then any other number with actions), then the
    row of every theme together."""
    titles = {theme.number: theme.title for theme in themes}
    numbers = sorted(set(titles) | set(figures))
    rows = [
        ThemeFollowThrough(
            number=number,
            title=titles.get(number, f"Theme {number}"),
            figures=figures.get(number, FollowThrough()),
        )
        for number in numbers
    ]
    total = sum((row.figures for row in rows), FollowThrough())
    return [*rows, ThemeFollowThrough(number=None, title="All themes", figures=total)]


# How long a worker keeps England's follow-through once counted: it reads every committed
# action in England (about 65 ms at ten years of national data), so it is counted at most
# once a minute in each worker, and the pages say when it was counted. A partnership's own
# figures are always counted afresh.
FOLLOW_THROUGH_FRESH_SECONDS = 60


@dataclass(frozen=True)
class EnglandFollowThrough:
    """Every partnership's follow-through, theme by theme ({partnership id: {theme number:
    FollowThrough}}), each one's share done by theme and for every theme (None), and when
    they were counted. Worked out once when counted, as the cache keeps it."""

    by_partnership: dict
    shares: dict
    counted_at: object

    @classmethod
    def counted(cls, by_partnership: dict) -> "EnglandFollowThrough":
        shares = {}
        for pk, figures in by_partnership.items():
            shares[pk] = {number: one.share for number, one in figures.items()}
            shares[pk][None] = sum(figures.values(), FollowThrough()).share
        return cls(by_partnership=by_partnership, shares=shares, counted_at=timezone.now())


def england_follow_through_key(today) -> str:
    """The cache key of England's follow-through on `today`."""
    return f"audits:follow-through:{today.isoformat()}"


def england_follow_through(today) -> EnglandFollowThrough:
    """England's follow-through on `today`: from the cache if counted in the last
    FOLLOW_THROUGH_FRESH_SECONDS, else one query (ActionRecordQuerySet.follow_through)."""
    key = england_follow_through_key(today)
    kept = cache.get(key)
    if kept is None:
        by_partnership: dict[int, dict[int, FollowThrough]] = {}
        for row in ActionRecord.objects.follow_through(today):
            by_partnership.setdefault(row["partnership_id"], {})[row["theme_number"]] = (
                FollowThrough.of(row)
            )
        kept = EnglandFollowThrough.counted(by_partnership)
        cache.set(key, kept, FOLLOW_THROUGH_FRESH_SECONDS)
    return kept


def national_follow_through(england: EnglandFollowThrough, themes) -> list[ThemeFollowThrough]:
    """Every partnership's committed actions due by now, theme by theme and in all."""
    figures: dict[int, FollowThrough] = {}
    for themes_of_one in england.by_partnership.values():
        for number, one in themes_of_one.items():
            figures[number] = figures.get(number, FollowThrough()) + one
    return _theme_rows(themes, figures)


def partnership_follow_through(
    england: EnglandFollowThrough, theme: int | None = None
) -> list[PartnershipFollowThrough]:
    """A row per partnership with committed actions (in the theme with this number, if
    given), A to Z, with its region and whether it is active: one query, of their names."""
    totals = {}
    for pk, themes_of_one in england.by_partnership.items():
        chosen = [f for number, f in themes_of_one.items() if theme is None or number == theme]
        if chosen:
            totals[pk] = sum(chosen, FollowThrough())
    named = Partnership.objects.filter(pk__in=list(totals)).select_related("region")
    return [
        PartnershipFollowThrough(
            name=partnership.name,
            slug=partnership.slug,
            region=partnership.region.name if partnership.region_id else None,
            active=partnership.active,
            figures=totals[partnership.pk],
        )
        for partnership in named.order_by("name", "slug")
    ]


@dataclass
class PeerFollowThrough:
    """One theme's row (theme None: every theme) of a partnership's comparison with its
    peers: its own figures, and the peers' median and quartiles of share done (None for
    fewer than disclosure.MIN_PEER_GROUP peers). No peer's own figure is kept."""

    number: int | None
    title: str
    own: FollowThrough
    peers: disclosure.PeerRange | None


def peer_follow_through(partnership, today, themes) -> tuple[list[PeerFollowThrough], object]:
    """For each theme and overall, the partnership's share done of its actions due by now
    (counted now: one query) against the other partnerships' (england_follow_through), and
    when theirs were counted. A partnership with nothing in the share's base for a theme is
    not a peer for that theme."""
    mine = {
        row["theme_number"]: FollowThrough.of(row)
        for row in ActionRecord.objects.for_partnership(partnership).follow_through(
            today, "theme_number"
        )
    }
    england = england_follow_through(today)
    peers = [shares for pk, shares in england.shares.items() if pk != partnership.pk]
    rows = [
        PeerFollowThrough(
            number=row.number,
            title=row.title,
            own=row.figures,
            peers=disclosure.peer_range(shares.get(row.number) for shares in peers),
        )
        for row in _theme_rows(themes, mine)
    ]
    return rows, england.counted_at
