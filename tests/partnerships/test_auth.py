import pytest
from django.urls import reverse

from tests.partnerships.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-test-password"


@pytest.fixture
def person(db):
    return UserFactory(email="person@example.org", password=PASSWORD)


def sign_in(client, email, password, **extra):
    return client.post(reverse("login"), {"username": email, "password": password}, **extra)


def test_sign_in_with_email_and_out(client, person):
    """A person signs in with email and password, and signing out ends the session."""
    response = sign_in(client, "Person@Example.org", PASSWORD)
    assert response.status_code == 302
    assert "_auth_user_id" in client.session
    client.post(reverse("logout"))
    assert "_auth_user_id" not in client.session


def test_wrong_password_says_so_in_gov_uk_style(client, person):
    """A wrong password shows an error summary and keeps the email."""
    html = sign_in(client, "person@example.org", "wrong").content.decode()
    assert "There is a problem" in html
    assert "Enter a correct email address and password" in html
    assert 'value="person@example.org"' in html


def test_account_is_locked_after_five_failed_attempts(client, person):
    """After 5 failures the account is locked, even with the right password, with a clear page."""
    for _ in range(5):
        sign_in(client, "person@example.org", "wrong")
    response = sign_in(client, "person@example.org", PASSWORD)
    assert response.status_code == 429
    assert "Too many attempts to sign in" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_address_is_locked_after_five_failed_attempts_on_any_accounts(client, person):
    """Five failures from one address against different accounts lock that address."""
    for n in range(5):
        sign_in(client, f"guess{n}@example.org", "wrong", REMOTE_ADDR="203.0.113.9")
    response = sign_in(client, "person@example.org", PASSWORD, REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 429
    # The same account from another address is not locked.
    assert (
        sign_in(client, "person@example.org", PASSWORD, REMOTE_ADDR="198.51.100.1").status_code
        == 302
    )


def test_password_validators_refuse_a_weak_password(client):
    """Setting a password runs Django's validators, with GOV.UK-style messages shown."""
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    user = UserFactory(email="new@example.org")
    url = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    page = client.get(url, follow=True)
    form_url = page.redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": "password", "new_password2": "password"})
    html = response.content.decode()
    assert "There is a problem" in html
    assert "too common" in html or "too short" in html
    response = client.post(
        form_url,
        {"new_password1": "river-otter-lantern-9", "new_password2": "river-otter-lantern-9"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("river-otter-lantern-9")
