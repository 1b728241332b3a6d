"""Middleware for the whole service: bad input answered early, response headers, and a busy
or unreachable database answered with a 503 page rather than a 500 or a killed worker."""

import codecs
import logging
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.shortcuts import render
from django.template import loader

logger = logging.getLogger("config.database")

# Form bodies are read as UTF-8 (the pages say so); ASCII is a subset of it.
FORM_CONTENT_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
ACCEPTED_CHARSETS = {"utf-8", "ascii"}

PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
)
NO_STORE = "no-store, private"
# Why a request was refused, shown on the 400 page after "could not read ...: ".
NUL_IN_QUERY = "the web address contained a character that is not allowed"
UNKNOWN_CHARSET = "the form was sent in an unknown character set"
OTHER_CHARSET = "the form was sent in a character set other than UTF-8"
NOT_UTF8 = "the form contained characters that could not be read"
# Seconds a browser or proxy is told to wait before trying again while the database is busy.
RETRY_AFTER = 30


def _bad_request(request, reason: str) -> HttpResponse:
    """The service's 400 page. It uses no context that needs the database."""
    response = render(request, "400.html", {"reason": reason}, status=400)
    response["Cache-Control"] = NO_STORE
    return response


def _charset_problem(request) -> str | None:
    """Why a form body cannot be read as UTF-8, or None when it can (or is not a form)."""
    content_type = request.META.get("CONTENT_TYPE", "")
    media_type, _, params = content_type.partition(";")
    if media_type.strip().lower() not in FORM_CONTENT_TYPES:
        return None
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            try:
                charset = codecs.lookup(value.strip().strip('"')).name
            except LookupError:
                return UNKNOWN_CHARSET
            if charset not in ACCEPTED_CHARSETS:
                return OTHER_CHARSET
    if media_type.strip().lower() == FORM_CONTENT_TYPES[0]:
        # Django would quietly replace bytes that are not UTF-8, changing what was typed.
        try:
            unquote_to_bytes(request.body.replace(b"+", b" ")).decode("utf-8")
        except UnicodeDecodeError:
            return NOT_UTF8
    return None


class RequestGuardMiddleware:
    """Refuse input the service cannot read before any view (or CSRF check) reads it.

    A NUL byte cannot be stored in, or compared with, a PostgreSQL text column, so one in
    the path answers 404 (no page has one) and one in the query string answers 400. A form
    body in a character set other than UTF-8, or with bytes that are not UTF-8, answers 400.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path_info or "\x00" in request.path:
            # Rendered here, not via Http404, because the resolver would choke on it too.
            response = render(request, "404.html", status=404)
            response["Cache-Control"] = NO_STORE
            return response
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in query or b"\x00" in unquote_to_bytes(query):
            return _bad_request(
                request, "the web address contained a character that is not allowed"
            )
        problem = _charset_problem(request)
        if problem is not None:
            return _bad_request(request, problem)
        return self.get_response(request)


def _is_download(response) -> bool:
    return "attachment" in response.get("Content-Disposition", "").lower()


def _signed_in(request) -> bool:
    """Whether a signed-in person made the request, without asking the database in vain.

    No session cookie means nobody is signed in. With one, the user is usually loaded by
    the view already; if the database cannot say, the answer is yes (the safe side).
    """
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return False
    user = getattr(request, "user", None)
    if user is None:
        return True
    try:
        return bool(user.is_authenticated)
    except (OperationalError, InterfaceError):
        return True


class SecurityHeadersMiddleware:
    """Permissions-Policy on every response; no caching of anything personal.

    Responses to a signed-in person, every download and every error page carry
    Cache-Control: no-store, private, unless the view set its own Cache-Control (static
    files set theirs).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if "Cache-Control" not in response and (
            _is_download(response) or response.status_code >= 400 or _signed_in(request)
        ):
            response["Cache-Control"] = NO_STORE
        return response


def database_unavailable(request, error) -> HttpResponse:
    """The 503 page for a database that timed out or could not be reached.

    Rendered without the request, so no context processor, session or user lookup asks
    the database again. Logged as one line with the reason, not a traceback per worker.
    """
    logger.warning(
        "Database unavailable for %s %s: %s",
        request.method,
        request.path,
        str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__,
    )
    html = loader.get_template("503.html").render({"service_name": settings.SERVICE_NAME})
    response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER)
    response["Cache-Control"] = NO_STORE
    # Django logs every 5xx response itself; this one has been logged above.
    response._has_been_logged = True
    return response


class DatabaseUnavailableMiddleware:
    """A view that meets a database timeout or lost connection answers 503, not 500.

    OperationalError covers PostgreSQL's statement and lock timeouts, a refused or timed
    out connection, and SQLite's "database is locked"; InterfaceError a closed connection.
    Errors outside views reach config.views.server_error, which does the same.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, OperationalError | InterfaceError):
            return database_unavailable(request, exception)
        return None
