"""Every page both journeys reach, crawled on the demo data: one form per form (never a form
inside a form, one CSRF token each) and a title that names the page and no other."""

import io
import re
from collections import defaultdict
from html.parser import HTMLParser

import pytest
from django.core.management import call_command

from partnerships.models import User

MAX_PAGES = 120
# Pages that are files, not HTML, or that record something when visited.
NOT_PAGES = re.compile(r"(\.csv|\.xlsx|/export|/template|/logout|/analysis)")


class PageMarkup(HTMLParser):
    """Collects the title, the links, the static files the page loads (stylesheets, icons,
    scripts, images) and the forms (with their nesting and CSRF tokens)."""

    def __init__(self):
        super().__init__()
        self.title, self.in_title, self.titled = "", False, False
        self.links, self.forms, self.nested = [], [], 0
        self.assets = []
        self.open_forms = 0
        self.text = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "title" and not self.titled:  # the page's; a chart's SVG has titles too
            self.in_title = True
        elif tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif tag == "link" and attrs.get("href"):
            self.assets.append(attrs["href"])
        elif tag in {"script", "img"} and attrs.get("src"):
            self.assets.append(attrs["src"])
        elif tag == "form":
            if self.open_forms:
                self.nested += 1
            self.open_forms += 1
            self.forms.append({"method": (attrs.get("method") or "get").lower(), "tokens": 0})
        elif tag == "input" and attrs.get("name") == "csrfmiddlewaretoken" and self.forms:
            self.forms[-1]["tokens"] += 1

    def handle_endtag(self, tag):
        if tag == "title" and self.in_title:
            self.in_title, self.titled = False, True
        elif tag == "form":
            self.open_forms -= 1

    def handle_data(self, data):
        if self.in_title:
            self.title += data
        self.text.append(data.strip())

    @property
    def content(self) -> str:
        """What the page says: two addresses of one page (a filter left at its default) say
        the same."""
        return " ".join(filter(None, self.text))


def crawl(client, start):
    """The pages reachable from `start` by links inside /p/ and /panel/, parsed.

    `client` is Django's test client, or anything with its get(path) answering an object
    with status_code, headers by [name] and content (tests/config/test_production_server.py
    crawls a real server this way)."""
    seen, queue, pages = set(), [start], {}
    while queue and len(pages) < MAX_PAGES:
        path = queue.pop(0).split("#")[0]
        if path in seen or NOT_PAGES.search(path):
            continue
        seen.add(path)
        response = client.get(path)
        if response.status_code != 200 or "text/html" not in response["Content-Type"]:
            continue
        markup = PageMarkup()
        markup.feed(response.content.decode())
        pages[path] = markup
        queue += [
            link
            for link in markup.links
            if link.startswith(("/p/", "/panel/")) and link not in seen
        ]
    return pages


@pytest.fixture
def demo(settings, db):
    settings.DEBUG = True  # seed_demo refuses to run on a live service
    call_command("seed_demo", stdout=io.StringIO())


@pytest.mark.parametrize(
    ("email", "start"),
    [("lead@northshire.example.org", "/p/northshire/"), ("panel@example.org", "/panel/")],
)
def test_every_page_has_separate_forms_and_a_title_of_its_own(client, demo, email, start):
    """No form sits inside another, every POST form has exactly one CSRF token, and no two
    different pages of a journey share a title."""
    client.force_login(User.objects.get(email=email))
    pages = crawl(client, start)
    assert len(pages) > 15, "the crawl should reach the journey's pages"
    problems = []
    titles = defaultdict(list)
    for path, markup in pages.items():
        if markup.nested:
            problems.append(f"{path}: a form inside a form")
        for form in markup.forms:
            if form["method"] == "post" and form["tokens"] != 1:
                problems.append(f"{path}: a form with {form['tokens']} CSRF tokens")
        titles[" ".join(markup.title.split())].append((path, markup.content))
    for title, found in titles.items():
        paths = [path for path, _ in found]
        if len({content for _, content in found}) > 1:
            problems.append(f"{len(paths)} pages titled {title!r}: {', '.join(sorted(paths))}")
    assert not problems, "\n".join(problems)
