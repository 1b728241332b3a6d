"""partnerships/admin.py: Panel staff and memberships are kept apart; changes are recorded."""

import pytest
from django.test import Client

from partnerships.models import (
    PANEL_STAFF_CANNOT_JOIN,
    PANEL_STAFF_HAS_MEMBERSHIPS,
    Membership,
    Partnership,
    User,
)
from tests.partnerships.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(db):
    superuser = UserFactory(email="admin@example.org", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(superuser)
    client.superuser = superuser
    return client


def _user_form(user, **changes):
    data = {
        "email": user.email,
        "full_name": user.full_name,
        "is_active": "on",
        "date_joined_0": "2025-01-01",
        "date_joined_1": "09:00:00",
        "initial-date_joined_0": "2025-01-01",
        "initial-date_joined_1": "09:00:00",
    }
    data.update(changes)
    return data


def test_admin_refuses_to_make_a_member_panel_staff(admin_client, lead):
    """Ticking Panel staff for someone in a partnership is refused with the reason."""
    response = admin_client.post(
        f"/admin/partnerships/user/{lead.pk}/change/", _user_form(lead, is_panel_staff="on")
    )
    assert response.status_code == 200
    assert PANEL_STAFF_HAS_MEMBERSHIPS in response.content.decode()
    lead.refresh_from_db()
    assert not lead.is_panel_staff


def test_admin_makes_someone_without_memberships_panel_staff_and_records_who(
    admin_client, outsider
):
    """Someone in no partnership can be made Panel staff; the history names the admin."""
    response = admin_client.post(
        f"/admin/partnerships/user/{outsider.pk}/change/",
        _user_form(outsider, is_panel_staff="on"),
    )
    assert response.status_code == 302
    outsider.refresh_from_db()
    assert outsider.is_panel_staff
    latest = User.history.filter(id=outsider.pk).latest("history_date")
    assert latest.is_panel_staff
    assert latest.history_user == admin_client.superuser


def test_admin_refuses_panel_staff_as_a_partnership_member(admin_client, northshire, panel):
    """Adding Panel staff to a partnership's members in the admin is refused."""
    data = {
        "name": northshire.name,
        "slug": northshire.slug,
        "region": northshire.region_id,
        "active": "on",
        "memberships-TOTAL_FORMS": "1",
        "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
        "memberships-0-user": panel.pk,
        "memberships-0-role": "viewer",
        "memberships-0-partnership": northshire.pk,
    }
    response = admin_client.post(f"/admin/partnerships/partnership/{northshire.pk}/change/", data)
    assert response.status_code == 200
    assert PANEL_STAFF_CANNOT_JOIN.format(email=panel.email) in response.content.decode()
    assert not Membership.objects.filter(user=panel).exists()


def test_admin_change_to_a_partnership_is_recorded_with_who(admin_client, northshire):
    """Turning a partnership off in the admin leaves a history record naming the admin."""
    data = {
        "name": northshire.name,
        "slug": northshire.slug,
        "region": northshire.region_id,
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    response = admin_client.post(f"/admin/partnerships/partnership/{northshire.pk}/change/", data)
    assert response.status_code == 302
    latest = Partnership.history.filter(id=northshire.pk).latest("history_date")
    assert latest.active is False
    assert latest.history_user == admin_client.superuser
