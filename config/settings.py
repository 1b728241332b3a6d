"""Settings for the service, read from the environment with production-safe defaults.

DJANGO_DEBUG is off unless set, and with it off DJANGO_SECRET_KEY is required, so a
misconfigured production server fails at start rather than running insecurely.
"""

import json
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def read_env_file(path: Path, environ=os.environ) -> None:
    """Put the KEY=VALUE lines of a .env file into the environment, without overriding
    anything the real environment already sets. Blank lines and lines starting with # are
    skipped; a value may be wrapped in single or double quotes. No file, nothing to do."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return
    for line in lines:
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        key = key.strip().removeprefix("export ").strip()
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        if key:
            environ.setdefault(key, value)


# A .env file beside manage.py (see .env.example) is read first; the real environment wins.
read_env_file(Path(os.environ.get("DJANGO_ENV_FILE", BASE_DIR / ".env")))


def env_bool(name: str, default: bool = False) -> bool:
    """Read a yes/no environment variable: 1, true, yes and on count as yes."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    """Read a comma-separated environment variable as a list without blanks."""
    return [part.strip() for part in os.environ.get(name, default).split(",") if part.strip()]


SERVICE_NAME = "Assess anti-racist safeguarding practice"

DEBUG = env_bool("DJANGO_DEBUG", default=False)

# The address people reach the service at, for links in emails sent outside a request.
# In development it follows the port `make run PORT=8001` serves on; production sets it.
SITE_URL = os.environ.get("DJANGO_SITE_URL", "").rstrip("/")
if not SITE_URL:
    if not DEBUG:
        raise ImproperlyConfigured("Set DJANGO_SITE_URL, such as https://assess.example.org")
    SITE_URL = f"http://127.0.0.1:{os.environ.get('PORT', '8000')}"

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "Set DJANGO_SECRET_KEY, or DJANGO_DEBUG=1 for local development."
        )
    SECRET_KEY = "django-insecure-local-development-only"  # noqa: S105

ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", default="127.0.0.1,localhost,[::1]" if DEBUG else ""
)
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_forms_gds",
    "axes",
    "csp",
    "simple_history",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "partnerships",
    "audits",
    "agencies",
    "surveys",
    "reviews",
    "dashboards",
    "django_tasks",
    "django_tasks_db",
    "notifications",
]

MIDDLEWARE = [
    # First: every response, even a redirect to HTTPS, carries the request id it was logged with.
    "config.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Permissions-Policy and Cache-Control on every response, static files too.
    "config.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages compressed for clients that accept gzip; below WhiteNoise, whose files are
    # compressed already, and above everything that writes a page (config/middleware.py).
    "config.middleware.CompressionMiddleware",
    # Before anything reads request.POST (the CSRF check does) or looks the path up.
    "config.middleware.RequestGuardMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "config.middleware.DatabaseUnavailableMiddleware",
    # Nothing but the code and set-up pages until a session that needs a second factor has one.
    "partnerships.two_factor.SecondFactorMiddleware",
    # Axes must come last so it sees the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "partnerships.context_processors.service",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
# A busy or unreachable database must fail a request well inside gunicorn's worker timeout
# (config/gunicorn.py, GUNICORN_TIMEOUT), so the person sees the 503 page, not a killed worker.
DATABASE_CONNECT_TIMEOUT = int(os.environ.get("DJANGO_DB_CONNECT_TIMEOUT", "3"))  # seconds
DATABASE_STATEMENT_TIMEOUT_MS = int(os.environ.get("DJANGO_DB_STATEMENT_TIMEOUT_MS", "15000"))
DATABASE_LOCK_TIMEOUT_MS = int(os.environ.get("DJANGO_DB_LOCK_TIMEOUT_MS", "5000"))
# /healthz gives the database this long to read a core table before answering 503.
HEALTHZ_TIMEOUT_MS = int(os.environ.get("DJANGO_HEALTHZ_TIMEOUT_MS", "2000"))
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        connect_timeout=DATABASE_CONNECT_TIMEOUT,
        options=(
            f"-c statement_timeout={DATABASE_STATEMENT_TIMEOUT_MS}"
            f" -c lock_timeout={DATABASE_LOCK_TIMEOUT_MS}"
        ),
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "partnerships.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "partnerships:home_redirect"
LOGOUT_REDIRECT_URL = "start"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24 * 3  # a new member has three days to set a password

# Sign-in (django-axes, extended in partnerships/signin.py). Failed attempts count per account
# (the typed address in the user manager's normal form) from any address, and AXES_FAILURE_LIMIT
# of them lock it; a success clears only that account's own failures. A client address is locked
# after SIGNIN_ADDRESS_FAILURE_LIMIT failures on any names, against one password sprayed over many
# accounts: high enough that made-up names or one person's typos never lock out colleagues behind
# the same proxy. A lock lasts AXES_COOLOFF_TIME from the latest attempt.
AXES_HANDLER = "partnerships.signin.SignInAttemptHandler"
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_FAILURE_LIMIT = 5
SIGNIN_ADDRESS_FAILURE_LIMIT = 50
AXES_COOLOFF_TIME = timedelta(minutes=30)
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "partnerships.signin.attempt_username"
AXES_CLIENT_IP_CALLABLE = "partnerships.signin.client_ip_address"
AXES_LOCKOUT_CALLABLE = "partnerships.signin.locked_out_response"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# axes.W006 warns that locking by username alone lets an attacker rotate user agents; here the
# account count and the address count each add up every user agent, so it does not apply.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
# The client's address is REMOTE_ADDR unless DJANGO_CLIENT_IP_HEADER names the header a trusted
# proxy sets (e.g. X-Forwarded-For); the client is then DJANGO_TRUSTED_PROXY_COUNT entries from
# its right. Never set it unless every request passes through that proxy.
SIGNIN_CLIENT_IP_HEADER = os.environ.get("DJANGO_CLIENT_IP_HEADER", "").strip()
if not all(c.isascii() and (c.isalnum() or c == "-") for c in SIGNIN_CLIENT_IP_HEADER):
    raise ImproperlyConfigured("DJANGO_CLIENT_IP_HEADER must be a header name, like X-Real-IP")
try:
    SIGNIN_TRUSTED_PROXIES = int(os.environ.get("DJANGO_TRUSTED_PROXY_COUNT", "1"))
except ValueError:
    SIGNIN_TRUSTED_PROXIES = 0
if SIGNIN_TRUSTED_PROXIES < 1:
    raise ImproperlyConfigured("DJANGO_TRUSTED_PROXY_COUNT must be a whole number, 1 or more")
AXES_ENABLED = env_bool("DJANGO_AXES_ENABLED", default=True)

# --- Two-factor sign-in ---
# django-otp (partnerships/two_factor.py): an authenticator app (TOTP) with 10 recovery codes.
# Required for Panel staff, superusers and members of a partnership whose lead requires it;
# offered to everyone else. A wrong code counts in django-axes like a wrong password, and axes
# never stores a typed code (AXES_SENSITIVE_PARAMETERS).
OTP_TOTP_ISSUER = "Anti-racist safeguarding practice"
AXES_SENSITIVE_PARAMETERS = ["password", "code"]
# Wrong codes are limited by the axes lockout above, one rule for passwords and codes;
# django-otp's own growing pause would refuse a right code typed just after a wrong one.
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0

# The privacy notice (templates/pages/privacy.html) says how long records are kept: this long
# after the end of the year they belong to. The nightly housekeeping (below) removes change
# history and records of restricted views older than this; records themselves are kept.
RETENTION_YEARS = int(os.environ.get("DJANGO_RETENTION_YEARS", "7"))
# Where people write about their data or the service's accessibility; blank says
# "your Panel contact" instead.
CONTACT_EMAIL = os.environ.get("DJANGO_CONTACT_EMAIL", "").strip()

SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = 8 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    # Load balancers check liveness over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    if env_bool("DJANGO_SECURE_PROXY_SSL_HEADER"):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy: only this origin, no inline script or style, no framing.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = False
USE_TZ = True
DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, g:ia"

STATIC_URL = "/static/"
# Where collectstatic writes (and WhiteNoise serves from); DJANGO_STATIC_ROOT moves it, say for a
# build into a scratch directory.
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            # Hashed names (JavaScript imports too) and gzip/Brotli copies: config/storage.py.
            else "config.storage.StaticFilesStorage"
        )
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = ["gds"]
CRISPY_TEMPLATE_PACK = "gds"

# --- Background tasks and email ---
# Email is queued in the database (notifications.Message) inside the request's transaction and
# sent by the worker, `manage.py db_worker` (django-tasks with its database backend): nothing in
# a request waits on, or fails because of, the mail service. docs/operations.md says how it runs.
TASKS = {
    "default": {
        "BACKEND": os.environ.get("DJANGO_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}
# GOV.UK Notify sends the email when NOTIFY_API_KEY is set; each kind of message is a Notify
# template, by id: NOTIFY_TEMPLATE_<KIND> (such as NOTIFY_TEMPLATE_CYCLE_REMINDER), or all of
# them in NOTIFY_TEMPLATES as JSON ({"cycle_reminder": "<id>", ...}).
NOTIFY_API_KEY = os.environ.get("NOTIFY_API_KEY", "").strip()
NOTIFY_CLIENT_CLASS = "notifications_python_client.notifications.NotificationsAPIClient"
NOTIFY_KINDS = (
    "member_added",
    "password_reset",
    "audit_submitted",
    "audit_resubmitted",
    "audit_returned",
    "audit_accepted",
    "cycle_reminder",
)
try:
    NOTIFY_TEMPLATES = json.loads(os.environ.get("NOTIFY_TEMPLATES", "") or "{}")
except ValueError as error:
    raise ImproperlyConfigured("NOTIFY_TEMPLATES must be JSON: {kind: template id}") from error
for _kind in NOTIFY_KINDS:
    if os.environ.get(f"NOTIFY_TEMPLATE_{_kind.upper()}"):
        NOTIFY_TEMPLATES[_kind] = os.environ[f"NOTIFY_TEMPLATE_{_kind.upper()}"].strip()
# A failed send is tried again after 1, 2, 4, 8... minutes, NOTIFY_MAX_ATTEMPTS tries in all.
NOTIFY_MAX_ATTEMPTS = int(os.environ.get("NOTIFY_MAX_ATTEMPTS", "6"))
NOTIFY_RETRY_BASE = timedelta(seconds=int(os.environ.get("NOTIFY_RETRY_BASE_SECONDS", "60")))
# Days before a cycle closes on which leads of a partnership yet to submit are reminded.
REMINDER_DAYS = tuple(
    int(days) for days in env_list("DJANGO_REMINDER_DAYS", default="14,3") if days.isdigit()
)
# Without Notify, email goes to Django's backend: the console by default (development), or
# another that DJANGO_EMAIL_BACKEND names (Django's SMTP backend, at no cost, with the
# DJANGO_EMAIL_* settings below).
EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "no-reply@localhost")
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("DJANGO_EMAIL_PORT", "25"))
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", default=False)
EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", "")
# Seconds the worker waits on a mail server before counting a failed try.
EMAIL_TIMEOUT = int(os.environ.get("DJANGO_EMAIL_TIMEOUT", "10"))

# --- Production: logs, errors, housekeeping ---
# Logs (config/logging.py): every line carries the request id (X-Request-ID, kept from a
# proxy when well formed, else made here, and returned in the response) and the signed-in
# person's id, never an email address. DJANGO_LOG_FORMAT=json writes one JSON object per line,
# =text a readable line; unset, it is text in debug and JSON otherwise.
LOG_FORMAT = os.environ.get("DJANGO_LOG_FORMAT", "").strip().lower() or (
    "text" if DEBUG else "json"
)
if LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured("DJANGO_LOG_FORMAT must be json or text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        # 403 and 404 are one line each: the refusal is expected, its traceback is noise.
        "client_errors_without_traceback": {"()": "config.logging.ClientErrorsWithoutTraceback"},
        "request_context": {"()": "config.logging.RequestContextFilter"},
    },
    "formatters": {
        "json": {"()": "config.logging.JsonFormatter"},
        "text": {"()": "config.logging.TextFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_context"],
            "formatter": LOG_FORMAT,
        }
    },
    "loggers": {
        "django.request": {"filters": ["client_errors_without_traceback"]},
        # runserver's own access line repeats config.request's, with the query string.
        "django.server": {"level": "WARNING"},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
}

# Error tracker (config/sentry.py): only when SENTRY_DSN is set; nothing personal is sent.
SENTRY_DSN = os.environ.get("SENTRY_DSN", "").strip()
if SENTRY_DSN:
    from config.sentry import init_sentry

    init_sentry(
        dsn=SENTRY_DSN,
        environment=os.environ.get("SENTRY_ENVIRONMENT", "").strip(),
        release=os.environ.get("SENTRY_RELEASE", "").strip(),
        traces_sample_rate=float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE", "0")),
    )

# Housekeeping (partnerships/housekeeping.py, `manage.py housekeeping`, nightly): expired sessions
# go, sign-in attempt records older than AXES_RECORDS_KEEP_DAYS go, and change history older
# than RETENTION_YEARS (above) goes. The records themselves stay until the partnership deletes them.
AXES_RECORDS_KEEP_DAYS = int(os.environ.get("DJANGO_AXES_RECORDS_KEEP_DAYS", "90"))
