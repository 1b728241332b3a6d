"""Error handlers for the whole service (config/urls.py names them)."""

import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponseBadRequest, HttpResponseServerError
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token

from .middleware import database_unavailable


@requires_csrf_token
def bad_request(request, exception):
    """400 for input Django itself refuses (a body too large, a suspicious header)."""
    html = loader.get_template("400.html").render({"service_name": settings.SERVICE_NAME})
    return HttpResponseBadRequest(html)


@requires_csrf_token
def server_error(request):
    """500, or the 503 page when what went wrong was the database (outside a view too).

    Rendered without the request: whatever failed may fail again in a context processor.
    """
    error = sys.exc_info()[1]
    if isinstance(error, OperationalError | InterfaceError):
        return database_unavailable(request, error)
    html = loader.get_template("500.html").render({"service_name": settings.SERVICE_NAME})
    return HttpResponseServerError(html)
