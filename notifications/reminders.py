"""Reminders to a partnership's leads before a cycle closes, each sent once.

For every open cycle and every active partnership whose audit is not submitted (none started,
a draft or returned), a reminder is due REMINDER_DAYS days before the cycle closes (14 and 3
by default). The scheduler may run at any time, more than once a day, or not for days: a
reminder whose day has passed is still sent on the next run while the cycle is open (catch-up),
and ReminderSent's unique constraint makes sure each is sent once, whoever runs it. If several
came due while the scheduler was down, only the closest is sent and the others are recorded as
taken over by it, so nobody gets two reminders in one morning.
"""

from datetime import date

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from audits.models import Audit, Cycle
from partnerships.models import Membership, Partnership

from .models import Message, ReminderSent
from .services import message_queue

SUBMITTED_STATUSES = (Audit.Status.SUBMITTED, Audit.Status.ACCEPTED)


def _due_days(cycle: Cycle, today: date) -> list[int]:
    """The reminders due by today, closest to closing first."""
    days_left = (cycle.closes_on - today).days
    return sorted(days for days in settings.REMINDER_DAYS if days_left <= days)


def _remind(cycle: Cycle, partnership: Partnership, due: list[int], today: date) -> int:
    """Send the closest due reminder not yet recorded; record the rest as taken over."""
    recorded = set(
        ReminderSent.objects.filter(cycle=cycle, partnership=partnership).values_list(
            "days_before", flat=True
        )
    )
    unsent = [days for days in due if days not in recorded]
    if not unsent:
        return 0
    closest = unsent[0]
    if recorded and min(recorded) <= closest:
        # A closer reminder already went: an older one left over is not worth sending now.
        closest = None
    sent = 0
    try:
        with transaction.atomic():
            for days in unsent:
                ReminderSent.objects.create(
                    cycle=cycle,
                    partnership=partnership,
                    days_before=days,
                    sent_on=today,
                    messaged=days == closest,
                )
            if closest is None:
                return 0
            leads = (
                Membership.objects.filter(partnership=partnership, user__is_active=True)
                .leads()
                .select_related("user")
            )
            days_left = (cycle.closes_on - today).days
            for membership in leads:
                message_queue(
                    kind=Message.Kind.CYCLE_REMINDER,
                    to_address=membership.user.email,
                    user=membership.user,
                    partnership=partnership,
                    cycle=cycle,
                    personalisation={
                        "partnership": partnership.name,
                        "cycle": cycle.name,
                        "closes_on": f"{cycle.closes_on:%-d %B %Y}",
                        "days_left": days_left,
                        "link": settings.SITE_URL + partnership.get_absolute_url(),
                    },
                )
                sent += 1
    except IntegrityError:
        # Another run of the scheduler recorded it first: it sends, this one does not.
        return 0
    return sent


def reminders_send(*, today: date | None = None) -> int:
    """Queue every reminder due today or left over from days the scheduler missed; idempotent."""
    today = today or timezone.localdate()
    queued = 0
    cycles = Cycle.objects.filter(opens_on__lte=today, closes_on__gte=today)
    for cycle in cycles:
        due = _due_days(cycle, today)
        if not due:
            continue
        submitted = Audit.objects.filter(cycle=cycle, status__in=SUBMITTED_STATUSES).values(
            "partnership_id"
        )
        for partnership in Partnership.objects.filter(active=True).exclude(pk__in=submitted):
            queued += _remind(cycle, partnership, due, today)
    return queued
