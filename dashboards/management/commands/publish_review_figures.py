"""Publish a closed year's review statistics: manage.py publish_review_figures 2024."""

from django.core.management.base import BaseCommand, CommandError

from dashboards.services import PublishRefused, publication_publish


class Command(BaseCommand):
    help = (
        "Publish the review statistics for April YEAR to March YEAR+1, once. The figures "
        "never change afterwards."
    )

    def add_arguments(self, parser):
        parser.add_argument("year", type=int, help="The first year: 2024 for 2024 to 2025")

    def handle(self, *args, year, **options):
        try:
            published = publication_publish(year=year)
        except PublishRefused as refused:
            raise CommandError(str(refused)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Published {published.label}: {published.reviews_counted} complete reviews."
            )
        )
