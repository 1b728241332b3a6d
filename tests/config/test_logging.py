"""config/logging.py: refusals and missing pages are one log line, not a traceback."""

import logging
import sys

import pytest

from config.logging import ClientErrorsWithoutTraceback

pytestmark = pytest.mark.django_db


def _request_records(caplog):
    return [record for record in caplog.records if record.name == "django.request"]


@pytest.mark.parametrize(
    ("persona", "url", "status"),
    [("viewer", "/p/northshire/members/", 403), ("viewer", "/p/eastmere/", 404)],
)
def test_403_and_404_are_logged_as_one_line_without_traceback(
    client, request, eastmere, caplog, persona, url, status
):
    """A refused or missing page is logged once, and the record carries no traceback."""
    client.force_login(request.getfixturevalue(persona))
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get(url)
    assert response.status_code == status
    (record,) = _request_records(caplog)
    assert record.status_code == status
    assert record.exc_info is None and record.exc_text is None
    assert "Traceback" not in caplog.text


def test_filter_is_on_django_request_logger():
    """The filter is installed by settings.LOGGING on the logger Django reports requests to."""
    assert any(
        isinstance(f, ClientErrorsWithoutTraceback)
        for f in logging.getLogger("django.request").filters
    )


def test_server_errors_keep_their_traceback():
    """A 500 still logs its traceback: that one is a fault to fix."""
    try:
        raise ValueError("a bug")
    except ValueError:
        record = logging.LogRecord(
            "django.request", logging.ERROR, __file__, 1, "Internal Server Error", (), None
        )
        record.exc_info = sys.exc_info()
    record.status_code = 500
    assert ClientErrorsWithoutTraceback().filter(record)
    assert record.exc_info is not None


# --- Structured logs: a request id and the user id on every line of a request ---


@pytest.fixture
def log_lines(settings):
    """What the service's own console handler writes, as a list of lines."""
    import io

    from config.logging import JsonFormatter, TextFormatter

    (handler,) = [
        h
        for h in logging.getLogger().handlers
        if isinstance(h.formatter, JsonFormatter | TextFormatter)
    ]
    stream = io.StringIO()
    old = handler.setStream(stream)
    yield lambda: stream.getvalue().splitlines()
    handler.setStream(old)


def _json_lines(lines):
    import json

    return [json.loads(line) for line in lines]


def test_production_logs_are_one_json_object_per_line(client, lead, log_lines, settings):
    """With debug off every line is a JSON object; a request's lines all carry its id (also
    in the X-Request-ID header) and the signed-in person's id, never their email address."""
    assert settings.LOG_FORMAT == "json"
    client.force_login(lead)
    before = len(log_lines())
    response = client.get("/p/northshire/")
    lines = log_lines()[before:]
    entries = _json_lines(lines)
    request_id = response["X-Request-ID"]
    (access,) = [e for e in entries if e["logger"] == "config.request"]
    assert access["message"] == "GET /p/northshire/ 200"
    assert access["request_id"] == request_id
    assert access["user_id"] == lead.pk
    assert access["status_code"] == 200 and access["path"] == "/p/northshire/"
    assert all(e["request_id"] == request_id and e["user_id"] == lead.pk for e in entries)
    assert lead.email not in "\n".join(lines)


def test_djangos_refusal_line_carries_the_request_and_user_ids(client, viewer, log_lines):
    """The 403 line Django writes after the response is made has the same ids as the request."""
    client.force_login(viewer)
    response = client.get("/p/northshire/members/")
    assert response.status_code == 403
    (refusal,) = [e for e in _json_lines(log_lines()) if e["logger"] == "django.request"]
    assert refusal["request_id"] == response["X-Request-ID"]
    assert refusal["user_id"] == viewer.pk
    assert refusal["status_code"] == 403
    assert "exception" not in refusal


def test_a_well_formed_incoming_request_id_is_kept(client, db, log_lines):
    """An X-Request-ID from the proxy is used in the logs and returned unchanged."""
    response = client.get("/", headers={"X-Request-ID": "3f2b9c1e-7a4d-4e2b-9f11-0c6d5e8a1b2c"})
    assert response["X-Request-ID"] == "3f2b9c1e-7a4d-4e2b-9f11-0c6d5e8a1b2c"
    (access,) = [e for e in _json_lines(log_lines()) if e["logger"] == "config.request"]
    assert access["request_id"] == "3f2b9c1e-7a4d-4e2b-9f11-0c6d5e8a1b2c"
    assert access["user_id"] is None


@pytest.mark.parametrize(
    "incoming", ["short", "has spaces in it", "x" * 129, "line\nbreak-injected", "<script>1"]
)
def test_a_malformed_incoming_request_id_is_replaced(client, db, incoming):
    """An X-Request-ID that is not letters, digits and . _ - (8 to 128) is replaced by a new one."""
    response = client.get("/", headers={"X-Request-ID": incoming})
    assert response["X-Request-ID"] != incoming
    assert len(response["X-Request-ID"]) == 32
    assert client.get("/")["X-Request-ID"] != response["X-Request-ID"]


def test_the_query_string_is_never_logged(client, panel, log_lines):
    """Filters in the address stay out of the log: the access line has the path only."""
    client.force_login(panel)
    client.get("/panel/compare/?region=north-east&secret-filter=1")
    text = "\n".join(log_lines())
    assert "/panel/compare/" in text
    assert "secret-filter" not in text and "north-east" not in text


def test_a_password_reset_token_is_masked_in_the_log(client, db, log_lines):
    """The token of a password-reset link is a credential: the logged path shows "-"."""
    client.get("/accounts/reset/MQ/abc123-0123456789abcdef/")
    text = "\n".join(log_lines())
    assert "0123456789abcdef" not in text
    assert "/accounts/reset/MQ/-/" in text


def test_a_log_line_never_makes_the_user_be_looked_up(rf):
    """The user id is taken only if the request already loaded the user: no database query."""
    from django.utils.functional import SimpleLazyObject

    from config.logging import loaded_user_id

    def not_to_be_called():
        raise AssertionError("the user was looked up for a log line")

    request = rf.get("/")
    request.user = SimpleLazyObject(not_to_be_called)
    assert loaded_user_id(request) is None


def test_lines_outside_a_request_have_no_ids(log_lines):
    """A line logged outside any request (a command, the worker) says "-" for the request."""
    logging.getLogger("partnerships").warning("outside")
    (entry,) = _json_lines(log_lines())
    assert entry["request_id"] == "-" and entry["user_id"] is None
    assert entry["level"] == "WARNING" and entry["message"] == "outside"


def test_a_server_error_keeps_its_traceback_in_the_json_line():
    """A 500's traceback is one JSON field, so the line stays one line."""
    import json

    from config.logging import JsonFormatter

    try:
        raise ValueError("a bug")
    except ValueError:
        record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "boom", (), None)
        record.exc_info = sys.exc_info()
    line = JsonFormatter().format(record)
    assert "\n" not in line
    assert "ValueError: a bug" in json.loads(line)["exception"]


def test_development_logs_are_readable_text():
    """In debug, lines are text with the ids in brackets; DJANGO_LOG_FORMAT=json overrides."""
    import os
    import subprocess

    script = (
        "import django;django.setup();from django.conf import settings;print(settings.LOG_FORMAT)"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_DEBUG="1", DJANGO_SETTINGS_MODULE="config.settings", DJANGO_ENV_FILE="/dev/null"
    )

    def log_format(**extra):
        result = subprocess.run(
            [sys.executable, "-c", script], env={**env, **extra}, capture_output=True, text=True
        )
        return result.stdout.strip()

    assert log_format() == "text"
    assert log_format(DJANGO_LOG_FORMAT="json") == "json"

    from config.logging import TextFormatter

    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello", (), None)
    record.request_id, record.user_id = "abc12345", 7
    assert TextFormatter().format(record).endswith("INFO x [request abc12345 user 7] hello")
