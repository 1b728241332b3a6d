"""With a table locked by another connection, pages answer 503 within the lock timeout and
/healthz answers 503 fast, instead of every worker waiting until gunicorn kills it.

PostgreSQL only: the timeouts are PostgreSQL settings, and SQLite has no LOCK TABLE.
"""

import time

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.test import Client

from partnerships.models import Membership, Region
from partnerships.views import HEALTHZ_TIMED_OUT
from tests.concurrency.conftest import run_together
from tests.partnerships.factories import MembershipFactory, PartnershipFactory, UserFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="database timeouts are PostgreSQL settings"
    ),
]

# Time for Django and the test client around the database wait itself.
SLACK = 3


@pytest.fixture
def signed_in_lead():
    region, _ = Region.objects.get_or_create(slug="timeouts", defaults={"name": "Timeouts"})
    partnership = PartnershipFactory(slug="locked", region=region)
    user = UserFactory(email="lead@locked.example.org")
    MembershipFactory(user=user, partnership=partnership, role=Membership.Role.LEAD)
    client = Client()
    client.force_login(user)
    return client


def _timed_get(client, url):
    def get():
        started = time.monotonic()
        response = client.get(url)
        return response, time.monotonic() - started

    return get


def _while_partnerships_locked(function):
    """Run `function` in another thread while this connection holds the partnership table."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("LOCK TABLE partnerships_partnership IN ACCESS EXCLUSIVE MODE")
        (result,) = run_together(function, timeout=settings.DATABASE_LOCK_TIMEOUT_MS / 1000 + 20)
    assert not isinstance(result, BaseException), repr(result)
    return result


def test_page_needing_a_locked_table_answers_503_within_the_lock_timeout(signed_in_lead):
    """A partnership page waits no longer than the lock timeout, then shows the busy page."""
    response, seconds = _while_partnerships_locked(_timed_get(signed_in_lead, "/p/locked/"))
    assert response.status_code == 503
    assert "Sorry, the service is busy" in response.content.decode()
    assert response["Cache-Control"] == "no-store, private"
    assert seconds < settings.DATABASE_LOCK_TIMEOUT_MS / 1000 + SLACK


def test_healthz_answers_503_fast_when_a_core_table_is_locked(db):
    """/healthz gives up after its own short timeout and says why, in plain text."""
    response, seconds = _while_partnerships_locked(_timed_get(Client(), "/healthz"))
    assert response.status_code == 503
    assert response.content.decode() == (
        HEALTHZ_TIMED_OUT.format(seconds=settings.HEALTHZ_TIMEOUT_MS / 1000) + "\n"
    )
    assert seconds < settings.HEALTHZ_TIMEOUT_MS / 1000 + SLACK


def test_healthz_answers_ok_when_the_table_is_free(db):
    """Without the lock the same check answers 200 ok."""
    response = Client().get("/healthz")
    assert (response.status_code, response.content) == (200, b"ok\n")
