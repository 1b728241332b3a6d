"""A partnership's practitioner survey in one cycle, and its anonymous responses.

A response holds no person, no address and no free text: the answers on the agreement
scale, the optional agency and role group, and a salted hash of the browser's survey cookie
(so a second answer from the same browser is refused by the database)."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q

from .choices import Agency, Agreement, RoleGroup


def new_token() -> str:
    """The shared link's secret: 16 random bytes, URL-safe (22 characters)."""
    return secrets.token_urlsafe(16)


class Survey(models.Model):
    partnership = models.ForeignKey(
        "partnerships.Partnership", on_delete=models.PROTECT, related_name="surveys"
    )
    cycle = models.ForeignKey("audits.Cycle", on_delete=models.PROTECT, related_name="surveys")
    token = models.CharField(max_length=32, unique=True, default=new_token, editable=False)
    opens_on = models.DateField()
    closes_on = models.DateField()
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField()
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "cycle"], name="survey_one_per_partnership_cycle"
            ),
            models.CheckConstraint(
                condition=Q(closes_on__gte=models.F("opens_on")), name="survey_closes_after_opening"
            ),
        ]

    def __str__(self):
        return f"{self.partnership} {self.cycle} survey"

    def is_open(self, day) -> bool:
        """Open from opens_on to closes_on, both included."""
        return self.opens_on <= day <= self.closes_on

    def has_closed(self, day) -> bool:
        """Closed early by a lead, or past its closing date. Only then are its figures shown:
        figures that moved with every response would let anyone who knows when a colleague
        answered read that colleague's answers off the change."""
        return self.closed_at is not None or day > self.closes_on

    @property
    def statements(self) -> list[dict]:
        return self.cycle.version.survey_statements


class SurveyResponse(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    submitted_at = models.DateTimeField(db_index=True)
    agency = models.CharField(max_length=20, choices=Agency.choices, blank=True)
    role = models.CharField(max_length=20, choices=RoleGroup.choices, blank=True)
    browser_hash = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "browser_hash"], name="survey_response_one_per_browser"
            ),
        ]

    def __str__(self):
        return f"Response {self.pk} to {self.survey_id}"


class SurveyAnswer(models.Model):
    response = models.ForeignKey(SurveyResponse, on_delete=models.CASCADE, related_name="answers")
    statement = models.CharField(max_length=20)
    value = models.PositiveSmallIntegerField(choices=Agreement.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["response", "statement"], name="survey_answer_one_per_statement"
            ),
            models.CheckConstraint(
                condition=Q(value__gte=1, value__lte=5), name="survey_answer_on_the_scale"
            ),
        ]

    def __str__(self):
        return f"{self.statement}: {self.value}"


class SubmissionAttempt(models.Model):
    """One submission tried from a client address, for the rate limits: kept in the database
    (every worker sees the same counts), with the address only as a salted hash, no link to
    any response, and deleted once older than the longest limit's window."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="+")
    client_hash = models.CharField(max_length=64)
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["survey", "client_hash", "at"])]

    def __str__(self):
        return f"Submission to {self.survey_id} at {self.at}"
