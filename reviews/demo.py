"""Deterministic demo review cases: 5 to 25 children per partnership, spread across the
report's dimensions, including what the report found: answers not recorded, risk
recognised without action, disclosures dismissed."""

import random
from datetime import date

from django.db import transaction
from simple_history.utils import bulk_create_with_history

from . import choices as c
from .models import Child, Review

WEIGHTED_ETHNICITY = ["MWBC"] * 4 + [
    "MWAS",
    "MOTH",
    "BAFR",
    "BCRB",
    "BCRB",
    "APKN",
    "APKN",
    "ABAN",
    "AIND",
    "CHNE",
    "AOTH",
    "WBRI",
    "WBRI",
    "NOBT",
    "REFU",
]
SUMMARIES = [
    "The review described the family's culture but did not analyse how bias shaped decisions.",
    "Practitioners recognised the risk but no one checked that the agreed action happened.",
    "The child's account was not recorded in their own words.",
    "An interpreter was arranged late; a relative interpreted at the first visit.",
    "",
]


def _month(rng, start_year, end_year):
    return date(rng.randint(start_year, end_year), rng.randint(1, 12), 1)


def _add_months(month: date, months: int) -> date:
    total = month.year * 12 + month.month - 1 + months
    return date(total // 12, total % 12 + 1, 1)


def _review(rng, partnership, child, *, today, first_year=None):
    """A review of `child`: its incident in 2022 to 2025, or with `first_year` in any month
    from then to last month, and then most of the older ones complete."""
    if first_year is None:
        incident = _month(rng, 2022, min(2025, today.year))
    else:
        incident = _add_months(
            date(first_year, 1, 1), rng.randrange((today.year - first_year) * 12 + today.month - 1)
        )
    notified = _add_months(incident, rng.choice([0, 0, 1]))
    risk = rng.choice(["no", "partly", "partly", "fully"])
    disclosure = rng.choice(["yes", "no", "no"])
    alleged = rng.choice(["no", "no", "no", "yes"])
    interpreter = rng.choice(["no", "no", "yes", "not_recorded"])
    complete = rng.random() < (
        0.7 if first_year is None or incident.year >= today.year - 1 else 0.97
    )
    completed = _add_months(notified, rng.randint(1, 7))
    if completed > today.replace(day=1):
        completed, complete = None, False
    return Review(
        partnership=partnership,
        child=child,
        review_type=rng.choice([c.ReviewType.RAPID] * 3 + [c.ReviewType.LCSPR]),
        incident_month=incident,
        notification_month=notified,
        completed_month=completed,
        harm_types=sorted(rng.sample(c.HarmType.values, rng.randint(1, 3))),
        ethnicity_in_review=rng.choice(
            ["accurate", "superficial", "superficial", "inaccurate", "missing"]
        ),
        faith_recorded=rng.choice(["yes", "no", "no"]),
        race_analysed=rng.choice(["not_at_all", "not_at_all", "superficially", "substantively"]),
        racism_named=rng.choice(["no", "no", "no", "yes"]),
        child_voice=rng.choice(["absent", "absent", "reported", "own_words"]),
        risk_recognised=risk,
        action_followed=rng.choice(["yes", "no"]) if risk != "no" else "",
        disclosure=disclosure,
        disclosure_response=rng.choice(["acted_on", "dismissed", "not_followed_up"])
        if disclosure == "yes"
        else "",
        racism_alleged=alleged,
        allegation_investigated=rng.choice(["yes", "no"]) if alleged == "yes" else "",
        interpreter_needed=interpreter,
        independent_interpreter_used=rng.choice(["yes", "no"]) if interpreter == "yes" else "",
        child_or_family_interpreted=rng.choice(["yes", "no"]) if interpreter == "yes" else "",
        adultification=rng.choice(["yes", "no", "not_relevant"]),
        intersectionality=rng.choice(["yes", "no", "no"]),
        fathers_assessed=rng.choice(["yes", "no", "not_applicable"]),
        learning_about_race=rng.choice(["yes", "no"]),
        learning_summary=rng.choice(SUMMARIES),
        status=c.Status.COMPLETE if complete else c.Status.DRAFT,
    )


@transaction.atomic
def seed_reviews(
    *,
    partnerships: dict,
    leads: dict,
    today: date,
    scale: int = 1,
    per_partnership=(5, 25),
    first_year: int | None = None,
) -> int:
    """Give each partnership with no children between `per_partnership` children (times `scale`),
    each with a review or two; return how many reviews were made. With `first_year` the
    incidents spread over every month from January of that year to last month (the ten
    years' national demo), else over 2022 to 2025."""
    made = 0
    for slug in sorted(partnerships):
        partnership = partnerships[slug]
        if Child.objects.filter(partnership=partnership).exists():
            continue
        rng = random.Random(f"reviews:{slug}")
        children = [
            Child(
                partnership=partnership,
                reference=f"C-{2022 + n % 4}-{n + 1:03d}",
                sex=rng.choice(["female", "female", "male", "male", "not_recorded"]),
                age=rng.choice([None] + list(range(0, 18))),
                ethnicity=rng.choice(WEIGHTED_ETHNICITY),
                faith=rng.choice(
                    ["not_recorded"] * 3 + ["muslim", "christian", "none", "hindu", "sikh"]
                ),
                first_language_not_english=rng.choice(["yes", "no", "not_recorded"]),
                disability=rng.choice(["yes", "no", "not_recorded", "not_recorded"]),
                neurodivergence=rng.choice(["yes", "no", "not_recorded", "not_recorded"]),
                immigration_factor=rng.choice(["yes", "no", "not_recorded"]),
                known_to_social_care=rng.choice(["yes", "yes", "no", "not_recorded"]),
                child_protection_plan=rng.choice(["yes", "no", "not_recorded"]),
                looked_after=rng.choice(["yes", "no", "no", "not_recorded"]),
                outcome=rng.choice(["died", "seriously_harmed", "seriously_harmed"]),
                created_by=leads.get(slug),
            )
            for n in range(rng.randint(*per_partnership) * scale)
        ]
        children = bulk_create_with_history(children, Child, default_user=leads.get(slug))
        if any(child.pk is None for child in children):
            children = list(Child.objects.filter(partnership=partnership).order_by("pk"))
        reviews = []
        for child in children:
            reviews.append(_review(rng, partnership, child, today=today, first_year=first_year))
            if rng.random() < 0.1:  # the report: 54 reviews about 53 children
                reviews.append(_review(rng, partnership, child, today=today, first_year=first_year))
        bulk_create_with_history(reviews, Review, default_user=leads.get(slug), batch_size=500)
        made += len(reviews)
    return made
