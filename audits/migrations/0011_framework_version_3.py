from django.db import migrations

from audits.loading import FRAMEWORKS_DIR, historical_models, load_framework_file


def load_version_3(apps, schema_editor):
    load_framework_file(FRAMEWORKS_DIR / "version-3.json", historical_models(apps))


class Migration(migrations.Migration):
    dependencies = [("audits", "0010_framework_version_survey")]

    operations = [migrations.RunPython(load_version_3, migrations.RunPython.noop)]
