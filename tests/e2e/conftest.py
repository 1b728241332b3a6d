"""Browser journeys in Debian's Chromium, driven by Playwright, with axe on every page.

Chromium must be installed (apt-get install chromium); Playwright never downloads a
browser here. axe-core comes from npm (node_modules) and is injected through a browser
context that bypasses CSP, so the pages under test keep their strict policy.
"""

import os
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from .pages import Journey

# Playwright's sync API runs an event loop in this thread; the test's own ORM calls are
# ordinary blocking calls, which Django would otherwise refuse inside an event loop.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
AXE_JS = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
            item.add_marker(pytest.mark.django_db(transaction=True))


@pytest.fixture(autouse=True)
def reference_data(transactional_db):
    """Live-server tests empty every table after each test, including what data migrations
    loaded; put that reference data back with the same idempotent loaders."""
    from audits.loading import app_models, load_all
    from partnerships.models import Region
    from partnerships.regions import ensure_regions

    ensure_regions(Region)
    load_all(app_models())


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is not installed at {CHROMIUM}: apt-get install -y chromium")
    if not AXE_JS.exists():
        pytest.fail(f"axe-core is missing at {AXE_JS}: run npm ci")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def new_journey(browser, live_server):
    """Make journeys for several people, each in a browser context of their own."""
    contexts = []

    def make():
        context = browser.new_context(bypass_csp=True, locale="en-GB")
        context.set_default_timeout(10_000)
        contexts.append(context)
        return Journey(context.new_page(), live_server.url, AXE_JS.read_text(encoding="utf-8"))

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def journey(new_journey):
    """A fresh browser tab on the live server that runs axe on every page it reaches."""
    return new_journey()
