import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from partnerships import access
from partnerships.models import Membership, Partnership

pytestmark = pytest.mark.django_db


def test_visible_to_member_is_only_their_partnerships(lead, northshire, eastmere):
    """A member sees their own partnership and no other."""
    assert list(Partnership.objects.visible_to(lead)) == [northshire]


def test_visible_to_panel_staff_is_every_partnership(panel, northshire, eastmere):
    """Panel staff may read every partnership."""
    assert set(Partnership.objects.visible_to(panel)) == {northshire, eastmere}


def test_visible_to_nobody_for_outsiders_and_anonymous(outsider, northshire):
    """Someone in no partnership, or not signed in, sees none."""
    from django.contrib.auth.models import AnonymousUser

    assert not Partnership.objects.visible_to(outsider).exists()
    assert not Partnership.objects.visible_to(AnonymousUser()).exists()


def test_inactive_account_sees_nothing(lead):
    """A turned-off account sees no partnership even if its membership remains."""
    lead.is_active = False
    assert not Partnership.objects.visible_to(lead).exists()


def test_get_partnership_for_user_raises_404_for_other_partnership(lead, eastmere):
    """Another partnership is answered as if it did not exist."""
    with pytest.raises(Http404):
        access.get_partnership_for_user(lead, "eastmere")
    with pytest.raises(Http404):
        access.get_partnership_for_user(lead, "does-not-exist")


@pytest.mark.parametrize(
    ("role", "edit", "lead_rights"),
    [
        ("viewer", False, False),
        ("contributor", True, False),
        ("lead", True, True),
        (None, False, False),
    ],
)
def test_role_rights(role, edit, lead_rights):
    """Viewers read, contributors edit, leads lead; no role (Panel staff) has neither."""
    assert access.can_edit(role) is edit
    assert access.can_lead(role) is lead_rights


def test_role_in(lead, viewer, panel, northshire):
    """role_in gives the member's role and None for Panel staff."""
    assert access.role_in(lead, northshire) == Membership.Role.LEAD
    assert access.role_in(viewer, northshire) == Membership.Role.VIEWER
    assert access.role_in(panel, northshire) is None


def test_require_role_and_panel_staff(lead, panel):
    """Role and Panel checks raise PermissionDenied when not met."""
    access.require_role("lead", "contributor")
    with pytest.raises(PermissionDenied):
        access.require_role("viewer", "contributor")
    access.require_panel_staff(panel)
    with pytest.raises(PermissionDenied):
        access.require_panel_staff(lead)


def test_panel_staff_have_no_role_even_with_a_membership_row(northshire, panel):
    """A membership made before someone became Panel staff gives them no role at all."""
    Membership.objects.create(user=panel, partnership=northshire, role=Membership.Role.LEAD)
    assert access.role_in(panel, northshire) is None
    assert not access.can_edit(access.role_in(panel, northshire))


def test_inactive_partnership_is_not_visible_to_its_members(lead, northshire):
    """A partnership that has been turned off is gone for its members."""
    Partnership.objects.filter(pk=northshire.pk).update(active=False)
    assert not Partnership.objects.visible_to(lead).exists()
    with pytest.raises(Http404):
        access.get_partnership_for_user(lead, "northshire")


def test_inactive_partnership_pages_404_for_panel_staff_too(panel, northshire):
    """Panel staff still see a turned-off partnership in lists, but not its /p/ pages."""
    Partnership.objects.filter(pk=northshire.pk).update(active=False)
    assert northshire in Partnership.objects.visible_to(panel)
    with pytest.raises(Http404):
        access.get_partnership_for_user(panel, "northshire")


def test_restricted_analysis_is_for_active_panel_staff_only(panel, lead, outsider):
    """Only active Panel staff may read restricted figures; anyone else is refused 403."""
    from django.contrib.auth.models import AnonymousUser

    assert access.can_use_restricted_analysis(panel)
    for person in (lead, outsider, AnonymousUser()):
        assert not access.can_use_restricted_analysis(person)
        with pytest.raises(PermissionDenied):
            access.require_restricted_analysis(person)
    panel.is_active = False
    assert not access.can_use_restricted_analysis(panel)


def test_review_records_are_for_members_only(lead, viewer, panel, northshire):
    """Members read review records; Panel staff, who have no role, do not."""
    assert access.can_read_review_records(access.role_in(lead, northshire))
    assert access.can_read_review_records(access.role_in(viewer, northshire))
    assert not access.can_read_review_records(access.role_in(panel, northshire))
