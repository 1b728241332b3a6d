"""A mail server that refuses or stalls never turns a saved change into an error page."""

import logging

from django.core.mail.backends.base import BaseEmailBackend

from audits.models import Audit
from partnerships.mail import mail_send
from tests.audits.factories import submitted_audit

REFUSING = "tests.partnerships.test_mail.RefusingBackend"


class RefusingBackend(BaseEmailBackend):
    """A mail server that is down: every connection is refused."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError(111, "Connection refused")


def test_a_refused_email_is_logged_once_and_reported(settings, caplog):
    """mail_send says the email did not go and logs one line naming it, with no traceback."""
    settings.EMAIL_BACKEND = REFUSING
    with caplog.at_level(logging.WARNING, logger="partnerships.mail"):
        assert mail_send(subject="Hello", body="Body", recipients=["a@example.org"]) is False
    (record,) = caplog.records
    assert "'Hello' to 1 recipient(s) not sent" in record.getMessage()
    assert record.exc_info is None


def test_accepting_an_audit_with_the_mail_server_down_is_not_an_error(
    client, settings, northshire, lead, panel, django_capture_on_commit_callbacks
):
    """The audit is accepted and the Panel sees the confirmation, not a 500 to press again."""
    settings.EMAIL_BACKEND = REFUSING
    audit = submitted_audit(partnership=northshire, lead=lead)
    client.force_login(panel)
    url = f"/panel/cycles/{audit.cycle.name}/audits/{northshire.slug}/"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"accept": "1"})
    assert response.status_code == 302
    assert Audit.objects.get(pk=audit.pk).status == Audit.Status.ACCEPTED


def test_asking_for_a_password_link_with_the_mail_server_down_is_not_an_error(
    client, settings, lead
):
    """The person gets the usual 'check your email' page (Django's form logs the failure)."""
    settings.EMAIL_BACKEND = REFUSING
    response = client.post("/accounts/password-reset/", {"email": lead.email})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password-reset/sent/"


def test_email_waits_are_bounded():
    """A stalled mail server is given up on well inside gunicorn's worker timeout."""
    from django.conf import settings

    assert 0 < settings.EMAIL_TIMEOUT <= 10
