"""Publishing a year's review statistics: once, after the year has closed, never changed.

A notification year runs from April of `year` to March of the next, and is closed from
1 April of `year + 1`, when no more reviews can be notified in it. Publishing is refused for
a year still open (its figures would change as reviews arrive, and two readings would give
the new ones away) and for a year already published (the same: a reading before and after
a change gives the change away). The Panel chooses when to publish a closed year: a review
of the year counts only if it is complete by then, so waiting a few months counts more of
them. Reviews completed or changed afterwards are in the restricted analysis only.
"""

from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from . import publication, selectors
from .forms import financial_year
from .models import Publication

YEAR_NOT_CLOSED = "The figures for a year can only be published once the year has ended"
ALREADY_PUBLISHED = "The figures for this year have already been published"
NOT_A_YEAR = "Choose a year to publish"
NO_REVIEWS = "There are no complete reviews notified in that year to publish"


class PublishRefused(Exception):
    """The year cannot be published; the message says why (one of the constants above)."""


def year_closes_on(year: int) -> date:
    """The first day after the notification year: 1 April of the next year."""
    return date(year + 1, 4, 1)


def is_closed(year: int, today: date | None = None) -> bool:
    return (today or timezone.localdate()) >= year_closes_on(year)


def unpublished_closed_years(today: date | None = None, *, published=None) -> list[int]:
    """Closed years with some complete review that are not yet published, newest first
    (`published`: the years already published, if the caller has them)."""
    if published is None:
        published = set(Publication.objects.values_list("year", flat=True))
    return [
        year
        for year in selectors.notification_years()
        if year not in published and is_closed(year, today)
    ]


def publication_publish(*, year: int, by=None, today: date | None = None) -> Publication:
    """Work out and store the year's published figures, once. `by` is the Panel member
    (None from the management command). Raises PublishRefused."""
    if not is_closed(year, today):
        raise PublishRefused(YEAR_NOT_CLOSED)
    if Publication.objects.filter(year=year).exists():
        raise PublishRefused(ALREADY_PUBLISHED)
    rows = selectors.review_rows(selectors.complete_reviews(period=financial_year(year)))
    if not rows:
        raise PublishRefused(NO_REVIEWS)
    figures = publication.published_figures(rows, selectors.regions())
    try:
        with transaction.atomic():
            return Publication.objects.create(
                year=year,
                published_at=timezone.now(),
                published_by=by,
                figures=figures,
                reviews_counted=len(rows),
            )
    except IntegrityError:
        # Another publication of the same year won the race: the unique year refused ours.
        raise PublishRefused(ALREADY_PUBLISHED) from None
