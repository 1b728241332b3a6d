import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION_ENV = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "a-production-like-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-!@#",
    "DJANGO_ALLOWED_HOSTS": "assess.example.org",
    "DJANGO_SITE_URL": "https://assess.example.org",
    "DATABASE_URL": "sqlite:///:memory:",
    "DJANGO_SETTINGS_MODULE": "config.settings",
}


def run_manage(*args, env_overrides):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_check_deploy_passes_with_production_environment():
    """`manage.py check --deploy` reports no issue at all with production values."""
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING", env_overrides=PRODUCTION_ENV
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_secret_key():
    """With DEBUG off and no secret key the app will not start."""
    env = {**PRODUCTION_ENV, "DJANGO_SECRET_KEY": ""}
    result = run_manage("check", env_overrides=env)
    assert result.returncode != 0
    assert "Set DJANGO_SECRET_KEY" in result.stderr


def test_production_security_settings():
    """With DEBUG off: secure cookies, HSTS, no framing, 8-hour sessions ending at browser close."""
    script = (
        "import django;django.setup();from django.conf import settings as s;"
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY,"
        " s.CSRF_COOKIE_HTTPONLY, s.SECURE_HSTS_SECONDS >= 31536000, s.X_FRAME_OPTIONS,"
        " s.SESSION_COOKIE_AGE, s.SESSION_EXPIRE_AT_BROWSER_CLOSE)"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(PRODUCTION_ENV)
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.stdout.split() == [
        "True",
        "True",
        "True",
        "True",
        "True",
        "DENY",
        "28800",
        "True",
    ]


@pytest.mark.django_db
def test_content_security_policy_is_strict(client):
    """Every page carries a CSP with no unsafe-inline and no remote origin."""
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert "http" not in policy
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_pages_have_no_inline_script_or_style(client, lead):
    """Templates never rely on inline script or style attributes that the CSP would block."""
    client.force_login(lead)
    for url in ("/", "/accounts/login/", "/p/northshire/", "/p/northshire/members/add/"):
        html = client.get(url).content.decode()
        assert "<script>" not in html
        assert " style=" not in html
        assert "onclick" not in html


def test_postgresql_gets_connect_statement_and_lock_timeouts_from_the_environment():
    """With PostgreSQL, the timeouts from the environment reach the connection options."""
    env = {
        **PRODUCTION_ENV,
        "DATABASE_URL": "postgresql://user@127.0.0.1:5432/assess",
        "DJANGO_DB_CONNECT_TIMEOUT": "4",
        "DJANGO_DB_STATEMENT_TIMEOUT_MS": "12000",
        "DJANGO_DB_LOCK_TIMEOUT_MS": "3000",
    }
    result = run_manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.DATABASES['default']['OPTIONS'])",
        env_overrides=env,
    )
    assert result.returncode == 0, result.stderr
    assert "'connect_timeout': 4" in result.stdout
    assert "-c statement_timeout=12000 -c lock_timeout=3000" in result.stdout


def test_gunicorn_timeout_must_be_above_the_statement_timeout():
    """config/gunicorn.py refuses a worker timeout that would kill a request first."""
    script = "import runpy; runpy.run_path('config/gunicorn.py')"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "GUNICORN_"))}
    ok = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert ok.returncode == 0, ok.stderr
    too_short = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**env, "GUNICORN_TIMEOUT": "10"},
        capture_output=True,
        text=True,
    )
    assert too_short.returncode != 0
    assert "must be above the database statement timeout" in too_short.stderr


def read_settings(names, env_overrides):
    script = (
        "import django;django.setup();from django.conf import settings as s;"
        f"print(repr([getattr(s, name) for name in {names!r}]))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update({**PRODUCTION_ENV, **env_overrides})
    return subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_client_address_comes_from_remote_addr_unless_a_proxy_header_is_configured():
    """By default no header is trusted; DJANGO_CLIENT_IP_HEADER and the proxy count set one."""
    names = ["SIGNIN_CLIENT_IP_HEADER", "SIGNIN_TRUSTED_PROXIES"]
    assert read_settings(names, {}).stdout.strip() == "['', 1]"
    configured = {"DJANGO_CLIENT_IP_HEADER": "X-Forwarded-For", "DJANGO_TRUSTED_PROXY_COUNT": "2"}
    assert read_settings(names, configured).stdout.strip() == "['X-Forwarded-For', 2]"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"DJANGO_TRUSTED_PROXY_COUNT": "0"}, "DJANGO_TRUSTED_PROXY_COUNT must be"),
        ({"DJANGO_TRUSTED_PROXY_COUNT": "two"}, "DJANGO_TRUSTED_PROXY_COUNT must be"),
        ({"DJANGO_CLIENT_IP_HEADER": "X Forwarded: For"}, "DJANGO_CLIENT_IP_HEADER must be"),
    ],
)
def test_a_malformed_proxy_setting_refuses_to_start(overrides, message):
    """A proxy setting that cannot be right stops the app at start with a clear message."""
    result = run_manage("check", env_overrides={**PRODUCTION_ENV, **overrides})
    assert result.returncode != 0
    assert message in result.stderr


def test_sign_in_limits_are_per_account_with_a_higher_limit_per_address():
    """Axes locks by account only, resets only that account, and the address limit is higher."""
    names = [
        "AXES_LOCKOUT_PARAMETERS",
        "AXES_HANDLER",
        "AXES_USERNAME_CALLABLE",
        "AXES_CLIENT_IP_CALLABLE",
        "AXES_ONLY_ADMIN_SITE",
        "AXES_WHITELIST_CALLABLE",
        "AXES_IP_WHITELIST",
    ]
    result = read_settings(names, {})
    assert result.stdout.strip() == repr(
        [
            ["username"],
            "partnerships.signin.SignInAttemptHandler",
            "partnerships.signin.attempt_username",
            "partnerships.signin.client_ip_address",
            False,
            None,
            None,
        ]
    ), result.stderr
    limits = read_settings(["AXES_FAILURE_LIMIT", "SIGNIN_ADDRESS_FAILURE_LIMIT"], {}).stdout
    account, address = eval(limits)  # noqa: S307 - our own repr of two integers
    assert address >= 10 * account
