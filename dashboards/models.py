"""Published review statistics: one closed April-to-March year, worked out once and frozen.

A Publication holds every figure its pages and files show, for England and each region, as
they were on the day it was made. There is no way to change one: the figures of a year are
published once (docs/disclosure.md says why), and reviews completed or changed afterwards
are seen in the restricted analysis only.
"""

from django.conf import settings
from django.db import models


class Publication(models.Model):
    """The published figures of one notification year (April of `year` to March of the next).

    `figures` is {area: {cell: figure}} with area "england" or a region's id, and None for
    an area withheld because it had too few reviews (dashboards/publication.py).
    """

    year = models.PositiveSmallIntegerField(
        "first year", unique=True, help_text="April of this year to March of the next"
    )
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="publications",
        null=True,
        blank=True,
        help_text="Empty when published by the management command",
    )
    figures = models.JSONField()
    reviews_counted = models.PositiveIntegerField("complete reviews counted")

    class Meta:
        ordering = ["-year"]

    def __str__(self):
        return f"Review statistics, April {self.year} to March {self.year + 1}"

    @property
    def label(self) -> str:
        return f"April {self.year} to March {self.year + 1}"
