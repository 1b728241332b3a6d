"""Queue due reminders and left-behind retries; safe to run as often as you like."""

from django.core.management.base import BaseCommand

from notifications import reminders, services


class Command(BaseCommand):
    help = "Queue reminders due before cycles close (each sent once) and overdue retries."

    def handle(self, *args, **options):
        queued = reminders.reminders_send()
        retried = services.message_retry_due()
        self.stdout.write(f"{queued} reminder(s) queued, {retried} message(s) retried")
