"""Queueing messages and sending them, once each, with retries.

A service that tells someone of a change calls message_queue inside its own transaction: the
message row commits with the change (or not at all), and only once it has committed is a task
enqueued to send it, so nothing in the request waits on, or fails because of, Notify.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .delivery import deliver
from .models import Message

logger = logging.getLogger(__name__)

# Link-bearing personalisation (a password link works as a key) is blanked once it has gone.
SECRET_FIELDS = ("link",)
SECRET_KINDS = {Message.Kind.PASSWORD_RESET, Message.Kind.MEMBER_ADDED}
REDACTED = "(removed once sent)"


def _enqueue(message_id: int, run_after=None) -> None:
    from .tasks import send_message

    task = send_message
    if run_after is not None:
        if not task.get_backend().supports_defer:
            # This backend cannot wait (the immediate one, in tests): the next scheduler run
            # picks the message up (message_retry_due).
            return
        task = task.using(run_after=run_after)
    task.enqueue(message_id)


def message_queue(
    *, kind: str, to_address: str, personalisation: dict, user=None, partnership=None, cycle=None
) -> Message:
    """Record a message in the current transaction; a task sends it once that commits."""
    message = Message.objects.create(
        kind=kind,
        to_address=to_address,
        user=user,
        personalisation={key: str(value) for key, value in personalisation.items()},
        partnership=partnership,
        cycle=cycle,
        next_try_at=timezone.now(),
    )
    transaction.on_commit(lambda: _enqueue(message.pk))
    return message


def backoff(attempts: int) -> timedelta:
    """How long to wait after the n-th failed attempt: doubling from NOTIFY_RETRY_BASE."""
    return settings.NOTIFY_RETRY_BASE * (2 ** (attempts - 1))


def message_send(*, message_id: int, now=None) -> str:
    """Send a queued message now, once: the row is locked and its status checked first.

    A failure counts an attempt and queues the next one after a back-off, until
    NOTIFY_MAX_ATTEMPTS, when the message is marked failed. Returns the status it ends in.
    """
    with transaction.atomic():
        message = Message.objects.select_for_update().filter(pk=message_id).first()
        if message is None or message.status != Message.Status.QUEUED:
            # Gone, or already sent or given up on by another run of this task.
            return message.status if message else "missing"
        now = now or timezone.now()
        if message.next_try_at and message.next_try_at > now:
            # A second task for a message backing off: its own retry is still to come.
            return message.status
        message.attempts += 1
        try:
            deliver(message)
        except Exception as error:  # noqa: BLE001 - any failure of the client is a failed try
            message.last_error = type(error).__name__[:100]
            if message.attempts >= settings.NOTIFY_MAX_ATTEMPTS:
                message.status = Message.Status.FAILED
                message.next_try_at = None
            else:
                message.next_try_at = now + backoff(message.attempts)
            logger.warning(
                "Message %s (%s) attempt %d failed: %s",
                message.pk,
                message.kind,
                message.attempts,
                message.last_error,
            )
        else:
            message.status = Message.Status.SENT
            message.sent_at = now
            message.next_try_at = None
            message.last_error = ""
            if message.kind in SECRET_KINDS:
                for field in SECRET_FIELDS:
                    if field in message.personalisation:
                        message.personalisation[field] = REDACTED
        message.save()
        if message.status == Message.Status.QUEUED:
            run_after = message.next_try_at
            transaction.on_commit(lambda: _enqueue(message.pk, run_after=run_after))
        return message.status


def message_retry_due(*, now=None) -> int:
    """Enqueue again every queued message whose next try is due, should its task be lost."""
    now = now or timezone.now()
    # Only messages left behind: a message queued a moment ago has its task on the way.
    stale = now - settings.NOTIFY_RETRY_BASE
    ids = list(
        Message.objects.filter(status=Message.Status.QUEUED, next_try_at__lte=stale).values_list(
            "pk", flat=True
        )
    )
    for message_id in ids:
        _enqueue(message_id)
    return len(ids)
