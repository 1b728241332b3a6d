"""Cycles on framework version 1, and helpers to start, answer and fill audits through
the services, so that tests exercise the same paths as the views."""

from datetime import date, timedelta

import factory
from django.utils import timezone

from audits import services
from audits.models import (
    Action,
    ActionNote,
    ActionRecord,
    Cycle,
    FrameworkVersion,
    Response,
    Theme,
)
from audits.services import ActionLine, ItemAnswer, Moderation

EVIDENCE = "Board minutes, March 2026"


def version_1() -> FrameworkVersion:
    """Framework version 1, loaded by the data migration into every test database."""
    return FrameworkVersion.objects.get(number=1)


def version_2() -> FrameworkVersion:
    """Framework version 2 (version 1 with evidence mappings), loaded by its data migration."""
    return FrameworkVersion.objects.get(number=2)


def first_of_next_month(day: date | None = None) -> date:
    """The 1st of the month after `day` (today by default), a valid action due month."""
    day = day or timezone.localdate()
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


class CycleFactory(factory.django.DjangoModelFactory):
    """An audit cycle on version 1 that is open today."""

    class Meta:
        model = Cycle

    name = "2026-27"
    version = factory.LazyFunction(version_1)
    opens_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=30))
    closes_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=30))


def start_audit(*, partnership, by, cycle=None, carry_forward=False):
    """Start the partnership's audit through services.audit_start (on a new open cycle)."""
    cycle = cycle or CycleFactory()
    return services.audit_start(
        partnership=partnership, cycle=cycle, by=by, carry_forward=carry_forward
    )


def responses_of(audit, theme=None):
    """The audit's responses (of one theme if given) with their items and actions."""
    queryset = Response.objects.filter(audit=audit)
    if theme is not None:
        queryset = queryset.filter(item__theme=theme)
    return list(queryset.select_related("item").prefetch_related("actions").order_by("item__ref"))


def themes_of(audit):
    """The themes of the audit's framework version, in number order."""
    return list(Theme.objects.filter(version=audit.cycle.version).order_by("number"))


def seen_revisions(audit, theme) -> dict[int, int]:
    """Item id -> revision as a page showing the theme now would have read them."""
    return {response.item_id: response.revision for response in responses_of(audit, theme)}


def action_lines(response) -> list[ActionLine]:
    """The response's current actions as the theme page would post them back."""
    return [
        ActionLine(what=a.what, owner=a.owner, due_month=a.due_month, id=a.id)
        for a in response.actions.all()
    ]


def answers_for(audit, theme, **overrides) -> dict[int, ItemAnswer]:
    """Item id -> ItemAnswer keeping each response as it is, with some items changed.

    `overrides` maps an item ref with "_" for "." (such as `i1_1`) to an ItemAnswer.
    """
    answers = {}
    for response in responses_of(audit, theme):
        key = "i" + response.item.ref.replace(".", "_")
        answers[response.item_id] = overrides.get(
            key,
            ItemAnswer(
                rating=response.rating,
                evidence=response.evidence,
                actions=action_lines(response),
            ),
        )
    return answers


def rate_theme(audit, theme, *, by, rating=2, evidence=EVIDENCE, actions=None, confirm=False):
    """Give every item of the theme the same answer through services.theme_save."""
    answers = {
        response.item_id: ItemAnswer(
            rating=rating,
            evidence=evidence,
            actions=list(actions) if actions else [],
            confirm_carried_forward=confirm,
        )
        for response in responses_of(audit, theme)
    }
    return services.theme_save(
        audit=audit,
        theme=theme,
        answers=answers,
        seen_revisions=seen_revisions(audit, theme),
        by=by,
    )


def complete_audit(audit, *, by, rating=2, evidence=EVIDENCE, actions=None):
    """Answer every theme so that no rule is broken (by default: every item 2, with evidence)."""
    for theme in themes_of(audit):
        rate_theme(audit, theme, by=by, rating=rating, evidence=evidence, actions=actions)
    audit.refresh_from_db()
    return audit


def complete_action(what="Train every social worker", owner="Head of learning"):
    """An action line that satisfies ActionForLowRatings."""
    return ActionLine(what=what, owner=owner, due_month=first_of_next_month())


def submitted_audit(*, partnership, lead, cycle=None):
    """An audit answered in full and submitted by a lead (on a new open cycle by default)."""
    audit = complete_audit(start_audit(partnership=partnership, by=lead, cycle=cycle), by=lead)
    return services.audit_submit(audit=audit, by=lead)


def moderations_for(responses, rating=1, note="Evidence is thin") -> dict[int, Moderation]:
    """Response id -> the same moderation for each, at the revision it has now."""
    return {
        response.pk: Moderation(rating=rating, note=note, revision=response.moderation_revision)
        for response in Response.objects.filter(pk__in=[r.pk for r in responses])
    }


def record_for(response, **fields) -> ActionRecord:
    """A new action record for a line planned on this response's item in its audit."""
    audit = response.audit
    return ActionRecord.objects.create(
        partnership_id=audit.partnership_id,
        item_ref=response.item.ref,
        theme_number=response.item.theme.number,
        planned_in_id=audit.cycle_id,
        **fields,
    )


def line_for(response, *, record=None, **fields) -> Action:
    """An action line on the response with a record of its own (or the one given), written
    directly for tests of what reads lines; services.theme_save is the way pages write them."""
    record = record or record_for(response)
    line = Action.objects.create(response=response, record=record, **fields)
    record.latest_line = line
    record.save(update_fields=["latest_line"])
    return line


def accepted_audit_with_actions(*, partnership, lead, panel, cycle=None):
    """An audit whose items of theme 1 are rated 1, each with one complete action, the rest 2;
    submitted by the lead and accepted by Panel staff."""
    audit = start_audit(partnership=partnership, by=lead, cycle=cycle)
    themes = themes_of(audit)
    rate_theme(audit, themes[0], by=lead, rating=1, evidence="", actions=[complete_action()])
    for theme in themes[1:]:
        rate_theme(audit, theme, by=lead)
    audit = services.audit_submit(audit=audit, by=lead)
    return services.audit_accept(audit=audit, by=panel)


def many_actions(audit, count, *, due_month=None, notes=0) -> list[ActionRecord]:
    """`count` actions spread over the audit's items, written in bulk (for query counts and
    page sizes), each with `notes` progress notes."""
    responses = list(audit.responses.select_related("item__theme").order_by("item__ref"))
    due = due_month or first_of_next_month()
    records = ActionRecord.objects.bulk_create(
        ActionRecord(
            partnership_id=audit.partnership_id,
            item_ref=responses[n % len(responses)].item.ref,
            theme_number=responses[n % len(responses)].item.theme.number,
            planned_in_id=audit.cycle_id,
        )
        for n in range(count)
    )
    lines = Action.objects.bulk_create(
        Action(
            response=responses[n % len(responses)],
            record=record,
            what=f"Action number {n}",
            owner=f"Owner {n % 7}",
            due_month=due,
            order=n // len(responses),
        )
        for n, record in enumerate(records)
    )
    for record, line in zip(records, lines, strict=True):
        record.latest_line = line
    ActionRecord.objects.bulk_update(records, ["latest_line"])
    ActionNote.objects.bulk_create(
        ActionNote(record=record, text=f"Note {k}", status="not_started")
        for record in records
        for k in range(notes)
    )
    return records
