"""The action record querysets agree with the model's own reading of overdue and due soon."""

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audits.models import Action, ActionRecord

from .factories import accepted_audit_with_actions, many_actions, start_audit

pytestmark = pytest.mark.django_db

STATUSES = ["not_started", "in_progress", "done", "dropped"]


def test_overdue_and_due_soon_queries_agree_with_the_methods(northshire, lead):
    """For any day, the actions the queries call overdue and due soon are those the model's
    methods do: over due months two years apart, each status, and no due month."""
    audit = start_audit(partnership=northshire, by=lead)
    records = many_actions(audit, 26)
    for n, record in enumerate(records):
        due = None if n == 25 else date(2026 + n // 12, n % 12 + 1, 1)
        Action.objects.filter(pk=record.latest_line_id).update(due_month=due)
        status = STATUSES[n % 4]
        ActionRecord.objects.filter(pk=record.pk).update(
            status=status, dropped_reason="Replaced" if status == "dropped" else ""
        )
    records = list(ActionRecord.objects.with_plan())

    @settings(max_examples=40, deadline=None)
    @given(day=st.dates(date(2025, 6, 1), date(2028, 6, 30)))
    def agree(day):
        overdue = set(ActionRecord.objects.overdue(day).values_list("pk", flat=True))
        soon = set(ActionRecord.objects.due_soon(day).values_list("pk", flat=True))
        assert overdue == {r.pk for r in records if r.is_overdue(day)}
        assert soon == {r.pk for r in records if r.is_due_soon(day)}
        summary = ActionRecord.objects.summary(day)
        assert (summary["overdue"], summary["due_soon"]) == (len(overdue), len(soon))

    agree()


def test_committed_needs_a_line_in_a_submitted_or_accepted_audit(
    eastmere, northshire, lead, other_lead, panel
):
    """An action only in a draft plan is not yet committed; one in an accepted plan is."""
    accepted = accepted_audit_with_actions(partnership=northshire, lead=lead, panel=panel)
    draft = start_audit(partnership=eastmere, by=other_lead, cycle=accepted.cycle)
    many_actions(draft, 3)
    committed = set(ActionRecord.objects.committed().values_list("pk", flat=True))
    assert committed == set(
        ActionRecord.objects.filter(lines__response__audit=accepted).values_list("pk", flat=True)
    )
    assert len(committed) == 5
