"""Test doubles at the boundary of GOV.UK Notify's client: no test makes a network call."""

from django.core.mail.backends.base import BaseEmailBackend


class MailServiceDown(Exception):
    """What a mail service that is down raises (Notify's client raises its own HTTPError)."""


class FakeNotifyClient:
    """Stands in for notifications_python_client's NotificationsAPIClient.

    Records each email it is asked to send in `sent`; `failures` makes the next calls raise.
    """

    sent: list[dict] = []
    failures = 0
    always_fail = False

    def __init__(self, api_key):
        self.api_key = api_key

    def send_email_notification(self, email_address, template_id, personalisation=None, **kw):
        cls = type(self)
        if cls.always_fail or cls.failures > 0:
            cls.failures = max(cls.failures - 1, 0)
            raise MailServiceDown("503 from Notify")
        cls.sent.append(
            {
                "to": email_address,
                "template_id": template_id,
                "personalisation": dict(personalisation or {}),
            }
        )
        return {"id": f"notify-{len(cls.sent)}"}


class RaisingEmailBackend(BaseEmailBackend):
    """Django's side of a mail service that is down: every send raises."""

    def send_messages(self, email_messages):
        raise MailServiceDown("mail service unavailable")
