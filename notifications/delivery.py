"""Handing one message to GOV.UK Notify, or to Django's email backend when Notify is not set.

With NOTIFY_API_KEY set, each kind of message is a Notify template (NOTIFY_TEMPLATES, by kind)
filled in with the message's personalisation. Without it (development, and the tests) the same
personalisation fills templates/notifications/emails/<kind>.txt and goes to EMAIL_BACKEND: the
console in development, Django's in-memory outbox in tests.
"""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils.module_loading import import_string

from .models import Message

SUBJECTS = {
    Message.Kind.MEMBER_ADDED: "You have been added to {partnership}",
    Message.Kind.PASSWORD_RESET: "Choose a password for Assess anti-racist safeguarding practice",
    Message.Kind.AUDIT_SUBMITTED: "{partnership} has submitted its {cycle} audit",
    Message.Kind.AUDIT_RESUBMITTED: "{partnership} has resubmitted its {cycle} audit",
    Message.Kind.AUDIT_RETURNED: "Your {cycle} audit has been returned by the Panel",
    Message.Kind.AUDIT_ACCEPTED: "Your {cycle} audit has been accepted by the Panel",
    Message.Kind.CYCLE_REMINDER: "{days_left} days left to submit your {cycle} audit",
}
TEMPLATE_MISSING = "Set NOTIFY_TEMPLATE_{kind} to the Notify template id for {kind} emails"


def notify_client():
    """The Notify client (NOTIFY_CLIENT_CLASS, the official one unless a test swaps it)."""
    client_class = import_string(settings.NOTIFY_CLIENT_CLASS)
    return client_class(settings.NOTIFY_API_KEY)


def deliver(message: Message) -> None:
    """Send the message once; any exception means it did not go."""
    if settings.NOTIFY_API_KEY:
        template_id = settings.NOTIFY_TEMPLATES.get(message.kind)
        if not template_id:
            raise ImproperlyConfigured(TEMPLATE_MISSING.format(kind=message.kind.upper()))
        notify_client().send_email_notification(
            email_address=message.to_address,
            template_id=template_id,
            personalisation=message.personalisation,
            reference=f"message-{message.pk}",
        )
        return
    send_mail(
        subject=SUBJECTS[message.kind].format(**message.personalisation),
        message=render_to_string(
            f"notifications/emails/{message.kind}.txt", message.personalisation
        ),
        from_email=None,
        recipient_list=[message.to_address],
    )
