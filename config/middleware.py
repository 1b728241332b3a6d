"""Middleware for the whole service: a request id on every request and its log lines, bad
input answered early, response headers, compressed pages, and a busy or unreachable database
answered with a 503 page rather than a 500 or a killed worker."""

import codecs
import logging
import re
import time
import uuid
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.core.signals import request_finished
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.middleware.gzip import GZipMiddleware
from django.shortcuts import render
from django.template import loader

from config.logging import current_request

logger = logging.getLogger("config.database")
access_logger = logging.getLogger("config.request")

REQUEST_ID_HEADER = "X-Request-ID"
# An id a proxy or load balancer sent is kept if it looks like one (a UUID, hex, or letters,
# digits and . _ -, 8 to 128 of them); anything else is replaced by a new one.
WELL_FORMED_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,128}")


def request_id_for(request) -> str:
    """The incoming X-Request-ID if it is well formed, otherwise a new random one."""
    incoming = request.META.get("HTTP_X_REQUEST_ID", "")
    if WELL_FORMED_REQUEST_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


# A password-reset link's token is a credential until used: logged paths show it as "-".
PASSWORD_RESET_TOKEN = re.compile(r"^(/accounts/reset/[^/]+/)(?!set-password/)[^/]+/")


def loggable_path(path: str) -> str:
    """The path as logs show it: a password-reset token masked."""
    return PASSWORD_RESET_TOKEN.sub(r"\1-/", path)


def _forget_request(**kwargs):
    current_request.set(None)


# Django logs a 4xx or 5xx answer after the middleware has returned it; the request stays
# current until the response is finished, so that line carries the ids too.
request_finished.connect(_forget_request, dispatch_uid="config.middleware.forget_request")


class RequestIdMiddleware:
    """Give every request an id, returned in X-Request-ID, on every log line it causes.

    Logs one line per request (logger config.request): method, path without the query string
    (filters are in it), status, time taken, and the signed-in person's id if known.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = request_id_for(request)
        current_request.set(request)
        started = time.monotonic()
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request.request_id
        path = loggable_path(request.path)
        access_logger.info(
            "%s %s %s",
            request.method,
            path,
            response.status_code,
            extra={
                "method": request.method,
                "path": path,
                "status_code": response.status_code,
                "duration_ms": round((time.monotonic() - started) * 1000, 1),
            },
        )
        return response


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


# What is worth compressing: pages, CSV and JSON. A spreadsheet (.xlsx) is a zip already.
COMPRESSIBLE_TYPES = ("text/", "application/json", "application/javascript", "image/svg+xml")


class CompressionMiddleware(GZipMiddleware):
    """Pages, CSV and JSON sent gzip-compressed to a client that accepts it (Django's
    GZipMiddleware, with Vary: Accept-Encoding), other types as they are.

    It sits below WhiteNoise, which answers static files itself, already compressed, so they
    never reach it. BREACH: Django's GZipMiddleware pads every compressed response with up to
    100 random bytes (since Django 4.2), and the CSRF token in a page is masked afresh for
    each response, so a secret's compressed length tells an observer nothing
    (docs/operations.md, "Serving").
    """

    def process_response(self, request, response):
        content_type = response.get("Content-Type", "").lower()
        if not content_type.startswith(COMPRESSIBLE_TYPES):
            return response
        return super().process_response(request, response)
