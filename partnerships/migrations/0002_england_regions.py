from django.db import migrations

from partnerships.regions import REGIONS, ensure_regions


def add_regions(apps, schema_editor):
    ensure_regions(apps.get_model("partnerships", "Region"))


def remove_regions(apps, schema_editor):
    Region = apps.get_model("partnerships", "Region")
    Region.objects.filter(slug__in=[slug for _, slug in REGIONS]).delete()


class Migration(migrations.Migration):
    dependencies = [("partnerships", "0001_initial")]

    operations = [migrations.RunPython(add_regions, remove_regions)]
