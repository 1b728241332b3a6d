from django.db import migrations

from audits.loading import FRAMEWORKS_DIR, historical_models, load_framework_file


def load_version_2(apps, schema_editor):
    load_framework_file(FRAMEWORKS_DIR / "version-2.json", historical_models(apps))


class Migration(migrations.Migration):
    dependencies = [("audits", "0008_evidence")]

    operations = [migrations.RunPython(load_version_2, migrations.RunPython.noop)]
