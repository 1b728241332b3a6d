from django.db import migrations

from audits.loading import FRAMEWORKS_DIR, FrameworkModels, load_framework_file


def load_version_2(apps, schema_editor):
    models = FrameworkModels(
        framework=apps.get_model("audits", "Framework"),
        version=apps.get_model("audits", "FrameworkVersion"),
        level=apps.get_model("audits", "ScaleLevel"),
        theme=apps.get_model("audits", "Theme"),
        item=apps.get_model("audits", "Item"),
    )
    load_framework_file(FRAMEWORKS_DIR / "version-2.json", models)


class Migration(migrations.Migration):
    dependencies = [("audits", "0008_evidence")]

    operations = [migrations.RunPython(load_version_2, migrations.RunPython.noop)]
