"""Reminders before a cycle closes: to the leads of partnerships yet to submit, 14 and 3 days
before, each once, caught up after the scheduler was down, never after the cycle closed."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from audits import services as audits_services
from notifications.models import Message, ReminderSent
from notifications.reminders import reminders_send
from tests.audits.factories import CycleFactory, complete_audit, start_audit

pytestmark = pytest.mark.django_db


@pytest.fixture
def cycle(db):
    return CycleFactory(closes_on=timezone.localdate() + timedelta(days=40))


def days_before(cycle, days):
    return cycle.closes_on - timedelta(days=days)


def reminders():
    return sorted(
        (message.to_address, message.personalisation["days_left"])
        for message in Message.objects.filter(kind=Message.Kind.CYCLE_REMINDER)
    )


def test_leads_only_are_reminded_14_days_before(cycle, northshire, lead, contributor, panel):
    """14 days before closing the partnership's leads, and only they, get one reminder."""
    assert reminders_send(today=days_before(cycle, 15)) == 0
    assert reminders_send(today=days_before(cycle, 14)) == 1
    assert reminders() == [("lead@northshire.example.org", "14")]
    message = Message.objects.get()
    assert (message.partnership, message.cycle, message.user) == (northshire, cycle, lead)


def test_running_the_scheduler_twice_sends_nothing_twice(cycle, northshire, lead):
    """The scheduler is idempotent: again the same day, or the next, queues nothing more."""
    assert reminders_send(today=days_before(cycle, 14)) == 1
    assert reminders_send(today=days_before(cycle, 14)) == 0
    assert reminders_send(today=days_before(cycle, 13)) == 0
    assert reminders_send(today=days_before(cycle, 3)) == 1
    assert reminders_send(today=days_before(cycle, 3)) == 0
    assert reminders_send(today=days_before(cycle, 0)) == 0
    assert reminders() == [
        ("lead@northshire.example.org", "14"),
        ("lead@northshire.example.org", "3"),
    ]


def test_a_reminder_missed_while_the_worker_was_down_is_caught_up(cycle, northshire, lead):
    """First run 12 days before: the 14-day reminder still goes, once."""
    assert reminders_send(today=days_before(cycle, 12)) == 1
    assert reminders_send(today=days_before(cycle, 11)) == 0
    assert reminders() == [("lead@northshire.example.org", "12")]
    assert ReminderSent.objects.get().days_before == 14


def test_after_a_long_outage_only_the_closest_reminder_goes(cycle, northshire, lead):
    """First run 2 days before: one reminder, not two in one morning; both are recorded."""
    assert reminders_send(today=days_before(cycle, 2)) == 1
    assert reminders() == [("lead@northshire.example.org", "2")]
    assert sorted(ReminderSent.objects.values_list("days_before", "messaged")) == [
        (3, True),
        (14, False),
    ]


def test_no_reminder_once_the_cycle_has_closed(cycle, northshire, lead):
    """The day after closing, a reminder never sent is not sent at all."""
    assert reminders_send(today=cycle.closes_on + timedelta(days=1)) == 0
    assert not Message.objects.exists()


def test_no_reminder_for_a_submitted_audit(cycle, northshire, lead, eastmere, other_lead, panel):
    """A partnership that has submitted is not reminded; one that has not is."""
    audit = start_audit(partnership=northshire, by=lead, cycle=cycle)
    complete_audit(audit, by=lead)
    audits_services.audit_submit(audit=audit, by=lead)
    Message.objects.all().delete()
    assert reminders_send(today=days_before(cycle, 14)) == 1
    assert [to for to, _ in reminders()] == [other_lead.email]


def test_a_returned_audit_is_reminded(cycle, northshire, lead, panel):
    """Returned by the Panel means not submitted: its leads are reminded."""
    audit = start_audit(partnership=northshire, by=lead, cycle=cycle)
    complete_audit(audit, by=lead)
    audits_services.audit_submit(audit=audit, by=lead)
    audits_services.audit_return(audit=audit, by=panel, reason="More evidence")
    assert reminders_send(today=days_before(cycle, 3)) == 1


def test_the_database_allows_one_reminder_per_cycle_partnership_and_day(cycle, northshire):
    """The unique constraint refuses a second 14-day record and accepts a 3-day one."""
    today = timezone.localdate()
    ReminderSent.objects.create(cycle=cycle, partnership=northshire, days_before=14, sent_on=today)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReminderSent.objects.create(
            cycle=cycle, partnership=northshire, days_before=14, sent_on=today
        )
    ReminderSent.objects.create(cycle=cycle, partnership=northshire, days_before=3, sent_on=today)
    assert ReminderSent.objects.count() == 2


def test_reminder_days_are_a_setting(settings, cycle, northshire, lead):
    """REMINDER_DAYS = (7,) reminds 7 days before and not 14."""
    settings.REMINDER_DAYS = (7,)
    assert reminders_send(today=days_before(cycle, 14)) == 0
    assert reminders_send(today=days_before(cycle, 7)) == 1


def test_the_management_command_is_the_scheduler_entry_point(cycle, northshire, lead, capsys):
    """`manage.py send_reminders` queues due reminders and says how many; twice, none more."""
    cycle.closes_on = timezone.localdate() + timedelta(days=3)
    cycle.save()
    call_command("send_reminders")
    call_command("send_reminders")
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("1 reminder(s) queued")
    assert out[1].startswith("0 reminder(s) queued")
    assert len(reminders()) == 1


def test_the_reminder_task_runs_the_scheduler(cycle, northshire, lead):
    """The send_reminders task (for a self-rescheduling or cron-enqueued run) queues them."""
    from notifications.tasks import send_reminders

    cycle.closes_on = timezone.localdate() + timedelta(days=14)
    cycle.save()
    assert send_reminders.call() == 1
    assert send_reminders.call() == 0


def test_panel_staff_are_told_of_a_submit_and_a_resubmit(northshire, lead, panel):
    """Each active Panel member gets 'submitted', then after a return 'resubmitted'."""
    audit = start_audit(partnership=northshire, by=lead)
    complete_audit(audit, by=lead)
    audits_services.audit_submit(audit=audit, by=lead)
    audits_services.audit_return(audit=audit, by=panel, reason="More evidence")
    audits_services.audit_submit(audit=audit, by=lead)
    told = Message.objects.filter(user=panel).order_by("pk")
    assert [m.kind for m in told] == ["audit_submitted", "audit_resubmitted"]
    assert told[1].personalisation["submitted_by"] == lead.email
    assert told[1].partnership == northshire
