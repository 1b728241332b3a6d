"""config/middleware.py: unreadable input answered early, security headers, and the 503 page."""

import logging

import pytest
from django.db import OperationalError
from django.test import Client

from config import middleware
from partnerships.models import Membership

pytestmark = pytest.mark.django_db

ADD_MEMBER = "/p/northshire/members/add/"
FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def lead_client(lead):
    client = Client(raise_request_exception=False)
    client.force_login(lead)
    return client


@pytest.mark.parametrize(
    ("content_type", "body", "reason"),
    [
        (f"{FORM}; charset=utf-16", "email=a%40b.org&role=lead".encode("utf-16"), "OTHER_CHARSET"),
        (f"{FORM}; charset=foo", b"email=a%40b.org&role=lead", "UNKNOWN_CHARSET"),
        (FORM, b"email=\xff\xfe%40b.org&role=lead", "NOT_UTF8"),
        (f"{FORM}; charset=utf-8", b"email=%ff%fe%40b.org&role=lead", "NOT_UTF8"),
        (
            "multipart/form-data; boundary=x; charset=utf-16",
            b'--x\r\nContent-Disposition: form-data; name="email"\r\n\r\na\r\n--x--\r\n',
            "OTHER_CHARSET",
        ),
    ],
)
def test_unreadable_form_answers_400_and_stores_nothing(lead_client, content_type, body, reason):
    """A form in another or unknown charset, or with bytes that are not UTF-8, answers 400."""
    response = lead_client.generic("POST", ADD_MEMBER, data=body, content_type=content_type)
    html = response.content.decode()
    assert response.status_code == 400
    assert "Sorry, there is a problem with what was sent" in html
    assert getattr(middleware, reason) in html
    assert Membership.objects.count() == 1  # only the lead


def test_utf8_form_with_accents_is_read(lead_client):
    """A UTF-8 form, charset named or not, goes through as usual."""
    response = lead_client.generic(
        "POST",
        ADD_MEMBER,
        data="email=zoë%40example.org&role=viewer".encode(),
        content_type=f"{FORM}; charset=UTF-8",
    )
    assert response.status_code == 200  # the email is invalid: the form is shown again
    assert "Enter an email address in the correct format" in response.content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/p/north%00shire/",
        "/p/northshire/reviews/%00/",
        "/panel/cycles/%00/",
        "/panel/cycles/2025%00/audits/northshire/",
        "/accounts/reset/%00/x/",
    ],
)
def test_nul_in_the_path_answers_404(lead_client, panel, url):
    """A NUL byte anywhere in the path is a page that does not exist, never a 500."""
    panel_client = Client(raise_request_exception=False)
    panel_client.force_login(panel)
    for client in (lead_client, panel_client):
        response = client.get(url)
        assert response.status_code == 404
        assert "Page not found" in response.content.decode()


@pytest.mark.parametrize(
    "query", ["q=%00", "page=1%00", "cycle=%00", "a%00=1", "next=%00", "region=\x00"]
)
def test_nul_in_the_query_string_answers_400(panel, query):
    """A NUL byte in a query string key or value answers 400, never a 500."""
    client = Client(raise_request_exception=False)
    client.force_login(panel)
    for path in ("/panel/compare/", "/panel/reviews/", "/accounts/login/"):
        response = client.get(f"{path}?{query}")
        assert response.status_code == 400
        assert middleware.NUL_IN_QUERY in response.content.decode()


def test_permissions_policy_on_every_response(client, lead_client):
    """Signed in or not, pages and errors carry a Permissions-Policy denying device access."""
    for response in (client.get("/"), client.get("/nowhere/"), lead_client.get("/p/northshire/")):
        policy = response["Permissions-Policy"]
        for feature in ("camera=()", "microphone=()", "geolocation=()"):
            assert feature in policy


def test_pages_for_signed_in_people_are_not_stored(lead_client):
    """Every response to a signed-in person carries Cache-Control: no-store, private."""
    for url in ("/p/northshire/", "/p/northshire/members/", "/p/northshire/reviews/", "/nowhere/"):
        assert lead_client.get(url)["Cache-Control"] == middleware.NO_STORE


def test_downloads_are_not_stored(lead_client):
    """A record-level download is never stored by a browser or proxy."""
    response = lead_client.get("/p/northshire/reviews/export.csv")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]


def test_error_pages_for_signed_out_visitors_are_not_stored(client):
    """A 404 or 400 page is not kept by a cache either, whoever asked for it."""
    assert client.get("/no-such-page/")["Cache-Control"] == middleware.NO_STORE
    assert client.get("/?q=a%00b")["Cache-Control"] == middleware.NO_STORE


def test_anonymous_start_page_may_be_cached(client):
    """The public start page keeps no Cache-Control of its own: nothing personal is on it."""
    assert "Cache-Control" not in client.get("/")


def test_views_own_cache_control_is_kept(client):
    """A view that sets its own Cache-Control (sign-in does) keeps it."""
    response = client.get("/accounts/login/")
    assert "max-age=0" in response["Cache-Control"]


def _database_times_out(monkeypatch):
    def timeout(*args, **kwargs):
        raise OperationalError("canceling statement due to lock timeout")

    monkeypatch.setattr("partnerships.views.PartnershipHomeView.get_context_data", timeout)


def test_database_timeout_in_a_view_answers_503_page(lead_client, monkeypatch, caplog):
    """A database timeout during a page answers the busy page, logged once in one line."""
    _database_times_out(monkeypatch)
    with caplog.at_level(logging.INFO):
        response = lead_client.get("/p/northshire/")
    assert response.status_code == 503
    assert "Sorry, the service is busy" in response.content.decode()
    assert response["Retry-After"]
    assert response["Cache-Control"] == middleware.NO_STORE
    records = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(records) == 1
    assert records[0].exc_info is None
    assert "lock timeout" in records[0].getMessage()


def test_busy_page_needs_no_database(rf, django_assert_num_queries):
    """The 503 page renders without a single query, so it works when the database does not."""
    with django_assert_num_queries(0):
        response = middleware.database_unavailable(rf.get("/"), OperationalError("down"))
    assert response.status_code == 503
    html = response.content.decode()
    assert (
        "<title>Sorry, the service is busy - Assess anti-racist safeguarding practice</title>"
        in html
    )


def test_database_failure_outside_a_view_answers_503(lead, monkeypatch, settings, caplog):
    """A database failure in middleware, before any view runs, still answers the busy page,
    logged once in one line."""
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    client.force_login(lead)

    def down(self, request):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(
        "django.contrib.auth.middleware.AuthenticationMiddleware.process_request", down
    )
    with caplog.at_level(logging.INFO):
        response = client.get("/p/northshire/")
    assert response.status_code == 503
    assert "Sorry, the service is busy" in response.content.decode()
    (record,) = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert record.exc_info is None
    assert "could not connect to server" in record.getMessage()


def test_other_server_errors_still_answer_500(lead, monkeypatch):
    """Anything else that goes wrong is the 500 page, with the service name in its title."""
    client = Client(raise_request_exception=False)
    client.force_login(lead)

    def broken(*args, **kwargs):
        raise ValueError("a bug")

    monkeypatch.setattr("partnerships.views.PartnershipHomeView.get_context_data", broken)
    response = client.get("/p/northshire/")
    assert response.status_code == 500
    assert (
        "<title>Sorry, there is a problem with the service - Assess anti-racist safeguarding"
        in response.content.decode()
    )


def test_form_too_large_answers_the_service_400_page(lead_client, settings):
    """A body over Django's size limit answers the service's own 400 page, not a bare one."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    response = lead_client.generic(
        "POST", ADD_MEMBER, data=b"email=" + b"a" * 200 + b"&role=lead", content_type=FORM
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "<title>Sorry, there is a problem with what was sent - Assess anti-racist" in html
