"""Logging filters and formatters named in settings.LOGGING.

Every log line written while a request is handled carries that request's id and the id of
the signed-in person (a number, never an email address). config.middleware.RequestIdMiddleware
puts the request in a context variable; RequestContextFilter copies the two ids onto each
record; JsonFormatter writes one JSON object per line (production), TextFormatter one
readable line (development). Nothing else about the request is logged: not its query
string, body, cookies or headers.
"""

import json
import logging
import traceback
from contextvars import ContextVar
from datetime import UTC, datetime

from django.utils.functional import empty

# The request being handled in this thread (or task), or None outside a request.
current_request: ContextVar = ContextVar("current_request", default=None)

NO_ID = "-"


class ClientErrorsWithoutTraceback(logging.Filter):
    """Log a 4xx answer (403 Forbidden, 404 Not Found, ...) as its one line, no traceback.

    Django attaches the PermissionDenied or Http404 it caught to the record; that is the
    expected outcome of a refused or mistyped address, not a fault worth a stack trace.
    """

    def filter(self, record):
        status = getattr(record, "status_code", None)
        if status is not None and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
        return True


def loaded_user_id(request) -> int | None:
    """The signed-in person's id if the request has already loaded them, else None.

    A log line never makes the user be looked up: that would be a database query (one that
    fails when the database is what is being logged about).
    """
    user = request.__dict__.get("user")
    if user is None:
        return None
    wrapped = getattr(user, "_wrapped", user)
    if wrapped is empty or wrapped is None:
        return None
    if not getattr(wrapped, "is_authenticated", False):
        return None
    return wrapped.pk


class RequestContextFilter(logging.Filter):
    """Put request_id and user_id on every record (NO_ID and None outside a request)."""

    def filter(self, record):
        request = current_request.get() or getattr(record, "request", None)
        request_id = getattr(request, "request_id", None) if request is not None else None
        record.request_id = request_id or NO_ID
        record.user_id = loaded_user_id(request) if request is not None else None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request and user ids, and
    (when the record has them) the status code, the access-log fields and a traceback."""

    EXTRA_FIELDS = ("status_code", "method", "path", "duration_ms", "deleted")

    def format(self, record):
        entry = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", NO_ID),
            "user_id": getattr(record, "user_id", None),
        }
        for field in self.EXTRA_FIELDS:
            value = getattr(record, field, None)
            if value is not None:
                entry[field] = value
        if record.exc_info:
            entry["exception"] = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        elif record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """A readable line for development: time, level, logger, ids, message."""

    def __init__(self):
        super().__init__(
            "%(asctime)s %(levelname)s %(name)s [request %(request_id)s user %(user)s] %(message)s"
        )

    def format(self, record):
        record.request_id = getattr(record, "request_id", NO_ID)
        user_id = getattr(record, "user_id", None)
        record.user = NO_ID if user_id is None else user_id
        return super().format(record)
