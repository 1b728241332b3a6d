"""A partnership's agencies, the members attached to them and each agency's own answers.

The partnership's own answer (audits.Response) stays the one that is submitted; an agency's
answer sits beside it so the page can show where the agencies see things differently.
"""

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from simple_history.models import HistoricalRecords

from audits.models import RATING_RANGE

# The three statutory safeguarding partners, made for a partnership when its agencies are
# first needed (services.agencies_ensure_defaults).
STATUTORY_AGENCIES = (
    "Local authority children's services",
    "Police",
    "Health (integrated care board)",
)


class Agency(models.Model):
    """One of the organisations in a safeguarding partnership."""

    partnership = models.ForeignKey(
        "partnerships.Partnership", on_delete=models.CASCADE, related_name="agencies"
    )
    name = models.CharField(max_length=100)
    statutory = models.BooleanField(
        default=False, help_text="One of the three statutory partners: renamed, never removed."
    )
    order = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "name"]
        verbose_name_plural = "agencies"
        constraints = [
            models.UniqueConstraint(
                "partnership", Lower("name"), name="agency_name_unique_in_partnership"
            )
        ]

    def __str__(self):
        return self.name


class AgencyMember(models.Model):
    """A member attached to the agency they work for (at most one)."""

    membership = models.OneToOneField(
        "partnerships.Membership", on_delete=models.CASCADE, related_name="agency_member"
    )
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="members")

    history = HistoricalRecords()

    def __str__(self):
        return f"{self.membership} ({self.agency})"


class AgencyAnswer(models.Model):
    """One agency's own rating and evidence for one item of an audit.

    `revision` rises with every change, so a save based on an older one is refused.
    """

    response = models.ForeignKey(
        "audits.Response", on_delete=models.CASCADE, related_name="agency_answers"
    )
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="answers")
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    evidence = models.TextField(blank=True)
    revision = models.PositiveIntegerField(default=0)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["agency__order", "agency__name"]
        constraints = [
            models.UniqueConstraint(fields=["response", "agency"], name="one_answer_per_agency"),
            models.CheckConstraint(condition=RATING_RANGE, name="agency_answer_rating_0_to_3"),
        ]

    def __str__(self):
        return f"{self.agency} {self.response}"
