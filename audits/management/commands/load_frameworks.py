"""Load every framework version in audits/frameworks/ that is not yet in the database."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from audits.loading import FrameworkFileError, app_models, load_all


class Command(BaseCommand):
    help = (
        "Load framework versions from audits/frameworks/ (idempotent; published ones never change)."
    )

    def handle(self, *args, **options):
        try:
            with transaction.atomic():
                results = load_all(app_models())
        except FrameworkFileError as error:
            raise CommandError(str(error)) from error
        for version, created in results:
            state = "loaded and published" if created else "already loaded, unchanged"
            self.stdout.write(f"{version}: {state}")
