"""Benchmark: 5,000 practitioner survey submissions in a burst, then the results pages.

    createdb -h 127.0.0.1 -U postgres f_bench
    export DATABASE_URL=postgres://postgres@127.0.0.1/f_bench DJANGO_DEBUG=1
    .venv/bin/python manage.py migrate
    .venv/bin/python benchmarks/survey_burst.py [--count 5000] [--threads 8]

Each submission goes through the whole Django stack (middleware, CSRF check, form, service,
database) with django.test.Client, in --threads threads, each thread with its own database
connection. Every submission is a new browser (it first opens the form, which sets the survey
cookie and the CSRF cookie) from its own address: the app reads the client's address from
REMOTE_ADDR (or a configured proxy header), so each gets a distinct REMOTE_ADDR, and the limit
per address is not what is measured. The limit per survey (300 a minute) would refuse all but
the first 300 of a burst, so it is lifted for the run; a last phase puts it back and shows the
refusal's time. Only the POST is timed. It prints the median and p95 per submission, the burst's
wall time, then (the survey closed, as figures are shown only then) the lead's results page
and the Panel's page, each the median of 20 loads.
It makes its own partnership, lead, Panel user, cycle and survey (named bench-*), and never
runs as part of the test suite.
"""

import argparse
import os
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from audits.models import Cycle, FrameworkVersion  # noqa: E402
from partnerships.models import Membership, Partnership, Region, User  # noqa: E402
from surveys import services  # noqa: E402
from surveys.models import Survey  # noqa: E402
from tests.conftest import verified_login  # noqa: E402

BURST_TIME_LIMIT = 900  # seconds: the burst stops taking new submissions after this


def p95(values):
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def set_up():
    """A partnership with a lead, Panel staff, an open cycle on version 3 and a survey."""
    today = timezone.localdate()
    version = FrameworkVersion.objects.get(number=3)
    region = Region.objects.order_by("pk").first()
    partnership, _ = Partnership.objects.get_or_create(
        slug="bench-survey",
        defaults={"name": "Bench Survey Partnership", "region": region},
    )
    lead, _ = User.objects.get_or_create(email="bench-lead@example.org")
    Membership.objects.get_or_create(
        user=lead, partnership=partnership, defaults={"role": Membership.Role.LEAD}
    )
    panel, _ = User.objects.get_or_create(
        email="bench-panel@example.org", defaults={"is_panel_staff": True}
    )
    cycle = Cycle.objects.filter(name="2099-00").first() or Cycle.objects.create(
        name="2099-00",
        version=version,
        opens_on=today - timedelta(days=1),
        closes_on=today + timedelta(days=60),
    )
    Survey.objects.filter(partnership=partnership, cycle=cycle).delete()
    survey = services.survey_open(
        partnership=partnership, cycle=cycle, closes_on=cycle.closes_on, by=lead
    )
    return survey, lead, panel


def submit_one(survey, n: int) -> tuple[int, float]:
    """Open the form as a new browser from address n, then send answers; time the POST."""
    client = Client(enforce_csrf_checks=True)
    address = f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256 or 1}"
    url = f"/survey/{survey.token}/"
    opened = client.get(url, REMOTE_ADDR=address)
    if "csrftoken" not in client.cookies:  # the form did not load (503 under load, say)
        return opened.status_code, None
    data = {s["key"]: str(1 + (n + i) % 5) for i, s in enumerate(survey.statements)}
    data.update(
        agency=["", "police", "health", "local_authority", "other"][n % 5],
        role=["social_worker", "police", "health", "education", "other", ""][n % 6],
        csrfmiddlewaretoken=client.cookies["csrftoken"].value,
    )
    started = time.perf_counter()
    response = client.post(url, data, REMOTE_ADDR=address)
    elapsed = time.perf_counter() - started
    return response.status_code, elapsed


def burst(survey, count: int, threads: int):
    times, statuses, lock = [], {}, threading.Lock()
    deadline = time.monotonic() + BURST_TIME_LIMIT

    def work(n):
        if time.monotonic() > deadline:
            return None
        try:
            return submit_one(survey, n)
        finally:
            connections.close_all()

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        for future in as_completed([pool.submit(work, n) for n in range(1, count + 1)]):
            result = future.result()
            if result is None:
                continue
            status, elapsed = result
            with lock:
                if elapsed is None:
                    status = f"form {status}"
                else:
                    times.append(elapsed)
                statuses[status] = statuses.get(status, 0) + 1
    return times, statuses, time.perf_counter() - started


def page_times(user, url, loads=20):
    client = Client()
    verified_login(client, user)  # Panel staff sign in with a second factor
    client.get(url)  # warm
    times = []
    for _ in range(loads):
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    return statistics.median(times), p95(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    setup_test_environment()
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    survey, lead, panel = set_up()
    limit = services.SURVEY_LIMIT
    services.SURVEY_LIMIT = (10**9, limit[1])
    times, statuses, wall = burst(survey, args.count, args.threads)
    services.SURVEY_LIMIT = limit
    ms = [t * 1000 for t in times]
    print(
        f"burst: {len(times)} submissions in {wall:.1f} s with {args.threads} threads "
        f"({len(times) / wall:.0f}/s); statuses {statuses}"
    )
    print(f"per submission (POST): median {statistics.median(ms):.1f} ms, p95 {p95(ms):.1f} ms")
    print(f"responses stored: {survey.responses.count()}")
    status, refused = submit_one(survey, args.count + 1)
    if refused is not None:
        print(f"with the 300-a-minute limit back: status {status} in {refused * 1000:.1f} ms")
    # Figures are shown only once a survey has closed: close it, as its lead would.
    services.survey_close(survey=survey, by=lead)
    cycle = survey.cycle.name
    for name, user, url in [
        ("lead's results page", lead, f"/p/{survey.partnership.slug}/surveys/{cycle}/"),
        ("lead's CSV", lead, f"/p/{survey.partnership.slug}/surveys/{cycle}/export.csv"),
        ("Panel's page", panel, f"/panel/surveys/?cycle={cycle}"),
    ]:
        median, high = page_times(user, url)
        print(f"{name}: median {median * 1000:.1f} ms, p95 {high * 1000:.1f} ms")


if __name__ == "__main__":
    main()
