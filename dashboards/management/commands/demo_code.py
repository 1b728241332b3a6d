"""Print the demo Panel persona's current sign-in code. Refuses to run on a production setting."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from partnerships import demo, demo_totp

REFUSED = "demo_code prints a code for the demo's published key. It only runs with DJANGO_DEBUG=1."


class Command(BaseCommand):
    help = f"Print the current two-factor code for the demo's {demo.PANEL_EMAIL}."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(REFUSED)
        self.stdout.write(demo_totp.demo_code())
        self.stderr.write(
            f"The code for {demo.PANEL_EMAIL}; it changes in {demo_totp.seconds_left()} seconds."
        )
