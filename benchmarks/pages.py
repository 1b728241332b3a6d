"""Benchmark: every page a lead or Panel staff can reach, over real HTTP, against /healthz.

    export DATABASE_URL=postgresql://postgres@127.0.0.1:5432/h5_nat3   # seed_demo --national
    .venv/bin/python benchmarks/pages.py --json nat3.json [--requests 30] [--before old.json]
    .venv/bin/python benchmarks/pages.py --compare-sizes nat3.json nat10.json

It collects the static files with the production storage, starts gunicorn with
config/gunicorn.py (2 workers, DEBUG off, 127.0.0.1 only; benchmarks/server.py), makes
signed-in sessions for the demo lead of Northshire and the demo Panel analyst (session rows
made with the session engine, the Panel one with django-otp's verified device) and requests
each page `--requests` times after a warm-up, interleaved with /healthz (page, /healthz,
page, ...), each over a new connection with `Accept-Encoding: gzip`. Per page it prints:

- median and p95: milliseconds to the last byte of the response;
- x /healthz: the page's median over the median of every /healthz request of the run;
- queries: the database queries of one request of the same URL by the same user, counted
  in this process with Django's test client and CaptureQueriesContext on the same database;
- HTML: the uncompressed size, and the bytes sent (gzip when the server compressed it).

A flag follows each figure that misses the goal of issue 13: x /healthz over 15, more than
12 queries, more than 150 KB of HTML, or HTML sent uncompressed. The pages are found from
the database (the newest audit, a complete review, a submitted audit, three partnerships
with audits), never by a written id. It requests only 127.0.0.1 and stops measuring after
--time-limit seconds (pages not reached are listed). `--json FILE` writes the figures;
`--before FILE` prints an earlier run's figures beside this run's; `--compare-sizes A B`
(no server) lists the pages whose query count differs between two runs' JSON.
"""

import argparse
import gzip
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import server  # noqa: E402

GOAL_X = 15
GOAL_QUERIES = 12
GOAL_HTML = 150 * 1024
WARM_UP = 3


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def pages() -> list[tuple[str, str, str]]:
    """(name, who, path) of every GET page, found from the database."""
    from audits.models import Audit, Cycle, Theme
    from partnerships.demo import PARTNERSHIPS
    from partnerships.models import Membership, Region
    from reviews.models import Review

    lead_membership = Membership.objects.select_related("partnership").get(
        user__email=server.LEAD_EMAIL, role=Membership.Role.LEAD
    )
    slug = lead_membership.partnership.slug
    p = f"/p/{slug}"
    audit = (
        Audit.objects.filter(partnership__slug=slug)
        .select_related("cycle")
        .order_by("-cycle__opens_on")
        .first()
    )
    accepted = (
        Audit.objects.filter(partnership__slug=slug, status="accepted")
        .select_related("cycle")
        .order_by("-cycle__opens_on")
        .first()
    )
    review = Review.objects.filter(partnership__slug=slug, status="complete").order_by("pk").first()
    draft = Review.objects.filter(partnership__slug=slug, status="draft").order_by("pk").first()
    current = Cycle.objects.filter(opens_on__lte=time.strftime("%Y-%m-%d")).order_by("-opens_on")
    current = current.first()
    listed = [
        ("partnership home", "lead", f"{p}/"),
        ("audits", "lead", f"{p}/audits/"),
        ("task list", "lead", f"{p}/audits/{audit.cycle.name}/"),
    ]
    for number in Theme.objects.filter(version=audit.cycle.version).values_list(
        "number", flat=True
    ):
        listed.append(
            (f"theme {number}", "lead", f"{p}/audits/{audit.cycle.name}/themes/{number}/")
        )
    listed += [
        ("check your answers", "lead", f"{p}/audits/{audit.cycle.name}/check/"),
        ("audit report", "lead", f"{p}/audits/{audit.cycle.name}/report/"),
        ("action plan", "lead", f"{p}/actions/"),
    ]
    if accepted is not None and accepted.pk != audit.pk:
        listed.append(
            ("audit report (accepted)", "lead", f"{p}/audits/{accepted.cycle.name}/report/")
        )
    listed += [
        ("reviews", "lead", f"{p}/reviews/"),
        ("record a review", "lead", f"{p}/reviews/new/"),
        ("a review", "lead", f"{p}/reviews/{review.pk}/"),
        ("a review's check page", "lead", f"{p}/reviews/{review.pk}/check/"),
        ("edit a review (the child)", "lead", f"{p}/reviews/{review.pk}/edit/the-child/"),
        ("edit a review (the review)", "lead", f"{p}/reviews/{review.pk}/edit/the-review/"),
    ]
    if draft is not None:
        listed.append(("a draft review's check page", "lead", f"{p}/reviews/{draft.pk}/check/"))
    listed += [
        ("import", "lead", f"{p}/reviews/import/"),
        ("file format", "lead", f"{p}/reviews/format/"),
        ("partnership dashboard", "lead", f"{p}/dashboard/"),
        ("members", "lead", f"{p}/members/"),
        ("add a member", "lead", f"{p}/members/add/"),
        ("two-factor (lead)", "lead", "/accounts/two-factor/"),
        ("two-factor set-up (lead)", "lead", "/accounts/two-factor/set-up/"),
    ]
    submitted = (
        Audit.objects.filter(cycle=current, status="submitted")
        .order_by("partnership__slug")
        .first()
    )
    chosen = list(
        Audit.objects.filter(
            cycle=current,
            status__in=["submitted", "accepted"],
            partnership__slug__in=[s for _, s, _ in PARTNERSHIPS],
        )
        .order_by("partnership__slug")
        .values_list("partnership__slug", flat=True)[:3]
    )
    compare_3 = "&".join(f"compare={s}" for s in chosen)
    region = Region.objects.order_by("order").first()
    oldest = Cycle.objects.order_by("opens_on").first()
    listed += [
        ("Panel home", "panel", "/panel/"),
        ("cycles", "panel", "/panel/cycles/"),
        ("new cycle", "panel", "/panel/cycles/new/"),
        ("completion", "panel", f"/panel/cycles/{current.name}/"),
        ("completion, submitted", "panel", f"/panel/cycles/{current.name}/?status=submitted"),
        (
            "Panel audit",
            "panel",
            f"/panel/cycles/{current.name}/audits/{submitted.partnership.slug}/",
        ),
        ("follow-through", "panel", "/panel/actions/"),
        ("follow-through, a theme", "panel", "/panel/actions/?theme=4"),
        ("compare", "panel", "/panel/compare/"),
        ("compare, 3 chosen", "panel", f"/panel/compare/?{compare_3}"),
        ("compare, item distribution", "panel", "/panel/compare/?show=distribution"),
        ("compare, own and moderated", "panel", "/panel/compare/?show=gap"),
        ("compare, change", "panel", "/panel/compare/?show=change"),
        ("compare, moderated", "panel", "/panel/compare/?rating=moderated"),
        ("compare, ratings not borne out", "panel", "/panel/compare/?show=flags"),
        ("compare, a region", "panel", f"/panel/compare/?region={region.slug}"),
        ("compare, oldest cycle", "panel", f"/panel/compare/?cycle={oldest.name}"),
        ("review statistics", "panel", "/panel/reviews/"),
        ("review statistics, a region", "panel", f"/panel/reviews/?area={region.slug}"),
        ("analysis", "panel", "/panel/analysis/"),
        ("analysis record", "panel", "/panel/analysis/record/"),
        ("messages", "panel", "/panel/messages/"),
        ("two-factor (Panel)", "panel", "/accounts/two-factor/"),
        ("recovery codes (Panel)", "panel", "/accounts/two-factor/recovery-codes/"),
    ]
    return listed


def count_queries(listed, sessions) -> dict:
    """Queries of one request of each page by the same user, in this process."""
    from django.conf import settings
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    setup_test_environment()
    clients = {}
    for who, key in sessions.items():
        clients[who] = Client()
        clients[who].cookies[settings.SESSION_COOKIE_NAME] = key
    counts = {}
    for name, who, path in listed:
        clients[who].get(path)  # warm: the first request of a process fills caches
        reset_queries()
        with CaptureQueriesContext(connection) as queries:
            response = clients[who].get(path)
        counts[name] = (len(queries), response.status_code)
    return counts


def measure(base_url, listed, sessions, requests, time_limit):
    from django.conf import settings

    cookie = settings.SESSION_COOKIE_NAME
    headers = {
        who: {"Accept-Encoding": "gzip", "Cookie": f"{cookie}={key}"}
        for who, key in sessions.items()
    }
    healthz = []
    figures = {}
    deadline = time.monotonic() + time_limit
    for name, who, path in listed:
        if time.monotonic() > deadline:
            figures[name] = None
            continue
        for _ in range(WARM_UP):
            server.get(base_url, path, headers[who])
        times = []
        status = body = response_headers = None
        for _ in range(requests):
            status, response_headers, body, seconds = server.get(base_url, path, headers[who])
            times.append(seconds * 1000)
            healthz.append(server.get(base_url, "/healthz")[3] * 1000)
        compressed = response_headers.get("Content-Encoding", "") == "gzip"
        html = gzip.decompress(body) if compressed else body
        figures[name] = {
            "who": who,
            "path": path,
            "status": status,
            "median_ms": statistics.median(times),
            "p95_ms": percentile(times, 0.95),
            "html_bytes": len(html),
            "sent_bytes": len(body),
            "compressed": compressed,
        }
    return figures, healthz


def flags(page) -> list[str]:
    out = []
    if page.get("x_healthz") is not None and page["x_healthz"] > GOAL_X:
        out.append(f"x>{GOAL_X}")
    if page.get("queries") is not None and page["queries"] > GOAL_QUERIES:
        out.append(f"q>{GOAL_QUERIES}")
    if page.get("html_bytes", 0) > GOAL_HTML:
        out.append(">150KB")
    if page.get("status") == 200 and not page.get("compressed"):
        out.append("raw")
    return out


def table(result) -> str:
    lines = [
        f"/healthz: median {result['healthz']['median_ms']:.1f} ms, "
        f"p95 {result['healthz']['p95_ms']:.1f} ms ({result['healthz']['requests']} requests), "
        f"{result['requests']} requests a page, {result['meta']['reviews']} reviews, "
        f"{result['meta']['cycles']} cycles, {result['meta']['partnerships']} partnerships",
        "",
        "| page | status | median ms | p95 ms | x /healthz | queries | HTML KB | sent KB | miss |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for page in result["pages"]:
        if page.get("median_ms") is None:
            lines.append(f"| {page['name']} | not reached (time limit) | | | | | | | |")
            continue
        missed = flags(page)

        def mark(text, flag, missed=missed):
            return f"{text} !" if flag in missed else text

        lines.append(
            f"| {page['name']} | {page['status']} | {page['median_ms']:.1f} | "
            f"{page['p95_ms']:.1f} | {mark(format(page['x_healthz'], '.0f'), f'x>{GOAL_X}')} | "
            f"{mark(page['queries'], f'q>{GOAL_QUERIES}')} | "
            f"{mark(format(page['html_bytes'] / 1024, '.0f'), '>150KB')} | "
            f"{mark(format(page['sent_bytes'] / 1024, '.0f'), 'raw')} | {' '.join(missed)} |"
        )
    return "\n".join(lines)


def side_by_side(before, after) -> str:
    old = {page["name"]: page for page in before["pages"]}
    lines = [
        f"/healthz median: before {before['healthz']['median_ms']:.1f} ms, "
        f"after {after['healthz']['median_ms']:.1f} ms",
        "",
        "| page | median ms | x /healthz | queries | HTML KB | sent KB |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]

    def pair(a, b, fmt):
        left = "-" if a is None else format(a, fmt)
        right = "-" if b is None else format(b, fmt)
        return f"{left} → {right}"

    for page in after["pages"]:
        was = old.get(page["name"], {})
        lines.append(
            f"| {page['name']} | {pair(was.get('median_ms'), page.get('median_ms'), '.1f')} | "
            f"{pair(was.get('x_healthz'), page.get('x_healthz'), '.0f')} | "
            f"{pair(was.get('queries'), page.get('queries'), 'd')} | "
            f"{pair(kb(was.get('html_bytes')), kb(page.get('html_bytes')), '.0f')} | "
            f"{pair(kb(was.get('sent_bytes')), kb(page.get('sent_bytes')), '.0f')} |"
        )
    return "\n".join(lines)


def kb(value):
    return None if value is None else value / 1024


def compare_sizes(a, b) -> str:
    first = {page["name"]: page.get("queries") for page in a["pages"]}
    lines = []
    for page in b["pages"]:
        if page["name"] in first and first[page["name"]] != page.get("queries"):
            lines.append(f"  {page['name']}: {first[page['name']]} → {page.get('queries')}")
    header = (
        f"Query counts, {a['meta']['reviews']} reviews / {a['meta']['cycles']} cycles against "
        f"{b['meta']['reviews']} reviews / {b['meta']['cycles']} cycles: "
    )
    if not lines:
        return header + "the same on every page."
    return header + f"{len(lines)} pages differ:\n" + "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=30, help="per page, after a warm-up")
    parser.add_argument("--port", type=int, default=server.DEFAULT_PORT)
    parser.add_argument("--time-limit", type=int, default=900, help="seconds of measuring")
    parser.add_argument("--json", help="write the figures to this file")
    parser.add_argument("--before", help="an earlier run's JSON to print beside this one")
    parser.add_argument("--only", help="measure only the pages whose name contains this")
    parser.add_argument("--compare-sizes", nargs=2, metavar=("A", "B"))
    args = parser.parse_args(argv)
    if args.compare_sizes:
        a, b = (json.loads(Path(name).read_text()) for name in args.compare_sizes)
        print(compare_sizes(a, b))
        return
    if not 1 <= args.requests <= 500:
        raise SystemExit("--requests must be 1 to 500")
    with server.production_server(args.port) as (base_url, _env):
        server.check_loopback(base_url)
        server.django_setup()
        from audits.models import Cycle
        from partnerships.models import Partnership
        from reviews.models import Review

        sessions = server.signed_in_sessions()
        listed = pages()
        if args.only:
            listed = [page for page in listed if args.only in page[0]]
        counts = count_queries(listed, sessions)
        figures, healthz = measure(base_url, listed, sessions, args.requests, args.time_limit)
    healthz_median = statistics.median(healthz)
    result = {
        "meta": {
            "when": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
            "reviews": Review.objects.count(),
            "complete_reviews": Review.objects.filter(status="complete").count(),
            "cycles": Cycle.objects.count(),
            "partnerships": Partnership.objects.filter(active=True).count(),
            "workers": server.WORKERS,
            "load_average": os.getloadavg()[0],  # other work on the machine skews the times
        },
        "requests": args.requests,
        "healthz": {
            "median_ms": healthz_median,
            "p95_ms": percentile(healthz, 0.95),
            "requests": len(healthz),
        },
        "pages": [],
    }
    for name, who, path in listed:
        page = {"name": name, "who": who, "path": path}
        page["queries"], query_status = counts[name]
        if figures.get(name) is not None:
            page.update(figures[name])
            page["x_healthz"] = page["median_ms"] / healthz_median
        else:
            page["status"] = query_status
        result["pages"].append(page)
    print(table(result))
    broken = [page["name"] for page in result["pages"] if page.get("status") != 200]
    if broken:
        print("\nNot 200: " + ", ".join(broken))
    if args.before:
        print("\nBefore → after\n")
        print(side_by_side(json.loads(Path(args.before).read_text()), result))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
