"""The migrations that give every existing action line its record."""

from datetime import UTC, date, datetime

import pytest

from tests.migrating import migrate_to, regions  # noqa: F401 (the fixture)

BEFORE = [("audits", "0004_audit_means")]
AFTER = [("audits", "0007_action_record_required")]


def _plans(apps):
    """Two audits of one partnership before the migration: 2025-26's plan of two lines (one
    done), and 2026-27's, carried forward, holding an unchanged copy of each and a new line."""
    Region = apps.get_model("partnerships", "Region")
    Partnership = apps.get_model("partnerships", "Partnership")
    Framework = apps.get_model("audits", "Framework")
    Version = apps.get_model("audits", "FrameworkVersion")
    Cycle = apps.get_model("audits", "Cycle")
    Audit = apps.get_model("audits", "Audit")
    Response = apps.get_model("audits", "Response")
    Action = apps.get_model("audits", "Action")
    partnership = Partnership.objects.create(
        name="Westby", slug="westby", region=Region.objects.order_by("order").first()
    )
    framework = Framework.objects.create(slug="migration-test", name="Migration test")
    version = Version.objects.create(framework=framework, number=90, title="Test")
    theme = version.themes.create(number=4, title="Theme 4")
    item = theme.items.create(ref="4.2", order=2, statement="S", guidance="G")
    first = Cycle.objects.create(
        name="2025-26", version=version, opens_on=date(2025, 4, 1), closes_on=date(2026, 3, 31)
    )
    second = Cycle.objects.create(
        name="2026-27", version=version, opens_on=date(2026, 4, 1), closes_on=date(2027, 3, 31)
    )
    old = Audit.objects.create(partnership=partnership, cycle=first, status="accepted")
    new = Audit.objects.create(partnership=partnership, cycle=second, carried_forward_from=old)
    Audit.objects.filter(pk=old.pk).update(created_at=datetime(2025, 4, 2, tzinfo=UTC))
    due = date(2026, 1, 1)
    lines = {}
    for audit, plan in (
        (old, [("Train", "Lead", "open"), ("Audit files", "QA", "done")]),
        (new, [("Train", "Lead", "open"), ("Audit files", "QA", "done"), ("Survey", "QA", "open")]),
    ):
        response = Response.objects.create(audit=audit, item=item, rating=1)
        for order, (what, owner, status) in enumerate(plan):
            lines[(audit.cycle.name, what)] = Action.objects.create(
                response=response, what=what, owner=owner, due_month=due, status=status, order=order
            ).pk
    return lines


@pytest.mark.usefixtures("regions")
def test_backfill_keeps_every_action_and_joins_carried_copies_to_their_records():
    """Every line survives with a record; an unchanged copy in a carried-forward audit joins
    its source's record as a carried line, and the record's newest line is the copy; a done
    line's record is done, the rest not started, each with one history row from its audit's
    start."""
    lines = _plans(migrate_to(BEFORE))
    apps = migrate_to(AFTER)
    Action = apps.get_model("audits", "Action")
    ActionRecord = apps.get_model("audits", "ActionRecord")
    assert Action.objects.count() == 5
    by = {key: Action.objects.get(pk=pk) for key, pk in lines.items()}
    assert by[("2026-27", "Train")].record_id == by[("2025-26", "Train")].record_id
    assert by[("2026-27", "Audit files")].record_id == by[("2025-26", "Audit files")].record_id
    assert by[("2026-27", "Train")].carried and not by[("2025-26", "Train")].carried
    assert not by[("2026-27", "Survey")].carried
    assert ActionRecord.objects.count() == 3
    train = ActionRecord.objects.get(pk=by[("2025-26", "Train")].record_id)
    assert (train.status, train.item_ref, train.theme_number, train.planned_in.name) == (
        "not_started",
        "4.2",
        4,
        "2025-26",
    )
    assert train.latest_line_id == by[("2026-27", "Train")].pk
    assert ActionRecord.objects.get(pk=by[("2025-26", "Audit files")].record_id).status == "done"
    history = apps.get_model("audits", "HistoricalActionRecord").objects.filter(id=train.pk)
    assert [(h.history_type, h.history_date.date()) for h in history] == [("+", date(2025, 4, 2))]
