"""Logging filters named in settings.LOGGING."""

import logging


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
