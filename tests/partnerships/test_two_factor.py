"""Two-factor sign-in: who must give a second factor, set-up, sign-in with a code or a
recovery code, lockout after wrong codes, a partnership's own rule, and no secret in logs."""

import io
import logging
import re
from base64 import b32decode

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core.management import CommandError, call_command
from django.urls import reverse
from django_otp.oath import TOTP, totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from partnerships import two_factor
from partnerships.demo import DEMO_PASSWORD, PANEL_EMAIL
from partnerships.forms import SIGN_IN_CODE_WRONG
from partnerships.models import Partnership
from tests.partnerships.factories import UserFactory

PASSWORD = "a-long-test-password-2025"
VERIFY = "/accounts/login/verify/"
SET_UP = "/accounts/two-factor/set-up/"


def code_for(device):
    """The 6 digits the person's authenticator app shows now: the next 30 seconds' code when
    this one was just used (django-otp accepts each step once, and one step either side)."""
    device.refresh_from_db()
    now = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).t()
    drift = device.drift + max(0, device.last_t + 1 - now)
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, drift):06d}"


def code_from_page(page):
    """The code an app shows after typing in the key the set-up page shows."""
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7 ]+)<', page.content.decode())[1]
    secret = secret.replace(" ", "")
    return f"{totp(b32decode(secret + '=' * (-len(secret) % 8))):06d}"


def with_password(user):
    user.set_password(PASSWORD)
    user.save()
    return user


def sign_in(client, user, password=PASSWORD, next_url=""):
    """The first step, the password, as the sign-in page posts it."""
    return client.post(
        "/accounts/login/", {"username": user.email, "password": password, "next": next_url}
    )


def confirmed_device(user):
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)


def set_up_through_pages(client, user):
    """Set up an app through the set-up page; returns the device and the recovery codes."""
    page = client.get(SET_UP)
    assert page.status_code == 200
    response = client.post(SET_UP, {"code": code_from_page(page), "next": "/"})
    assert response.status_code == 302
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    page = client.get(response["Location"])
    codes = re.findall(r"<code>([a-z2-7]{4} [a-z2-7]{4})</code>", page.content.decode())
    return device, codes


def test_panel_staff_cannot_reach_panel_after_the_password_alone(client, panel):
    """Panel staff signed in with a password only are sent to set-up from /panel/ and
    from the Django admin, and reach them once the app is set up."""
    with_password(panel)
    response = sign_in(client, panel, next_url="/panel/")
    assert response.status_code == 302
    for path in ["/panel/", "/admin/", "/p/northshire/"]:
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith(SET_UP)
    set_up_through_pages(client, panel)
    assert client.get("/panel/").status_code == 200


def test_panel_staff_with_an_app_are_asked_for_the_code(client, panel):
    """Panel staff with an app are sent to the code page after the password, and reach
    /panel/ only with the right code."""
    with_password(panel)
    device = confirmed_device(panel)
    sign_in(client, panel)
    response = client.get("/panel/")
    assert response["Location"] == f"{VERIFY}?next=%2Fpanel%2F"
    assert client.get(SET_UP)["Location"].startswith(VERIFY)
    response = client.post(VERIFY, {"code": "000000", "next": "/panel/"})
    assert response.status_code == 200
    assert SIGN_IN_CODE_WRONG in response.content.decode()
    assert client.get("/panel/").status_code == 302
    response = client.post(VERIFY, {"code": code_for(device), "next": "/panel/"})
    assert response["Location"] == "/panel/"
    assert client.get("/panel/").status_code == 200


def test_superuser_needs_a_second_factor(client, db):
    """A superuser without Panel staff is still sent to set-up before the admin."""
    admin = with_password(UserFactory(email="admin@example.org", is_staff=True, is_superuser=True))
    sign_in(client, admin)
    assert client.get("/admin/")["Location"].startswith(SET_UP)


def test_member_of_a_partnership_that_requires_it_must_set_it_up(client, lead, northshire):
    """When a partnership requires two-factor, its members must set it up after the password."""
    Partnership.objects.filter(pk=northshire.pk).update(requires_two_factor=True)
    with_password(lead)
    sign_in(client, lead)
    response = client.get("/p/northshire/")
    assert response["Location"].startswith(SET_UP)
    set_up_through_pages(client, lead)
    assert client.get("/p/northshire/").status_code == 200


def test_member_already_signed_in_is_asked_once_the_rule_is_turned_on(client, viewer, northshire):
    """Members signed in before a lead turns the rule on are sent to set-up on the
    partnership's next page."""
    client.force_login(viewer)
    assert client.get("/p/northshire/").status_code == 200
    Partnership.objects.filter(pk=northshire.pk).update(requires_two_factor=True)
    assert client.get("/p/northshire/")["Location"].startswith(SET_UP)
    assert client.get("/home/")["Location"].startswith(SET_UP)


def test_member_of_a_partnership_that_does_not_require_it_signs_in_with_password(client, lead):
    """Without the rule a member reaches their pages with a password only."""
    with_password(lead)
    sign_in(client, lead)
    assert client.get("/p/northshire/").status_code == 200


def test_member_may_set_it_up_and_is_then_asked_at_sign_in(client, lead):
    """A member who sets up an app voluntarily is asked for a code at their next sign-in."""
    with_password(lead)
    sign_in(client, lead)
    assert client.get("/accounts/two-factor/").status_code == 200
    device, codes = set_up_through_pages(client, lead)
    assert len(codes) == 10
    client.post("/accounts/logout/")
    sign_in(client, lead)
    assert client.get("/p/northshire/")["Location"].startswith(VERIFY)
    client.post(VERIFY, {"code": code_for(device)})
    assert client.get("/p/northshire/").status_code == 200


def test_recovery_codes_are_shown_once(client, lead):
    """The codes made at set-up are shown on the page that follows, and never again."""
    with_password(lead)
    sign_in(client, lead)
    set_up_through_pages(client, lead)
    page = client.get("/accounts/two-factor/recovery-codes/").content.decode()
    assert "<code>" not in page
    assert "You have 10 unused recovery codes" in page


def test_recovery_code_works_once(client, panel):
    """A recovery code signs in once; the same code a second time is refused."""
    with_password(panel)
    sign_in(client, panel)
    _, codes = set_up_through_pages(client, panel)
    client.post("/accounts/logout/")
    sign_in(client, panel)
    response = client.post(VERIFY, {"code": codes[0].upper(), "next": "/panel/"})
    assert response["Location"] == "/panel/"
    assert StaticToken.objects.filter(device__user=panel).count() == 9
    client.post("/accounts/logout/")
    sign_in(client, panel)
    response = client.post(VERIFY, {"code": codes[0], "next": "/panel/"})
    assert response.status_code == 200
    assert SIGN_IN_CODE_WRONG in response.content.decode()


def test_new_recovery_codes_replace_the_old(client, panel):
    """Making new recovery codes shows 10 new ones and the old ones stop working."""
    with_password(panel)
    sign_in(client, panel)
    _, old = set_up_through_pages(client, panel)
    page = client.post("/accounts/two-factor/recovery-codes/", follow=True).content.decode()
    new = re.findall(r"<code>([a-z2-7]{4} [a-z2-7]{4})</code>", page)
    assert len(new) == 10 and not set(new) & set(old)
    client.post("/accounts/logout/")
    sign_in(client, panel)
    assert client.post(VERIFY, {"code": old[1]}).status_code == 200
    assert client.post(VERIFY, {"code": new[1]}).status_code == 302


def test_wrong_codes_count_toward_the_lockout(client, panel):
    """Five wrong codes lock the account like five wrong passwords: the locked-out page is
    shown, the person is signed out, and even the right password and code are refused."""
    with_password(panel)
    device = confirmed_device(panel)
    sign_in(client, panel)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.post(VERIFY, {"code": "123456"}).status_code == 200
    response = client.post(VERIFY, {"code": "123456"})
    assert response.status_code == settings.AXES_HTTP_RESPONSE_CODE
    assert "Too many attempts to sign in" in response.content.decode()
    assert client.get("/panel/")["Location"].startswith("/accounts/login/")
    response = sign_in(client, panel)
    assert response.status_code == settings.AXES_HTTP_RESPONSE_CODE
    assert client.post(VERIFY, {"code": code_for(device)}).status_code == 302  # not signed in
    assert client.get("/panel/")["Location"].startswith("/accounts/login/")


def test_wrong_passwords_and_codes_add_up(client, panel):
    """Wrong passwords and wrong codes add up to one limit on the account."""
    with_password(panel)
    confirmed_device(panel)
    for _ in range(3):
        sign_in(client, panel, password="wrong")
    sign_in(client, panel)
    assert client.post(VERIFY, {"code": "123456"}).status_code == 200
    response = client.post(VERIFY, {"code": "123456"})
    assert response.status_code == settings.AXES_HTTP_RESPONSE_CODE


def test_signing_in_again_with_the_password_does_not_clear_wrong_codes(client, panel):
    """Someone who knows the password cannot buy more guesses at the code by signing in
    again: the right password clears no failures until the code is right too."""
    with_password(panel)
    confirmed_device(panel)
    for _ in range(2):
        sign_in(client, panel)
        client.post(VERIFY, {"code": "123456"})
        client.post(VERIFY, {"code": "654321"})
        client.post("/accounts/logout/")
    sign_in(client, panel)
    response = client.post(VERIFY, {"code": "111111"})
    assert response.status_code == settings.AXES_HTTP_RESPONSE_CODE


def test_the_right_code_clears_the_failures(client, panel):
    """After the right code the account's failures are cleared, as a full sign-in does."""
    with_password(panel)
    device = confirmed_device(panel)
    sign_in(client, panel)
    client.post(VERIFY, {"code": "123456"})
    assert AccessAttempt.objects.exists()
    client.post(VERIFY, {"code": code_for(device)})
    assert not AccessAttempt.objects.exists()


def test_codes_are_never_stored_or_logged(client, panel, caplog):
    """The secret, the codes typed and the recovery codes appear in no log record and in no
    lockout record."""
    caplog.set_level(logging.DEBUG)
    with_password(panel)
    sign_in(client, panel)
    device, codes = set_up_through_pages(client, panel)
    client.post("/accounts/logout/")
    sign_in(client, panel)
    client.post(VERIFY, {"code": "987654"})
    secret = two_factor.secret_in_groups(device).replace(" ", "")
    stored = " ".join(f"{a.post_data} {a.get_data}" for a in AccessAttempt.objects.all())
    assert "987654" not in stored
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for value in [secret, device.key, "987654", *[c.replace(" ", "") for c in codes]]:
        assert value not in logged
        assert value.lower() not in logged.lower()


def test_set_up_page_shows_the_secret_in_groups_and_an_inline_qr_code(client, panel):
    """The set-up page shows the key as text in groups of 4 and the QR code as inline SVG
    (no data: image, which the Content-Security-Policy refuses)."""
    client.force_login(panel, second_factor=False)
    page = client.get(SET_UP).content.decode()
    assert not TOTPDevice.objects.exists()  # looking at the page writes nothing
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7 ]+)<', page)[1]
    assert client.get(SET_UP).content.decode().count(secret) == 1  # the same key on reload
    assert re.fullmatch(r"([A-Z2-7]{4} )+[A-Z2-7]{1,4}", secret)
    assert secret in page
    assert '<svg role="img" aria-label="QR code' in page
    assert "data:image" not in page
    assert "<title>Set up two-factor sign-in" in page


def test_wrong_code_at_set_up_keeps_the_same_key(client, panel):
    """A wrong code at set-up shows the error and the same key to try again."""
    client.force_login(panel, second_factor=False)
    first = client.get(SET_UP)
    response = client.post(SET_UP, {"code": "000000"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: Set up two-factor sign-in" in page
    assert code_from_page(response) == code_from_page(first)
    assert not TOTPDevice.objects.exists()


def test_next_outside_the_site_is_ignored(client, panel):
    """A `next` pointing to another site is not followed after the code."""
    client.force_login(panel, second_factor=False)
    device = confirmed_device(panel)
    response = client.post(VERIFY, {"code": code_for(device), "next": "https://evil.example"})
    assert response["Location"] == reverse("partnerships:home_redirect")


def test_lead_requires_two_factor_for_the_partnership(client, lead, viewer, northshire):
    """A lead turns the rule on from the partnership's two-factor page; history records who
    and when; a viewer may not change it."""
    assert client.get("/p/northshire/two-factor/").status_code == 302  # not signed in
    client.force_login(viewer)
    assert client.get("/p/northshire/two-factor/").status_code == 403
    client.force_login(lead)
    assert client.get("/p/northshire/two-factor/").status_code == 200
    response = client.post("/p/northshire/two-factor/", {"requires_two_factor": "yes"})
    assert response.status_code == 302
    northshire.refresh_from_db()
    assert northshire.requires_two_factor
    record = northshire.history.first()
    assert record.history_user == lead and record.requires_two_factor
    # The lead now needs a second factor too.
    assert client.get("/p/northshire/")["Location"].startswith(SET_UP)


def test_partnership_rule_needs_an_answer(client, lead):
    """Saving the rule without choosing shows the one error summary."""
    client.force_login(lead)
    page = client.post("/p/northshire/two-factor/", {}).content.decode()
    assert "Select whether members must use two-factor sign-in" in page
    assert page.count('class="govuk-error-summary"') == 1


def test_other_partnerships_rule_page_is_not_found(client, other_lead):
    """A lead of another partnership gets 404 for this partnership's page."""
    client.force_login(other_lead)
    assert client.get("/p/northshire/two-factor/").status_code == 404


def test_demo_panel_persona_signs_in_with_the_demo_code(client, settings, db):
    """seed_demo gives panel@example.org the published demo key, and demo_code's code signs
    in with it; demo_code refuses to run when DEBUG is off."""
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    out = io.StringIO()
    call_command("demo_code", stdout=out, stderr=io.StringIO())
    settings.DEBUG = False
    client.post("/accounts/login/", {"username": PANEL_EMAIL, "password": DEMO_PASSWORD})
    assert client.get("/panel/")["Location"].startswith(VERIFY)
    assert client.post(VERIFY, {"code": out.getvalue().strip()})["Location"] == "/home/"
    assert client.get("/panel/").status_code == 200
    with pytest.raises(CommandError):
        call_command("demo_code", stdout=io.StringIO())
