"""What every request pays before the page's own work: pinned numbers of queries for the
frame every page shares (session, user, second factor, the header's memberships), and the
one shared lookup of a member's memberships deciding exactly what the per-query access
rules decide."""

import pytest
from django.http import Http404
from django.test import RequestFactory
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from partnerships import access
from partnerships.models import Membership
from tests.partnerships.factories import MembershipFactory, PartnershipFactory


def test_an_information_page_costs_nobody_signed_out_a_query(client, db, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert client.get("/privacy/").status_code == 200


def test_a_members_page_costs_the_session_the_user_and_their_memberships(
    client, lead, django_assert_num_queries
):
    client.force_login(lead)
    client.get("/privacy/")
    with django_assert_num_queries(3):
        response = client.get("/privacy/")
    assert 'href="/p/northshire/"' in response.content.decode(), "the header's links are theirs"


def test_a_panel_page_costs_the_session_the_user_and_the_second_factor(
    client, panel, django_assert_num_queries
):
    """Panel staff belong to no partnership: no memberships query for the header."""
    client.force_login(panel)
    device = TOTPDevice.objects.create(user=panel, name="app", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    client.get("/privacy/")
    with django_assert_num_queries(3):
        response = client.get("/privacy/")
    assert "Review statistics" in response.content.decode()


def request_for(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


def decided_per_query(user, slug):
    try:
        partnership = access.get_partnership_for_user(user, slug)
    except Http404:
        return "404"
    return partnership.pk, access.role_in(user, partnership)


def decided_shared(user, slug):
    try:
        partnership, role = access.partnership_and_role(request_for(user), slug)
    except Http404:
        return "404"
    return partnership.pk, role


@pytest.mark.django_db
def test_the_shared_lookup_decides_as_the_access_rules_do(lead, eastmere, panel, viewer):
    """Member, member of another, member of a turned-off partnership, Panel staff (even with
    a membership row): the same partnership and role, or the same 404."""
    off = PartnershipFactory(slug="turned-off", active=False)
    MembershipFactory(user=lead, partnership=off, role=Membership.Role.LEAD)
    MembershipFactory(user=panel, partnership=eastmere, role=Membership.Role.LEAD)
    cases = [
        (user, slug)
        for user in (lead, viewer, panel)
        for slug in ("northshire", "eastmere", "turned-off", "nowhere")
    ]
    for user, slug in cases:
        assert decided_shared(user, slug) == decided_per_query(user, slug), (user.email, slug)
    assert decided_shared(lead, "northshire")[1] == Membership.Role.LEAD
    assert decided_shared(lead, "eastmere") == "404"
    assert decided_shared(panel, "eastmere")[1] is None, "Panel staff never have a role"


def test_memberships_are_read_once_per_request(lead, django_assert_num_queries):
    request = request_for(lead)
    with django_assert_num_queries(1):
        first = access.memberships_of(request)
        again = access.memberships_of(request)
    assert first is again and [m.partnership.slug for m in first] == ["northshire"]
