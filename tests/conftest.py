"""Named personas shared by every test: one partnership with each role, a second
partnership with its own lead, Panel staff, and someone who belongs nowhere."""

import pytest
from django.test import Client

from partnerships.models import Membership
from tests.partnerships.factories import MembershipFactory, PartnershipFactory, UserFactory


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache: a page's cached figures from an earlier test
    (whose rows were rolled back, their ids free again) must neither serve it nor change
    the queries it makes."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def northshire(db):
    return PartnershipFactory(
        name="Northshire Safeguarding Children Partnership", slug="northshire"
    )


@pytest.fixture
def eastmere(db):
    return PartnershipFactory(name="Eastmere Safeguarding Children Partnership", slug="eastmere")


def _member(partnership, role, email):
    return MembershipFactory(user=UserFactory(email=email), partnership=partnership, role=role).user


@pytest.fixture
def lead(northshire):
    return _member(northshire, Membership.Role.LEAD, "lead@northshire.example.org")


@pytest.fixture
def contributor(northshire):
    return _member(northshire, Membership.Role.CONTRIBUTOR, "contributor@northshire.example.org")


@pytest.fixture
def viewer(northshire):
    return _member(northshire, Membership.Role.VIEWER, "viewer@northshire.example.org")


@pytest.fixture
def other_lead(eastmere):
    return _member(eastmere, Membership.Role.LEAD, "lead@eastmere.example.org")


@pytest.fixture
def panel(db):
    return UserFactory(email="panel@example.org", is_panel_staff=True)


@pytest.fixture
def outsider(db):
    return UserFactory(email="nobody@example.org")


_force_login = Client.force_login


def verified_login(client, user, backend=None, *, second_factor=True):
    """Client.force_login, with the second factor given too when the person needs one
    (Panel staff, say): a confirmed authenticator app is made for them if they have none and
    the session is marked verified the way django-otp's login does. second_factor=False
    stops after the password, as a person part-way through signing in."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from partnerships import two_factor

    _force_login(client, user, backend)
    session = client.session
    if not second_factor or not session.get(two_factor.SESSION_KEY):
        return
    device = two_factor.totp_device(user) or TOTPDevice.objects.create(
        user=user, name=two_factor.TOTP_DEVICE_NAME, confirmed=True
    )
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    del session[two_factor.SESSION_KEY]
    session.save()


@pytest.fixture(autouse=True)
def _second_factor_on_force_login(monkeypatch):
    """Every test's client.force_login(person) signs in fully, second factor included, so
    tests of pages behind sign-in need not repeat it; the two-factor tests opt out."""
    monkeypatch.setattr(Client, "force_login", verified_login)
