"""Named personas shared by every test: one partnership with each role, a second
partnership with its own lead, Panel staff, and someone who belongs nowhere."""

import pytest

from partnerships.models import Membership
from tests.partnerships.factories import MembershipFactory, PartnershipFactory, UserFactory


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
