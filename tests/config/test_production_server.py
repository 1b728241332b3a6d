"""A server with debug off, built and started the way the README's "Production" section says,
serves every page both journeys reach, compressed, and every static file those pages use
under a hashed name that browsers may keep for a year.

The module builds the static files with the README's `manage.py collectstatic --no-input`
into a scratch STATIC_ROOT, migrates and seeds its own database (a new PostgreSQL database
when the suite runs on PostgreSQL, otherwise a SQLite file: tests/scale/test_two_servers.py),
and starts `gunicorn -c config/gunicorn.py config.wsgi` on a free port of 127.0.0.1 behind
an imagined TLS proxy (X-Forwarded-Proto: https, DJANGO_SECURE_PROXY_SSL_HEADER=1), as
production runs. A lead and Panel staff (with the demo's second factor) sign in and every
page reachable by links is crawled (tests/config/test_page_markup.py's crawl).
"""

import gzip
import os
import re
import secrets
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from http.cookies import SimpleCookie
from pathlib import Path

import pytest

from partnerships import demo_totp
from tests.config.test_page_markup import crawl
from tests.scale.test_two_servers import free_port, manage, new_database, wait_until_up

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
PASSWORD = "demo-safeguarding-2025"
IMMUTABLE = "max-age=315360000, public, immutable"
# A hashed static name, as ManifestStaticFilesStorage makes it: name.0123456789ab.ext
HASHED = re.compile(r"\.[0-9a-f]{12}\.[a-z0-9]+$")
CSS_URL = re.compile(r"""url\(["']?([^"')]+)["']?\)""")
JS_IMPORT = re.compile(r"""(?:\bfrom|\bimport)\s*\(?\s*["']([^"']+)["']""")
REQUEST_SECONDS = 30


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A debug-off gunicorn (2 workers) on a freshly built, migrated and seeded deployment."""
    tmp_path = tmp_path_factory.mktemp("production")
    url, drop = new_database(tmp_path)
    port = free_port()
    origin = f"https://127.0.0.1:{port}"
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_DEBUG"}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_ENV_FILE=os.devnull,
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SITE_URL=origin,
        DJANGO_CSRF_TRUSTED_ORIGINS=origin,
        DJANGO_SECURE_PROXY_SSL_HEADER="1",
        DATABASE_URL=url,
        DJANGO_STATIC_ROOT=str(tmp_path / "static"),
        DJANGO_LOG_LEVEL="WARNING",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="2",
    )
    process = None
    try:
        manage(env, "collectstatic", "--no-input")
        manage(env, "migrate", "--no-input", "-v0")
        manage(env, "seed_demo", "--force")
        process = subprocess.Popen(  # noqa: S603
            [GUNICORN, "-c", "config/gunicorn.py", "config.wsgi"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        wait_until_up(base, process)
        yield {"base": base, "origin": origin, "static_root": tmp_path / "static"}
    finally:
        if process is not None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        drop()


class Answer:
    """What the crawl reads from a response, as from Django's test client's: status_code,
    headers by [name] and content (decompressed when it came gzipped)."""

    def __init__(self, status, headers, body):
        self.status_code, self.headers, self.raw = status, headers, body
        gzipped = headers.get("Content-Encoding") == "gzip"
        self.content = gzip.decompress(body) if gzipped else body

    def __getitem__(self, name):
        return self.headers.get(name, "")


class Browser:
    """A browser behind the TLS proxy: it sends X-Forwarded-Proto: https (so secure cookies
    and the CSRF origin check apply as in production), accepts gzip and keeps its cookies.
    Every answer is kept in `answers`, by path."""

    def __init__(self, server):
        self.base, self.origin = server["base"], server["origin"]
        self.cookies, self.answers = {}, {}
        self.opener = urllib.request.build_opener(NoRedirect())

    def get(self, path):
        return self._open(path)

    def post(self, path, fields):
        return self._open(path, urllib.parse.urlencode(fields).encode())

    def _open(self, path, data=None):
        headers = {
            "X-Forwarded-Proto": "https",
            "Accept-Encoding": "gzip",
            "Cookie": "; ".join(f"{name}={value}" for name, value in self.cookies.items()),
        }
        if data is not None:
            headers.update(Origin=self.origin, Referer=self.origin + path)
        request = urllib.request.Request(self.base + path, data=data, headers=headers)
        try:
            with self.opener.open(request, timeout=REQUEST_SECONDS) as response:
                answer = Answer(response.status, response.headers, response.read())
        except urllib.error.HTTPError as error:
            answer = Answer(error.code, error.headers, error.read())
        for header in answer.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie(header)
            for name, morsel in cookie.items():
                self.cookies[name] = morsel.value
        self.answers[path] = answer
        return answer

    def form_token(self, answer) -> str:
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', answer.content.decode())[1]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def sign_in(browser, email, *, second_factor=False):
    page = browser.get("/accounts/login/")
    assert page.status_code == 200
    answer = browser.post(
        "/accounts/login/",
        {"csrfmiddlewaretoken": browser.form_token(page), "username": email, "password": PASSWORD},
    )
    assert answer.status_code == 302, f"{email}'s password is accepted"
    if second_factor:
        # The next page sends someone who needs a second factor to give it.
        answer = browser.get(answer["Location"])
        assert answer.status_code == 302
        path = urllib.parse.urlsplit(answer["Location"])
        assert path.path == "/accounts/login/verify/", "Panel staff are asked for their code"
        page = browser.get(f"{path.path}?{path.query}")
        answer = browser.post(
            f"{path.path}?{path.query}",
            {"csrfmiddlewaretoken": browser.form_token(page), "code": demo_totp.demo_code()},
        )
        assert answer.status_code == 302, "the demo app's code is accepted"
        assert not answer["Location"].startswith("/accounts/login/")


def referenced_files(browser, url) -> list[str]:
    """The static files a stylesheet or script refers to, as absolute paths."""
    answer = browser.get(url)
    text = answer.content.decode()
    pattern = CSS_URL if url.endswith(".css") else JS_IMPORT
    return [
        urllib.parse.urljoin(url, found)
        for found in pattern.findall(text)
        if not found.startswith(("data:", "#", "http:", "https:", "node:"))
    ]


@pytest.mark.parametrize(
    ("email", "start", "second_factor"),
    [
        ("lead@northshire.example.org", "/p/northshire/", False),
        ("panel@example.org", "/panel/", True),
    ],
)
def test_every_page_is_served_compressed_with_hashed_immutable_static_files(
    server, email, start, second_factor
):
    browser = Browser(server)
    sign_in(browser, email, second_factor=second_factor)
    pages = crawl(browser, start)
    assert len(pages) > 15, "the crawl should reach the journey's pages"
    problems = []
    for path in pages:
        answer = browser.answers[path]
        if answer["Content-Encoding"] != "gzip":
            problems.append(f"{path}: not compressed")
    for path, answer in browser.answers.items():
        if answer.status_code not in {200, 302} and not path.startswith("/static/"):
            problems.append(f"{path}: answered {answer.status_code}")

    assets = {asset for markup in pages.values() for asset in markup.assets}
    assert any(asset.endswith(".css") for asset in assets), "the stylesheet is linked"
    assert any(asset.endswith(".mjs") for asset in assets), "the module script is loaded"
    to_fetch, fetched = sorted(assets), set()
    while to_fetch:
        url = to_fetch.pop()
        if url in fetched:
            continue
        fetched.add(url)
        if not url.startswith("/static/") or not HASHED.search(url):
            problems.append(f"{url}: not a hashed static file")
            continue
        answer = browser.get(url)
        if answer.status_code != 200:
            problems.append(f"{url}: answered {answer.status_code}")
        elif answer["Cache-Control"] != IMMUTABLE:
            problems.append(f"{url}: Cache-Control {answer['Cache-Control']!r}")
        if url.endswith((".css", ".js", ".mjs")):
            to_fetch += referenced_files(browser, url)
    assert any("govuk-frontend.min." in url for url in fetched), "app.mjs's import is followed"
    assert any("/images/" in url for url in fetched), "the stylesheet's images are followed"
    assert not problems, "\n".join(problems)


def test_static_text_files_are_sent_compressed_by_whitenoise_not_twice(server):
    """WhiteNoise serves the .gz file collectstatic made; the page compressor leaves it alone."""
    browser = Browser(server)
    stylesheet = next((server["static_root"] / "build").glob("app.*.css")).name
    answer = browser.get(f"/static/build/{stylesheet}")
    assert answer.status_code == 200
    assert answer["Content-Encoding"] == "gzip"
    assert answer.raw == (server["static_root"] / "build" / f"{stylesheet}.gz").read_bytes()
    assert b".govuk-header" in answer.content or b"govuk-" in answer.content
