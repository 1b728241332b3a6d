"""partnerships/housekeeping.py: the nightly clean-up deletes what the policy says, and no more."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.utils import timezone

from partnerships.housekeeping import BATCH_SIZE, _years_before, housekeeping_run
from partnerships.models import Partnership, RestrictedView

pytestmark = pytest.mark.django_db

AXES_FIELDS = {"user_agent": "Firefox", "ip_address": "192.0.2.1", "http_accept": "*/*"}


def _session(expires_in: timedelta) -> str:
    store = SessionStore()
    store["x"] = 1
    store.set_expiry(int(expires_in.total_seconds()) if expires_in.total_seconds() > 0 else 1)
    store.create()
    Session.objects.filter(pk=store.session_key).update(expire_date=timezone.now() + expires_in)
    return store.session_key


def _axes_records(age: timedelta, username: str):
    when = timezone.now() - age
    log = AccessLog.objects.create(username=username, path_info="/accounts/login/", **AXES_FIELDS)
    failure = AccessFailureLog.objects.create(
        username=username, path_info="/accounts/login/", **AXES_FIELDS
    )
    attempt = AccessAttempt.objects.create(
        username=username,
        path_info="/accounts/login/",
        get_data="",
        post_data="",
        failures_since_start=1,
        **AXES_FIELDS,
    )
    for model, record in ((AccessLog, log), (AccessFailureLog, failure), (AccessAttempt, attempt)):
        model.objects.filter(pk=record.pk).update(attempt_time=when)


def test_expired_sessions_go_and_live_ones_stay():
    """A session past its expiry is deleted; one still valid (someone signed in) is kept."""
    expired = _session(timedelta(hours=-1))
    live = _session(timedelta(hours=1))
    assert housekeeping_run()["sessions"] == 1
    assert list(Session.objects.values_list("pk", flat=True)) == [live]
    assert not Session.objects.filter(pk=expired).exists()


def test_sign_in_records_older_than_the_keep_days_go(settings):
    """django-axes' attempts, failure log and access log older than AXES_RECORDS_KEEP_DAYS
    are deleted; a recent failure (which may still count towards a lock) is kept."""
    settings.AXES_RECORDS_KEEP_DAYS = 90
    _axes_records(timedelta(days=91), "old@example.org")
    _axes_records(timedelta(days=89), "recent@example.org")
    deleted = housekeeping_run()
    assert deleted["axes.AccessLog"] == deleted["axes.AccessFailureLog"] == 1
    assert deleted["axes.AccessAttempt"] == 1
    for model in (AccessLog, AccessFailureLog, AccessAttempt):
        assert list(model.objects.values_list("username", flat=True)) == ["recent@example.org"]


def test_history_older_than_the_retention_period_goes_but_the_record_stays(northshire, settings):
    """Change history older than RETENTION_YEARS is deleted, newer history is kept, and the
    partnership itself is never deleted."""
    settings.RETENTION_YEARS = 7
    northshire.name = "Northshire SCP"
    northshire.save()
    first, second = northshire.history.order_by("history_date")
    now = timezone.now()
    type(first).objects.filter(pk=first.pk).update(history_date=_years_before(now, 8))
    type(second).objects.filter(pk=second.pk).update(history_date=_years_before(now, 6))
    deleted = housekeeping_run(now=now)
    assert deleted["partnerships.HistoricalPartnership"] == 1
    assert list(northshire.history.values_list("pk", flat=True)) == [second.pk]
    assert Partnership.objects.get(pk=northshire.pk).name == "Northshire SCP"


def test_restricted_view_records_older_than_the_retention_period_go(panel, settings):
    """The record of restricted views is kept RETENTION_YEARS, then deleted."""
    settings.RETENTION_YEARS = 7
    now = timezone.now()
    for years in (8, 1):
        RestrictedView.objects.create(
            user=panel,
            email=panel.email,
            path="/panel/analysis/",
            viewed_at=_years_before(now, years),
        )
    assert housekeeping_run(now=now)["partnerships.RestrictedView"] == 1
    (kept,) = RestrictedView.objects.all()
    assert kept.viewed_at == _years_before(now, 1)


def test_running_twice_deletes_nothing_the_second_time(northshire, settings):
    """Housekeeping is idempotent: a second run straight after the first finds nothing."""
    _session(timedelta(hours=-1))
    _axes_records(timedelta(days=365), "old@example.org")
    northshire.history.update(
        history_date=_years_before(timezone.now(), settings.RETENTION_YEARS + 1)
    )
    first = housekeeping_run()
    assert sum(first.values()) >= 5
    assert sum(housekeeping_run().values()) == 0


def test_more_rows_than_one_batch_are_all_deleted():
    """A first run on a backlog deletes every expired row, a batch at a time."""
    Session.objects.bulk_create(
        Session(
            session_key=f"k{i:039d}",
            session_data="",
            expire_date=timezone.now() - timedelta(days=1),
        )
        for i in range(BATCH_SIZE + 5)
    )
    assert housekeeping_run()["sessions"] == BATCH_SIZE + 5
    assert not Session.objects.exists()


def test_the_command_says_what_it_deleted(capsys):
    """`manage.py housekeeping` prints each kind it deleted and a total."""
    _session(timedelta(hours=-1))
    call_command("housekeeping")
    out = capsys.readouterr().out
    assert "sessions: 1 deleted" in out
    assert "Housekeeping done: 1 row(s) deleted." in out


def test_29_february_counts_back_to_28_february():
    """The retention cut-off of a leap day is 28 February of the earlier year."""
    leap_day = timezone.now().replace(year=2028, month=2, day=29)
    assert _years_before(leap_day, 7).date().isoformat() == "2021-02-28"
