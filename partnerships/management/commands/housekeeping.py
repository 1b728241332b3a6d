"""`manage.py housekeeping`: the nightly clean-up of partnerships/housekeeping.py."""

from django.core.management.base import BaseCommand

from partnerships.housekeeping import housekeeping_run


class Command(BaseCommand):
    help = (
        "Delete expired sessions, sign-in records older than AXES_RECORDS_KEEP_DAYS and change "
        "history older than RETENTION_YEARS. Safe to run again."
    )

    def handle(self, *args, **options):
        deleted = housekeeping_run()
        for label, count in deleted.items():
            if count:
                self.stdout.write(f"{label}: {count} deleted")
        self.stdout.write(f"Housekeeping done: {sum(deleted.values())} row(s) deleted.")
