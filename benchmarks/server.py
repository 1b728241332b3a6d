"""Start the service the way production runs it, for the page and load benchmarks.

`production_server()` collects the static files with the production storage (DEBUG off)
into a temporary STATIC_ROOT, starts gunicorn with config/gunicorn.py (2 workers, bound to
127.0.0.1 only) on the database of DATABASE_URL, waits for /healthz and stops it afterwards.
`signed_in_sessions()` makes session rows for the demo lead and the demo Panel analyst (the
Panel one with django-otp's verified device), as signing in through the forms would.

The static files go to a temporary directory, never into the checkout: the settings read
DJANGO_STATIC_ROOT, and benchmarks/settings.py does the same from BENCH_STATIC_ROOT for a
checkout older than that setting. Nothing else differs from production settings except
DJANGO_SECURE_SSL_REDIRECT=0 (plain HTTP on loopback).

BENCH_CODE=/path/to/another/checkout measures that checkout's code instead (its server, and
its models for the in-process query counts) with this checkout's benchmark, so that before
and after are measured by the same script on the same database in one sitting, e.g.
`git worktree add /tmp/before <commit>` and copy benchmarks/ into it.
"""

import contextlib
import http.client
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(os.environ.get("BENCH_CODE") or Path(__file__).resolve().parent.parent).resolve()
# gunicorn of the virtual environment running the benchmark
BIN = Path(sys.executable).parent
LOOPBACK = {"127.0.0.1", "localhost"}
DEFAULT_PORT = 8765
WORKERS = 2
LEAD_EMAIL = "lead@northshire.example.org"
_running = {}


def current_pid() -> int:
    """The process id of the gunicorn master production_server() started."""
    return _running["pid"]


def server_environment(static_root: str, port: int) -> dict:
    """The environment of a DEBUG-off server (and of the benchmark's own Django)."""
    env = dict(os.environ)
    if not env.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("Set DATABASE_URL to the PostgreSQL database to measure.")
    env.update(
        DJANGO_SETTINGS_MODULE="benchmarks.settings",
        BENCH_STATIC_ROOT=static_root,
        DJANGO_STATIC_ROOT=static_root,
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=env.get("DJANGO_SECRET_KEY") or secrets.token_urlsafe(40),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_SITE_URL=f"http://127.0.0.1:{port}",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY=str(WORKERS),
        PYTHONPATH=str(ROOT),
    )
    env.pop("GUNICORN_ACCESS_LOG", None)
    return env


def check_loopback(base_url: str) -> str:
    parts = urlsplit(base_url)
    if parts.scheme != "http" or parts.hostname not in LOOPBACK:
        raise SystemExit(f"Refusing {base_url!r}: only http://127.0.0.1 or http://localhost.")
    return base_url.rstrip("/")


def get(base_url: str, path: str, headers=None, timeout=30):
    """One GET over a new connection: (status, headers, body as sent, seconds)."""
    parts = urlsplit(base_url)
    start = time.perf_counter()
    conn = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=timeout)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        body = response.read()
    finally:
        conn.close()
    return response.status, dict(response.getheaders()), body, time.perf_counter() - start


def vacuum_analyze() -> None:
    """VACUUM ANALYZE the database at DATABASE_URL: a live server's autovacuum keeps the
    planner's statistics and the visibility map up to date, but a database just seeded (and
    this machine's server runs with autovacuum off) has neither, and pages would be measured
    on plans no live database gets. A second or two at ten years."""
    import psycopg

    with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")


@contextlib.contextmanager
def production_server(port: int = DEFAULT_PORT):
    """Collect static files, start gunicorn, yield (base_url, env); stop it afterwards.
    The server's log goes to a file in the temporary directory, printed if it fails."""
    with tempfile.TemporaryDirectory(prefix="bench-static-") as static_root:
        log = open(Path(static_root) / "gunicorn.log", "w+")  # noqa: SIM115
        env = server_environment(static_root, port)
        # The server's environment is the benchmark's own too (sessions, query counts).
        os.environ.update(env)
        vacuum_analyze()
        subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        server = subprocess.Popen(  # noqa: S603
            [str(BIN / "gunicorn"), "-c", "config/gunicorn.py", "config.wsgi"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        _running["pid"] = server.pid
        base_url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while True:
                if server.poll() is not None:
                    log.seek(0)
                    sys.stderr.write(log.read()[-4000:])
                    raise SystemExit(f"gunicorn exited with {server.returncode}")
                try:
                    if get(base_url, "/healthz", timeout=2)[0] == 200:
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise SystemExit("gunicorn did not answer /healthz within 30 s")
                time.sleep(0.2)
            yield base_url, env
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
            log.close()


def django_setup():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchmarks.settings")
    import logging

    import django

    django.setup()
    logging.getLogger("config.request").setLevel(logging.WARNING)  # one line a request


def session_for(user, *, verified_device=None) -> str:
    """A signed-in session row for `user` (with django-otp's verified device): its key."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django_otp import DEVICE_ID_SESSION_KEY

    from partnerships import two_factor

    session = SessionStore()
    session[SESSION_KEY] = user._meta.pk.value_to_string(user)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    if verified_device is not None:
        session[two_factor.SESSION_KEY] = True
        session[DEVICE_ID_SESSION_KEY] = verified_device.persistent_id
    session.create()
    return session.session_key


def signed_in_sessions() -> dict:
    """{"lead": key, "panel": key}: the demo lead of Northshire and the demo Panel analyst."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from partnerships.demo import PANEL_EMAIL
    from partnerships.models import User

    lead = User.objects.get(email=LEAD_EMAIL)
    panel = User.objects.get(email=PANEL_EMAIL)
    device = TOTPDevice.objects.filter(user=panel, confirmed=True).first()
    if device is None:
        raise SystemExit("The demo Panel analyst has no authenticator: run seed_demo first.")
    return {"lead": session_for(lead), "panel": session_for(panel, verified_device=device)}
