"""/panel/messages/: the Panel's list of emails, with who they went to, for Panel staff only."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notifications.models import Message
from notifications.services import message_queue
from notifications.views import PAGE_SIZE

pytestmark = pytest.mark.django_db

URL = "/panel/messages/"


def _queue(n, **fields):
    for index in range(n):
        message_queue(
            kind=Message.Kind.AUDIT_ACCEPTED,
            to_address=f"person{index}@example.org",
            personalisation={"partnership": "P", "cycle": "2026-27", "link": "x"},
            **fields,
        )


def test_panel_staff_see_what_was_sent_to_whom_about_what(client, panel, northshire):
    """Kind, address, partnership, status and tries are listed, newest first."""
    _queue(2, partnership=northshire)
    Message.objects.filter(to_address="person0@example.org").update(status="sent", attempts=1)
    client.force_login(panel)
    response = client.get(URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Emails sent - " in html
    assert html.index("person1@example.org") < html.index("person0@example.org")
    assert "Audit accepted" in html
    assert northshire.name in html
    assert 'role="region" aria-labelledby="messages-caption" tabindex="0"' in html


def test_the_panel_home_links_to_the_list(client, panel):
    """Panel home has a link to the emails list."""
    client.force_login(panel)
    assert f'href="{URL}"' in client.get("/panel/").content.decode()


def test_members_cannot_read_the_list(client, lead):
    """A partnership's lead gets 403: the list shows every partnership's addresses."""
    client.force_login(lead)
    assert client.get(URL).status_code == 403


def test_signed_out_people_are_sent_to_sign_in(client):
    """Signed out, the page asks for sign-in."""
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_pages_have_their_own_titles(client, panel):
    """Past PAGE_SIZE emails the list is paged, and each page's title says which it is."""
    _queue(PAGE_SIZE + 1)
    client.force_login(panel)
    first = client.get(URL).content.decode()
    second = client.get(URL + "?page=2").content.decode()
    assert "<title>Emails sent, page 1 of 2 - " in first
    assert "<title>Emails sent, page 2 of 2 - " in second
    assert 'href="?page=2"' in first


def test_the_list_takes_the_same_queries_however_long(client, panel, northshire):
    """Partnership and cycle come with each message: no query per row."""
    _queue(3, partnership=northshire)
    client.force_login(panel)
    client.get(URL)
    _queue(20, partnership=northshire)
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    _queue(20, partnership=northshire)
    with CaptureQueriesContext(connection) as many:
        client.get(URL)
    assert len(few) == len(many)


def test_a_long_list_pages_from_newer_to_older_emails(client, panel):
    """Past one page, the first page links to older emails and the second back to newer."""
    _queue(PAGE_SIZE + 1)
    client.force_login(panel)
    first = client.get(URL).content.decode()
    second = client.get(f"{URL}?page=2").content.decode()
    assert 'aria-label="Pages of emails"' in first
    assert 'href="?page=2" rel="next"' in first and "Older emails" in first
    assert "person0@example.org" not in first and "person0@example.org" in second
    assert 'href="?page=1" rel="prev"' in second and "Newer emails" in second
