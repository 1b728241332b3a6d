"""Load benchmark: capacity and p95 of the mixed load of leads and Panel staff (locust).

    python3 -m venv /work/venvs/bench && /work/venvs/bench/bin/pip install --require-hashes \
        -r requirements/dev.txt          # locust is a development dependency
    export DATABASE_URL=postgresql://postgres@127.0.0.1:5432/h5_nat3   # seed_demo --national
    /work/venvs/bench/bin/python benchmarks/load.py --json load.json

It starts gunicorn the way benchmarks/pages.py does (benchmarks/server.py: config/gunicorn.py,
2 workers, DEBUG off, 127.0.0.1 only), makes signed-in sessions for 20 partnership leads
(each with an audit in the current cycle) and the Panel analyst, and runs locust headless
(benchmarks/locustfile.py) twice against 127.0.0.1:

1. capacity: 20 simulated people with no think time for 45 s, all started at once; the
   requests a second they get through is the capacity of the 2 workers (reported with the
   CPU time a request costs, from gunicorn's processes);
2. think time: 50 people, each waiting 1 to 3 s between requests, for 60 s, started 10 a
   second: the p95 and the errors a realistic crowd sees.

It prints each run's requests a second, median, p95 and failures, overall and per page, and
`--json FILE` writes them. Users (at most 100) and durations (at most 300 s) are bounded.
"""

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import server  # noqa: E402

LEADS = 20
WORKERS_CORES = 2  # the workers, and the cores this capacity is stated for
RUNS = {
    "capacity": {"users": 20, "spawn_rate": 20, "seconds": 45, "think": "0"},
    "think time": {"users": 50, "spawn_rate": 10, "seconds": 60, "think": "1-3"},
}


def load_config(sessions_cookie: str) -> dict:
    """Every simulated person's session and pages, found from the database."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from audits.models import Audit, Cycle, Theme
    from partnerships.demo import PANEL_EMAIL
    from partnerships.models import Membership, Region, User

    current = Cycle.objects.filter(opens_on__lte=time.strftime("%Y-%m-%d")).order_by("-opens_on")
    current = current.first()
    themes = list(Theme.objects.filter(version=current.version).values_list("number", flat=True))
    audits = (
        Audit.objects.filter(cycle=current)
        .select_related("partnership")
        .order_by("partnership__slug")[:LEADS]
    )
    leads = []
    for audit in audits:
        slug = audit.partnership.slug
        lead = (
            Membership.objects.filter(partnership=audit.partnership, role=Membership.Role.LEAD)
            .select_related("user")
            .order_by("pk")
            .first()
            .user
        )
        p = f"/p/{slug}"
        leads.append(
            {
                "session": server.session_for(lead),
                "home": [f"{p}/"],
                "task_list": [f"{p}/audits/{current.name}/"],
                "themes": [f"{p}/audits/{current.name}/themes/{n}/" for n in themes],
                "reviews": [f"{p}/reviews/"],
                "dashboard": [f"{p}/dashboard/"],
            }
        )
    panel = User.objects.get(email=PANEL_EMAIL)
    device = TOTPDevice.objects.filter(user=panel, confirmed=True).first()
    submitted = Audit.objects.filter(cycle=current, status__in=["submitted", "accepted"])
    regions = list(Region.objects.order_by("order").values_list("slug", flat=True))
    panel_pages = {
        "session": server.session_for(panel, verified_device=device),
        "compare": ["/panel/compare/"],
        "completion": [f"/panel/cycles/{current.name}/"],
        "statistics": ["/panel/reviews/"] + [f"/panel/reviews/?area={r}" for r in regions[:3]],
        "audit": [
            f"/panel/cycles/{current.name}/audits/{slug}/"
            for slug in submitted.order_by("partnership__slug").values_list(
                "partnership__slug", flat=True
            )[:10]
        ],
    }
    return {"cookie": sessions_cookie, "leads": leads, "panel": [panel_pages]}


def cpu_seconds(pid: int) -> float:
    """User and system CPU seconds of gunicorn: the master, its live workers, and the workers
    it has already replaced (gunicorn replaces a worker after max_requests, so a long run ends
    with new workers: their predecessors' time is in the master's cutime and cstime)."""
    ticks = os.sysconf("SC_CLK_TCK")

    def stat(each: int) -> list[str] | None:
        try:
            return Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            return None

    master = stat(pid)
    if master is None:
        return 0.0
    # utime, stime, and the reaped children's cutime, cstime (proc(5): fields 14 to 17)
    total = sum(int(field) for field in master[11:15])
    children = Path(f"/proc/{pid}/task/{pid}/children")
    for child in children.read_text().split() if children.exists() else []:
        fields = stat(int(child))
        if fields is not None:
            total += int(fields[11]) + int(fields[12])
    return total / ticks


def run_locust(name, spec, base_url, config_path, workdir, server_pid) -> dict:
    if not 1 <= spec["users"] <= 100 or not 1 <= spec["seconds"] <= 300:
        raise SystemExit("At most 100 users and 300 seconds.")
    prefix = Path(workdir) / name.replace(" ", "_")
    env = dict(os.environ, LOAD_CONFIG=str(config_path), LOAD_THINK=spec["think"])
    before = cpu_seconds(server_pid)
    with open(f"{prefix}.log", "w") as log:
        subprocess.run(  # noqa: S603
            [
                str(server.BIN / "locust"),
                "-f",
                str(Path(__file__).with_name("locustfile.py")),
                "--headless",
                "--host",
                base_url,
                "--users",
                str(spec["users"]),
                "--spawn-rate",
                str(spec["spawn_rate"]),
                "--run-time",
                f"{spec['seconds']}s",
                "--stop-timeout",
                "10",
                "--csv",
                str(prefix),
                "--only-summary",
                "--loglevel",
                "WARNING",
            ],
            env=env,
            check=False,
            timeout=spec["seconds"] + 60,
            stdout=subprocess.DEVNULL,
            stderr=log,  # locust's own summary and warnings
        )
    cpu = cpu_seconds(server_pid) - before
    rows = {}
    with open(f"{prefix}_stats.csv") as stats:
        for row in csv.DictReader(stats):
            rows[row["Name"]] = {
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "rps": float(row["Requests/s"]),
                "median_ms": float(row["Median Response Time"]),
                "p95_ms": float(row["95%"]),
            }
    total = rows.pop("Aggregated")
    total["cpu_ms_a_request"] = 1000 * cpu / total["requests"] if total["requests"] else None
    return {**spec, "load_average": os.getloadavg()[0], "total": total, "pages": rows}


def report(results) -> str:
    lines = []
    for name, result in results.items():
        total = result["total"]
        lines += [
            "",
            f"{name}: {result['users']} users, think {result['think']} s, {result['seconds']} s: "
            f"{total['rps']:.1f} requests/s, median {total['median_ms']:.0f} ms, "
            f"p95 {total['p95_ms']:.0f} ms, {total['failures']} failures of "
            f"{total['requests']}, {total['cpu_ms_a_request']:.0f} ms of server CPU a request "
            f"(so {WORKERS_CORES * 1000 / total['cpu_ms_a_request']:.0f} requests/s if the "
            f"{WORKERS_CORES} workers had a core each to themselves; load average at the end "
            f"{result.get('load_average', float('nan')):.1f})",
            "",
            "| page | requests | failures | median ms | p95 ms |",
            "| --- | ---: | ---: | ---: | ---: |",
        ]
        for page, row in sorted(result["pages"].items()):
            lines.append(
                f"| {page} | {row['requests']} | {row['failures']} | {row['median_ms']:.0f} | "
                f"{row['p95_ms']:.0f} |"
            )
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=server.DEFAULT_PORT + 1)
    parser.add_argument("--json", help="write the figures to this file")
    parser.add_argument("--only", choices=sorted(RUNS), help="one of the two runs")
    parser.add_argument("--seconds", type=int, help="each run's length instead of 45 s and 60 s")
    parser.add_argument("--report", help="print an earlier run's JSON again, and stop")
    args = parser.parse_args(argv)
    if args.report:
        earlier = json.loads(Path(args.report).read_text())
        print(f"{earlier['reviews']} reviews, {earlier['workers']} gunicorn workers")
        print(report(earlier["runs"]))
        return
    if args.seconds:
        for spec in RUNS.values():
            spec["seconds"] = args.seconds
    with server.production_server(args.port) as (base_url, _env):
        server.check_loopback(base_url)
        server.django_setup()
        from django.conf import settings

        from reviews.models import Review

        with tempfile.TemporaryDirectory(prefix="bench-load-") as workdir:
            config_path = Path(workdir) / "load.json"
            config_path.write_text(json.dumps(load_config(settings.SESSION_COOKIE_NAME)))
            gunicorn_pid = server.current_pid()
            results = {
                name: run_locust(name, spec, base_url, config_path, workdir, gunicorn_pid)
                for name, spec in RUNS.items()
                if args.only in (None, name)
            }
        reviews = Review.objects.count()
    print(f"{reviews} reviews, {server.WORKERS} gunicorn workers" + report(results))
    if args.json:
        Path(args.json).write_text(
            json.dumps({"reviews": reviews, "workers": server.WORKERS, "runs": results}, indent=1)
            + "\n"
        )


if __name__ == "__main__":
    main()
