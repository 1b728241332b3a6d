"""Every existing action line gets its record (ActionRecord); nothing is deleted.

Partnership by partnership, audits in cycle order: a line of an audit whose answers were
carried forward, equal in item, what, owner, due month and order to a line of the audit it was
carried from, is the copy audit_start made, so it joins that line's record as a carried line.
Every other line gets a record of its own: done if the line was, else not started, with one
history row dated when its audit was started.
"""

from django.db import migrations

REASON = "Made from the audit's action plan"


def _key(line):
    return (line.response.item_id, line.what, line.owner, line.due_month, line.order)


def forwards(apps, schema_editor):
    Audit = apps.get_model("audits", "Audit")
    Action = apps.get_model("audits", "Action")
    ActionRecord = apps.get_model("audits", "ActionRecord")
    HistoricalActionRecord = apps.get_model("audits", "HistoricalActionRecord")
    audits = Audit.objects.select_related("cycle").order_by("partnership_id", "cycle__opens_on")
    lines_of = {}
    for audit in audits:
        lines = list(
            Action.objects.filter(response__audit=audit)
            .select_related("response__item__theme")
            .order_by("response__item__theme__number", "response__item__order", "order", "pk")
        )
        lines_of[audit.pk] = lines
        unmatched = {}
        for source_line in lines_of.get(audit.carried_forward_from_id, []):
            unmatched.setdefault(_key(source_line), []).append(source_line)
        for line in lines:
            sources = unmatched.get(_key(line))
            if sources:
                record = ActionRecord.objects.get(pk=sources.pop(0).record_id)
                line.carried = True
            else:
                item = line.response.item
                record = ActionRecord.objects.create(
                    partnership_id=audit.partnership_id,
                    item_ref=item.ref,
                    theme_number=item.theme.number,
                    planned_in_id=audit.cycle_id,
                    status="done" if line.status == "done" else "not_started",
                    created_at=audit.created_at,
                )
                HistoricalActionRecord.objects.create(
                    id=record.pk,
                    partnership_id=record.partnership_id,
                    item_ref=record.item_ref,
                    theme_number=record.theme_number,
                    planned_in_id=record.planned_in_id,
                    status=record.status,
                    dropped_reason="",
                    revision=0,
                    created_at=record.created_at,
                    history_date=audit.created_at,
                    history_type="+",
                    history_change_reason=REASON,
                )
            line.record_id = record.pk
            line.save(update_fields=["record", "carried"])
            # Audits come in cycle order, so the last line seen is the newest plan's.
            record.latest_line_id = line.pk
            record.save(update_fields=["latest_line"])


def backwards(apps, schema_editor):
    Action = apps.get_model("audits", "Action")
    ActionRecord = apps.get_model("audits", "ActionRecord")
    HistoricalActionRecord = apps.get_model("audits", "HistoricalActionRecord")
    Action.objects.filter(record__status="done").update(status="done")
    Action.objects.update(record=None, carried=False)
    HistoricalActionRecord.objects.all().delete()
    ActionRecord.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("audits", "0005_action_records")]

    operations = [migrations.RunPython(forwards, backwards)]
