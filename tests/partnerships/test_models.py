import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from partnerships.models import Membership, Partnership, Region, User
from tests.partnerships.factories import MembershipFactory, PartnershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_england_has_nine_regions_loaded_by_migration():
    """Every database holds England's 9 regions without seeding."""
    assert Region.objects.count() == 9
    assert Region.objects.first().name == "North East"


def test_user_signs_in_with_email_and_it_is_lowercased():
    """Email is the login; it is stored in lower case so sign-in is not case-sensitive."""
    user = User.objects.create_user("Lead@Example.ORG", "a-long-test-password")
    assert user.email == "lead@example.org"
    assert User.USERNAME_FIELD == "email"
    assert user.check_password("a-long-test-password")


def test_user_email_is_unique():
    """Two accounts cannot share an email address."""
    UserFactory(email="same@example.org")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email="same@example.org")


def test_superuser_has_admin_access_but_is_not_panel_staff():
    """Operators reach the admin; Panel staff status is a separate, explicit flag."""
    admin = User.objects.create_superuser("ops@example.org", "a-long-test-password")
    assert admin.is_staff and admin.is_superuser
    assert not admin.is_panel_staff


def test_one_role_per_person_per_partnership():
    """A person has one membership in a partnership, at database level."""
    membership = MembershipFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(
            user=membership.user, partnership=membership.partnership, role="lead"
        )


def test_membership_role_must_be_a_known_role():
    """An unknown role is refused by full_clean and by the database."""
    membership = MembershipFactory.build(
        user=UserFactory(), partnership=PartnershipFactory(), role="owner"
    )
    with pytest.raises(ValidationError):
        membership.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        membership.save()


def test_person_may_belong_to_several_partnerships():
    """One person can hold different roles in different partnerships."""
    user = UserFactory()
    MembershipFactory(user=user, role="lead")
    MembershipFactory(user=user, role="viewer")
    assert sorted(user.memberships.values_list("role", flat=True)) == ["lead", "viewer"]


def test_partnership_slug_is_unique():
    """Partnership URLs are unique."""
    PartnershipFactory(slug="dupe")
    with pytest.raises(IntegrityError), transaction.atomic():
        Partnership.objects.create(name="Other", slug="dupe", region=Region.objects.first())


def test_partnership_absolute_url():
    """A partnership's home page lives at /p/<slug>/."""
    assert PartnershipFactory(slug="abc").get_absolute_url() == "/p/abc/"
