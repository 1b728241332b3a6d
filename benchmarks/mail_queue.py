"""Benchmark: how long a submit takes with mail down, and how fast the worker sends.

    .venv/bin/python benchmarks/mail_queue.py [--submits 5] [--messages 1000]

It makes its own SQLite database in /tmp (never yours) and runs against whichever code it
sits in, so the same script measures before (copy it into a checkout of the code before the
queue, where mail went out in the request over SMTP) and after. The mail server that is down
is on this machine: "refused" is a port on 127.0.0.1 with nothing listening; "stalled" is a
listener on 127.0.0.1 that accepts and never answers, so SMTP waits EMAIL_TIMEOUT. The
baseline, in the same run, is a submit with mail working (Django's in-memory backend).

A submit is the lead's POST to the check page, through Django's test client with real
commits (so on-commit work runs, as in production). After the queue it also times the
worker, `manage.py db_worker --batch`, sending `messages` queued emails through a stubbed
Notify client, with a baseline of the same sends called directly, without the queue.
"""

import argparse
import importlib.util
import os
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB = Path(tempfile.gettempdir()) / f"mail_queue_bench_{os.getpid()}.sqlite3"
# MAIL_BENCH_DATABASE_URL: an empty database of your own to run on instead, such as
# PostgreSQL (createdb assess_mailbench; the script migrates it and leaves it to drop).
os.environ["DATABASE_URL"] = os.environ.get("MAIL_BENCH_DATABASE_URL") or f"sqlite:///{DB}"
os.environ.setdefault("DJANGO_DEBUG", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["DJANGO_ENV_FILE"] = os.devnull

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

QUEUED = importlib.util.find_spec("notifications") is not None
EMAIL_TIMEOUT = 10  # seconds, the service's setting (DJANGO_EMAIL_TIMEOUT)


class MailServiceDown(Exception):
    """An error that is not a socket error (an HTTP error from an email API, a bug)."""


class RaisingEmailBackend:
    """A mail backend that fails with MailServiceDown."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise MailServiceDown("mail service unavailable")


class StubNotifyClient:
    """Notify's client, answering at once without a network call."""

    def __init__(self, api_key):
        pass

    def send_email_notification(self, email_address, template_id, personalisation=None, **kw):
        return {"id": "stub"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stalling_server() -> tuple[int, socket.socket]:
    """A listener on loopback that accepts connections and never says a word."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(50)
    held = []

    def accept():
        while True:
            try:
                held.append(server.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    return server.getsockname()[1], server


def submitter(index: int, cycle):
    """A partnership with a lead and a complete audit, ready to submit."""
    from partnerships.models import Membership
    from tests.audits.factories import complete_audit, start_audit
    from tests.partnerships.factories import MembershipFactory, PartnershipFactory, UserFactory

    partnership = PartnershipFactory(name=f"Bench partnership {index}", slug=f"bench-{index}")
    lead = UserFactory(email=f"lead{index}@bench.example.org")
    MembershipFactory(user=lead, partnership=partnership, role=Membership.Role.LEAD)
    complete_audit(start_audit(partnership=partnership, by=lead, cycle=cycle), by=lead)
    # As a server would: an exception in the view is a 500, not a crash of the benchmark.
    client = Client(raise_request_exception=False)
    client.force_login(lead)
    return client, f"/p/{partnership.slug}/audits/{cycle.name}/check/"


def time_submits(label, settings, submits, cycle, counter):
    times = []
    statuses = set()
    with override_settings(**settings):
        for _ in range(submits):
            counter[0] += 1
            client, url = submitter(counter[0], cycle)
            start = time.perf_counter()
            statuses.add(client.post(url).status_code)
            times.append((time.perf_counter() - start) * 1000)
    print(
        f"  {label:<34} median {statistics.median(times):8.1f} ms"
        f"  max {max(times):8.1f} ms  answered {sorted(map(str, statuses))}"
    )


def submit_figures(submits):
    from tests.audits.factories import CycleFactory
    from tests.partnerships.factories import UserFactory

    UserFactory(email="panel@bench.example.org", is_panel_staff=True)
    cycle = CycleFactory()
    counter = [0]
    stalled_port, stalled = stalling_server()
    smtp = {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_TIMEOUT": EMAIL_TIMEOUT,
    }
    print(f"Submit with mail down ({'after: queued' if QUEUED else 'before: in the request'})")
    time_submits(
        "baseline: mail working",
        {"EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"},
        submits,
        cycle,
        counter,
    )
    time_submits("SMTP refused", {**smtp, "EMAIL_PORT": free_port()}, submits, cycle, counter)
    time_submits(
        f"SMTP stalled (timeout {EMAIL_TIMEOUT} s)",
        {**smtp, "EMAIL_PORT": stalled_port},
        submits,
        cycle,
        counter,
    )
    time_submits(
        "mail raising another error",
        {"EMAIL_BACKEND": "benchmarks.mail_queue.RaisingEmailBackend"},
        submits,
        cycle,
        counter,
    )
    stalled.close()
    if QUEUED:
        from notifications.models import Message

        kept = Message.objects.filter(status="queued").count()
        print(f"  emails kept in the queue for the worker: {kept}")


def worker_figures(messages):
    from django.db import transaction
    from django_tasks_db.models import DBTaskResult

    from notifications.models import Message
    from notifications.services import message_queue, message_send

    notify = {
        "NOTIFY_API_KEY": "bench-not-a-key",
        "NOTIFY_CLIENT_CLASS": "benchmarks.mail_queue.StubNotifyClient",
        "NOTIFY_TEMPLATES": dict.fromkeys(Message.Kind.values, "template"),
    }
    personalisation = {"partnership": "Bench", "cycle": "2026-27", "link": "http://x/"}

    def queue():
        start = time.perf_counter()
        for index in range(messages):
            with transaction.atomic():
                message_queue(
                    kind=Message.Kind.AUDIT_ACCEPTED,
                    to_address=f"person{index}@bench.example.org",
                    personalisation=personalisation,
                )
        return time.perf_counter() - start

    print(f"Worker, {messages} messages, Notify client stubbed")
    with override_settings(**notify):
        # Baseline: the same sends, each called directly, no queue in between.
        Message.objects.all().delete()
        rows = Message.objects.bulk_create(
            Message(kind="audit_accepted", to_address="p@bench.example.org", personalisation={})
            for _ in range(messages)
        )
        start = time.perf_counter()
        for row in rows:
            message_send(message_id=row.pk)
        direct = time.perf_counter() - start
        print(f"  baseline: message_send called directly {messages / direct:8.0f} per second")

        Message.objects.all().delete()
        DBTaskResult.objects.all().delete()  # the submits' tasks: only these messages are timed
        queued = queue()
        print(f"  queueing in {messages} transactions     {messages / queued:8.0f} per second")
        start = time.perf_counter()
        call_command(
            "db_worker", batch=True, startup_delay=False, reload=False, interval=0.1, verbosity=0
        )
        worker = time.perf_counter() - start
        sent = Message.objects.filter(status="sent").count()
        print(
            f"  db_worker --batch                      {messages / worker:8.0f} per second"
            f"  ({sent} of {messages} sent in {worker:.1f} s)"
        )


def main():
    import logging

    # A 500's traceback is expected (before the queue) and would bury the figures.
    logging.getLogger("django.request").setLevel(logging.CRITICAL)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submits", type=int, default=5)
    parser.add_argument("--messages", type=int, default=1000)
    args = parser.parse_args()
    try:
        call_command("migrate", verbosity=0)
        setup_test_environment()
        submit_figures(args.submits)
        if QUEUED:
            worker_figures(args.messages)
    finally:
        DB.unlink(missing_ok=True)  # (never the MAIL_BENCH_DATABASE_URL database)


if __name__ == "__main__":
    main()
