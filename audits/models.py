"""The checklist framework, audit cycles, and each partnership's audit against them.

A framework version is data (audits/frameworks/version-N.json) loaded by
`manage.py load_frameworks`; once published it never changes, and an audit keeps the
version its cycle was pinned to. The partnership's own answers (rating, evidence,
actions) and the Panel's moderation sit side by side on a Response; services.py decides
who may change which.
"""

import re

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.signals import pre_delete, pre_save
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from partnerships.months import first_of_month, month_after

from .querysets import (
    LOCKED,
    ActionRecordQuerySet,
    AuditQuerySet,
    CycleQuerySet,
    FrameworkContentQuerySet,
    FrameworkLockedError,
    FrameworkVersionQuerySet,
    ItemQuerySet,
    ResponseQuerySet,
)

RATING_RANGE = Q(rating__isnull=True) | Q(rating__gte=0, rating__lte=3)
# A cycle is named for the financial year it covers, such as 2026-27.
CYCLE_NAME_PATTERN = re.compile(r"[0-9]{4}-[0-9]{2}")


class Framework(models.Model):
    """A named checklist; its content lives in numbered versions."""

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=150)

    def __str__(self):
        return self.name


class FrameworkVersion(models.Model):
    """One version of a framework: themes, items and rating scale. Published means frozen."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        RETIRED = "retired", "Retired"

    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    content_hash = models.CharField(
        max_length=64, blank=True, help_text="SHA-256 of the data file it was loaded from."
    )
    published_at = models.DateTimeField(null=True, blank=True)
    evidence_rules = models.JSONField(
        default=dict,
        blank=True,
        help_text=(
            "When a rating is flagged against the partnership's own reviews (audits/evidence.py); "
            "empty: never."
        ),
    )
    survey_statements = models.JSONField(
        default=list,
        blank=True,
        help_text=(
            "The practitioner survey's statements, each {key, text, items} (surveys/); "
            "empty: the version has no survey."
        ),
    )

    objects = FrameworkVersionQuerySet.as_manager()

    class Meta:
        ordering = ["framework", "number"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "number"], name="version_number_unique")
        ]

    def __str__(self):
        return f"{self.framework.name}, version {self.number}"

    def save(self, *args, **kwargs):
        stored = FrameworkVersion.objects.filter(pk=self.pk).first() if self.pk else None
        if stored is not None and stored.is_frozen:
            changed = {
                field.attname
                for field in self._meta.concrete_fields
                if getattr(stored, field.attname) != getattr(self, field.attname)
            }
            if (
                changed - FrameworkVersionQuerySet.MUTABLE_WHEN_FROZEN
                or self.status == self.Status.DRAFT
            ):
                raise FrameworkLockedError(LOCKED.format(version=self.number))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.is_frozen:
            raise FrameworkLockedError(LOCKED.format(version=self.number))
        return super().delete(*args, **kwargs)

    @property
    def is_frozen(self):
        return self.status != self.Status.DRAFT


class ScaleLevel(models.Model):
    """One level of a version's rating scale, such as 2 Established."""

    version = models.ForeignKey(FrameworkVersion, on_delete=models.CASCADE, related_name="levels")
    value = models.PositiveSmallIntegerField()
    label = models.CharField(max_length=60)
    description = models.TextField()

    objects = FrameworkContentQuerySet.as_manager()

    class Meta:
        ordering = ["version", "value"]
        constraints = [
            models.UniqueConstraint(fields=["version", "value"], name="scale_level_unique"),
            models.CheckConstraint(condition=Q(value__lte=3), name="scale_level_0_to_3"),
        ]

    def __str__(self):
        return f"{self.value} {self.label}"

    def owning_version(self):
        return self.version


class Theme(models.Model):
    """A group of items, shown to the partnership as one task on the task list."""

    version = models.ForeignKey(FrameworkVersion, on_delete=models.CASCADE, related_name="themes")
    number = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)

    objects = FrameworkContentQuerySet.as_manager()

    class Meta:
        ordering = ["version", "number"]
        constraints = [
            models.UniqueConstraint(fields=["version", "number"], name="theme_number_unique")
        ]

    def __str__(self):
        return f"{self.number}. {self.title}"

    def owning_version(self):
        return self.version


class Item(models.Model):
    """A statement a partnership rates itself against, with guidance and its sources."""

    theme = models.ForeignKey(Theme, on_delete=models.CASCADE, related_name="items")
    ref = models.CharField(max_length=10, help_text='Such as "4.2".')
    order = models.PositiveSmallIntegerField()
    statement = models.TextField()
    guidance = models.TextField(help_text="What good looks like.")
    evidence_examples = models.JSONField(default=list)
    sources = models.CharField(
        max_length=100, help_text='Recommendations it comes from, such as "R1, D4".'
    )
    evidence = models.JSONField(
        default=dict,
        blank=True,
        help_text="Which review answers speak to it (audits/evidence.py); empty: none.",
    )

    objects = ItemQuerySet.as_manager()

    class Meta:
        ordering = ["theme__number", "order"]
        constraints = [models.UniqueConstraint(fields=["theme", "ref"], name="item_ref_unique")]

    def __str__(self):
        return f"{self.ref} {self.statement[:60]}"

    @property
    def anchor(self):
        """The id of the item on its theme page, such as item-4-2."""
        return "item-" + self.ref.replace(".", "-")

    def owning_version(self):
        return self.theme.version


class Cycle(models.Model):
    """An audit round such as 2026-27, pinned to one framework version. Closed means read-only."""

    name = models.CharField(max_length=20, unique=True, help_text="Such as 2026-27.")
    version = models.ForeignKey(FrameworkVersion, on_delete=models.PROTECT, related_name="cycles")
    opens_on = models.DateField()
    closes_on = models.DateField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CycleQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-opens_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_on__gte=models.F("opens_on")), name="cycle_closes_after_opening"
            ),
            models.CheckConstraint(
                condition=Q(name__regex=rf"^{CYCLE_NAME_PATTERN.pattern}$"),
                name="cycle_name_format",
            ),
        ]

    def __str__(self):
        return self.name

    def is_open(self, day):
        return self.opens_on <= day <= self.closes_on


class Audit(models.Model):
    """One partnership's self-assessment in one cycle."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        RETURNED = "returned", "Returned"
        ACCEPTED = "accepted", "Accepted"

    partnership = models.ForeignKey(
        "partnerships.Partnership", on_delete=models.PROTECT, related_name="audits"
    )
    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="audits")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    carried_forward_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AuditQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["partnership", "cycle"], name="one_audit_per_cycle")
        ]

    def __str__(self):
        return f"{self.partnership} {self.cycle}"

    def get_absolute_url(self):
        return reverse(
            "audits:task_list",
            kwargs={"slug": self.partnership.slug, "cycle": self.cycle.name},
        )

    def takes_changes_on(self, day) -> bool:
        """Whether the partnership's answers can change on that day: draft or returned, and
        the cycle open. Who may change them is for partnerships.access to say."""
        return self.is_editable_status and self.cycle.is_open(day)

    @property
    def is_editable_status(self):
        """Draft and returned audits take the partnership's changes; others are locked."""
        return self.status in (self.Status.DRAFT, self.Status.RETURNED)


class Response(models.Model):
    """A partnership's answer to one item, and the Panel's moderated rating beside it.

    `revision` rises with every change to the answer or its actions, so a save based on
    an older revision is detected and refused instead of overwriting someone's work;
    `moderation_revision` does the same for the Panel's moderated rating and note.
    """

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="responses")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="responses")
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    evidence = models.TextField(blank=True)
    carried_forward = models.BooleanField(
        default=False, help_text="Copied from the last cycle and not yet reviewed."
    )
    revision = models.PositiveIntegerField(default=0)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(null=True, blank=True)
    moderated_rating = models.PositiveSmallIntegerField(null=True, blank=True)
    moderation_note = models.TextField(blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    moderated_at = models.DateTimeField(null=True, blank=True)
    moderation_revision = models.PositiveIntegerField(default=0)
    consistency_note = models.TextField(
        blank=True,
        help_text="The lead's note on a rating its own reviews do not bear out, for the Panel.",
    )

    objects = ResponseQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["item__theme__number", "item__order"]
        constraints = [
            models.UniqueConstraint(fields=["audit", "item"], name="one_response_per_item"),
            models.CheckConstraint(condition=RATING_RANGE, name="response_rating_0_to_3"),
            models.CheckConstraint(
                condition=Q(moderated_rating__isnull=True)
                | Q(moderated_rating__gte=0, moderated_rating__lte=3),
                name="response_moderated_rating_0_to_3",
            ),
        ]

    def __str__(self):
        return f"{self.audit} {self.item.ref}"

    @property
    def is_started(self):
        """Anything entered at all: a rating, evidence, an action, or a carried-forward answer."""
        return (
            self.rating is not None
            or bool(self.evidence)
            or self.carried_forward
            or len(self.action_list) > 0
        )

    @property
    def action_list(self) -> list:
        """Its actions in order: as selectors.attach_actions attached them (one query for
        every response of a page, no queryset built for each), else from `actions`
        (prefetched, or read now)."""
        attached = self.__dict__.get("_action_list")
        return list(self.actions.all()) if attached is None else attached

    @property
    def effective_rating(self):
        """The rating the rules count: a carried-forward answer counts as unanswered."""
        return None if self.carried_forward else self.rating


class EvidenceCheck(models.Model):
    """What the partnership's own reviews said of one rated item when its audit was submitted:
    the figure (audits/evidence.py) and whether the rating was flagged against it.

    Written by services.evidence_checks_store when the audit is submitted, kept when it is
    accepted, and removed when it is returned (the next submission counts again), so the Panel
    moderates against the figures the lead saw, not today's.
    """

    response = models.OneToOneField(
        Response, on_delete=models.CASCADE, related_name="evidence_check"
    )
    since = models.DateField(help_text="The first month counted.")
    complete = models.PositiveIntegerField(help_text="Complete reviews since then.")
    base = models.PositiveIntegerField(help_text="Of them, the reviews the item counts.")
    meets = models.PositiveIntegerField(help_text="Of those, the ones that meet it.")
    not_recorded = models.PositiveIntegerField(default=0)
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    flagged = models.BooleanField(default=False)
    checked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(meets__lte=models.F("base")) & Q(base__lte=models.F("complete")),
                name="evidence_check_counts_nest",
            ),
        ]

    def __str__(self):
        return f"{self.response} {self.meets} of {self.base}"


class ActionRecord(models.Model):
    """One action of a partnership's plan, across cycles: its status, why it was dropped, its
    dated progress notes and its history.

    Each audit whose plan holds it has its own Action line (what, owner, due month as planned
    then), which locks with that audit; the record never locks, so progress is recorded after
    submission or acceptance without reopening the self-assessment. It holds no what, owner or
    due month of its own: `latest_line` is the line in the newest plan holding it.
    """

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", "Not started"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"
        DROPPED = "dropped", "Dropped"

    OPEN = (Status.NOT_STARTED, Status.IN_PROGRESS)
    CLOSED = (Status.DONE, Status.DROPPED)

    partnership = models.ForeignKey(
        "partnerships.Partnership", on_delete=models.PROTECT, related_name="action_records"
    )
    item_ref = models.CharField(max_length=10, help_text="The item it was first planned under.")
    theme_number = models.PositiveSmallIntegerField()
    planned_in = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="+")
    latest_line = models.ForeignKey(
        "Action", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NOT_STARTED)
    dropped_reason = models.TextField(blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revision = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    objects = ActionRecordQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["latest_line"])

    class Meta:
        ordering = ["theme_number", "item_ref", "pk"]
        indexes = [models.Index(fields=["partnership", "status"], name="action_record_status")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["not_started", "in_progress", "done", "dropped"]),
                name="action_record_status_valid",
            ),
            models.CheckConstraint(
                condition=(Q(status="dropped") & ~Q(dropped_reason=""))
                | (~Q(status="dropped") & Q(dropped_reason="")),
                name="action_record_dropped_has_reason",
            ),
        ]

    def __str__(self):
        return f"{self.partnership} {self.item_ref} #{self.pk}"

    @property
    def is_open(self):
        return self.status in self.OPEN

    def _due_month(self):
        return self.latest_line.due_month if self.latest_line_id else None

    def is_overdue(self, day) -> bool:
        """Open, and its due month (in the newest plan) ended before the month of `day`."""
        due = self._due_month()
        return self.is_open and due is not None and due < first_of_month(day)

    def is_due_soon(self, day) -> bool:
        """Open, and due in the month of `day` or the month after."""
        due = self._due_month()
        month = first_of_month(day)
        return self.is_open and due is not None and month <= due <= month_after(month)


class Action(models.Model):
    """One line of one audit's action plan for an item: what, who owns it, and by which month,
    as planned then. It locks with its audit; the action's status and progress are its
    record's (ActionRecord), which every plan holding the action shares."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="actions")
    record = models.ForeignKey(ActionRecord, on_delete=models.PROTECT, related_name="lines")
    what = models.TextField()
    owner = models.CharField(max_length=150, blank=True, help_text="A role or a team.")
    due_month = models.DateField(null=True, blank=True, help_text="Always the 1st of the month.")
    carried = models.BooleanField(
        default=False,
        help_text=(
            "Put in this plan at the audit's start because it was still open in an earlier one."
        ),
    )
    order = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(due_month__isnull=True) | Q(due_month__day=1),
                name="action_due_month_is_first_of_month",
            ),
            models.UniqueConstraint(
                fields=["record", "response"], name="one_line_per_record_in_a_plan"
            ),
        ]

    def __str__(self):
        return self.what[:60]

    @property
    def is_complete(self):
        """An action counts for the rules only with an owner and a due month."""
        return bool(self.what.strip() and self.owner.strip() and self.due_month)


class ActionNote(models.Model):
    """A dated progress note on an action, by whom, with the status it was written under;
    written by services.action_update, never changed or removed."""

    record = models.ForeignKey(ActionRecord, on_delete=models.PROTECT, related_name="notes")
    text = models.TextField()
    status = models.CharField(max_length=20, choices=ActionRecord.Status.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    by_email = models.EmailField(blank=True, help_text="Kept if the user is removed.")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="action_note_has_text"),
        ]

    def __str__(self):
        return f"{self.record} {self.at:%Y-%m-%d}"


class AuditMean(models.Model):
    """The stored means of a submitted or accepted audit, for one theme or (theme_number
    None) all of them: the partnership's own ratings, the Panel's moderated ratings and the
    gap between them, each as the sum and count of the answers behind it (audits/means.py
    says which answers count).

    Written by audits.services.audit_means_store whenever an audit is submitted or accepted
    or its moderated ratings change, and removed when it is returned, so the dashboards read
    a handful of rows rather than averaging every answer; a draft or returned audit has none.
    """

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="means")
    theme_number = models.PositiveSmallIntegerField(null=True, blank=True)
    own_sum = models.PositiveIntegerField(default=0)
    own_count = models.PositiveIntegerField(default=0)
    moderated_sum = models.PositiveIntegerField(default=0)
    moderated_count = models.PositiveIntegerField(default=0)
    gap_sum = models.IntegerField(default=0)
    gap_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["audit", "theme_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["audit", "theme_number"], name="audit_mean_one_per_theme"
            ),
            models.UniqueConstraint(
                fields=["audit"],
                condition=Q(theme_number__isnull=True),
                name="audit_mean_one_overall",
            ),
        ]

    def __str__(self):
        return f"{self.audit} theme {self.theme_number or 'all'}"

    @staticmethod
    def _mean(total, count):
        return total / count if count else None

    @property
    def own_mean(self):
        return self._mean(self.own_sum, self.own_count)

    @property
    def moderated_mean(self):
        return self._mean(self.moderated_sum, self.moderated_count)

    @property
    def gap_mean(self):
        return self._mean(self.gap_sum, self.gap_count)


class AuditEvent(models.Model):
    """A status change of an audit: who, when, and the reason when returned."""

    class Kind(models.TextChoices):
        STARTED = "started", "Started"
        SUBMITTED = "submitted", "Submitted"
        RETURNED = "returned", "Returned"
        ACCEPTED = "accepted", "Accepted"

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="returned") | ~Q(reason=""), name="returned_event_has_reason"
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d}"


@receiver(pre_save, sender=ScaleLevel)
@receiver(pre_save, sender=Theme)
@receiver(pre_save, sender=Item)
@receiver(pre_delete, sender=ScaleLevel)
@receiver(pre_delete, sender=Theme)
@receiver(pre_delete, sender=Item)
def refuse_change_to_published_content(sender, instance, **kwargs):
    """A published or retired version's scale, themes and items never change.

    Signals rather than save() overrides, so that migrations' historical models (which
    have no custom methods) can still load a draft version.
    """
    versions = [instance.owning_version()]
    if instance.pk is not None:
        # Moving content out of a published version changes that version too.
        stored = sender.objects.filter(pk=instance.pk).first()
        if stored is not None:
            versions.append(stored.owning_version())
    for version in versions:
        if version.is_frozen:
            raise FrameworkLockedError(LOCKED.format(version=version.number))
