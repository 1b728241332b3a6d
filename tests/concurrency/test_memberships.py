"""Two leads changing each other's membership at once never leave a partnership without a lead."""

import html

from django.test import Client

from partnerships.models import Membership, Region
from partnerships.services import ALREADY_MEMBER, LAST_LEAD
from tests.concurrency.conftest import run_together
from tests.partnerships.factories import MembershipFactory, PartnershipFactory, UserFactory

ROUNDS = 20
Role = Membership.Role


def _two_leads(round_number):
    # Transactional tests flush the regions the migrations seed, so make one.
    region, _ = Region.objects.get_or_create(slug="race", defaults={"name": "Race"})
    partnership = PartnershipFactory(slug=f"race-{round_number}", region=region)
    first, second = (
        MembershipFactory(
            user=UserFactory(email=f"lead{n}-{round_number}@example.org"),
            partnership=partnership,
            role=Role.LEAD,
        )
        for n in (1, 2)
    )
    return partnership, first, second


def _post_as(user, url, data):
    def post():
        client = Client()
        client.force_login(user)
        return client.post(url, data)

    return post


def _race(action):
    """Run ROUNDS rounds of two leads acting on each other; gather lead counts and statuses."""
    leaderless, statuses, refusals = [], [], []
    for round_number in range(ROUNDS):
        partnership, first, second = _two_leads(round_number)
        results = run_together(
            _post_as(first.user, *action(partnership, second)),
            _post_as(second.user, *action(partnership, first)),
        )
        for result in results:
            assert not isinstance(result, BaseException), repr(result)
        statuses.extend(result.status_code for result in results)
        refusals.extend(result.content.decode() for result in results if result.status_code == 200)
        if not Membership.objects.filter(partnership=partnership).leads().exists():
            leaderless.append(round_number)
    return leaderless, statuses, refusals


def _demote(partnership, membership):
    return (
        f"/p/{partnership.slug}/members/{membership.pk}/role/",
        {"role": Role.CONTRIBUTOR},
    )


def _remove(partnership, membership):
    return f"/p/{partnership.slug}/members/{membership.pk}/remove/", {}


def test_two_leads_demoting_each_other_keep_a_lead():
    """Over 20 rounds of two leads demoting each other at once, a lead always remains, no 500."""
    leaderless, statuses, refusals = _race(_demote)
    assert leaderless == [], f"rounds with no lead: {leaderless} of {ROUNDS}"
    assert not [status for status in statuses if status >= 500]
    # One of each pair succeeds; the other sees the form again with the error, or, when it
    # arrives after the first has finished, is no longer a lead (403).
    assert statuses.count(302) == ROUNDS
    assert all(html.escape(LAST_LEAD) in page for page in refusals)


def test_two_leads_removing_each_other_keep_a_lead():
    """Over 20 rounds of two leads removing each other at once, a lead always remains, no 500."""
    leaderless, statuses, refusals = _race(_remove)
    assert leaderless == [], f"rounds with no lead: {leaderless} of {ROUNDS}"
    assert not [status for status in statuses if status >= 500]
    assert statuses.count(302) == ROUNDS
    assert all(html.escape(LAST_LEAD) in page for page in refusals)


def test_two_leads_adding_the_same_person_at_once_add_them_once():
    """Two leads adding the same new email at once: one adds them, the other is told, no 500."""
    statuses, refusals = [], []
    for round_number in range(ROUNDS):
        partnership, first, second = _two_leads(round_number)
        email = f"new-{round_number}@example.org"
        url = f"/p/{partnership.slug}/members/add/"
        data = {"email": email, "role": Role.VIEWER}
        results = run_together(_post_as(first.user, url, data), _post_as(second.user, url, data))
        for result in results:
            assert not isinstance(result, BaseException), repr(result)
        statuses.extend(result.status_code for result in results)
        refusals.extend(
            (email, result.content.decode()) for result in results if result.status_code == 200
        )
        assert Membership.objects.filter(partnership=partnership, user__email=email).count() == 1
    assert not [status for status in statuses if status >= 500]
    assert statuses.count(302) == ROUNDS
    assert len(refusals) == ROUNDS
    assert all(ALREADY_MEMBER.format(email=email) in page for email, page in refusals)
