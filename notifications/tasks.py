"""Background tasks, run by the worker (`manage.py db_worker`, see docs/operations.md)."""

from django_tasks import task

from . import reminders, services


@task()
def send_message(message_id: int) -> str:
    """Send one queued message (services.message_send: once, with retries)."""
    return services.message_send(message_id=message_id)


@task()
def send_reminders() -> int:
    """The scheduler's run: due reminders, and messages whose retry was left behind."""
    return reminders.reminders_send() + services.message_retry_due()
