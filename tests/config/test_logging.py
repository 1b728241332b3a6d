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
