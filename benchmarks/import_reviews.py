"""Benchmark: time to import a 5,000-row review file (run against PostgreSQL for the figure).

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/<db> DJANGO_DEBUG=1 \
        .venv/bin/python benchmarks/import_reviews.py [rows] [repeats]

It builds a valid file by exporting generated demo reviews, imports it into an empty
partnership `repeats` times (deleting in between), and prints the median and each time.
It never runs as part of the test suite.
"""

import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from partnerships.models import Membership, Partnership, Region, User  # noqa: E402
from reviews import exchange  # noqa: E402
from reviews.demo import seed_reviews  # noqa: E402
from reviews.models import Child, Review  # noqa: E402


def main(rows: int = 5000, repeats: int = 3):
    call_command("migrate", verbosity=0)
    region = Region.objects.first()
    user, _ = User.objects.get_or_create(email="bench@example.org")
    source, _ = Partnership.objects.get_or_create(
        slug="bench-source", defaults={"name": "Bench source", "region": region}
    )
    target, _ = Partnership.objects.get_or_create(
        slug="bench-target", defaults={"name": "Bench target", "region": region}
    )
    # Only a lead may import reviews as complete, and the file has complete ones.
    Membership.objects.update_or_create(
        user=user, partnership=target, defaults={"role": Membership.Role.LEAD}
    )
    for partnership in (source, target):
        Review.objects.filter(partnership=partnership).delete()
        Child.objects.filter(partnership=partnership).delete()
    scale = 1
    while Review.objects.filter(partnership=source).count() < rows:
        Review.objects.filter(partnership=source).delete()
        Child.objects.filter(partnership=source).delete()
        scale *= 2
        seed_reviews(partnerships={"x": source}, leads={"x": user}, today=date.today(), scale=scale)
    lines = exchange.export_csv(source).decode("utf-8-sig").splitlines()
    raw = ("\n".join(lines[: rows + 1]) + "\n").encode("utf-8")
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = exchange.import_csv(partnership=target, raw=raw, by=user)
        times.append(time.perf_counter() - start)
        assert not result.errors, result.errors[:3]
        assert result.reviews == rows, result.reviews
        Review.objects.filter(partnership=target).delete()
        Child.objects.filter(partnership=target).delete()
    engine = django.db.connection.vendor
    print(
        f"{rows} rows on {engine}: median {statistics.median(times):.2f} s "
        f"(runs: {', '.join(f'{t:.2f}' for t in times)})"
    )


if __name__ == "__main__":
    main(*(int(arg) for arg in sys.argv[1:3]))
