"""Email goes through the queue: a request never fails because mail does, and each message is
sent once, with retries after a back-off."""

from datetime import timedelta

import pytest
from django.core import mail
from django.test import TestCase
from django.utils import timezone

from audits import services as audits_services
from audits.models import Audit
from notifications.models import Message
from notifications.services import message_queue, message_send
from tests.audits.factories import complete_audit, start_audit

from .fakes import FakeNotifyClient

pytestmark = pytest.mark.django_db

RAISING_BACKEND = "tests.notifications.fakes.RaisingEmailBackend"


def test_a_submit_with_the_mail_client_raising_still_commits_and_answers_200(
    client, settings, notify, northshire, lead, panel, django_capture_on_commit_callbacks
):
    """Notify (and Django's mail backend) raising: the audit is submitted and the page is 200."""
    notify.always_fail = True
    settings.EMAIL_BACKEND = RAISING_BACKEND
    audit = start_audit(partnership=northshire, by=lead)
    complete_audit(audit, by=lead)
    client.force_login(lead)
    base = f"/p/{northshire.slug}/audits/{audit.cycle.name}/"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(base + "check/", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == base + "submitted/"
    assert Audit.objects.get(pk=audit.pk).status == Audit.Status.SUBMITTED
    message = Message.objects.get(kind=Message.Kind.AUDIT_SUBMITTED)
    assert (message.status, message.attempts, message.last_error) == (
        Message.Status.QUEUED,
        1,
        "MailServiceDown",
    )


def test_nothing_is_queued_when_the_change_rolls_back(notify, northshire, lead, panel):
    """A message is part of its change: a refused submit queues nothing."""
    audit = start_audit(partnership=northshire, by=lead)
    with pytest.raises(Exception):  # noqa: B017 - rules broken, ValidationError
        audits_services.audit_submit(audit=audit, by=lead)
    assert not Message.objects.exists()


def _queued(**overrides):
    fields = {
        "kind": Message.Kind.PASSWORD_RESET,
        "to_address": "person@example.org",
        "personalisation": {"link": "http://testserver/accounts/reset/x/y/"},
    }
    return message_queue(**{**fields, **overrides})


def test_a_failed_message_is_retried_after_a_back_off_and_sent_once(
    settings, notify, deferred_tasks
):
    """Notify down once: the task re-enqueues itself for later; the next try sends it, once."""
    notify.failures = 1
    message = _queued()
    start = timezone.now()
    assert message_send(message_id=message.pk, now=start) == Message.Status.QUEUED
    message.refresh_from_db()
    assert message.attempts == 1
    assert message.next_try_at == start + settings.NOTIFY_RETRY_BASE
    # Too early (a stray duplicate task): nothing is tried.
    assert message_send(message_id=message.pk, now=start + timedelta(seconds=1)) == "queued"
    assert notify.sent == []
    later = start + settings.NOTIFY_RETRY_BASE
    assert message_send(message_id=message.pk, now=later) == Message.Status.SENT
    assert message_send(message_id=message.pk, now=later) == Message.Status.SENT
    assert [sent["to"] for sent in notify.sent] == ["person@example.org"]
    message.refresh_from_db()
    assert (message.status, message.attempts, message.sent_at) == ("sent", 2, later)
    # The password link is a key to the account: it is not kept once sent.
    assert message.personalisation["link"] == "(removed once sent)"
    assert notify.sent[0]["personalisation"]["link"].startswith("http://testserver/accounts/")
    assert notify.sent[0]["template_id"] == "template-password_reset"


def test_retries_wait_longer_each_time_then_give_up(settings, notify, deferred_tasks):
    """Back-off doubles between tries; after NOTIFY_MAX_ATTEMPTS the message is failed."""
    settings.NOTIFY_MAX_ATTEMPTS = 3
    notify.always_fail = True
    message = _queued()
    now = timezone.now()
    waits = []
    for _ in range(3):
        message_send(message_id=message.pk, now=now)
        message.refresh_from_db()
        if message.next_try_at:
            waits.append(message.next_try_at - now)
            now = message.next_try_at
    assert waits == [settings.NOTIFY_RETRY_BASE, 2 * settings.NOTIFY_RETRY_BASE]
    assert (message.status, message.attempts, message.last_error) == (
        "failed",
        3,
        "MailServiceDown",
    )
    assert message_send(message_id=message.pk, now=now + timedelta(days=1)) == "failed"
    assert notify.sent == []


def test_a_retry_is_enqueued_with_run_after_on_the_database_queue(notify, deferred_tasks):
    """On a queue that can wait, the failed message's task is enqueued again to run later."""
    notify.failures = 1
    message = _queued()
    with TestCase.captureOnCommitCallbacks(execute=True):
        message_send(message_id=message.pk)
    message.refresh_from_db()
    (retry,) = deferred_tasks.results
    assert retry.args == [message.pk]
    assert retry.task.run_after == message.next_try_at


def test_without_notify_the_message_goes_to_django_email(
    settings, django_capture_on_commit_callbacks
):
    """No NOTIFY_API_KEY (development): the console backend gets it; here the test outbox."""
    with django_capture_on_commit_callbacks(execute=True):
        message = _queued()
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    assert [email.to for email in mail.outbox] == [["person@example.org"]]
    assert "http://testserver/accounts/reset/x/y/" in mail.outbox[0].body


def test_an_error_is_logged_by_kind_without_the_address(notify, deferred_tasks, caplog):
    """The log says which message failed and the error's class, never the address."""
    notify.failures = 1
    message = _queued()
    message_send(message_id=message.pk)
    text = caplog.text
    assert f"Message {message.pk} (password_reset) attempt 1 failed: MailServiceDown" in text
    assert "person@example.org" not in text


def test_fake_client_is_the_only_one_reached(notify):
    """The suite's Notify client is the fake: no network call can happen."""
    from notifications.delivery import notify_client

    assert isinstance(notify_client(), FakeNotifyClient)
