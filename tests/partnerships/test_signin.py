"""Guessing passwords at /accounts/login/ and /admin/login/, tried the way an attacker would.

Failures count per account (whatever the letter case typed) and, with a much higher limit,
per client address; the address comes from a proxy header only when one is configured.
"""

import re

import pytest
from django.conf import settings
from django.test import RequestFactory, override_settings
from django.urls import reverse

from tests.partnerships.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"
ACCOUNT_LIMIT = settings.AXES_FAILURE_LIMIT
ATTACKER = "203.0.113.66"
PROXY = "10.0.0.2"
BEHIND_ONE_PROXY = {"SIGNIN_CLIENT_IP_HEADER": "X-Forwarded-For", "SIGNIN_TRUSTED_PROXIES": 1}


def sign_in(client, email, password, url=None, **extra):
    return client.post(url or reverse("login"), {"username": email, "password": password}, **extra)


def signed_in(client):
    return "_auth_user_id" in client.session


def address_limit():
    return settings.SIGNIN_ADDRESS_FAILURE_LIMIT


# 1. A success clears only the person's own failures.


def test_signing_in_to_your_own_account_does_not_clear_guesses_at_another(client, panel):
    """Guessing in rounds of 4 between sign-ins to one's own account still locks the target."""
    attacker = UserFactory(email="attacker@example.org")
    statuses = []
    for _round in range(5):
        for _ in range(ACCOUNT_LIMIT - 1):
            statuses.append(sign_in(client, panel.email, "guess-again").status_code)
        assert sign_in(client, attacker.email, PASSWORD).status_code == 302
        client.post(reverse("logout"))
    assert statuses.count(429) >= len(statuses) - ACCOUNT_LIMIT
    response = sign_in(client, panel.email, PASSWORD)
    assert response.status_code == 429
    assert not signed_in(client)


def test_your_own_success_clears_your_own_typos(client, viewer):
    """A person who mistypes 4 times, signs in, and later mistypes 4 times is not locked."""
    for _round in range(2):
        for _ in range(ACCOUNT_LIMIT - 1):
            assert sign_in(client, viewer.email, "typo").status_code == 200
        assert sign_in(client, viewer.email, PASSWORD).status_code == 302
        client.post(reverse("logout"))


def test_a_success_does_not_clear_an_address_of_failures_on_other_names(client, viewer):
    """Signing in from an address leaves the failures on other names from it counting."""
    for n in range(address_limit() - 1):
        sign_in(client, f"made-up-{n}@example.org", "guess", REMOTE_ADDR=ATTACKER)
    assert sign_in(client, viewer.email, PASSWORD, REMOTE_ADDR=ATTACKER).status_code == 302
    client.post(reverse("logout"))
    assert sign_in(client, "one-more@example.org", "guess", REMOTE_ADDR=ATTACKER).status_code == 429


# 2. One account, one count, whatever the letter case.


def test_a_locked_account_stays_locked_whatever_the_letter_case(client, viewer):
    """With the account locked, another letter case and the right password does not sign in."""
    for _ in range(ACCOUNT_LIMIT):
        sign_in(client, "viewer@northshire.example.org", "guess")
    response = sign_in(
        client, "VIEWER@Northshire.example.org", PASSWORD, REMOTE_ADDR="198.51.100.7"
    )
    assert response.status_code == 429
    assert not signed_in(client)


def test_guesses_in_several_letter_cases_count_as_one_account(client, viewer):
    """24 guesses over 6 case variants from 6 addresses: only the first 5 are ever checked."""
    variants = [
        "viewer@northshire.example.org",
        "Viewer@northshire.example.org",
        "VIEWER@Northshire.example.org",
        "vIewer@northshire.EXAMPLE.org",
        " viEwer@northshire.example.ORG ",
        "VIEWER@NORTHSHIRE.EXAMPLE.ORG",
    ]
    statuses = []
    for n, variant in enumerate(variants):
        for _ in range(4):
            response = sign_in(client, variant, "guess", REMOTE_ADDR=f"198.51.100.{n + 1}")
            statuses.append(response.status_code)
    assert statuses.count(200) == ACCOUNT_LIMIT - 1
    response = sign_in(client, viewer.email, PASSWORD, REMOTE_ADDR="198.51.100.99")
    assert response.status_code == 429
    assert not signed_in(client)


def test_attempts_count_against_the_address_sign_in_looks_up(viewer):
    """The name failures count against is the user manager's normal form of what was typed."""
    from partnerships.models import User
    from partnerships.signin import attempt_username

    typed = "  VIEWER@Northshire.Example.org "
    request = RequestFactory().post("/accounts/login/", {"username": typed})
    assert attempt_username(request) == User.objects.normalize_email(typed) == viewer.email
    assert attempt_username(request, {"username": typed}) == viewer.email
    assert User.objects.get_by_natural_key(typed) == viewer


def test_a_look_alike_letter_does_not_reach_a_locked_account(client, viewer):
    """A dotless i (which PostgreSQL upper-cases to I) neither signs in nor dodges the lock."""
    for _ in range(ACCOUNT_LIMIT):
        sign_in(client, viewer.email, "guess")
    response = sign_in(
        client, "v\u0131ewer@northshire.example.org", PASSWORD, REMOTE_ADDR="198.51.100.8"
    )
    assert response.status_code in (200, 429)
    assert not signed_in(client)


# 3. An address is locked only after many failures, and is the real client's address.


def test_made_up_names_from_an_address_do_not_lock_out_real_people_there(client, viewer):
    """5 failures on made-up names from one address leave a real user there able to sign in."""
    for n in range(ACCOUNT_LIMIT):
        sign_in(client, f"guess{n}@example.org", "wrong", REMOTE_ADDR=PROXY)
    assert sign_in(client, viewer.email, PASSWORD, REMOTE_ADDR=PROXY).status_code == 302


def test_one_persons_typos_do_not_lock_out_colleagues_at_the_same_address(
    client, viewer, contributor
):
    """A colleague locking their own account leaves everyone else at the address signing in."""
    for _ in range(ACCOUNT_LIMIT + 2):
        sign_in(client, contributor.email, "typo", REMOTE_ADDR=PROXY)
    assert sign_in(client, contributor.email, PASSWORD, REMOTE_ADDR=PROXY).status_code == 429
    assert sign_in(client, viewer.email, PASSWORD, REMOTE_ADDR=PROXY).status_code == 302


def test_spraying_one_password_over_many_names_locks_the_address(client, viewer):
    """Many failures on different names from one address lock that address, not others."""
    statuses = [
        sign_in(client, f"name{n}@example.org", "Winter2026!", REMOTE_ADDR=ATTACKER).status_code
        for n in range(address_limit())
    ]
    assert statuses.count(200) == address_limit() - 1
    assert statuses[-1] == 429
    assert sign_in(client, viewer.email, PASSWORD, REMOTE_ADDR=ATTACKER).status_code == 429
    assert not signed_in(client)
    assert sign_in(client, viewer.email, PASSWORD, REMOTE_ADDR="198.51.100.1").status_code == 302


def test_a_forwarded_for_header_is_ignored_unless_configured(client):
    """With no proxy header configured, a made-up X-Forwarded-For dodges no address limit."""
    statuses = [
        sign_in(
            client,
            f"name{n}@example.org",
            "guess",
            REMOTE_ADDR=ATTACKER,
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n % 250 + 1}",
        ).status_code
        for n in range(address_limit())
    ]
    assert statuses[-1] == 429


@override_settings(**BEHIND_ONE_PROXY)
def test_behind_a_configured_proxy_each_client_has_its_own_address_limit(client, viewer):
    """Behind one trusted proxy the sprayer is locked and a colleague via the same proxy is not."""
    for n in range(address_limit()):
        sign_in(
            client,
            f"name{n}@example.org",
            "guess",
            REMOTE_ADDR=PROXY,
            # The sprayer puts a made-up address first; the proxy appends the real one.
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n % 250 + 1}, {ATTACKER}",
        )
    locked = sign_in(
        client, viewer.email, PASSWORD, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=ATTACKER
    )
    assert locked.status_code == 429
    colleague = sign_in(
        client, viewer.email, PASSWORD, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.20"
    )
    assert colleague.status_code == 302


@override_settings(**BEHIND_ONE_PROXY)
@pytest.mark.parametrize("forwarded", ["not-an-address", "", ",,", "999.1.1.1", "x" * 5000])
def test_a_malformed_forwarded_header_never_breaks_sign_in(client, viewer, forwarded):
    """A garbage proxy header falls back to the connecting address and still answers the form."""
    response = sign_in(
        client, viewer.email, "guess", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded
    )
    assert response.status_code == 200
    assert "Enter a correct email address and password" in response.content.decode()


@pytest.mark.parametrize(
    ("header", "proxies", "forwarded", "expected"),
    [
        ("", 1, "192.0.2.1", "10.0.0.2"),
        ("X-Forwarded-For", 1, "192.0.2.1", "192.0.2.1"),
        ("X-Forwarded-For", 1, "198.51.100.9, 192.0.2.1", "192.0.2.1"),
        ("X-Forwarded-For", 2, "198.51.100.9, 192.0.2.1, 10.0.0.1", "192.0.2.1"),
        ("X-Forwarded-For", 2, "192.0.2.1", "10.0.0.2"),
        ("X-Forwarded-For", 1, "192.0.2.1:51234", "192.0.2.1"),
        ("X-Forwarded-For", 1, "[2001:DB8:0:0::1]:443", "2001:db8::1"),
        ("X-Forwarded-For", 1, "2001:0db8::0001", "2001:db8::1"),
        ("X-Forwarded-For", 1, "unknown", "10.0.0.2"),
    ],
)
def test_client_address_is_read_only_from_the_configured_header(
    header, proxies, forwarded, expected
):
    """The address is REMOTE_ADDR unless a header is configured; then the Nth from the right."""
    from partnerships.signin import client_ip_address

    request = RequestFactory().post(
        "/accounts/login/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded
    )
    with override_settings(SIGNIN_CLIENT_IP_HEADER=header, SIGNIN_TRUSTED_PROXIES=proxies):
        assert client_ip_address(request) == expected


# Panel staff and superusers are locked the same way, on the admin sign-in page too.


def test_panel_staff_are_locked_after_the_same_number_of_failures(client, panel):
    """Panel staff get no exemption from the account limit."""
    for _ in range(ACCOUNT_LIMIT):
        sign_in(client, panel.email, "guess")
    assert sign_in(client, panel.email, PASSWORD).status_code == 429
    assert not signed_in(client)


def test_a_superuser_is_locked_on_the_admin_sign_in_page_and_everywhere(client):
    """Failures at /admin/login/ lock a superuser there and at /accounts/login/."""
    admin = UserFactory(email="admin@example.org", is_staff=True, is_superuser=True)
    admin_login = reverse("admin:login")
    for _ in range(ACCOUNT_LIMIT - 1):
        assert sign_in(client, "Admin@Example.org", "guess", url=admin_login).status_code == 200
    assert sign_in(client, admin.email, "guess").status_code == 429
    assert sign_in(client, admin.email, PASSWORD, url=admin_login).status_code == 429
    assert sign_in(client, admin.email, PASSWORD).status_code == 429
    assert not signed_in(client)


# The locked-out page.


def test_locked_out_page_says_what_to_do_and_when_without_naming_the_account(client, viewer):
    """The page gives the wait and a way forward, the same for a real or a made-up address."""
    for _ in range(ACCOUNT_LIMIT):
        sign_in(client, viewer.email, "guess")
    real = sign_in(client, viewer.email, PASSWORD)
    for _ in range(ACCOUNT_LIMIT):
        sign_in(client, "made-up@example.org", "guess", REMOTE_ADDR="198.51.100.3")
    made_up = sign_in(client, "made-up@example.org", "guess", REMOTE_ADDR="198.51.100.3")
    html = real.content.decode()
    assert real.status_code == made_up.status_code == 429
    assert "Too many attempts to sign in" in html
    assert "Wait 30 minutes, then try again" in html
    assert reverse("password_reset") in html
    assert viewer.email not in html
    assert html == made_up.content.decode()


def test_sign_in_page_states_the_limit(client):
    """The sign-in page tells people how many attempts they have and how long a lock lasts."""
    html = client.get(reverse("login")).content.decode()
    assert f"After {ACCOUNT_LIMIT} wrong attempts" in html
    assert "locked for 30 minutes" in html


def test_a_name_that_grows_when_lower_cased_never_breaks_sign_in(client):
    """A long run of letters like İ (two characters in lower case) gets the form back, not a 500."""
    response = sign_in(client, "\u0130" * 250, "guess")
    assert response.status_code == 200
    assert "Enter a correct email address and password" in response.content.decode()


def test_rotating_user_agents_dodges_neither_limit(client, viewer):
    """A new User-Agent for every guess still counts against the account and the address."""
    for n in range(ACCOUNT_LIMIT):
        sign_in(client, viewer.email, "guess", HTTP_USER_AGENT=f"bot/{n}")
    response = sign_in(client, viewer.email, PASSWORD, HTTP_USER_AGENT="bot/new")
    assert response.status_code == 429
    statuses = [
        sign_in(
            client, f"n{n}@example.org", "guess", REMOTE_ADDR=ATTACKER, HTTP_USER_AGENT=f"b/{n}"
        ).status_code
        for n in range(address_limit())
    ]
    assert statuses[-1] == 429


def test_setting_a_new_password_from_the_emailed_link_lifts_the_lock(
    client, viewer, mailoutbox, django_capture_on_commit_callbacks
):
    """Someone locked out by another's guesses gets back in with the link the page offers."""
    for _ in range(ACCOUNT_LIMIT):
        sign_in(client, viewer.email, "guess", REMOTE_ADDR="198.51.100.9")
    assert sign_in(client, viewer.email, PASSWORD).status_code == 429

    with django_capture_on_commit_callbacks(execute=True):  # the link is queued, then sent
        client.post(reverse("password_reset"), {"email": viewer.email})
    link = re.search(r"https?://[^/\s]+(/accounts/reset/\S+)", mailoutbox[-1].body).group(1)
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    chosen = "harbour-kestrel-window-4"
    client.post(form_url, {"new_password1": chosen, "new_password2": chosen})

    assert sign_in(client, viewer.email, chosen).status_code == 302
    assert signed_in(client)


def test_a_lock_on_an_account_stays_for_a_wrong_password_after_someone_else_resets(
    client, viewer, lead, mailoutbox, django_capture_on_commit_callbacks
):
    """Only the account whose password was set is unlocked, nobody else's."""
    for _ in range(ACCOUNT_LIMIT):
        sign_in(client, viewer.email, "guess")
    with django_capture_on_commit_callbacks(execute=True):  # the link is queued, then sent
        client.post(reverse("password_reset"), {"email": lead.email})
    link = re.search(r"https?://[^/\s]+(/accounts/reset/\S+)", mailoutbox[-1].body).group(1)
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    chosen = "harbour-kestrel-window-4"
    client.post(form_url, {"new_password1": chosen, "new_password2": chosen})
    assert sign_in(client, viewer.email, PASSWORD).status_code == 429
