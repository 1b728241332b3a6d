from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from audits.models import (
    Action,
    ActionNote,
    ActionRecord,
    Audit,
    AuditEvent,
    Cycle,
    Framework,
    FrameworkVersion,
    Item,
    Response,
    ScaleLevel,
    Theme,
)
from audits.querysets import FrameworkLockedError
from tests.partnerships.factories import UserFactory

from .factories import CycleFactory, first_of_next_month, record_for, start_audit, version_1

pytestmark = pytest.mark.django_db


def _assert_integrity_error(create):
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


@pytest.fixture
def audit(northshire, lead):
    return start_audit(partnership=northshire, by=lead)


@pytest.fixture
def response(audit):
    return audit.responses.select_related("item").first()


@pytest.fixture
def draft_version():
    return FrameworkVersion.objects.create(
        framework=version_1().framework, number=4, title="Version 4 (draft)"
    )


# Response ratings


@pytest.mark.parametrize("rating", [None, 0, 1, 2, 3])
def test_response_rating_in_range_is_valid(response, rating):
    """A rating from 0 to 3, or none yet, passes full_clean and saves."""
    response.rating = rating
    response.full_clean()
    response.save()
    response.refresh_from_db()
    assert response.rating == rating


def test_response_rating_above_3_fails_full_clean(response):
    """full_clean refuses a rating of 4 through the rating check constraint."""
    response.rating = 4
    with pytest.raises(ValidationError) as caught:
        response.full_clean()
    assert "response_rating_0_to_3" in str(caught.value)


def test_response_rating_above_3_is_refused_by_the_database(response):
    """The database refuses a rating of 4 even when full_clean is skipped."""
    _assert_integrity_error(lambda: Response.objects.filter(pk=response.pk).update(rating=4))


def test_moderated_rating_above_3_is_refused(response):
    """A moderated rating of 4 fails full_clean and is refused by the database."""
    response.moderated_rating = 4
    with pytest.raises(ValidationError):
        response.full_clean()
    _assert_integrity_error(
        lambda: Response.objects.filter(pk=response.pk).update(moderated_rating=4)
    )


def test_second_response_to_an_item_fails_full_clean(response):
    """full_clean refuses a second response to the same item of the same audit."""
    duplicate = Response(audit=response.audit, item=response.item)
    with pytest.raises(ValidationError) as caught:
        duplicate.full_clean()
    assert "__all__" in caught.value.message_dict


def test_second_response_to_an_item_is_refused_by_the_database(response):
    """The database refuses a second response to the same item of the same audit."""
    _assert_integrity_error(
        lambda: Response.objects.create(audit=response.audit, item=response.item)
    )


# Audits


def test_second_audit_in_a_cycle_fails_full_clean(audit):
    """full_clean refuses a second audit of the same partnership in the same cycle."""
    duplicate = Audit(partnership=audit.partnership, cycle=audit.cycle)
    with pytest.raises(ValidationError) as caught:
        duplicate.full_clean()
    assert "__all__" in caught.value.message_dict


def test_second_audit_in_a_cycle_is_refused_by_the_database(audit):
    """The database refuses a second audit of the same partnership in the same cycle."""
    _assert_integrity_error(
        lambda: Audit.objects.create(partnership=audit.partnership, cycle=audit.cycle)
    )


def test_other_partnership_may_audit_in_the_same_cycle(audit, eastmere):
    """One audit per partnership per cycle: another partnership has its own."""
    other = Audit(partnership=eastmere, cycle=audit.cycle)
    other.full_clean()
    other.save()
    assert Audit.objects.filter(cycle=audit.cycle).count() == 2


# Cycles


def _cycle(**kwargs):
    today = timezone.localdate()
    fields = {
        "name": "2026-27",
        "version": version_1(),
        "opens_on": today,
        "closes_on": today + timedelta(days=10),
        "created_by": UserFactory(email="panel@example.org", is_panel_staff=True),
    }
    return Cycle(**{**fields, **kwargs})


def test_cycle_closing_on_its_opening_day_is_valid():
    """A cycle may close on the day it opens."""
    today = timezone.localdate()
    cycle = _cycle(opens_on=today, closes_on=today)
    cycle.full_clean()
    cycle.save()


def test_cycle_closing_before_it_opens_fails_full_clean():
    """full_clean refuses a cycle that closes before it opens."""
    today = timezone.localdate()
    cycle = _cycle(opens_on=today, closes_on=today - timedelta(days=1))
    with pytest.raises(ValidationError) as caught:
        cycle.full_clean()
    assert "cycle_closes_after_opening" in str(caught.value)


def test_cycle_closing_before_it_opens_is_refused_by_the_database():
    """The database refuses a cycle that closes before it opens."""
    today = timezone.localdate()
    cycle = _cycle(opens_on=today, closes_on=today - timedelta(days=1))
    _assert_integrity_error(cycle.save)


@pytest.mark.parametrize("name", ["2026-27", "1999-00"])
def test_cycle_name_in_format_is_valid(name):
    """Cycle names of the form YYYY-YY pass full_clean."""
    _cycle(name=name).full_clean()


@pytest.mark.parametrize("name", ["2026/27", "26-27", "2026-2027", "2026-27 ", "Spring"])
def test_cycle_name_out_of_format_fails_full_clean(name):
    """full_clean refuses cycle names that are not YYYY-YY."""
    with pytest.raises(ValidationError) as caught:
        _cycle(name=name).full_clean()
    assert "cycle_name_format" in str(caught.value)


@pytest.mark.parametrize("name", ["2026/27", "26-27", "Spring"])
def test_cycle_name_out_of_format_is_refused_by_the_database(name):
    """The database refuses cycle names that are not YYYY-YY."""
    _assert_integrity_error(_cycle(name=name).save)


def test_cycle_name_is_unique():
    """Two cycles cannot share a name."""
    CycleFactory(name="2026-27")
    with pytest.raises(ValidationError):
        _cycle(name="2026-27").full_clean()
    _assert_integrity_error(_cycle(name="2026-27").save)


def test_cycle_is_open_between_its_dates_inclusive():
    """is_open is true from the opening day to the closing day, inclusive."""
    cycle = CycleFactory()
    assert cycle.is_open(cycle.opens_on)
    assert cycle.is_open(cycle.closes_on)
    assert not cycle.is_open(cycle.opens_on - timedelta(days=1))
    assert not cycle.is_open(cycle.closes_on + timedelta(days=1))


# Actions


def test_action_due_on_the_first_of_a_month_is_valid(response):
    """An action due on the 1st of a month, or with no due month, passes full_clean."""
    record = record_for(response)
    Action(
        response=response, record=record, what="Train", due_month=first_of_next_month()
    ).full_clean()
    Action(response=response, record=record, what="Train", due_month=None).full_clean()


def test_action_due_mid_month_fails_full_clean(response):
    """full_clean refuses a due month that is not the 1st of the month."""
    action = Action(
        response=response,
        record=record_for(response),
        what="Train",
        due_month=first_of_next_month().replace(day=15),
    )
    with pytest.raises(ValidationError) as caught:
        action.full_clean()
    assert "action_due_month_is_first_of_month" in str(caught.value)


def test_action_due_mid_month_is_refused_by_the_database(response):
    """The database refuses a due month that is not the 1st of the month."""
    due = first_of_next_month().replace(day=15)
    record = record_for(response)
    _assert_integrity_error(
        lambda: Action.objects.create(response=response, record=record, what="Train", due_month=due)
    )


@pytest.mark.parametrize(
    ("what", "owner", "due", "complete"),
    [
        ("Train", "Head of learning", True, True),
        ("Train", "", True, False),
        ("Train", "   ", True, False),
        ("Train", "Head of learning", False, False),
        ("  ", "Head of learning", True, False),
    ],
)
def test_action_is_complete_with_what_owner_and_due_month(response, what, owner, due, complete):
    """An action is complete only with what, an owner and a due month."""
    action = Action(
        response=response, what=what, owner=owner, due_month=first_of_next_month() if due else None
    )
    assert action.is_complete is complete


@pytest.mark.parametrize(
    ("status", "reason"),
    [("dropped", ""), ("done", "Replaced"), ("in_progress", "Replaced"), ("not_started", "x")],
)
def test_a_dropped_record_needs_a_reason_and_only_a_dropped_one_has_one(response, status, reason):
    """A dropped action needs its reason, and an action not dropped keeps none: full_clean and
    the database both refuse either mistake."""
    record = record_for(response)
    record.status, record.dropped_reason = status, reason
    with pytest.raises(ValidationError) as caught:
        record.full_clean()
    assert "action_record_dropped_has_reason" in str(caught.value)
    _assert_integrity_error(lambda: record.save())


def test_a_dropped_record_with_a_reason_is_valid(response):
    """Dropped with a reason passes full_clean and saves."""
    record = record_for(response)
    record.status, record.dropped_reason = "dropped", "Replaced by the regional programme"
    record.full_clean()
    record.save()


def test_an_action_record_has_one_line_in_each_plan(response):
    """A record has at most one line in one plan: full_clean and the database refuse a second."""
    record = record_for(response)
    Action.objects.create(response=response, record=record, what="Train")
    second = Action(response=response, record=record, what="Train again")
    with pytest.raises(ValidationError) as caught:
        second.full_clean()
    assert "already exists" in str(caught.value)
    _assert_integrity_error(lambda: second.save())


def test_a_note_needs_text(response, lead):
    """An empty progress note is refused by full_clean and by the database."""
    note = ActionNote(record=record_for(response), text="", status="not_started", by=lead)
    with pytest.raises(ValidationError):
        note.full_clean()
    _assert_integrity_error(lambda: note.save())


def test_records_have_history(response, lead):
    """Every change to a record is kept in its history, with who made it."""
    record = record_for(response)
    record.status = ActionRecord.Status.IN_PROGRESS
    record._history_user = lead
    record.save()
    assert [h.status for h in record.history.order_by("history_date")] == [
        "not_started",
        "in_progress",
    ]
    assert record.history.first().history_user == lead


# Audit events


def test_returned_event_without_reason_fails_full_clean(audit, panel):
    """full_clean refuses a returned event with no reason."""
    event = AuditEvent(audit=audit, kind="returned", by=panel, at=timezone.now(), reason="")
    with pytest.raises(ValidationError) as caught:
        event.full_clean()
    assert "returned_event_has_reason" in str(caught.value)


def test_returned_event_without_reason_is_refused_by_the_database(audit, panel):
    """The database refuses a returned event with no reason."""
    _assert_integrity_error(
        lambda: AuditEvent.objects.create(
            audit=audit, kind="returned", by=panel, at=timezone.now(), reason=""
        )
    )


def test_returned_event_with_reason_and_other_events_without_are_valid(audit, panel):
    """A returned event with a reason, and other kinds of event without one, are valid."""
    now = timezone.now()
    for event in [
        AuditEvent(audit=audit, kind="returned", by=panel, at=now, reason="Add evidence to 2.1"),
        AuditEvent(audit=audit, kind="accepted", by=panel, at=now),
    ]:
        event.full_clean()
        event.save()


# Scale levels


def test_scale_level_above_3_is_refused(draft_version):
    """A scale level above 3 fails full_clean and is refused by the database."""
    level = ScaleLevel(version=draft_version, value=4, label="Beyond", description="No")
    with pytest.raises(ValidationError):
        level.full_clean()
    _assert_integrity_error(level.save)


# A published version never changes


@pytest.fixture
def v1():
    return version_1()


@pytest.mark.parametrize("model", [Theme, Item, ScaleLevel])
def test_saving_published_content_is_refused(v1, model):
    """Saving a theme, item or scale level of version 1 raises FrameworkLockedError."""
    content = {
        Theme: lambda: v1.themes.first(),
        Item: lambda: Item.objects.filter(theme__version=v1).first(),
        ScaleLevel: lambda: v1.levels.first(),
    }[model]()
    field = "label" if model is ScaleLevel else ("statement" if model is Item else "title")
    setattr(content, field, "Changed")
    with pytest.raises(FrameworkLockedError):
        content.save()
    content.refresh_from_db()
    assert getattr(content, field) != "Changed"


@pytest.mark.parametrize("model", [Theme, Item, ScaleLevel])
def test_deleting_published_content_is_refused(v1, model):
    """Deleting a theme, item or scale level of version 1 raises FrameworkLockedError."""
    content = {
        Theme: lambda: v1.themes.first(),
        Item: lambda: Item.objects.filter(theme__version=v1).first(),
        ScaleLevel: lambda: v1.levels.first(),
    }[model]()
    with pytest.raises(FrameworkLockedError), transaction.atomic():
        content.delete()
    assert model.objects.filter(pk=content.pk).exists()


def test_adding_content_to_a_published_version_is_refused(v1):
    """Creating a new theme, item or scale level in version 1 raises FrameworkLockedError."""
    theme = v1.themes.first()
    with pytest.raises(FrameworkLockedError):
        Theme.objects.create(version=v1, number=99, title="Extra")
    with pytest.raises(FrameworkLockedError):
        Item.objects.create(
            theme=theme, ref="1.99", order=99, statement="x", guidance="x", sources="R1"
        )
    with pytest.raises(FrameworkLockedError):
        ScaleLevel.objects.create(version=v1, value=3, label="Again", description="x")
    assert v1.themes.count() == 7
    assert v1.levels.count() == 4
    assert Item.objects.filter(theme__version=v1).count() == 34


def test_bulk_creating_items_in_a_published_version_is_refused(v1):
    """bulk_create cannot slip a new item into version 1 (it bypasses the save signals)."""
    theme = v1.themes.first()
    with pytest.raises(FrameworkLockedError):
        Item.objects.bulk_create(
            [Item(theme=theme, ref="1.99", order=99, statement="x", guidance="x", sources="R1")]
        )
    assert Item.objects.filter(theme__version=v1).count() == 34


def test_moving_a_published_theme_to_a_draft_version_is_refused(v1, draft_version):
    """A theme of version 1 cannot be moved out of it into a draft version."""
    theme = v1.themes.first()
    theme.version = draft_version
    with pytest.raises(FrameworkLockedError):
        theme.save()
    assert v1.themes.count() == 7


def test_moving_a_published_item_to_a_draft_theme_is_refused(v1, draft_version):
    """An item of version 1 cannot be moved out of it into a draft version's theme."""
    draft_theme = Theme.objects.create(version=draft_version, number=1, title="Leadership")
    item = Item.objects.filter(theme__version=v1).first()
    item.theme = draft_theme
    with pytest.raises(FrameworkLockedError):
        item.save()
    assert Item.objects.filter(theme__version=v1).count() == 34


@pytest.mark.parametrize(
    ("model", "lookup", "change"),
    [
        (Theme, "version__number", {"title": "Changed"}),
        (Item, "theme__version__number", {"statement": "Changed"}),
        (ScaleLevel, "version__number", {"label": "Changed"}),
    ],
)
def test_bulk_update_of_published_content_is_refused(model, lookup, change):
    """Queryset .update() on version 1's themes, items or levels raises FrameworkLockedError."""
    with pytest.raises(FrameworkLockedError):
        model.objects.filter(**{lookup: 1}).update(**change)
    field, value = next(iter(change.items()))
    assert not model.objects.filter(**{field: value}).exists()


@pytest.mark.parametrize(
    ("model", "lookup", "count"),
    [(Theme, "version__number", 7), (Item, "theme__version__number", 34)],
)
def test_bulk_delete_of_published_content_is_refused(model, lookup, count):
    """Queryset .delete() on version 1's themes or items raises FrameworkLockedError."""
    with pytest.raises(FrameworkLockedError), transaction.atomic():
        model.objects.filter(**{lookup: 1}).delete()
    assert model.objects.filter(**{lookup: 1}).count() == count


def test_bulk_delete_of_published_scale_levels_is_refused():
    """Queryset .delete() on version 1's scale levels raises FrameworkLockedError."""
    with pytest.raises(FrameworkLockedError), transaction.atomic():
        ScaleLevel.objects.filter(version__number=1).delete()
    assert ScaleLevel.objects.filter(version__number=1).count() == 4


def test_bulk_update_of_published_items_via_bulk_update_is_refused(v1):
    """bulk_update on version 1's items goes through .update() and is refused."""
    items = list(Item.objects.filter(theme__version=v1)[:2])
    for item in items:
        item.statement = "Changed"
    with pytest.raises(FrameworkLockedError), transaction.atomic():
        Item.objects.bulk_update(items, ["statement"])
    assert not Item.objects.filter(statement="Changed").exists()


def test_changing_a_published_version_title_is_refused(v1):
    """Changing version 1's title raises FrameworkLockedError."""
    original = v1.title
    v1.title = "A new title"
    with pytest.raises(FrameworkLockedError):
        v1.save()
    v1.refresh_from_db()
    assert v1.title == original


def test_a_published_version_cannot_go_back_to_draft(v1):
    """Setting version 1 back to draft raises FrameworkLockedError."""
    v1.status = FrameworkVersion.Status.DRAFT
    with pytest.raises(FrameworkLockedError):
        v1.save()
    v1.refresh_from_db()
    assert v1.status == FrameworkVersion.Status.PUBLISHED


def test_deleting_a_published_version_is_refused(v1):
    """Deleting version 1 raises FrameworkLockedError."""
    with pytest.raises(FrameworkLockedError), transaction.atomic():
        v1.delete()
    assert FrameworkVersion.objects.filter(pk=v1.pk).exists()


def test_a_published_version_may_be_retired(v1):
    """Retiring version 1 is allowed; it is still frozen afterwards."""
    v1.status = FrameworkVersion.Status.RETIRED
    v1.save()
    v1.refresh_from_db()
    assert v1.status == FrameworkVersion.Status.RETIRED
    assert v1.is_frozen
    assert not FrameworkVersion.objects.published().filter(pk=v1.pk).exists()
    theme = v1.themes.first()
    theme.title = "Changed"
    with pytest.raises(FrameworkLockedError):
        theme.save()


def test_published_content_is_frozen_but_the_framework_is_not(v1):
    """The framework's own name may change; only its published versions are frozen."""
    framework = Framework.objects.get(pk=v1.framework_id)
    framework.name = "Renamed checklist"
    framework.save()
    assert v1.is_frozen


def test_a_draft_version_beside_version_1_can_be_edited(v1, draft_version):
    """A new draft version is created beside version 1 and its content freely edited."""
    assert not draft_version.is_frozen
    ScaleLevel.objects.create(version=draft_version, value=0, label="None", description="x")
    theme = Theme.objects.create(version=draft_version, number=1, title="Leadership")
    item = Item.objects.create(
        theme=theme, ref="1.1", order=1, statement="x", guidance="x", sources="R1"
    )
    theme.title = "Leadership and strategy"
    theme.save()
    item.statement = "Changed"
    item.save()
    Item.objects.filter(theme__version=draft_version).update(guidance="Better guidance")
    draft_version.title = "Version 2 (2027)"
    draft_version.save()
    item.refresh_from_db()
    assert (item.statement, item.guidance) == ("Changed", "Better guidance")
    item.delete()
    Theme.objects.filter(version=draft_version).delete()
    assert not draft_version.themes.exists()
    assert v1.themes.count() == 7
    assert Item.objects.filter(theme__version=v1).count() == 34


def test_audits_keep_their_version_when_a_new_version_arrives(audit, v1, draft_version):
    """An audit started on version 1 keeps version 1 and its items after version 2 appears."""
    draft_version.status = FrameworkVersion.Status.PUBLISHED
    draft_version.save()
    audit.refresh_from_db()
    assert audit.cycle.version == v1
    assert audit.responses.count() == 34
    assert set(audit.responses.values_list("item__theme__version", flat=True)) == {v1.pk}
