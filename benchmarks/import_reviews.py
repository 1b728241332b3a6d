"""Benchmark: time and peak memory of a 10,000-row review import (run it against PostgreSQL).

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/<db> DJANGO_DEBUG=1 \
        .venv/bin/python benchmarks/import_reviews.py [rows] [repeats]

It builds a valid file by exporting generated demo reviews (once, kept in the system's
temporary directory, by a process of its own), then imports it into an empty partnership
`repeats` times, each time in a fresh Python process that does nothing else, and prints
for each run the time the import took (wall clock and the process's CPU), and the
process's peak resident memory (ru_maxrss) before and after the import: the figure the
issue measures ("raises the worker to 171 MiB"). It never runs as part of the test suite.
"""

import os
import resource
import statistics
import subprocess
import sys
import tempfile
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

RUN = "--run"  # the child process's argument: import the file once and report
BUILD = "--build"  # make the file (if it is not there yet) and print its path


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def empty(partnership):
    Review.objects.filter(partnership=partnership).delete()
    Child.objects.filter(partnership=partnership).delete()


def import_once(path: str, rows: int):
    """In a fresh process: import the file into the target partnership and print
    "seconds cpu_seconds peak_before peak_after"."""
    target = Partnership.objects.get(slug="bench-target")
    user = User.objects.get(email="bench@example.org")
    empty(target)
    raw = Path(path).read_bytes()
    before = peak_mib()
    start, cpu = time.perf_counter(), cpu_seconds()
    result = exchange.import_csv(partnership=target, raw=raw, by=user)
    seconds, cpu = time.perf_counter() - start, cpu_seconds() - cpu
    after = peak_mib()
    assert not result.errors, result.errors[:3]
    assert result.reviews == rows, result.reviews
    empty(target)
    print(f"{seconds:.3f} {cpu:.3f} {before:.1f} {after:.1f}")


def build_file(rows: int) -> Path:
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
    empty(target)
    path = Path(tempfile.gettempdir()) / f"import-reviews-{rows}.csv"
    if path.exists():
        return path
    empty(source)
    scale = 1
    while Review.objects.filter(partnership=source).count() < rows:
        empty(source)
        scale *= 2
        seed_reviews(partnerships={"x": source}, leads={"x": user}, today=date.today(), scale=scale)
    lines = exchange.export_csv(source).decode("utf-8-sig").splitlines()
    path.write_bytes(("\n".join(lines[: rows + 1]) + "\n").encode("utf-8"))
    empty(source)
    return path


def main(rows: int = 10_000, repeats: int = 3):
    # The file is built in a process of its own: a child process starts with its parent's
    # peak memory (Linux keeps ru_maxrss across fork and exec), so this one stays small.
    path = subprocess.run(  # noqa: S603 (this same script, with its own arguments)
        [sys.executable, __file__, BUILD, str(rows)], check=True, capture_output=True, text=True
    ).stdout.split()[-1]
    runs = []
    for _ in range(repeats):
        output = subprocess.run(  # noqa: S603 (this same script, with its own arguments)
            [sys.executable, __file__, RUN, str(path), str(rows)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        runs.append([float(part) for part in output.split()[-4:]])
    seconds = [run[0] for run in runs]
    engine = django.db.connection.vendor
    print(
        f"{rows} rows on {engine}: median {statistics.median(seconds):.2f} s "
        f"(runs: {', '.join(f'{s:.2f}' for s in seconds)}); CPU of the importing process "
        f"median {statistics.median(run[1] for run in runs):.2f} s; peak RSS "
        f"{max(run[3] for run in runs):.0f} MiB (the process was at "
        f"{max(run[2] for run in runs):.0f} MiB before the import)"
    )


if __name__ == "__main__":
    if sys.argv[1:2] == [RUN]:
        import_once(sys.argv[2], int(sys.argv[3]))
    elif sys.argv[1:2] == [BUILD]:
        print(build_file(int(sys.argv[2])))
    else:
        main(*(int(arg) for arg in sys.argv[1:3]))
