"""Load the deterministic demo data set. Refuses to run on a production setting."""

import io

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from audits.demo import (
    MOST_YEARS,
    NATIONAL_YEARS,
    seed_audits,
    seed_evidence_checks,
    seed_national_audits,
)
from dashboards.services import PublishRefused, publication_publish, unpublished_closed_years
from partnerships import demo, demo_totp
from reviews.demo import seed_reviews

REFUSED = (
    "seed_demo creates accounts with a published password. It only runs with "
    "DJANGO_DEBUG=1, or with --force if you are sure this is not a live service."
)


def seed_demo_authenticator(panel):
    """Give the demo Panel persona a confirmed authenticator app with the published demo key,
    so signing in as Panel staff (who must give a second factor) works in the demo."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from partnerships.two_factor import TOTP_DEVICE_NAME

    TOTPDevice.objects.filter(user=panel).exclude(name=TOTP_DEVICE_NAME).delete()
    TOTPDevice.objects.update_or_create(
        user=panel,
        name=TOTP_DEVICE_NAME,
        defaults={"key": demo_totp.DEMO_TOTP_KEY, "confirmed": True},
    )


class Command(BaseCommand):
    help = "Create the demo partnerships and personas (idempotent and deterministic)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Run even though DEBUG is off.")
        parser.add_argument(
            "--national",
            action="store_true",
            help=f"England-sized: {demo.NATIONAL_TOTAL} partnerships, cycles 2024-25 to 2026-27 "
            "and about 2,500 reviews (for the dashboards' benchmark).",
        )
        parser.add_argument(
            "--years",
            type=int,
            default=NATIONAL_YEARS,
            help=f"With --national: this many cycles, {NATIONAL_YEARS} to {MOST_YEARS}, ending "
            f"with the open 2026-27. --years {MOST_YEARS} gives 2017-18 to 2026-27 and about "
            "27,000 complete reviews (the ten years' benchmark). Seed a fresh database.",
        )

    def handle(self, *args, force=False, national=False, years=NATIONAL_YEARS, **options):
        if not settings.DEBUG and not force:
            raise CommandError(REFUSED)
        if years != NATIONAL_YEARS and not national:
            raise CommandError("--years needs --national.")
        if not NATIONAL_YEARS <= years <= MOST_YEARS:
            raise CommandError(f"--years must be {NATIONAL_YEARS} to {MOST_YEARS}.")
        seeded = demo.seed_partnerships()
        seed_demo_authenticator(seeded["panel"])
        audits = seed_audits(
            partnerships=seeded["partnerships"], leads=seeded["leads"], panel=seeded["panel"]
        )
        if national:
            seeded = demo.seed_national_partnerships(seeded)
            audits["cycles"] = seed_national_audits(
                partnerships=seeded["partnerships"],
                leads=seeded["leads"],
                panel=seeded["panel"],
                years=years,
            )
        # The demo writes audits directly, not through the services that keep each audit's
        # stored means: store them now, so no page has to on its first view.
        call_command("store_audit_means", stdout=io.StringIO())
        today = timezone.localdate()
        many_years = years > NATIONAL_YEARS
        reviews = seed_reviews(
            partnerships=seeded["partnerships"],
            leads=seeded["leads"],
            today=today,
            # Ten years: about 200 children a partnership, their incidents over every year.
            per_partnership=(16 * years, 26 * years)
            if many_years
            else (8, 28)
            if national
            else (5, 25),
            first_year=today.year - years + 1 if many_years else None,
        )
        # What each submitted demo audit's own reviews said when it was submitted.
        seed_evidence_checks()
        # Every closed year with reviews is published, as the Panel would, so the review
        # statistics page has figures to show. A year published earlier stays as it was.
        published = []
        for year in unpublished_closed_years(timezone.localdate()):
            try:
                published.append(publication_publish(year=year, by=seeded["panel"]).label)
            except PublishRefused:
                continue
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {len(seeded['partnerships'])} partnerships, "
                f"cycles {', '.join(c.name for c in audits['cycles'])}, "
                f"{reviews} new review records; published review statistics for "
                f"{', '.join(published) or 'no new year'}."
            )
        )
        self.stdout.write(
            f"\nSign in at {settings.SITE_URL}/accounts/login/ with the password "
            f"{demo.DEMO_PASSWORD} as any of:\n"
            f"  {demo.PANEL_EMAIL:<38} Panel staff\n"
            + "".join(
                f"  {email:<38} {role.label} of {slug}\n" for email, slug, role in demo.PERSONAS
            )
            + f"\n{demo.PANEL_EMAIL} must also enter a code from an authenticator app: add the "
            f"demo key {demo_totp.demo_secret()} to one, or run `manage.py demo_code` for the "
            "current code.\n"
        )
