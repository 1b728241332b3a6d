"""config/gunicorn.py: where it listens, how many workers, and an access log without queries."""

import os
import runpy
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from gunicorn.config import Config
from gunicorn.glogging import Logger, SafeAtoms

CONFIG = Path(__file__).resolve().parents[2] / "config" / "gunicorn.py"
VARIABLES = (
    "PORT",
    "GUNICORN_BIND",
    "WEB_CONCURRENCY",
    "GUNICORN_WORKERS",
    "GUNICORN_TIMEOUT",
    "GUNICORN_ACCESS_LOG",
    "FORWARDED_ALLOW_IPS",
    "DJANGO_DB_STATEMENT_TIMEOUT_MS",
)


def load(monkeypatch, **env):
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(CONFIG))


def test_binds_to_port_from_the_environment(monkeypatch):
    """PORT picks the port on every interface; GUNICORN_BIND overrides the whole address."""
    assert load(monkeypatch)["bind"] == "0.0.0.0:8000"
    assert load(monkeypatch, PORT="9001")["bind"] == "0.0.0.0:9001"
    assert load(monkeypatch, GUNICORN_BIND="unix:/run/a.sock")["bind"] == "unix:/run/a.sock"


def test_workers_from_web_concurrency_else_cores_capped(monkeypatch):
    """WEB_CONCURRENCY sets the workers; otherwise 2 x CPUs + 1, never above the cap."""
    assert load(monkeypatch, WEB_CONCURRENCY="4")["workers"] == 4
    settings = load(monkeypatch)
    assert settings["workers"] == min(2 * os.cpu_count() + 1, settings["MAX_WORKERS"])
    assert settings["default_workers"](64) == settings["MAX_WORKERS"]
    assert settings["default_workers"](1) == 3


def test_a_nonsense_worker_count_refuses_to_start(monkeypatch):
    """A worker count that is not a whole number of 1 or more stops gunicorn with a reason."""
    with pytest.raises(RuntimeError, match="WEB_CONCURRENCY must be a whole number"):
        load(monkeypatch, WEB_CONCURRENCY="many")
    with pytest.raises(RuntimeError, match="WEB_CONCURRENCY must be 1 or more"):
        load(monkeypatch, WEB_CONCURRENCY="0")


def test_timeout_must_exceed_the_statement_timeout(monkeypatch):
    """A worker timeout at or below the database statement timeout refuses to start."""
    assert load(monkeypatch)["timeout"] == 30
    with pytest.raises(RuntimeError, match="must be above the database statement timeout"):
        load(monkeypatch, GUNICORN_TIMEOUT="10", DJANGO_DB_STATEMENT_TIMEOUT_MS="15000")


def test_forwarded_headers_are_believed_only_from_the_local_proxy_by_default(monkeypatch):
    """gunicorn trusts X-Forwarded-* from 127.0.0.1 unless FORWARDED_ALLOW_IPS says otherwise."""
    assert load(monkeypatch)["forwarded_allow_ips"] == "127.0.0.1"
    assert load(monkeypatch, FORWARDED_ALLOW_IPS="10.0.0.5")["forwarded_allow_ips"] == "10.0.0.5"


def test_access_log_leaves_out_the_query_string(monkeypatch):
    """With the access log on, a line shows the path, status and request id, never the query
    string (a dashboard's filters) or the referring page."""
    settings = load(monkeypatch, GUNICORN_ACCESS_LOG="-")
    assert settings["accesslog"] == "-"
    assert load(monkeypatch)["accesslog"] is None
    config = Config()
    config.set("access_log_format", settings["access_log_format"])
    logger = Logger(config)
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/panel/compare/?region=north-east&partnership=northshire",
        "PATH_INFO": "/panel/compare/",
        "QUERY_STRING": "region=north-east&partnership=northshire",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "192.0.2.1",
        "HTTP_REFERER": "https://assess.example.org/panel/compare/?region=london",
    }
    response = SimpleNamespace(
        status="200 OK", headers=[("X-Request-ID", "abcdef0123456789")], sent=1234
    )
    request_headers = [("COOKIE", "sessionid=secret"), ("REFERER", environ["HTTP_REFERER"])]
    atoms = logger.atoms(response, request_headers, environ, timedelta(milliseconds=42))
    line = settings["access_log_format"] % SafeAtoms(atoms)
    assert line == '192.0.2.1 "GET /panel/compare/" 200 1234 42ms request_id=abcdef0123456789'
