"""Review cases: the children a partnership's reviews were about, and the reviews.

Special category data. A child is known only by a pseudonymous reference; dates are
months; every identity field can say "not recorded". A blank (null) dimension on a
draft review means "not answered yet", which marking the review complete refuses.
"""

import secrets

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.urls import reverse
from simple_history.models import HistoricalRecords

from . import choices as c
from .validators import REFERENCE_TAKEN, validate_learning_summary, validate_reference

# Each child and review carries a secret random number, its record key. The published
# figures perturb each count by an amount looked up from the keys of the records it counts
# (docs/disclosure.md), so the same records always give the same figure. Never shown.
RECORD_KEY_RANGE = 2**31


def new_record_key() -> int:
    return secrets.randbelow(RECORD_KEY_RANGE)


# Raised by the reference constraint; Child.validate_constraints puts it on the reference field.
REFERENCE_TAKEN_CODE = "reference_taken"


class Child(models.Model):
    """A child a review was about, known only by the partnership's pseudonymous reference."""

    partnership = models.ForeignKey(
        "partnerships.Partnership", on_delete=models.PROTECT, related_name="children"
    )
    reference = models.CharField(
        max_length=20,
        validators=[validate_reference],
        help_text="Your own reference, for example C-2024-007. Never a name.",
    )
    sex = models.CharField(max_length=20, choices=c.Sex.choices)
    age = models.PositiveSmallIntegerField(
        "age at the incident", null=True, blank=True, help_text="In whole years, 0 to 17."
    )
    ethnicity = models.CharField(max_length=4, choices=c.Ethnicity.choices)
    faith = models.CharField(max_length=20, choices=c.Faith.choices)
    first_language_not_english = models.CharField(
        "first language other than English", max_length=20, choices=c.YesNoNotRecorded.choices
    )
    disability = models.CharField(max_length=20, choices=c.YesNoNotRecorded.choices)
    neurodivergence = models.CharField(max_length=20, choices=c.YesNoNotRecorded.choices)
    immigration_factor = models.CharField(
        "immigration status or no recourse to public funds a factor",
        max_length=20,
        choices=c.YesNoNotRecorded.choices,
    )
    known_to_social_care = models.CharField(
        "known to children's social care at the time",
        max_length=20,
        choices=c.YesNoNotRecorded.choices,
    )
    child_protection_plan = models.CharField(
        "on a child protection plan", max_length=20, choices=c.YesNoNotRecorded.choices
    )
    looked_after = models.CharField(max_length=20, choices=c.YesNoNotRecorded.choices)
    outcome = models.CharField(max_length=20, choices=c.Outcome.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Rises with every saved change, so a save based on an older page is refused, not applied.
    revision = models.PositiveIntegerField(default=0, editable=False)
    record_key = models.PositiveIntegerField(default=new_record_key, editable=False)

    history = HistoricalRecords(excluded_fields=["record_key"])

    class Meta:
        ordering = ["reference"]
        verbose_name_plural = "children"
        constraints = [
            # One child per reference in a partnership, whatever the case: C-1 and c-1 are one.
            models.UniqueConstraint(
                "partnership",
                Lower("reference"),
                name="child_reference_unique_in_partnership_any_case",
                violation_error_code=REFERENCE_TAKEN_CODE,
            ),
            models.CheckConstraint(
                condition=Q(age__isnull=True) | Q(age__lte=17), name="child_age_0_to_17"
            ),
            models.CheckConstraint(condition=Q(sex__in=c.Sex.values), name="child_sex_valid"),
            models.CheckConstraint(
                condition=Q(ethnicity__in=c.Ethnicity.values), name="child_ethnicity_valid"
            ),
            models.CheckConstraint(
                condition=Q(outcome__in=c.Outcome.values), name="child_outcome_valid"
            ),
        ]

    def __str__(self):
        return self.reference

    def validate_constraints(self, exclude=None):
        """As Django's, but a reference already taken is reported on the reference field."""
        try:
            super().validate_constraints(exclude)
        except ValidationError as error:
            errors = error.update_error_dict({})
            general = errors.pop(NON_FIELD_ERRORS, [])
            taken = [e for e in general if getattr(e, "code", None) == REFERENCE_TAKEN_CODE]
            if taken:
                errors.setdefault("reference", []).append(
                    ValidationError(
                        REFERENCE_TAKEN.format(reference=self.reference), code=REFERENCE_TAKEN_CODE
                    )
                )
            rest = [e for e in general if getattr(e, "code", None) != REFERENCE_TAKEN_CODE]
            if rest:
                errors[NON_FIELD_ERRORS] = rest
            raise ValidationError(errors) from None

    @property
    def ethnicity_group(self) -> str:
        return c.ethnicity_group(self.ethnicity)

    def get_ethnicity_group_display(self) -> str:
        return c.EthnicityGroup(self.ethnicity_group).label


class Review(models.Model):
    """One rapid review or LCSPR about a child, on the dimensions the report analysed."""

    partnership = models.ForeignKey(
        "partnerships.Partnership", on_delete=models.PROTECT, related_name="reviews"
    )
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="reviews")
    review_type = models.CharField(max_length=20, choices=c.ReviewType.choices)
    incident_month = models.DateField(help_text="The 1st of the month.")
    notification_month = models.DateField(help_text="The 1st of the month.")
    completed_month = models.DateField(null=True, blank=True, help_text="The 1st of the month.")
    harm_types = models.JSONField(default=list, blank=True)
    ethnicity_in_review = models.CharField(
        "ethnicity in the review", max_length=20, choices=c.EthnicityInReview.choices, blank=True
    )
    faith_recorded = models.CharField(
        "faith recorded in the review", max_length=3, choices=c.YesNo.choices, blank=True
    )
    race_analysed = models.CharField(
        "race, ethnicity and culture analysed",
        max_length=20,
        choices=c.RaceAnalysed.choices,
        blank=True,
    )
    racism_named = models.CharField(
        "racism or racial bias named", max_length=3, choices=c.YesNo.choices, blank=True
    )
    child_voice = models.CharField(
        "child's voice", max_length=20, choices=c.ChildVoice.choices, blank=True
    )
    risk_recognised = models.CharField(
        "risk recognised before the incident",
        max_length=10,
        choices=c.RiskRecognised.choices,
        blank=True,
    )
    action_followed = models.CharField(max_length=3, choices=c.YesNo.choices, blank=True)
    disclosure = models.CharField(
        "disclosure of abuse by the child", max_length=3, choices=c.YesNo.choices, blank=True
    )
    disclosure_response = models.CharField(
        "response to the disclosure",
        max_length=20,
        choices=c.DisclosureResponse.choices,
        blank=True,
    )
    racism_alleged = models.CharField(
        "family alleged racist practice", max_length=3, choices=c.YesNo.choices, blank=True
    )
    allegation_investigated = models.CharField(max_length=3, choices=c.YesNo.choices, blank=True)
    interpreter_needed = models.CharField(
        max_length=20, choices=c.YesNoNotRecorded.choices, blank=True
    )
    independent_interpreter_used = models.CharField(
        max_length=3, choices=c.YesNo.choices, blank=True
    )
    child_or_family_interpreted = models.CharField(
        "child or family member interpreted", max_length=3, choices=c.YesNo.choices, blank=True
    )
    adultification = models.CharField(
        "adultification considered", max_length=20, choices=c.Adultification.choices, blank=True
    )
    intersectionality = models.CharField(
        "intersectionality considered", max_length=3, choices=c.YesNo.choices, blank=True
    )
    fathers_assessed = models.CharField(
        "fathers and other men in the household assessed",
        max_length=20,
        choices=c.FathersAssessed.choices,
        blank=True,
    )
    learning_about_race = models.CharField(
        "learning about race identified", max_length=3, choices=c.YesNo.choices, blank=True
    )
    learning_summary = models.TextField(
        blank=True, max_length=1500, validators=[validate_learning_summary]
    )
    status = models.CharField(max_length=10, choices=c.Status.choices, default=c.Status.DRAFT)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Rises with every saved change, so a save based on an older page is refused, not applied.
    revision = models.PositiveIntegerField(default=0, editable=False)
    record_key = models.PositiveIntegerField(default=new_record_key, editable=False)

    history = HistoricalRecords(excluded_fields=["record_key"])

    class Meta:
        ordering = ["-incident_month", "pk"]
        indexes = [
            # The statistics count complete reviews by notification (or incident) month:
            # the years on offer, a year's publication, the analysis's window.
            models.Index(fields=["status", "notification_month"], name="review_status_notified"),
            models.Index(fields=["status", "incident_month"], name="review_status_incident"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(incident_month__day=1)
                & Q(notification_month__day=1)
                & (Q(completed_month__isnull=True) | Q(completed_month__day=1)),
                name="review_months_are_first_of_month",
            ),
            models.CheckConstraint(
                condition=Q(notification_month__gte=F("incident_month")),
                name="review_notified_not_before_incident",
            ),
            models.CheckConstraint(
                condition=Q(completed_month__isnull=True)
                | Q(completed_month__gte=F("notification_month")),
                name="review_completed_not_before_notification",
            ),
            models.CheckConstraint(
                condition=Q(action_followed="") | Q(risk_recognised__in=["partly", "fully"]),
                name="review_action_only_when_risk_recognised",
            ),
            models.CheckConstraint(
                condition=Q(disclosure_response="") | Q(disclosure="yes"),
                name="review_response_only_when_disclosure",
            ),
            models.CheckConstraint(
                condition=Q(allegation_investigated="") | Q(racism_alleged="yes"),
                name="review_investigated_only_when_alleged",
            ),
            models.CheckConstraint(
                condition=(Q(independent_interpreter_used="") & Q(child_or_family_interpreted=""))
                | Q(interpreter_needed="yes"),
                name="review_interpreting_only_when_needed",
            ),
            models.CheckConstraint(
                condition=Q(review_type__in=c.ReviewType.values), name="review_type_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=c.Status.values), name="review_status_valid"
            ),
        ]

    def __str__(self):
        return f"{self.get_review_type_display()} about {self.child.reference}"

    def get_absolute_url(self):
        return reverse("reviews:detail", kwargs={"slug": self.partnership.slug, "pk": self.pk})
