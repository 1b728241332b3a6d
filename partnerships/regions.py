"""England's 9 regions, loaded by a data migration and by the browser tests' setup."""

# ONS International Territorial Level 1 regions of England, in the order ONS lists them.
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


def ensure_regions(region_model) -> None:
    """Create or update the 9 regions; safe to run any number of times."""
    for order, (name, slug) in enumerate(REGIONS, start=1):
        region_model.objects.update_or_create(slug=slug, defaults={"name": name, "order": order})
