"""Measure the pages of the lead's and the Panel analyst's journeys in a real browser.

    DJANGO_DEBUG=1 .venv/bin/python manage.py migrate && ... seed_demo
    DJANGO_DEBUG=1 .venv/bin/python manage.py runserver 127.0.0.1:8000 --noreload &
    .venv/bin/python benchmarks/journeys.py --base-url http://127.0.0.1:8000 [--json out.json]

It signs in as the demo personas (lead@northshire.example.org and panel@example.org) in
Debian's Chromium through Playwright (it never downloads a browser), finds every page a lead
and a Panel analyst reach by following the links the pages themselves show (no slug, cycle
or id is written here), and for each page records:

- at 1280 px wide: the HTML's size in bytes, the document's height in CSS pixels
  (document.documentElement.scrollHeight) and how many form fields it has (inputs other than
  hidden ones and buttons, selects and textareas) and how many buttons;
- at 320 px wide: document.documentElement.scrollWidth, and whether it is wider than 320
  (the page scrolls sideways as a whole: a WCAG 2.2 reflow failure), and the smallest text
  in a chart (SVG text as drawn, its font size times the chart's scale);
- the height and the 320 px width also without JavaScript (what a conditional reveal shows).

Then it counts the clicks from the sign-in page to saving the first theme of the lead's
current audit: it types the email and password, presses Enter (one press), and from each
page follows the link that goes furthest towards theme 1 of the newest audit (a theme link,
else an audit's task list, else the audits list), then presses the theme's main save button.
Typing in a field is not a click; each link followed, button pressed or Enter press is.
That journey saves theme 1 unchanged, so it runs last.

Only the base address given (127.0.0.1 or localhost) is ever requested: anything else the
pages ask for is refused. It visits at most MAX_PAGES pages per persona and gives up after
TIME_LIMIT seconds. It writes to the demo data only by that one unchanged save and by the
restricted-analysis pages recording the views. It never runs as part of the test suite;
tests/e2e/test_reflow.py imports the page walks below.
"""

import argparse
import json
import re
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
LEAD_EMAIL = "lead@northshire.example.org"
PANEL_EMAIL = "panel@example.org"
PASSWORD = "demo-safeguarding-2025"
WIDE, NARROW = 1280, 320
HEIGHT = 900
MAX_PAGES = 60
TIME_LIMIT = 600  # seconds for the whole run
TIMEOUT_MS = 20_000  # per navigation or click
MORE_PAGES = 12  # at most this many pages found by a sweep of links (see Walk)
DOWNLOAD = re.compile(r".*\.(csv|xlsx|json|pdf|zip)")
SITE_PAGE = re.compile(r"/(?!p/|panel/|admin/|accounts/|home/|no-partnership/|healthz).+")

FIELDS_JS = """() => ({
  fields: document.querySelectorAll(
    'input:not([type=hidden]):not([type=submit]):not([type=button]):not([type=reset])'
    + ':not([type=image]), select, textarea').length,
  buttons: document.querySelectorAll(
    'button, input[type=submit], input[type=button], input[type=reset], input[type=image]'
  ).length,
  height: document.documentElement.scrollHeight,
})"""
# The smallest chart text as drawn on screen: the font size times the SVG's scale (a chart
# drawn with a viewBox shrinks with its box); null when the page has no chart text.
CHART_TEXT_JS = """() => {
  const sizes = Array.from(document.querySelectorAll('svg text')).flatMap(text => {
    const matrix = text.getScreenCTM();
    if (!matrix || !text.getClientRects().length) return [];
    return [parseFloat(getComputedStyle(text).fontSize) * Math.hypot(matrix.a, matrix.b)];
  });
  return sizes.length ? Math.round(Math.min(...sizes) * 10) / 10 : null;
}"""
LINKS_JS = """() => Array.from(document.querySelectorAll('a[href]'))
  .filter(a => a.origin === location.origin)
  .map(a => [a.pathname, a.innerText.replace(/\\s+/g, ' ').trim()])"""


class Links:
    """Every same-site link seen so far on the pages walked, in the order first seen."""

    def __init__(self):
        self.seen: dict[str, str] = {}

    def collect(self, page):
        for path, text in page.evaluate(LINKS_JS):
            self.seen.setdefault(path, text)

    def all(self, pattern: str, exclude_text: str = "") -> list[str]:
        regex = re.compile(pattern)
        return [
            path
            for path, text in self.seen.items()
            if regex.fullmatch(path) and not (exclude_text and exclude_text in text)
        ]

    def first(self, pattern: str, exclude_text: str = "") -> str | None:
        found = self.all(pattern, exclude_text)
        return found[0] if found else None


Visit = Callable[[str, str], None]


class Walk:
    """Visit pages by name and path; collect their links; note the pages not found."""

    def __init__(self, page, visit: Visit):
        self.page, self._visit = page, visit
        self.links = Links()
        self.missing: list[str] = []
        self.visited: list[tuple[str, str]] = []

    def visit(self, name: str, path: str | None):
        if path is None:
            self.missing.append(name)
            return None
        if len(self.visited) >= MAX_PAGES:
            raise RuntimeError(f"More than {MAX_PAGES} pages: stopping")
        self._visit(name, path)
        self.visited.append((name, path))
        self.links.collect(self.page)
        return path

    def new(self, path: str) -> bool:
        return path not in {visited for _, visited in self.visited} and not DOWNLOAD.fullmatch(path)

    def visit_site_pages(self):
        """The pages outside any partnership or the Panel that the pages link to (the
        footer's, say), but not the start page, sign-in or sign-out, admin or downloads."""
        for path in self.links.all(SITE_PAGE)[:MORE_PAGES]:
            if self.new(path):
                self.visit(self.links.seen[path] or path, path)


def current_path(page) -> str:
    return urlsplit(page.url).path


def walk_lead(page, visit: Visit, email: str = LEAD_EMAIL) -> Walk:
    """The lead's pages, from the partnership home the sign-in lands on. `page` is signed in
    as a lead and shows that landing page; visit(name, path) loads path into it."""
    walk = Walk(page, visit)
    home = current_path(page)
    match = re.fullmatch(r"/p/([^/]+)/", home)
    if not match:
        raise AssertionError(f"The lead's sign-in landed on {home}, not a partnership home")
    p = f"/p/{re.escape(match.group(1))}"
    walk.visit("Partnership home", home)
    walk.visit("Audits", walk.links.first(p + r"/audits/"))
    task_list = walk.visit("Audit task list", walk.links.first(p + r"/audits/[^/]+/"))
    if task_list:
        audit = re.escape(task_list)
        themes = walk.links.all(audit + r"themes/\d+/")
        if not themes:
            walk.missing.append("Theme pages")
        for path in sorted(themes, key=lambda t: int(t.rstrip("/").rsplit("/", 1)[1])):
            walk.visit(f"Theme {path.rstrip('/').rsplit('/', 1)[1]}", path)
        walk.visit("Check your answers", walk.links.first(audit + r"check/"))
        walk.visit("Audit report", walk.links.first(audit + r"report/"))
    walk.visit("Action plan", walk.links.first(p + r"/actions/"))
    walk.visit("An action", walk.links.first(p + r"/actions/\d+/"))
    walk.visit("Reviews", walk.links.first(p + r"/reviews/"))
    walk.visit("Record a review", walk.links.first(p + r"/reviews/new/"))
    review = walk.visit("Review", walk.links.first(p + r"/reviews/\d+/"))
    if review and not walk.links.first(re.escape(review) + r"edit/.*"):
        # A complete review is read-only: its pages to change are a draft's.
        walk.visit("Draft reviews", f"{home}reviews/?status=draft")
        on_page = [path for path, _ in page.evaluate(LINKS_JS)]
        drafts = [path for path in on_page if re.fullmatch(p + r"/reviews/\d+/", path)]
        review = walk.visit("A draft review", drafts[0] if drafts else None)
    if review:
        walk.visit("Edit a review", walk.links.first(re.escape(review) + r"edit/.*"))
        # Any further page of that review (sections of the form, its own check page...).
        for path in walk.links.all(re.escape(review) + r".+")[:MORE_PAGES]:
            if walk.new(path):
                walk.visit(f"Review: {walk.links.seen[path] or path}", path)
    else:
        walk.missing.append("Edit a review")
    walk.visit("Import reviews", walk.links.first(p + r"/reviews/import/"))
    walk.visit("Review file format", walk.links.first(p + r"/reviews/format/"))
    walk.visit("Partnership dashboard", walk.links.first(p + r"/dashboard/"))
    walk.visit("Members", walk.links.first(p + r"/members/"))
    walk.visit("Add a member", walk.links.first(p + r"/members/add/"))
    walk.visit("Change role", walk.links.first(p + r"/members/\d+/role/", exclude_text=email))
    walk.visit("Remove a member", walk.links.first(p + r"/members/\d+/remove/", email))
    walk.visit_site_pages()
    return walk


def walk_panel(page, visit: Visit) -> Walk:
    """The Panel analyst's pages, from the Panel home the sign-in lands on."""
    walk = Walk(page, visit)
    home = current_path(page)
    if home != "/panel/":
        raise AssertionError(f"The Panel's sign-in landed on {home}, not /panel/")
    walk.visit("Panel home", home)
    walk.visit("Cycles", walk.links.first(r"/panel/cycles/"))
    walk.visit("Open a new cycle", walk.links.first(r"/panel/cycles/new/"))
    cycles = walk.links.all(r"/panel/cycles/(?!new/)[^/]+/")
    if not cycles:
        walk.missing.append("Cycle completion")
    audit = None
    for cycle in cycles:  # the newest cycle first; an older one if nobody has submitted yet
        walk.visit(f"Cycle completion {cycle.split('/')[3]}", cycle)
        audit = walk.links.first(re.escape(cycle) + r"audits/[^/]+/")
        if audit:
            break
    walk.visit("Panel audit (moderation)", audit)
    walk.visit("Compare partnerships", walk.links.first(r"/panel/compare/"))
    walk.visit("Review statistics", walk.links.first(r"/panel/reviews/"))
    walk.visit("Restricted analysis", walk.links.first(r"/panel/analysis/"))
    walk.visit("Record of restricted views", walk.links.first(r"/panel/analysis/record/"))
    walk.visit_site_pages()
    return walk


def sign_in(page, base_url: str, email: str, password: str = PASSWORD) -> int:
    """Sign in from the sign-in page by typing and pressing Enter; returns the presses (1)."""
    page.goto(base_url + "/accounts/login/")
    page.get_by_label("Email address", exact=True).fill(email)
    password_field = page.get_by_label("Password", exact=True)
    password_field.fill(password)
    with page.expect_navigation():
        password_field.press("Enter")
    if current_path(page) == "/accounts/login/":
        raise AssertionError(f"Signing in as {email} failed: still on the sign-in page")
    if current_path(page) == "/accounts/login/verify/":
        return 1 + enter_demo_code(page)
    return 1


def enter_demo_code(page) -> int:
    """Panel staff give a second factor: the demo app's code (partnerships/demo_totp.py).
    Each 30 seconds' code signs in once, so a second sign-in soon after takes the next one,
    or waits for it. Returns the presses (1)."""
    root = str(Path(__file__).resolve().parents[1])
    if root not in sys.path:
        sys.path.append(root)  # run as a script from benchmarks/
    from partnerships.demo_totp import demo_code, seconds_left

    for attempt, step_ahead in enumerate((0, 1, 1)):
        if attempt == 2:
            time.sleep(seconds_left() + 1)
        field = page.get_by_label("Code", exact=True)
        field.fill(demo_code(step_ahead=step_ahead))
        with page.expect_navigation():
            field.press("Enter")
        if current_path(page) != "/accounts/login/verify/":
            return 1
    raise AssertionError("The demo code was refused: was the demo seeded (manage.py seed_demo)?")


# Measuring ------------------------------------------------------------------------------
@dataclass
class PageFigures:
    persona: str
    name: str
    path: str
    status: int
    html_bytes: int
    height: int
    height_no_js: int
    fields: int
    buttons: int
    width_320: int
    width_320_no_js: int
    chart_text_320: float | None = None

    @property
    def scrolls_sideways(self) -> bool:
        return max(self.width_320, self.width_320_no_js) > NARROW


@dataclass
class Journey:
    steps: list[str] = field(default_factory=list)
    clicks: int = 0
    saved: bool = False
    outcome: str = ""


def only_this_server(context, base_url: str):
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(base_url))

    def route(route):
        if route.request.url.startswith(origin + "/") or route.request.url == origin:
            route.continue_()
        else:
            route.abort()

    context.route("**/*", route)


def new_context(browser, base_url: str, javascript: bool = True):
    context = browser.new_context(
        viewport={"width": WIDE, "height": HEIGHT}, locale="en-GB", java_script_enabled=javascript
    )
    context.set_default_timeout(TIMEOUT_MS)
    only_this_server(context, base_url)
    return context


def measure_persona(browser, base_url: str, persona: str, email: str, walker, deadline: float):
    """Walk the persona's pages at 1280 px with JavaScript; load each page also at 320 px, and
    at both widths without JavaScript (what a conditional reveal shows then), each in a tab
    of its own signed in as the same person."""
    contexts = [new_context(browser, base_url), new_context(browser, base_url, javascript=False)]
    wide, narrow = contexts[0].new_page(), contexts[0].new_page()
    wide_plain, narrow_plain = contexts[1].new_page(), contexts[1].new_page()
    for page in (narrow, narrow_plain):
        page.set_viewport_size({"width": NARROW, "height": HEIGHT})
    figures: list[PageFigures] = []

    def record(name: str, path: str):
        if time.monotonic() > deadline:
            raise RuntimeError(f"Over the {TIME_LIMIT} s time limit")
        response = wide.goto(base_url + path)
        body = response.body() if response else b""
        counts = wide.evaluate(FIELDS_JS)
        widths = []
        for page in (narrow, narrow_plain):
            page.goto(base_url + path)
            widths.append(page.evaluate("document.documentElement.scrollWidth"))
        chart_text = narrow.evaluate(CHART_TEXT_JS)
        wide_plain.goto(base_url + path)
        figures.append(
            PageFigures(
                persona=persona,
                name=name,
                path=path,
                status=response.status if response else 0,
                html_bytes=len(body),
                height=counts["height"],
                height_no_js=wide_plain.evaluate("document.documentElement.scrollHeight"),
                fields=counts["fields"],
                buttons=counts["buttons"],
                width_320=widths[0],
                width_320_no_js=widths[1],
                chart_text_320=chart_text,
            )
        )

    if persona == "lead":  # the pages before signing in, once
        record("Start", "/")
        record("Sign in", "/accounts/login/")
    sign_in(wide_plain, base_url, email)
    sign_in(wide, base_url, email)
    walk = walker(wide, record)
    for context in contexts:
        context.close()
    return figures, walk.missing


def theme_one_journey(browser, base_url: str, email: str = LEAD_EMAIL) -> Journey:
    """From the sign-in page to saving theme 1 of the newest audit, counting clicks."""
    context = new_context(browser, base_url)
    page = context.new_page()
    journey = Journey()
    journey.clicks += sign_in(page, base_url, email)
    journey.steps.append(f"Enter on the password field -> {current_path(page)}")
    match = re.fullmatch(r"/p/([^/]+)/", current_path(page))
    p = f"/p/{re.escape(match.group(1))}" if match else r"/p/[^/]+"
    targets = [  # furthest first
        p + r"/audits/[^/]+/themes/1/",
        p + r"/audits/[^/]+/",
        p + r"/audits/",
    ]
    for _ in range(8):
        path = current_path(page)
        if re.fullmatch(targets[0], path):
            break
        links = Links()
        links.collect(page)
        target = next((found for t in targets if (found := links.first(t))), None)
        if target is None:
            start = page.get_by_role("button", name=re.compile(r"^Start"))
            if start.count():
                with page.expect_navigation():
                    start.first.click()
                journey.clicks += 1
                journey.steps.append(f"press Start -> {current_path(page)}")
                continue
            journey.outcome = f"no way on from {path}"
            context.close()
            return journey
        link = page.locator(f'a[href="{target}"]').first
        if not link.count():  # a link written with the whole address or a query
            link = page.locator(f'a[href*="{target}"]').first
        text = link.inner_text().strip().replace("\n", " ")
        with page.expect_navigation():
            link.click()
        journey.clicks += 1
        journey.steps.append(f"click {text!r} -> {current_path(page)}")
    theme = current_path(page)
    for name in ("Save and continue", "Save and come back later", "Save"):
        button = page.get_by_role("button", name=name, exact=True)
        visible = [b for b in button.all() if b.is_visible()]
        if visible:
            with page.expect_navigation():
                visible[0].click()
            journey.clicks += 1
            after = current_path(page)
            errors = page.locator(".govuk-error-summary").count()
            journey.saved = not errors
            journey.steps.append(f"press {name!r} -> {after}")
            journey.outcome = (
                f"saved {theme}" if not errors else f"the save of {theme} showed errors"
            )
            break
    else:
        journey.outcome = f"no save button on {theme}"
    context.close()
    return journey


# Output ---------------------------------------------------------------------------------
def table(figures: list[PageFigures]) -> str:
    header = (
        "who",
        "page",
        "path",
        "HTML bytes",
        "height",
        "no JS",
        "fields",
        "buttons",
        "320 width",
        "no JS",
        "chart text",
    )
    rows = [
        (
            f.persona,
            f.name,
            f.path,
            f"{f.html_bytes:,}",
            f"{f.height:,}",
            f"{f.height_no_js:,}",
            str(f.fields),
            str(f.buttons),
            str(f.width_320),
            f"{f.width_320_no_js}{'  SIDEWAYS' if f.scrolls_sideways else ''}",
            "" if f.chart_text_320 is None else f"{f.chart_text_320} px",
        )
        for f in figures
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    numeric = {3, 4, 5, 6, 7, 8, 10}

    def line(row):
        return "  ".join(
            cell.rjust(widths[i]) if i in numeric else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ).rstrip()

    return "\n".join([line(header), line(tuple("-" * w for w in widths)), *map(line, rows)])


def report(figures, missing, journey: Journey) -> str:
    sideways = [f for f in figures if f.scrolls_sideways]
    failed = [f for f in figures if f.status != 200]
    lines = [
        f"Heights and widths in CSS pixels; heights at {WIDE} px wide, widths at {NARROW} px;",
        "fields: inputs (not hidden ones or buttons), selects and textareas; chart text: the",
        f"smallest text in a chart (SVG) as drawn at {NARROW} px.",
        "",
        table(figures),
        "",
    ]
    lines.append(f"Pages measured: {len(figures)}")
    if failed:
        lines.append(
            "Pages not answering 200: " + ", ".join(f"{f.path} ({f.status})" for f in failed)
        )
    if missing:
        lines.append("Pages no link led to: " + ", ".join(missing))
    lines.append(f"Pages wider than {NARROW} px at {NARROW} px: {len(sideways)}")
    lines.extend(
        f"  {f.persona}: {f.name} {f.path}: {f.width_320} px ({f.width_320_no_js} px without "
        "JavaScript)"
        for f in sideways
    )
    lines.append("")
    lines.append(f"Clicks from the sign-in page to saving theme 1: {journey.clicks}")
    lines.extend(f"  {i}. {step}" for i, step in enumerate(journey.steps, 1))
    lines.append(f"  outcome: {journey.outcome}")
    return "\n".join(lines)


def comparison(before: dict, figures: list[PageFigures], journey: Journey) -> str:
    """Each page's figures in an earlier run's JSON (--json) against this run's, matched by
    persona and page name."""
    earlier = {(page["persona"], page["name"]): page for page in before["pages"]}
    header = (
        "who",
        "page",
        "HTML bytes",
        "height",
        "no JS",
        "fields",
        "320 width",
        "no JS",
        "chart text",
    )
    rows = []

    def show(value):
        return "-" if value is None else f"{value:,}"

    def pair(old, new, key):
        return f"{show(old.get(key) if old else None)} -> {show(new[key])}"

    for f in figures:
        new = asdict(f)
        old = earlier.pop((f.persona, f.name), None)
        rows.append(
            (
                f.persona,
                f.name,
                *(
                    pair(old, new, key)
                    for key in (
                        "html_bytes",
                        "height",
                        "height_no_js",
                        "fields",
                        "width_320",
                        "width_320_no_js",
                        "chart_text_320",
                    )
                ),
            )
        )
    rows += [(persona, f"{name} (gone)", *("-",) * 7) for persona, name in earlier]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def line(row):
        return "  ".join(
            cell.rjust(widths[i]) if i > 1 else cell.ljust(widths[i]) for i, cell in enumerate(row)
        ).rstrip()

    before_journey = before["theme_one_journey"]
    sideways_before = ", ".join(before["sideways_at_320"]) or "none"
    sideways_now = ", ".join(f.path for f in figures if f.scrolls_sideways) or "none"
    return "\n".join(
        [
            f"Compared with {before['base_url']} measured at {before['measured_at']}:",
            "",
            line(header),
            line(tuple("-" * w for w in widths)),
            *map(line, rows),
            "",
            f"Clicks from sign-in to saving theme 1: {before_journey['clicks']} -> "
            f"{journey.clicks}",
            f"Wider than {NARROW} px before: {sideways_before}",
            f"Wider than {NARROW} px now: {sideways_now}",
        ]
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", required=True, help="e.g. http://127.0.0.1:8000")
    parser.add_argument("--json", help="write the figures to this file as JSON")
    parser.add_argument("--before", help="also compare with an earlier run's --json file")
    args = parser.parse_args(argv)
    base_url = args.base_url.rstrip("/")
    parts = urlsplit(base_url)
    if parts.scheme != "http" or parts.hostname not in ("127.0.0.1", "localhost"):
        parser.error("--base-url must be http://127.0.0.1:PORT or http://localhost:PORT")

    from playwright.sync_api import sync_playwright

    deadline = time.monotonic() + TIME_LIMIT
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            lead, lead_missing = measure_persona(
                browser, base_url, "lead", LEAD_EMAIL, walk_lead, deadline
            )
            panel, panel_missing = measure_persona(
                browser, base_url, "panel", PANEL_EMAIL, walk_panel, deadline
            )
            journey = theme_one_journey(browser, base_url)
        finally:
            browser.close()
    figures = lead + panel
    missing = [f"lead: {m}" for m in lead_missing] + [f"panel: {m}" for m in panel_missing]
    print(report(figures, missing, journey))
    if args.before:
        with open(args.before, encoding="utf-8") as earlier:
            print("\n" + comparison(json.load(earlier), figures, journey))
    if args.json:
        data = {
            "base_url": base_url,
            "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "pages": [asdict(f) | {"scrolls_sideways": f.scrolls_sideways} for f in figures],
            "missing": missing,
            "sideways_at_320": [f.path for f in figures if f.scrolls_sideways],
            "theme_one_journey": asdict(journey),
        }
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(data, out, indent=2)
            out.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
