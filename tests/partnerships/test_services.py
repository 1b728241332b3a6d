"""partnerships/services.py: adding, changing and removing members."""

import pytest
from django.core.exceptions import ValidationError

from partnerships import services
from partnerships.models import PANEL_STAFF_CANNOT_JOIN, Membership, User

pytestmark = pytest.mark.django_db
Role = Membership.Role


def _add(partnership, email, by, role=Role.CONTRIBUTOR):
    return services.membership_add(
        partnership=partnership, email=email, role=role, by=by, site_url="http://testserver"
    )


def test_panel_staff_cannot_be_added_to_a_partnership(northshire, lead, panel):
    """Adding Panel staff as a member is refused with the rule, and nothing is stored."""
    with pytest.raises(ValidationError) as raised:
        _add(northshire, "Panel@Example.org", lead)
    assert raised.value.code == "panel_staff"
    assert raised.value.messages == [PANEL_STAFF_CANNOT_JOIN.format(email="panel@example.org")]
    assert not Membership.objects.filter(user=panel).exists()


def test_new_account_records_who_created_it(northshire, lead):
    """A person added by email gets an account whose history names the lead who added them."""
    membership = _add(northshire, "new@example.org", lead)
    record = User.history.get(id=membership.user_id)
    assert record.history_type == "+"
    assert record.history_user == lead
    assert not membership.user.has_usable_password()


def test_user_history_never_holds_password_or_last_login():
    """The history of people leaves out the password hash and sign-in times."""
    fields = {field.name for field in User.history.model._meta.get_fields()}
    assert "password" not in fields
    assert "last_login" not in fields
    assert {"email", "is_panel_staff", "is_active", "history_user"} <= fields


def test_removing_someone_already_removed_does_nothing_more(northshire, lead, viewer):
    """Two leads removing the same member: the second finds them gone and is not refused."""
    membership = Membership.objects.get(user=viewer)
    services.membership_remove(membership=membership, by=lead)
    services.membership_remove(membership=membership, by=lead)
    assert not Membership.objects.filter(user=viewer).exists()


def test_changing_the_role_of_someone_removed_is_refused(northshire, lead, viewer):
    """A role change for a member removed meanwhile says they are no longer a member."""
    membership = Membership.objects.get(user=viewer)
    services.membership_remove(membership=membership, by=lead)
    with pytest.raises(ValidationError) as raised:
        services.membership_change_role(membership=membership, role=Role.LEAD, by=lead)
    assert raised.value.messages == [services.NO_LONGER_MEMBER.format(email=viewer.email)]


def test_last_lead_cannot_demote_themselves(northshire, lead):
    """The only lead cannot step down until someone else is a lead."""
    membership = Membership.objects.get(user=lead)
    with pytest.raises(ValidationError) as raised:
        services.membership_change_role(membership=membership, role=Role.VIEWER, by=lead)
    assert raised.value.messages == [services.LAST_LEAD]
    membership.refresh_from_db()
    assert membership.role == Role.LEAD
