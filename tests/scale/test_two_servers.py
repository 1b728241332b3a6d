"""Two app servers and one worker against one database, as a national deployment runs.

The app keeps no state of its own, so a person signed in through one server is signed in on
the other, a save made through one is seen as a conflict by a stale page from the other, and
an email asked for on either is sent once by the worker. The servers are real gunicorn
processes on two ports of 127.0.0.1, started for this module with their own database: a new
PostgreSQL database when the suite runs on PostgreSQL, otherwise a SQLite file.
"""

import http.cookiejar
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
LEAD = "lead@northshire.example.org"
PASSWORD = "demo-safeguarding-2025"
STARTUP_SECONDS = 60
SENT_WITHIN_SECONDS = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def new_database(tmp_path) -> tuple[str, callable]:
    """A database URL for this module and a function that removes it afterwards."""
    base = os.environ.get("DATABASE_URL", "")
    if base.startswith("postgres"):
        import psycopg

        name = f"assess_scale_{uuid.uuid4().hex[:8]}"
        admin = base.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')

        def drop():
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

        return base.rsplit("/", 1)[0] + f"/{name}", drop
    return f"sqlite:///{tmp_path / 'scale.sqlite3'}", lambda: None


def manage(env, *args, timeout=300) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=True,
    )
    return result.stdout


def wait_until_up(url: str, process) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=5) as response:  # noqa: S310
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer /healthz within {STARTUP_SECONDS} s")


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    """Two gunicorn servers and one db_worker on one freshly migrated and seeded database."""
    tmp_path = tmp_path_factory.mktemp("scale")
    url, drop = new_database(tmp_path)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_DEBUG": "1",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_ENV_FILE": "/dev/null",
        "DJANGO_LOG_FORMAT": "text",
    }
    processes = []
    try:
        manage(env, "migrate", "--no-input", "-v0")
        manage(env, "seed_demo")
        servers = []
        for _ in range(2):
            port = free_port()
            server = subprocess.Popen(  # noqa: S603
                [PYTHON, "-m", "gunicorn", "config.wsgi", "-b", f"127.0.0.1:{port}", "-w", "1"],
                cwd=ROOT,
                env={**env, "PORT": str(port)},
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            processes.append(server)
            servers.append(f"http://127.0.0.1:{port}")
        worker = subprocess.Popen(  # noqa: S603
            [PYTHON, "manage.py", "db_worker", "--no-reload"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        processes.append(worker)
        for server_url, process in zip(servers, processes, strict=False):
            wait_until_up(server_url, process)
        yield {"servers": servers, "env": env}
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        drop()


class Form(HTMLParser):
    """The fields a browser would post from the page's POST form that holds `button`."""

    def __init__(self, button: str):
        super().__init__()
        self.button, self.fields, self.in_form, self.found = button, [], False, False
        self.current, self.textarea = [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "").lower() == "post" and not self.found:
            self.in_form, self.current = True, []
        elif not self.in_form:
            return
        elif tag == "input" and attrs.get("name"):
            kind = attrs.get("type", "text")
            if kind in {"radio", "checkbox"} and "checked" not in attrs:
                return
            if kind != "submit":
                self.current.append((attrs["name"], attrs.get("value") or ""))
        elif tag == "textarea":
            self.textarea = [attrs["name"], ""]
        elif tag == "button" and attrs.get("value") == self.button:
            self.found = True

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self.textarea is not None:
            self.current.append((self.textarea[0], self.textarea[1].lstrip("\n")))
            self.textarea = None
        elif tag == "form" and self.in_form:
            self.in_form = False
            if self.found:
                self.fields = self.current


class Browser:
    """One person's browser: one cookie jar, whichever server it talks to."""

    def __init__(self):
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), NoRedirect()
        )

    def get(self, url):
        return self._open(urllib.request.Request(url))

    def post(self, url, fields):
        data = urllib.parse.urlencode(fields).encode()
        return self._open(urllib.request.Request(url, data=data, headers={"Referer": url}))

    def _open(self, request):
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.headers, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read().decode()

    def csrf(self) -> str:
        return next(cookie.value for cookie in self.cookies if cookie.name == "csrftoken")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def sign_in(browser, server):
    browser.get(f"{server}/accounts/login/")
    status, headers, _ = browser.post(
        f"{server}/accounts/login/",
        {"csrfmiddlewaretoken": browser.csrf(), "username": LEAD, "password": PASSWORD},
    )
    assert status == 302, "the lead's password is accepted"


def theme_form(browser, url) -> list[tuple[str, str]]:
    status, _, html = browser.get(url)
    assert status == 200
    form = Form("continue")
    form.feed(html)
    assert form.fields, "the theme page has its save form"
    return form.fields


def with_evidence(fields, text):
    """The form with the first item's evidence replaced."""
    name = next(name for name, _ in fields if name.endswith("-evidence"))
    return [(key, text if key == name else value) for key, value in fields] + [("action", "later")]


def test_a_session_started_on_one_server_is_signed_in_on_the_other(deployment):
    """Signing in through server A lets the same browser read its partnership on server B."""
    a, b = deployment["servers"]
    browser = Browser()
    sign_in(browser, a)
    status, _, html = browser.get(f"{b}/p/northshire/")
    assert status == 200
    assert "Northshire Safeguarding Children Partnership" in html
    stranger = Browser()
    status, headers, _ = stranger.get(f"{b}/p/northshire/")
    assert status == 302 and "/accounts/login/" in headers["Location"]


def test_a_save_on_one_server_makes_a_stale_page_from_the_other_a_conflict(deployment):
    """Two people open theme 1 on different servers; the second save is refused as a conflict
    and names the first person's change, whichever server each used."""
    a, b = deployment["servers"]
    theme = "/p/northshire/audits/2026-27/themes/1/"
    first, second = Browser(), Browser()
    sign_in(first, a)
    sign_in(second, b)
    first_form = theme_form(first, a + theme)
    second_form = theme_form(second, b + theme)
    status, _, _ = first.post(a + theme, with_evidence(first_form, "Minutes of the March board"))
    assert status == 302, "the first save is taken"
    status, _, html = second.post(b + theme, with_evidence(second_form, "A different account"))
    assert status == 200
    assert 'data-testid="conflict"' in html
    assert "Minutes of the March board" in html
    _, _, html = first.get(b + theme)
    assert "Minutes of the March board" in html, "server B reads what server A saved"


def test_an_email_asked_for_on_either_server_is_sent_once_by_the_one_worker(deployment):
    """A password reset asked for through server B is queued and sent by the worker, once."""
    _, b = deployment["servers"]
    browser = Browser()
    browser.get(f"{b}/accounts/password-reset/")
    status, _, _ = browser.post(
        f"{b}/accounts/password-reset/",
        {"csrfmiddlewaretoken": browser.csrf(), "email": LEAD},
    )
    assert status == 302
    count = (
        "from notifications.models import Message as M; "
        f"q = M.objects.filter(kind='password_reset', to_address='{LEAD}'); "
        "print(q.filter(status='sent').count(), q.count())"
    )
    deadline = time.monotonic() + SENT_WITHIN_SECONDS
    while True:
        sent, queued = map(int, manage(deployment["env"], "shell", "-c", count).split()[-2:])
        if sent or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert (sent, queued) == (1, 1), "one message, sent by the worker"
    time.sleep(2)
    sent_again, _ = map(int, manage(deployment["env"], "shell", "-c", count).split()[-2:])
    assert sent_again == 1
