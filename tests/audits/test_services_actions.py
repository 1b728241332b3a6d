"""Action records: made with a plan's new lines, kept through edits, and removed only while
untouched."""

import pytest
from django.core.exceptions import ValidationError

from audits import services
from audits.models import Action, ActionNote, ActionRecord
from audits.services import ActionLine, ItemAnswer

from .factories import (
    first_of_next_month,
    responses_of,
    seen_revisions,
    start_audit,
    themes_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def audit(northshire, lead):
    return start_audit(partnership=northshire, by=lead)


def _save_lines(audit, by, *lines, rating=1):
    """Save item 1.1's plan as these lines through services.theme_save."""
    theme = themes_of(audit)[0]
    response = responses_of(audit, theme)[0]
    services.theme_save(
        audit=audit,
        theme=theme,
        answers={response.item_id: ItemAnswer(rating=rating, evidence="", actions=list(lines))},
        seen_revisions=seen_revisions(audit, theme),
        by=by,
    )
    return list(Action.objects.filter(response=response).select_related("record"))


def _line(what, id=None):
    return ActionLine(what=what, owner="Head of learning", due_month=first_of_next_month(), id=id)


def test_theme_save_makes_a_record_for_a_new_line_and_none_for_an_edit(audit, contributor):
    """A new plan line gets a new record (of the partnership, item and cycle, with its
    history); editing the line keeps its record and makes no other."""
    [line] = _save_lines(audit, contributor, _line("Train"))
    record = line.record
    assert (record.partnership, record.item_ref, record.theme_number, record.planned_in) == (
        audit.partnership,
        "1.1",
        1,
        audit.cycle,
    )
    assert record.status == ActionRecord.Status.NOT_STARTED
    assert record.latest_line == line
    assert record.history.get().history_user == contributor
    [edited] = _save_lines(audit, contributor, _line("Train everyone", id=line.id))
    assert (edited.pk, edited.record_id, edited.what) == (line.pk, record.pk, "Train everyone")
    assert ActionRecord.objects.count() == 1


def test_removing_an_untouched_new_line_removes_its_record(audit, contributor):
    """A line planned in this audit and never worked on may be removed; its record goes too."""
    [line] = _save_lines(audit, contributor, _line("Train"))
    assert _save_lines(audit, contributor, rating=2) == []
    assert not ActionRecord.objects.filter(pk=line.record_id).exists()
    assert not Action.objects.filter(pk=line.pk).exists()


@pytest.mark.parametrize("progress", ["status", "note"])
def test_a_worked_on_line_cannot_be_removed(audit, contributor, progress):
    """Once an action has progress (a status other than not started, or a note), removing its
    line is refused, naming it, and nothing is saved: it is dropped in the action plan instead."""
    [line] = _save_lines(audit, contributor, _line("Train"))
    record = line.record
    if progress == "status":
        ActionRecord.objects.filter(pk=record.pk).update(status="in_progress")
    else:
        ActionNote.objects.create(record=record, text="Booked", status="not_started")
    with pytest.raises(ValidationError) as caught:
        _save_lines(audit, contributor, rating=2)
    assert caught.value.message == services.LINE_HAS_PROGRESS.format(n=1, ref="1.1")
    assert Action.objects.filter(pk=line.pk).exists()
    assert responses_of(audit, themes_of(audit)[0])[0].rating == 1


def test_a_carried_line_cannot_be_removed(audit, contributor):
    """A line carried from an earlier plan is refused removal with its own message."""
    [line] = _save_lines(audit, contributor, _line("Train"))
    Action.objects.filter(pk=line.pk).update(carried=True)
    with pytest.raises(ValidationError) as caught:
        _save_lines(audit, contributor, rating=2)
    assert caught.value.message == services.LINE_CARRIED.format(n=1, ref="1.1")
    assert Action.objects.filter(pk=line.pk).exists()
