"""Benchmark: server time of each dashboard page against a national-sized data set.

    createdb -h 127.0.0.1 -U postgres assess_bench
    export DATABASE_URL=postgresql://postgres@127.0.0.1:5432/assess_bench DJANGO_DEBUG=1
    .venv/bin/python manage.py migrate && .venv/bin/python manage.py seed_demo --national
    .venv/bin/python benchmarks/dashboards.py [requests per page]

Each page is requested through Django's test client (the whole request: middleware, views,
queries, templates; no network), a few times to warm up and then `requests` times. It
prints the median and 95th percentile, the number of queries, and the same for /healthz,
a minimal view, measured in the same run. It never runs as part of the test suite.
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

from partnerships.demo import PANEL_EMAIL  # noqa: E402
from partnerships.models import Partnership, User  # noqa: E402
from reviews.models import Review  # noqa: E402

WARM_UP = 3


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measure(client, url, requests):
    for _ in range(WARM_UP):
        assert client.get(url).status_code == 200, url
    reset_queries()  # a request resets the log too, which would hide earlier queries
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    times = []
    for _ in range(requests):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, url
    return statistics.median(times), percentile(times, 0.95), len(queries), len(response.content)


def main(requests: int = 30):
    setup_test_environment()
    panel, lead = Client(), Client()
    panel.force_login(User.objects.get(email=PANEL_EMAIL))
    lead.force_login(User.objects.get(email="lead@northshire.example.org"))
    print(
        f"{connection.vendor}, {Partnership.objects.count()} partnerships, "
        f"{Review.objects.count()} reviews, {requests} requests per page after {WARM_UP} warm-ups"
    )
    pages = [
        ("minimal view /healthz", panel, "/healthz"),
        ("completion", panel, "/panel/cycles/2026-27/"),
        ("compare", panel, "/panel/compare/?cycle=2025-26"),
        (
            "compare, 3 chosen",
            panel,
            "/panel/compare/?cycle=2025-26&compare=northshire&compare=eastmere&compare=harrowdale",
        ),
        ("review statistics", panel, "/panel/reviews/"),
        ("review statistics, a region", panel, "/panel/reviews/?area=london"),
        ("partnership dashboard", lead, "/p/northshire/dashboard/?cycle=2025-26"),
        ("review statistics export.xlsx", panel, "/panel/reviews/export.xlsx"),
    ]
    print(f"{'page':32} {'median ms':>10} {'p95 ms':>8} {'queries':>8} {'bytes':>9}")
    for name, client, url in pages:
        median, p95, queries, size = measure(client, url, requests)
        print(f"{name:32} {median:10.1f} {p95:8.1f} {queries:8d} {size:9d}")


if __name__ == "__main__":
    main(*(int(arg) for arg in sys.argv[1:2]))
