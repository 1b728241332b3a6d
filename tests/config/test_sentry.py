"""config/sentry.py: the error tracker starts only with SENTRY_DSN, and sends nothing personal."""

import os
import subprocess
import sys
from pathlib import Path

from config.sentry import FILTERED, before_breadcrumb, before_send

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import sys,django;django.setup();print('sentry_sdk' in sys.modules);import sentry_sdk;"
    "client=sentry_sdk.get_client();print(client.is_active());"
    "print(client.options.get('send_default_pii'), client.options.get('max_request_body_size'),"
    " getattr(client.options.get('before_send'), '__module__', None))"
)


def _probe(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SENTRY_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_DEBUG="1",
        DJANGO_ENV_FILE=os.devnull,
        **extra,
    )
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_without_sentry_dsn_nothing_is_initialised():
    """No SENTRY_DSN, no tracker: sentry_sdk is not even imported, and its client is inactive."""
    imported, active, *_ = _probe()
    assert (imported, active) == ("False", "False")


def test_with_sentry_dsn_the_tracker_starts_without_personal_data():
    """With SENTRY_DSN the tracker starts, with default PII off, no request bodies and our
    before_send. (The address is never contacted: no event is sent.)"""
    imported, active, pii, body_size, hook = _probe(SENTRY_DSN="https://public@errors.invalid/1")
    assert (imported, active, pii, body_size, hook) == (
        "True",
        "True",
        "False",
        "never",
        "config.sentry",
    )


def test_before_send_strips_bodies_cookies_query_strings_and_user_details():
    """An event keeps the path and the user id, and loses the form body, cookies, query
    string, most headers and any email address."""
    event = {
        "request": {
            "url": "https://assess.example.org/panel/compare/?region=london",
            "method": "POST",
            "query_string": "region=london",
            "data": {"learning_summary": "free text about a child"},
            "cookies": {"sessionid": "secret"},
            "headers": {
                "Cookie": "sessionid=secret",
                "Referer": "https://assess.example.org/?q=x",
                "User-Agent": "Firefox",
                "X-Request-ID": "abcdef0123456789",
            },
            "env": {"REMOTE_ADDR": "192.0.2.1"},
        },
        "user": {"id": 7, "email": "lead@northshire.example.org", "ip_address": "192.0.2.1"},
    }
    cleaned = before_send(event, {})
    request = cleaned["request"]
    assert request["url"] == "https://assess.example.org/panel/compare/"
    assert request["data"] == request["cookies"] == request["query_string"] == FILTERED
    assert request["env"] == FILTERED
    assert request["headers"] == {
        "Cookie": FILTERED,
        "Referer": FILTERED,
        "User-Agent": "Firefox",
        "X-Request-ID": "abcdef0123456789",
    }
    assert cleaned["user"] == {"id": 7}
    assert "free text" not in repr(cleaned) and "example.org/?" not in repr(cleaned)


def test_breadcrumbs_lose_their_query_strings():
    """An HTTP breadcrumb keeps where it went but not what it asked."""
    crumb = {"data": {"url": "https://api.example/v2?key=1", "http.query": "key=1"}}
    assert before_breadcrumb(crumb, {}) == {"data": {"url": "https://api.example/v2"}}
