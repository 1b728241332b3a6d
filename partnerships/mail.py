"""Sending email without letting a mail server's trouble break a page.

Mail is sent once the change it tells of has been committed, still within the request. A mail
server that refuses or stalls must neither turn a saved change into an error page (the person
would do it again) nor hold a worker for long: EMAIL_TIMEOUT bounds the wait, and a failure is
logged once, as one line for operators, and otherwise let go.
"""

import logging
import smtplib

from django.core.mail import send_mail
from django.db import transaction

logger = logging.getLogger(__name__)

# What a mail server that refuses, drops or stalls the connection raises.
MAIL_ERRORS = (smtplib.SMTPException, OSError)


def log_unsent(subject: str, count: int, error: Exception) -> None:
    """One line saying which email did not go, to how many people, and why."""
    logger.warning("Email %r to %d recipient(s) not sent: %s", subject, count, error)


def mail_send(*, subject: str, body: str, recipients) -> bool:
    """Send a plain-text email now; False, logged, when the mail server fails."""
    recipients = list(recipients)
    try:
        send_mail(subject=subject, message=body, from_email=None, recipient_list=recipients)
    except MAIL_ERRORS as error:
        log_unsent(subject, len(recipients), error)
        return False
    return True


def mail_send_on_commit(*, subject: str, body: str, recipients) -> None:
    """Send a plain-text email once the current transaction has committed."""
    recipients = list(recipients)
    transaction.on_commit(lambda: mail_send(subject=subject, body=body, recipients=recipients))
