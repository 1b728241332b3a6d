import secrets

from django.db import migrations, models

import reviews.models

# Django gives every existing row the same default when it adds a column; each record needs
# its own secret key, so existing rows draw theirs here.
KEY_RANGE = 2**31


def draw_keys(apps, schema_editor):
    for name in ("Child", "Review"):
        model = apps.get_model("reviews", name)
        rows = list(model.objects.only("pk"))
        for row in rows:
            row.record_key = secrets.randbelow(KEY_RANGE)
        model.objects.bulk_update(rows, ["record_key"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0002_remove_child_child_reference_unique_in_partnership_and_more"),
    ]

    operations = [
        migrations.AddField(
            model_name="child",
            name="record_key",
            field=models.PositiveIntegerField(
                default=reviews.models.new_record_key, editable=False
            ),
        ),
        migrations.AddField(
            model_name="review",
            name="record_key",
            field=models.PositiveIntegerField(
                default=reviews.models.new_record_key, editable=False
            ),
        ),
        migrations.RunPython(draw_keys, migrations.RunPython.noop, elidable=False),
    ]
