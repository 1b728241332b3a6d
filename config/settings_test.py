"""Settings for the test suite: the real settings with fast hashing and plain static files."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-not-for-any-real-deployment")
os.environ.setdefault("DJANGO_SITE_URL", "http://testserver")
# A developer's own .env must not change what the suite tests.
os.environ.setdefault("DJANGO_ENV_FILE", os.devnull)

from config.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# A queued message is sent as soon as its transaction commits (tests/notifications runs the
# worker's function directly where retries and timing matter).
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
NOTIFY_API_KEY = ""
SECURE_SSL_REDIRECT = False
# The browser tests talk to a live server over plain HTTP.
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
AXES_VERBOSE = False
