"""Nightly housekeeping: `manage.py housekeeping` (cron or the task queue) calls housekeeping_run.

The policy (docs/operations.md, and the privacy notice says the same):
- sessions past their expiry date are deleted (Django keeps them otherwise);
- django-axes' sign-in records (failed-attempt counters, the failure log, and the sign-in
  and sign-out log) older than settings.AXES_RECORDS_KEEP_DAYS (90) days are deleted: a lock
  lasts 30 minutes, so nothing that old still counts towards one;
- change history (django-simple-history's historical rows, for every model that keeps
  history) and the record of restricted views older than settings.RETENTION_YEARS (7) years
  are deleted. The records themselves (audits, reviews, members, partnerships) are never
  deleted here: they stay until the partnership deletes them.

Running it twice changes nothing the second time. Rows are deleted in batches, each its own
short statement, so a first run on years of history stays inside the statement timeout.
"""

import logging
from datetime import timedelta

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone
from simple_history.models import HistoricalChanges

from partnerships.models import RestrictedView

logger = logging.getLogger(__name__)

BATCH_SIZE = 2000


def _years_before(moment, years: int):
    """The same day and time `years` years earlier (29 February becomes 28 February)."""
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:
        return moment.replace(year=moment.year - years, day=28)


def _delete_in_batches(queryset) -> int:
    """Delete the rows of queryset a batch at a time; the number deleted."""
    model = queryset.model
    deleted = 0
    while True:
        batch = list(queryset.values_list("pk", flat=True)[:BATCH_SIZE])
        if not batch:
            return deleted
        with transaction.atomic():
            _, by_model = model._default_manager.filter(pk__in=batch).delete()
        deleted += by_model.get(model._meta.label, 0)


def history_models() -> list:
    """Every historical model django-simple-history made (one per model with history)."""
    return sorted(
        (model for model in apps.get_models() if issubclass(model, HistoricalChanges)),
        key=lambda model: model._meta.label,
    )


def housekeeping_run(*, now=None) -> dict[str, int]:
    """Apply the policy above; how many rows of each kind were deleted, by label."""
    now = now or timezone.now()
    axes_cutoff = now - timedelta(days=settings.AXES_RECORDS_KEEP_DAYS)
    history_cutoff = _years_before(now, settings.RETENTION_YEARS)
    deleted = {
        "sessions": _delete_in_batches(Session.objects.filter(expire_date__lt=now)),
        "axes.AccessAttempt": _delete_in_batches(
            AccessAttempt.objects.filter(attempt_time__lt=axes_cutoff)
        ),
        "axes.AccessFailureLog": _delete_in_batches(
            AccessFailureLog.objects.filter(attempt_time__lt=axes_cutoff)
        ),
        "axes.AccessLog": _delete_in_batches(
            AccessLog.objects.filter(attempt_time__lt=axes_cutoff)
        ),
        "partnerships.RestrictedView": _delete_in_batches(
            RestrictedView.objects.filter(viewed_at__lt=history_cutoff)
        ),
    }
    for model in history_models():
        deleted[model._meta.label] = _delete_in_batches(
            model._default_manager.filter(history_date__lt=history_cutoff)
        )
    logger.info(
        "Housekeeping deleted %s row(s)",
        sum(deleted.values()),
        extra={"deleted": {label: count for label, count in deleted.items() if count}},
    )
    return deleted
