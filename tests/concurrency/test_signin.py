"""Guesses at one account sent all at once: no more passwords are checked than the limit."""

import threading

from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse

from partnerships.models import User
from tests.concurrency.conftest import run_together
from tests.partnerships.factories import UserFactory

GUESSES = 20


# The production hasher: checking a password takes long enough for guesses to overlap.
@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.PBKDF2PasswordHasher"])
def test_guesses_sent_together_are_checked_no_more_than_the_limit(monkeypatch):
    """20 wrong passwords posted at the same moment: at most the account limit are checked."""
    target = UserFactory(email="target@example.org")
    checked = []
    count_lock = threading.Lock()
    check_password = User.check_password

    def counting_check_password(user, raw_password):
        with count_lock:
            checked.append(raw_password)
        return check_password(user, raw_password)

    monkeypatch.setattr(User, "check_password", counting_check_password)

    def guess(n):
        def run():
            response = Client().post(
                reverse("login"),
                {"username": target.email, "password": f"guess-{n}"},
                REMOTE_ADDR=f"198.51.100.{n + 1}",
            )
            return response.status_code

        return run

    statuses = run_together(*(guess(n) for n in range(GUESSES)))
    assert not [s for s in statuses if isinstance(s, BaseException)], statuses
    assert len(checked) <= settings.AXES_FAILURE_LIMIT, (len(checked), statuses)
