import re

import pytest
from django.core import mail
from django.test import TestCase
from django.urls import reverse

from partnerships.models import User
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


# 17. A new link to set a password, for invited people too.


def ask_for_link(client, email):
    # The link is queued in the request and sent once it commits (notifications).
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(reverse("password_reset"), {"email": email})


def test_an_invited_member_whose_link_expired_can_ask_for_a_new_one(
    client, lead, django_capture_on_commit_callbacks
):
    """Someone added but not yet set up gets a working link from "forgot password"."""
    client.force_login(lead)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/p/northshire/members/add/", {"email": "new.person@example.org", "role": "viewer"}
        )
    client.post(reverse("logout"))
    invited = User.objects.get(email="new.person@example.org")
    assert not invited.has_usable_password()
    mail.outbox.clear()

    response = ask_for_link(client, " New.Person@Example.org ")
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new.person@example.org"]
    link = re.search(r"https?://[^/\s]+(/accounts/reset/\S+)", mail.outbox[0].body).group(1)
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    chosen = "river-otter-lantern-9"
    response = client.post(form_url, {"new_password1": chosen, "new_password2": chosen})
    assert response.status_code == 302
    response = client.post(reverse("login"), {"username": invited.email, "password": chosen})
    assert response.status_code == 302
    assert "_auth_user_id" in client.session


def test_a_member_who_has_a_password_still_gets_a_link(client, person):
    """Forgot password keeps working for people who have set a password."""
    ask_for_link(client, "person@example.org")
    assert [message.to for message in mail.outbox] == [["person@example.org"]]


def test_no_link_goes_to_a_turned_off_account(client):
    """An inactive account gets no link, whether or not it ever set a password."""
    UserFactory(email="gone@example.org", is_active=False)
    never_set_up = UserFactory(email="never@example.org", is_active=False)
    never_set_up.set_unusable_password()
    never_set_up.save()
    ask_for_link(client, "gone@example.org")
    ask_for_link(client, "never@example.org")
    assert mail.outbox == []


def test_asking_for_a_link_looks_the_same_whether_or_not_the_address_has_an_account(client):
    """Invited, set up, inactive and unknown addresses all get the same answer and page."""
    invited = UserFactory(email="invited@example.org")
    invited.set_unusable_password()
    invited.save()
    UserFactory(email="set-up@example.org")
    UserFactory(email="inactive@example.org", is_active=False)
    answers = set()
    for email in ("invited@example.org", "set-up@example.org", "inactive@example.org", "no@x.org"):
        response = ask_for_link(client, email)
        page = client.get(response["Location"])
        answers.add((response.status_code, response["Location"], page.content.decode()))
    assert len(answers) == 1
    assert len(mail.outbox) == 2
