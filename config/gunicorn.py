"""gunicorn settings: `gunicorn -c config/gunicorn.py config.wsgi`.

- bind: `0.0.0.0:$PORT` (PORT defaults to 8000); GUNICORN_BIND overrides it whole, for
  example `unix:/run/assess.sock`.
- workers: WEB_CONCURRENCY (or GUNICORN_WORKERS), else 2 x CPUs + 1, capped at MAX_WORKERS so
  a large machine does not open more database connections than PostgreSQL allows.
- timeout: GUNICORN_TIMEOUT seconds (30). It must stay above the database statement timeout
  (DJANGO_DB_STATEMENT_TIMEOUT_MS), so a slow or locked database ends a request with the
  service's 503 page rather than gunicorn killing the worker mid-request.
- The access log, when turned on (GUNICORN_ACCESS_LOG), leaves out query strings: a
  dashboard's filters are in them, and a log is no place for what someone searched for. It
  logs the path, status, size, time taken and the request id (config/logging.py), never the
  client's cookies or the referring page.
- forwarded_allow_ips: the addresses whose X-Forwarded-Proto (and -For) gunicorn believes.
  Its own default is 127.0.0.1 only; behind a proxy on another host set
  FORWARDED_ALLOW_IPS to that proxy's address (never `*` unless only the proxy can reach the
  app). Django separately trusts X-Forwarded-Proto only with DJANGO_SECURE_PROXY_SSL_HEADER
  and the client address header only with DJANGO_CLIENT_IP_HEADER (docs/operations.md).
"""

import multiprocessing
import os

MAX_WORKERS = 12


def _whole_number(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        raise RuntimeError(f"{name} must be a whole number, not {value!r}") from None
    if number < 1:
        raise RuntimeError(f"{name} must be 1 or more")
    return number


def default_workers(cpus: int) -> int:
    """2 x CPUs + 1, the usual figure for sync workers, at most MAX_WORKERS."""
    return min(2 * cpus + 1, MAX_WORKERS)


bind = os.environ.get("GUNICORN_BIND") or f"0.0.0.0:{_whole_number('PORT', 8000)}"
workers = _whole_number(
    "WEB_CONCURRENCY",
    _whole_number("GUNICORN_WORKERS", default_workers(multiprocessing.cpu_count())),
)
timeout = _whole_number("GUNICORN_TIMEOUT", 30)
graceful_timeout = timeout
keepalive = 5
# A worker is replaced after this many requests (with jitter), so a slow leak cannot grow.
max_requests = 2000
max_requests_jitter = 200
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# The app logs each request itself (logger config.request, JSON with the request and user
# ids), so gunicorn's own access log is off unless GUNICORN_ACCESS_LOG names a file or "-".
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
# %(U)s is the path without the query string; %({x-request-id}o)s the id the app answered with.
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms request_id=%({x-request-id}o)s'

statement_timeout = int(os.environ.get("DJANGO_DB_STATEMENT_TIMEOUT_MS", "15000")) / 1000
if timeout <= statement_timeout:
    raise RuntimeError(
        f"GUNICORN_TIMEOUT ({timeout}s) must be above the database statement timeout "
        f"({statement_timeout:g}s)"
    )
