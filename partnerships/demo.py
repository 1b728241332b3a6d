"""Deterministic demo data: fictional partnerships and the named personas.

Every run produces the same records, so the README, the browser tests and anyone
trying the service see the same partnerships and people.
"""

from django.contrib.auth.hashers import make_password
from django.db import transaction

from .models import Membership, Partnership, Region, User

DEMO_PASSWORD = "demo-safeguarding-2025"

# (name, slug, region slug): 12 fictional partnerships, at least one in each region.
PARTNERSHIPS = [
    ("Northshire Safeguarding Children Partnership", "northshire", "north-east"),
    ("Eastmere Safeguarding Children Partnership", "eastmere", "east-of-england"),
    ("Harrowdale Safeguarding Children Partnership", "harrowdale", "north-west"),
    ("Kestrel Bay Safeguarding Children Partnership", "kestrel-bay", "north-west"),
    ("Thornmoor Safeguarding Children Partnership", "thornmoor", "yorkshire-and-the-humber"),
    ("Millbeck Safeguarding Children Partnership", "millbeck", "east-midlands"),
    ("Greystone Safeguarding Children Partnership", "greystone", "west-midlands"),
    ("Ashvale Safeguarding Children Partnership", "ashvale", "west-midlands"),
    ("Lowbridge Safeguarding Children Partnership", "lowbridge", "london"),
    ("Riverbank Safeguarding Children Partnership", "riverbank", "london"),
    ("Downmere Safeguarding Children Partnership", "downmere", "south-east"),
    ("Coombe Vale Safeguarding Children Partnership", "coombe-vale", "south-west"),
]

PANEL_EMAIL = "panel@example.org"

# (email, partnership slug, role): the personas named in the README.
PERSONAS = [
    ("lead@northshire.example.org", "northshire", Membership.Role.LEAD),
    ("contributor@northshire.example.org", "northshire", Membership.Role.CONTRIBUTOR),
    ("viewer@northshire.example.org", "northshire", Membership.Role.VIEWER),
    ("lead@eastmere.example.org", "eastmere", Membership.Role.LEAD),
]


@transaction.atomic
def seed_partnerships() -> dict:
    """Create or update the demo partnerships, leads and personas; return what exists."""
    password = make_password(DEMO_PASSWORD)  # hashed once: every persona shares it
    regions = {region.slug: region for region in Region.objects.all()}
    partnerships = {}
    for name, slug, region_slug in PARTNERSHIPS:
        partnerships[slug], _ = Partnership.objects.update_or_create(
            slug=slug, defaults={"name": name, "region": regions[region_slug], "active": True}
        )

    def person(email, **fields):
        user, _ = User.objects.update_or_create(
            email=email, defaults={"password": password, "is_active": True, **fields}
        )
        return user

    panel = person(PANEL_EMAIL, full_name="Demo Panel analyst", is_panel_staff=True)
    members = list(PERSONAS)
    # Every other partnership gets a lead too, so each one has someone to act for it.
    persona_slugs = {slug for _, slug, _ in PERSONAS}
    members += [
        (f"lead@{slug}.example.org", slug, Membership.Role.LEAD)
        for _, slug, _ in PARTNERSHIPS
        if slug not in persona_slugs
    ]
    leads = {}
    for email, slug, role in members:
        user = person(email)
        if role == Membership.Role.LEAD:
            leads[slug] = user
        membership, created = Membership.objects.get_or_create(
            user=user, partnership=partnerships[slug], defaults={"role": role}
        )
        if not created and membership.role != role:
            membership.role = role
            membership.save(update_fields=["role"])
    return {"partnerships": partnerships, "panel": panel, "leads": leads}


NATIONAL_TOTAL = 130


@transaction.atomic
def seed_national_partnerships(seeded: dict, total: int = NATIONAL_TOTAL) -> dict:
    """Add fictional partnerships, each with a lead, until there are `total` demo ones.

    England has about this many partnerships; the dashboards' benchmark needs as many.
    They are spread over the regions in turn and named "Demo area NNN".
    """
    password = make_password(DEMO_PASSWORD)
    regions = list(Region.objects.order_by("order"))
    partnerships, leads = dict(seeded["partnerships"]), dict(seeded["leads"])
    for number in range(len(PARTNERSHIPS) + 1, total + 1):
        slug = f"area-{number:03d}"
        partnerships[slug], _ = Partnership.objects.update_or_create(
            slug=slug,
            defaults={
                "name": f"Demo area {number:03d} Safeguarding Children Partnership",
                "region": regions[number % len(regions)],
                "active": True,
            },
        )
        leads[slug], _ = User.objects.update_or_create(
            email=f"lead@{slug}.example.org", defaults={"password": password, "is_active": True}
        )
        Membership.objects.get_or_create(
            user=leads[slug],
            partnership=partnerships[slug],
            defaults={"role": Membership.Role.LEAD},
        )
    return {**seeded, "partnerships": partnerships, "leads": leads}
