import pytest
from django.conf import settings as django_settings

from .fakes import FakeNotifyClient

TEMPLATES = {kind: f"template-{kind}" for kind in django_settings.NOTIFY_KINDS}


@pytest.fixture
def notify(settings):
    """GOV.UK Notify switched on, with the fake client at its boundary."""
    FakeNotifyClient.sent = []
    FakeNotifyClient.failures = 0
    FakeNotifyClient.always_fail = False
    settings.NOTIFY_API_KEY = "test-key-not-real"
    settings.NOTIFY_CLIENT_CLASS = "tests.notifications.fakes.FakeNotifyClient"
    settings.NOTIFY_TEMPLATES = TEMPLATES
    return FakeNotifyClient


@pytest.fixture
def deferred_tasks(settings):
    """A task backend that keeps what is enqueued (with its run_after) instead of running it."""
    from django_tasks import task_backends

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    return task_backends["default"]
