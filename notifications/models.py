"""Every email the service sends, queued in the database, and the reminders already sent.

A message holds what GOV.UK Notify needs (a kind, which names the template, an address and a
personalisation of plain strings) and never a child's details or free text typed by people.
"""

from django.conf import settings
from django.db import models


class Message(models.Model):
    """One email to one person, queued in the request and sent by the worker."""

    class Kind(models.TextChoices):
        MEMBER_ADDED = "member_added", "Added to a partnership"
        PASSWORD_RESET = "password_reset", "Password link"
        AUDIT_SUBMITTED = "audit_submitted", "Audit submitted"
        AUDIT_RESUBMITTED = "audit_resubmitted", "Audit resubmitted"
        AUDIT_RETURNED = "audit_returned", "Audit returned"
        AUDIT_ACCEPTED = "audit_accepted", "Audit accepted"
        CYCLE_REMINDER = "cycle_reminder", "Reminder before a cycle closes"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=30, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    to_address = models.EmailField(max_length=254)
    personalisation = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_try_at = models.DateTimeField(null=True, blank=True)
    # The class of the last error (such as "HTTPError"), never its text: that may hold an address.
    last_error = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    partnership = models.ForeignKey(
        "partnerships.Partnership", null=True, blank=True, on_delete=models.SET_NULL
    )
    cycle = models.ForeignKey("audits.Cycle", null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "next_try_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk} ({self.get_status_display()})"


class ReminderSent(models.Model):
    """A reminder a partnership was sent, days before a cycle closes: at most one of each."""

    cycle = models.ForeignKey("audits.Cycle", on_delete=models.CASCADE)
    partnership = models.ForeignKey("partnerships.Partnership", on_delete=models.CASCADE)
    days_before = models.PositiveSmallIntegerField()
    sent_on = models.DateField()
    # False when a later, closer reminder was due by the time the scheduler ran (it took over).
    messaged = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "partnership", "days_before"], name="one_reminder_per_day_before"
            )
        ]

    def __str__(self):
        return f"{self.partnership_id}/{self.cycle_id}: {self.days_before} days before"
