"""gunicorn settings: `gunicorn -c config/gunicorn.py config.wsgi`.

The worker timeout must stay above the database statement timeout
(DJANGO_DB_STATEMENT_TIMEOUT_MS), so a slow or locked database ends a request with the
service's 503 page rather than gunicorn killing the worker mid-request.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = timeout
keepalive = 5
accesslog = "-"
errorlog = "-"

statement_timeout = int(os.environ.get("DJANGO_DB_STATEMENT_TIMEOUT_MS", "15000")) / 1000
if timeout <= statement_timeout:
    raise RuntimeError(
        f"GUNICORN_TIMEOUT ({timeout}s) must be above the database statement timeout "
        f"({statement_timeout:g}s)"
    )
