"""Deterministic demo audits: a closed 2025-26 cycle and an open 2026-27 cycle.

The open cycle always closes six weeks after the day the seed runs, so the demo never
goes stale. Every state appears: not started, draft, submitted, returned, accepted.
"""

import random
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from . import services
from .models import (
    Action,
    ActionNote,
    ActionRecord,
    Audit,
    AuditEvent,
    Cycle,
    FrameworkVersion,
    Item,
    Response,
)
from .querysets import SCORED

EVIDENCE = [
    "Minutes of the partnership executive where this was agreed, and the follow-up paper.",
    "Findings of the multi-agency audit of case files, with the action tracker.",
    "Practitioner survey results and the plan that responds to them.",
    "Training records for the multi-agency course and feedback from those who attended.",
    "Quarterly data report to the executive, broken down by ethnicity.",
]
ACTIONS = [
    ("Agree a plan with all three safeguarding partners", "Partnership business manager"),
    ("Run a multi-agency audit of case files on this theme", "Quality assurance subgroup chair"),
    ("Add this to the training programme for next year", "Learning and development lead"),
    ("Report progress to the executive every quarter", "Independent scrutineer"),
]

PROGRESS = ["not_started", "in_progress", "in_progress", "done", "done", "dropped"]
PROGRESS_NOTES = {
    "in_progress": "Terms of reference agreed; the first session is booked.",
    "done": "Completed and reported to the executive.",
}
DROPPED_REASON = "Replaced by the regional programme, which covers the same ground."

# 2026-27 state of each demo partnership (the rest have not started).
OPEN_CYCLE_STATES = {
    "northshire": "draft",
    "eastmere": "submitted",
    "harrowdale": "returned",
    "kestrel-bay": "accepted",
    "thornmoor": "draft",
    "millbeck": "submitted",
    "greystone": "accepted",
    "ashvale": "returned",
}
RETURN_REASON = (
    "Several ratings of 2 rest on plans rather than practice. Please add evidence of what "
    "has changed for children, or lower the ratings and add actions."
)


def _at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _fill(audit, items, rng, *, author, when, complete=True, upto=None, moderate_by=None):
    """Answer items so that no rule is broken (all of them, or those of themes <= upto)."""
    responses, actions = [], []
    for item in items:
        answered = complete or (upto is not None and item.theme.number <= upto)
        rating = rng.choice([0, 1, 1, 2, 2, 2, 3]) if answered else None
        response = Response(
            audit=audit,
            item=item,
            rating=rating,
            evidence=rng.choice(EVIDENCE) if rating is not None and rating >= 2 else "",
            revision=1 if answered else 0,
            updated_by=author if answered else None,
            updated_at=_at(when) if answered else None,
        )
        if moderate_by is not None and rating is not None:
            response.moderated_rating = max(0, rating - rng.choice([0, 0, 0, 1]))
            response.moderated_by = moderate_by
            response.moderated_at = _at(when + timedelta(days=20))
            response.moderation_revision = 1
        responses.append(response)
    Response.objects.bulk_create(responses)
    records = []
    worked_on = min(when + timedelta(days=60), timezone.localdate())
    for response in responses:
        if response.rating is not None and response.rating <= 1:
            what, owner = rng.choice(ACTIONS)
            due = date(when.year + 1, rng.randint(1, 12), 1)
            # An accepted plan has been worked on since: some actions done, one dropped.
            status = rng.choice(PROGRESS) if moderate_by is not None else "not_started"
            record = ActionRecord(
                partnership_id=audit.partnership_id,
                item_ref=response.item.ref,
                theme_number=response.item.theme.number,
                planned_in_id=audit.cycle_id,
                status=status,
                dropped_reason=DROPPED_REASON if status == "dropped" else "",
                status_changed_at=_at(worked_on) if status != "not_started" else None,
                status_changed_by=author if status != "not_started" else None,
                revision=0 if status == "not_started" else 1,
            )
            records.append(record)
            actions.append(Action(response=response, what=what, owner=owner, due_month=due))
    ActionRecord.objects.bulk_create(records)
    for record, action in zip(records, actions, strict=True):
        action.record = record
    Action.objects.bulk_create(actions)
    for record, action in zip(records, actions, strict=True):
        record.latest_line = action
    ActionRecord.objects.bulk_update(records, ["latest_line"])
    ActionNote.objects.bulk_create(
        ActionNote(
            record=record,
            text=PROGRESS_NOTES[record.status],
            status=record.status,
            by=author,
            by_email=author.email,
            at=record.status_changed_at,
        )
        for record in records
        if record.status in PROGRESS_NOTES
    )


def _event(audit, kind, by, day, reason=""):
    AuditEvent.objects.create(audit=audit, kind=kind, by=by, at=_at(day), reason=reason)


def _audit(partnership, cycle, state, rng, *, lead, panel, start, items=None):
    audit = Audit.objects.create(partnership=partnership, cycle=cycle, status=state)
    if items is None:
        items = list(Item.objects.filter(theme__version=cycle.version).select_related("theme"))
    _event(audit, "started", lead, start)
    if state == "draft":
        upto = 3 if partnership.slug == "northshire" else 5
        _fill(
            audit,
            items,
            rng,
            author=lead,
            when=start + timedelta(days=3),
            complete=False,
            upto=upto,
        )
        return audit
    moderator = panel if state == "accepted" else None
    _fill(audit, items, rng, author=lead, when=start + timedelta(days=3), moderate_by=moderator)
    _event(audit, "submitted", lead, start + timedelta(days=10))
    if state == "returned":
        _event(audit, "returned", panel, start + timedelta(days=14), reason=RETURN_REASON)
    if state == "accepted":
        _event(audit, "accepted", panel, start + timedelta(days=24))
    return audit


@transaction.atomic
def seed_audits(*, partnerships: dict, leads: dict, panel, today: date | None = None) -> dict:
    """Create the two demo cycles and their audits; on a second run only move the closing date."""
    today = today or timezone.localdate()
    version = FrameworkVersion.objects.get(framework__slug="anti-racist-safeguarding", number=1)
    # The open cycle is on version 3: version 2 (whose items show the partnership's own review
    # figures) with the practitioner survey.
    newest = FrameworkVersion.objects.get(framework__slug="anti-racist-safeguarding", number=3)
    open_closes = today + timedelta(weeks=6)
    open_opens = min(date(2026, 4, 1), today - timedelta(days=60))
    closed_closes = min(date(2026, 3, 31), open_opens - timedelta(days=1))
    closed_opens = closed_closes - timedelta(days=364)

    existing = Cycle.objects.filter(name="2026-27").first()
    if existing is not None:
        Cycle.objects.filter(pk=existing.pk).update(closes_on=max(existing.closes_on, open_closes))
        return {"cycles": list(Cycle.objects.order_by("opens_on"))}

    closed = Cycle.objects.create(
        name="2025-26",
        version=version,
        opens_on=closed_opens,
        closes_on=closed_closes,
        created_by=panel,
    )
    current = Cycle.objects.create(
        name="2026-27",
        version=newest,
        opens_on=open_opens,
        closes_on=open_closes,
        created_by=panel,
    )
    slugs = sorted(partnerships)
    for slug in slugs:
        rng = random.Random(f"2025-26:{slug}")
        # Two partnerships did not take part in 2025-26; the rest were accepted.
        if slug in ("coombe-vale", "riverbank"):
            continue
        _audit(
            partnerships[slug],
            closed,
            "accepted",
            rng,
            lead=leads[slug],
            panel=panel,
            start=closed_opens + timedelta(days=30),
        )
    for slug in slugs:
        state = OPEN_CYCLE_STATES.get(slug)
        if state is None:
            continue
        rng = random.Random(f"2026-27:{slug}")
        start = max(open_opens, today - timedelta(days=40))
        _audit(partnerships[slug], current, state, rng, lead=leads[slug], panel=panel, start=start)
    return {"cycles": [closed, current]}


# Shares of the national demo's extra partnerships in each 2026-27 state.
NATIONAL_OPEN_STATES = ["accepted"] * 3 + ["submitted"] * 3 + ["returned", "draft", "draft", None]
# The states a closed year's audits were left in, for the cycles before 2024-25 that
# `seed_demo --national --years N` adds: most accepted (and moderated), a few never started.
OLDER_CLOSED_STATES = ["accepted"] * 16 + ["submitted", "returned", "draft"] + [None]
NATIONAL_YEARS = 3
MOST_YEARS = 10


def _cycle_name(first_year: int) -> str:
    return f"{first_year}-{(first_year + 1) % 100:02d}"


@transaction.atomic
def seed_national_audits(*, partnerships: dict, leads: dict, panel, years: int = NATIONAL_YEARS):
    """`years` cycles for the national demo, up to the open 2026-27: add 2024-25 (and, for
    more than three years, the cycles before it) before the two demo cycles, and give every
    partnership without one an audit in each (most accepted, 2026-27 in every state)."""
    if not NATIONAL_YEARS <= years <= MOST_YEARS:
        raise ValueError(f"years must be {NATIONAL_YEARS} to {MOST_YEARS}, not {years}")
    version = FrameworkVersion.objects.get(framework__slug="anti-racist-safeguarding", number=1)
    closed = Cycle.objects.get(name="2025-26")
    current = Cycle.objects.get(name="2026-27")
    older = []
    later = closed
    for back in range(1, years - 1):
        cycle, _ = Cycle.objects.get_or_create(
            name=_cycle_name(int(closed.name[:4]) - back),
            defaults={
                "version": version,
                "opens_on": later.opens_on - timedelta(days=365),
                "closes_on": later.opens_on - timedelta(days=1),
                "created_by": panel,
            },
        )
        older.append(cycle)
        later = cycle
    earliest, older = older[0], older[1:]  # 2024-25, then the years before it, newest first
    cycles = [*reversed(older), earliest, closed, current]
    started = set(
        Audit.objects.filter(cycle__in=cycles).values_list("cycle_id", "partnership__slug")
    )
    items = {}
    for slug in sorted(partnerships):
        for cycle in cycles:
            if (cycle.pk, slug) in started:
                continue
            rng = random.Random(f"{cycle.name}:{slug}")
            if cycle is current:
                if slug in OPEN_CYCLE_STATES or not slug.startswith("area-"):
                    continue
                state = rng.choice(NATIONAL_OPEN_STATES)
            elif cycle in older:
                state = rng.choice(OLDER_CLOSED_STATES)
            else:
                state = "accepted" if rng.random() < 0.9 else None
            if state is None:
                continue
            if cycle.version_id not in items:
                items[cycle.version_id] = list(
                    Item.objects.filter(theme__version=cycle.version).select_related("theme")
                )
            start = max(cycle.opens_on + timedelta(days=30), cycle.opens_on)
            _audit(
                partnerships[slug],
                cycle,
                state,
                rng,
                lead=leads[slug],
                panel=panel,
                start=min(start, timezone.localdate()),
                items=items[cycle.version_id],
            )
    return list(Cycle.objects.order_by("opens_on"))


def seed_evidence_checks() -> int:
    """Keep, for each submitted or accepted demo audit on a version with evidence rules that
    has none yet, what its partnership's own reviews said on the day it was submitted (as
    services.audit_submit would have): run after the demo reviews exist. Returns how many
    audits it counted for."""
    audits = (
        Audit.objects.filter(status__in=SCORED)
        .exclude(cycle__version__evidence_rules={})
        .exclude(responses__evidence_check__isnull=False)
        .select_related("cycle__version", "partnership")
        .distinct()
    )
    counted = 0
    for audit in audits:
        submitted = audit.events.filter(kind="submitted").order_by("-at").first()
        day = timezone.localtime(submitted.at).date() if submitted else timezone.localdate()
        services.evidence_checks_store(audit=audit, today=day)
        counted += 1
    return counted
