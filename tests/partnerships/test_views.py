import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from partnerships.models import Membership

pytestmark = pytest.mark.django_db

PARTNERSHIP_PAGES = [
    ("partnerships:home", {}),
    ("partnerships:members", {}),
    ("partnerships:member_add", {}),
]


@pytest.mark.parametrize(("name", "extra"), PARTNERSHIP_PAGES)
def test_anonymous_is_sent_to_sign_in(client, northshire, name, extra):
    """Partnership pages ask anonymous visitors to sign in first."""
    url = reverse(name, kwargs={"slug": "northshire", **extra})
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


@pytest.mark.parametrize(("name", "extra"), PARTNERSHIP_PAGES)
def test_other_partnership_is_404(client, other_lead, northshire, name, extra):
    """A lead of Eastmere gets 404 for every Northshire page, as if it did not exist."""
    client.force_login(other_lead)
    response = client.get(reverse(name, kwargs={"slug": "northshire", **extra}))
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_member_pages_of_other_partnership_are_404(client, other_lead, lead, northshire):
    """Another partnership's member records answer 404 too."""
    membership = Membership.objects.get(user=lead)
    client.force_login(other_lead)
    for name in ("partnerships:member_role", "partnerships:member_remove"):
        url = reverse(name, kwargs={"slug": "northshire", "pk": membership.pk})
        assert client.get(url).status_code == 404


def test_membership_of_other_partnership_via_own_slug_is_404(client, lead, other_lead):
    """A lead cannot reach another partnership's membership through their own URL."""
    theirs = Membership.objects.get(user=other_lead)
    client.force_login(lead)
    url = reverse("partnerships:member_role", kwargs={"slug": "northshire", "pk": theirs.pk})
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    ("persona", "shown"),
    [
        ("lead", "Lead"),
        ("contributor", "Contributor"),
        ("viewer", "Viewer"),
        ("panel", "Panel staff (read only)"),
    ],
)
def test_partnership_home_shows_name_region_members_and_role(
    client, request, lead, contributor, viewer, panel, persona, shown
):
    """Every member, and Panel staff, see the home page with their role."""
    client.force_login(request.getfixturevalue(persona))
    response = client.get("/p/northshire/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Northshire Safeguarding Children Partnership" in html
    assert "North East" in html
    assert f'data-testid="your-role">{shown}<' in html
    assert "contributor@northshire.example.org" in html


@pytest.mark.parametrize("persona", ["lead", "contributor", "viewer"])
def test_members_see_the_link_to_their_review_records(client, request, persona):
    """Every member's home page links to the partnership's review records."""
    client.force_login(request.getfixturevalue(persona))
    html = client.get("/p/northshire/").content.decode()
    assert 'href="/p/northshire/reviews/">Rapid reviews and LCSPRs</a>' in html
    assert "/panel/analysis/" not in html


def test_panel_staff_see_the_restricted_analysis_in_place_of_review_records(
    client, panel, northshire
):
    """Panel staff, who get 404 on review pages, are never shown a link to them: the home
    page offers the restricted analysis of this partnership instead, and that link works."""
    client.force_login(panel)
    html = client.get("/p/northshire/").content.decode()
    assert "/p/northshire/reviews/" not in html
    link = "/panel/analysis/?area=partnership&amp;partnership=northshire"
    assert f'href="{link}">Analyse this partnership' in html
    analysis = client.get(link.replace("&amp;", "&")).content.decode()
    assert "Showing:</strong> Northshire Safeguarding Children Partnership;" in analysis


@pytest.mark.parametrize("persona", ["contributor", "viewer", "panel"])
def test_only_leads_manage_members(client, request, lead, persona):
    """Contributors, viewers and Panel staff get 403 on member management."""
    client.force_login(request.getfixturevalue(persona))
    assert client.get("/p/northshire/members/").status_code == 403
    response = client.post("/p/northshire/members/add/", {"email": "x@example.org", "role": "lead"})
    assert response.status_code == 403
    assert not Membership.objects.filter(user__email="x@example.org").exists()


def test_lead_adds_a_new_member_who_gets_a_set_password_link(
    client, lead, northshire, django_capture_on_commit_callbacks
):
    """A lead adds someone new by email; they are emailed a link to choose a password."""
    client.force_login(lead)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/p/northshire/members/add/",
            {"email": "New.Person@Example.org", "role": "contributor"},
        )
    assert response.status_code == 302
    membership = Membership.objects.get(user__email="new.person@example.org")
    assert membership.role == "contributor"
    assert not membership.user.has_usable_password()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new.person@example.org"]
    assert "/accounts/reset/" in mail.outbox[0].body
    # The link works: it leads to the choose-a-password page.
    link = next(line for line in mail.outbox[0].body.splitlines() if "/accounts/reset/" in line)
    client.logout()
    page = client.get(link.replace("http://testserver", ""), follow=True)
    assert "Choose a password" in page.content.decode()


def test_add_member_shows_errors_and_keeps_input(client, lead):
    """Bad input is reported in an error summary and what was typed is kept."""
    client.force_login(lead)
    response = client.post("/p/northshire/members/add/", {"email": "not-an-email", "role": ""})
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html
    assert "Enter an email address in the correct format" in html
    assert "Select a role" in html
    assert 'value="not-an-email"' in html


def test_add_existing_member_is_refused(client, lead, viewer):
    """Adding someone already in the partnership says so and changes nothing."""
    client.force_login(lead)
    response = client.post("/p/northshire/members/add/", {"email": viewer.email, "role": "lead"})
    assert "is already a member of this partnership" in response.content.decode()
    assert Membership.objects.get(user=viewer).role == "viewer"


def test_lead_changes_role_and_removes_member_with_history(client, lead, viewer):
    """Role changes and removals are recorded with who made them."""
    membership = Membership.objects.get(user=viewer)
    client.force_login(lead)
    client.post(f"/p/northshire/members/{membership.pk}/role/", {"role": "contributor"})
    assert Membership.objects.get(pk=membership.pk).role == "contributor"
    client.post(f"/p/northshire/members/{membership.pk}/remove/")
    assert not Membership.objects.filter(pk=membership.pk).exists()
    history = Membership.history.filter(id=membership.pk).order_by("history_date")
    assert [h.history_type for h in history][-2:] == ["~", "-"]
    assert all(h.history_user == lead for h in history[1:])
    page = client.get("/p/northshire/members/").content.decode()
    assert "Role changed" in page and "Removed" in page


def test_last_lead_cannot_demote_or_remove_themselves(client, lead):
    """A partnership always keeps a lead."""
    membership = Membership.objects.get(user=lead)
    client.force_login(lead)
    response = client.post(f"/p/northshire/members/{membership.pk}/role/", {"role": "viewer"})
    assert "must keep at least one lead" in response.content.decode()
    response = client.post(f"/p/northshire/members/{membership.pk}/remove/")
    assert "must keep at least one lead" in response.content.decode()
    assert Membership.objects.get(pk=membership.pk).role == "lead"


def test_panel_home_lists_partnerships_by_region_with_member_counts(
    client, panel, lead, viewer, other_lead
):
    """Panel staff see every partnership grouped by region with its member count."""
    client.force_login(panel)
    response = client.get("/panel/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Northshire Safeguarding Children Partnership" in html
    assert "Eastmere Safeguarding Children Partnership" in html
    assert response.context["partnerships"].get(slug="northshire").member_count == 2


@pytest.mark.parametrize("persona", ["lead", "contributor", "viewer"])
def test_members_never_reach_panel(client, request, persona):
    """Partnership members are refused the Panel pages."""
    client.force_login(request.getfixturevalue(persona))
    assert client.get("/panel/").status_code == 403


def test_after_sign_in_members_land_on_their_partnership_and_panel_on_panel(
    client, lead, panel, outsider
):
    """The post-sign-in redirect depends on who you are."""
    client.force_login(lead)
    assert client.get("/home/")["Location"] == "/p/northshire/"
    client.force_login(panel)
    assert client.get("/home/")["Location"] == "/panel/"
    client.force_login(outsider)
    assert client.get("/home/")["Location"] == "/no-partnership/"


def test_navigation_depends_on_role(client, lead, viewer, panel):
    """Leads see Members in the navigation; viewers do not; Panel staff see Panel home."""
    client.force_login(lead)
    assert 'href="/p/northshire/members/"' in client.get("/p/northshire/").content.decode()
    client.force_login(viewer)
    html = client.get("/p/northshire/").content.decode()
    assert 'href="/p/northshire/members/"' not in html and "Panel home" not in html
    client.force_login(panel)
    assert "Panel home" in client.get("/panel/").content.decode()


def test_partnership_home_query_count_is_fixed(
    client, lead, contributor, viewer, django_assert_max_num_queries
):
    """The partnership home runs a fixed number of queries whatever the member count (9
    since it lists the actions due, on the first request after signing in)."""
    client.force_login(lead)
    with django_assert_max_num_queries(9):
        client.get("/p/northshire/")


def test_lead_cannot_add_panel_staff_and_sees_why_on_the_email_field(client, lead, panel):
    """Adding Panel staff shows the rule in the error summary, linked to the email field."""
    from partnerships.models import PANEL_STAFF_CANNOT_JOIN

    client.force_login(lead)
    response = client.post(
        "/p/northshire/members/add/", {"email": "panel@example.org", "role": "contributor"}
    )
    html = response.content.decode()
    message = PANEL_STAFF_CANNOT_JOIN.format(email="panel@example.org")
    assert response.status_code == 200
    assert f'<a href="#id_email">{message}</a>' in html
    assert 'value="panel@example.org"' in html
    assert not Membership.objects.filter(user=panel).exists()


def test_panel_staff_with_a_membership_row_still_cannot_edit(client, northshire, panel):
    """Even with a (stale) lead membership, Panel staff are refused member management."""
    Membership.objects.create(user=panel, partnership=northshire, role=Membership.Role.LEAD)
    client.force_login(panel)
    assert client.get("/p/northshire/members/").status_code == 403
    html = client.get("/p/northshire/").content.decode()
    assert 'data-testid="your-role">Panel staff (read only)<' in html
    assert 'href="/p/northshire/members/"' not in html  # not in the navigation either


def test_panel_home_lists_an_inactive_partnership_without_a_link(client, panel, northshire):
    """The Panel still sees a turned-off partnership, marked inactive and not linked."""
    northshire.active = False
    northshire.save()
    client.force_login(panel)
    html = client.get("/panel/").content.decode()
    assert "Northshire Safeguarding Children Partnership" in html
    assert "Inactive" in html
    assert 'href="/p/northshire/"' not in html


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        ("ProgrammingError", "HEALTHZ_TABLE_UNREADABLE"),
        ("OperationalError", "HEALTHZ_UNAVAILABLE"),
        ("InterfaceError", "HEALTHZ_UNAVAILABLE"),
    ],
)
def test_healthz_says_plainly_why_the_database_is_unhealthy(client, monkeypatch, error, reason):
    """/healthz answers 503 with one plain line naming what is wrong, never a 500."""
    from django import db

    from partnerships import views

    def fail(*args, **kwargs):
        raise getattr(db, error)("relation does not exist or server closed the connection")

    monkeypatch.setattr(views.Partnership.objects, "exists", fail, raising=False)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.content.decode() == getattr(views, reason) + "\n"
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]


def test_healthz_reads_a_core_table(client):
    """/healthz checks the partnerships table can be read, not just that SQL answers."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/healthz")
    assert response.content == b"ok\n"
    assert any("partnerships_partnership" in query["sql"] for query in queries)


def test_home_shows_overdue_and_due_soon_actions_plainly(client, northshire, lead):
    """The home counts the overdue actions and those due this month or next, each linked with
    its due month and owner; done actions and later ones are not listed."""
    from audits.models import ActionRecord
    from partnerships.months import first_of_month, month_after
    from tests.audits.factories import many_actions, start_audit

    this_month = first_of_month(timezone.localdate())
    audit = start_audit(partnership=northshire, by=lead)
    late = many_actions(audit, 2, due_month=month_after(this_month, -2))
    soon = many_actions(audit, 1, due_month=month_after(this_month, 1))
    many_actions(audit, 1, due_month=month_after(this_month, 2))
    ActionRecord.objects.filter(pk=late[1].pk).update(status="done")
    client.force_login(lead)
    html = client.get("/p/northshire/").content.decode()
    assert "1 action is overdue" in html
    assert "1 action is due this month or next" in html
    assert f'href="/p/northshire/actions/{late[0].pk}/"' in html
    assert f'href="/p/northshire/actions/{soon[0].pk}/"' in html
    assert f'href="/p/northshire/actions/{late[1].pk}/"' not in html
    assert "See the whole action plan" in html


def test_home_says_when_nothing_is_due(client, lead):
    """With no open action due by the end of next month, the home says so."""
    client.force_login(lead)
    html = client.get("/p/northshire/").content.decode()
    assert "No action is overdue or due this month or next." in html
