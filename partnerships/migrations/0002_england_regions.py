from django.db import migrations

# England's 9 regions (ONS International Territorial Level 1), in the order ONS lists them.
REGIONS = [
    ("North East", "north-east"),
    ("North West", "north-west"),
    ("Yorkshire and The Humber", "yorkshire-and-the-humber"),
    ("East Midlands", "east-midlands"),
    ("West Midlands", "west-midlands"),
    ("East of England", "east-of-england"),
    ("London", "london"),
    ("South East", "south-east"),
    ("South West", "south-west"),
]


def add_regions(apps, schema_editor):
    Region = apps.get_model("partnerships", "Region")
    for order, (name, slug) in enumerate(REGIONS, start=1):
        Region.objects.update_or_create(slug=slug, defaults={"name": name, "order": order})


def remove_regions(apps, schema_editor):
    Region = apps.get_model("partnerships", "Region")
    Region.objects.filter(slug__in=[slug for _, slug in REGIONS]).delete()


class Migration(migrations.Migration):
    dependencies = [("partnerships", "0001_initial")]

    operations = [migrations.RunPython(add_regions, remove_regions)]
