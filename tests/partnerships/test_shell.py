"""The shell of every page: the header's service navigation, the partnership home's current
audit, page titles, one form per form, and the footer's accessibility, privacy and cookies
pages."""

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.utils import timezone
from django.utils.dateformat import format as date_format

from audits.models import Audit
from partnerships.models import Membership
from partnerships.services import LAST_LEAD
from tests.audits.factories import CycleFactory, start_audit
from tests.partnerships.factories import MembershipFactory, UserFactory

PASSWORD = "a-long-test-password"


# Helpers -------------------------------------------------------------------------------


class _Shell(HTMLParser):
    """Collects the service navigation's links, the page title and every form's nesting and
    CSRF tokens."""

    def __init__(self):
        super().__init__()
        self.nav_links: list[tuple[str, str, str | None]] = []  # (text, href, aria-current)
        self.title = ""
        self.forms: list[dict] = []  # {"depth": nesting depth, "tokens": csrf token count}
        self._open_forms: list[dict] = []
        self._in_nav = False
        self._link = None
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "ul" and attrs.get("id") == "navigation":
            self._in_nav = True
        elif tag == "a" and self._in_nav:
            self._link = ["", attrs.get("href"), attrs.get("aria-current")]
        elif tag == "title":
            self._in_title = True
        elif tag == "form":
            form = {"depth": len(self._open_forms), "tokens": 0}
            self.forms.append(form)
            self._open_forms.append(form)
        elif tag == "input" and attrs.get("name") == "csrfmiddlewaretoken":
            for form in self._open_forms:
                form["tokens"] += 1

    def handle_endtag(self, tag):
        if tag == "ul" and self._in_nav:
            self._in_nav = False
        elif tag == "a" and self._link is not None:
            self.nav_links.append((" ".join(self._link[0].split()), self._link[1], self._link[2]))
            self._link = None
        elif tag == "title":
            self._in_title = False
        elif tag == "form" and self._open_forms:
            self._open_forms.pop()

    def handle_data(self, data):
        if self._link is not None:
            self._link[0] += data
        if self._in_title:
            self.title += data


def shell(response) -> _Shell:
    assert response.status_code == 200, response.status_code
    parser = _Shell()
    parser.feed(response.content.decode())
    return parser


def nav(client, path):
    return shell(client.get(path)).nav_links


def title(client, path) -> str:
    return " ".join(shell(client.get(path)).title.split())


# The header ----------------------------------------------------------------------------


def test_a_lead_gets_their_partnerships_pages_in_the_header(client, lead):
    """A lead's header links Home (current page), the current cycle's audit, Reviews,
    Dashboard and Members."""
    CycleFactory(name="2026-27")
    client.force_login(lead)
    assert nav(client, "/p/northshire/") == [
        ("Home", "/p/northshire/", "page"),
        ("Audit", "/p/northshire/audits/2026-27/", None),
        ("Reviews", "/p/northshire/reviews/", None),
        ("Dashboard", "/p/northshire/dashboard/", None),
        ("Members", "/p/northshire/members/", None),
    ]


def test_a_viewer_gets_no_members_link_and_pages_within_a_section_are_marked(client, viewer):
    """A viewer has no Members link; an audit page marks Audit as its section, and the
    dashboard marks Dashboard as the page."""
    CycleFactory(name="2026-27")
    client.force_login(viewer)
    links = nav(client, "/p/northshire/audits/")
    assert [text for text, _, _ in links] == ["Home", "Audit", "Reviews", "Dashboard"]
    assert links[1] == ("Audit", "/p/northshire/audits/2026-27/", "true")
    assert nav(client, "/p/northshire/dashboard/")[3][2] == "page"


def test_the_audit_link_is_the_newest_opened_cycle_or_the_audit_list(client, lead):
    """Audit goes to the newest cycle opened by today; a cycle still to open does not count;
    with no cycle open yet it goes to the list of audits."""
    today = timezone.localdate()
    client.force_login(lead)
    CycleFactory(
        name="2027-28", opens_on=today + timedelta(days=5), closes_on=today + timedelta(days=60)
    )
    assert nav(client, "/p/northshire/")[1][1] == "/p/northshire/audits/"
    CycleFactory(
        name="2025-26", opens_on=today - timedelta(days=400), closes_on=today - timedelta(days=300)
    )
    CycleFactory(name="2026-27")
    assert nav(client, "/p/northshire/")[1][1] == "/p/northshire/audits/2026-27/"


def test_panel_staff_get_the_panels_pages_in_the_header(client, panel):
    """Panel staff's header links the Panel home, cycles, compare, review statistics and
    analysis, marking the page they are on."""
    client.force_login(panel)
    assert nav(client, "/panel/compare/") == [
        ("Panel home", "/panel/", None),
        ("Cycles", "/panel/cycles/", None),
        ("Compare", "/panel/compare/", "page"),
        ("Review statistics", "/panel/reviews/", None),
        ("Analysis", "/panel/analysis/", None),
    ]
    assert nav(client, "/panel/")[0] == ("Panel home", "/panel/", "page")


def test_someone_in_two_partnerships_gets_the_links_of_the_page_they_are_on(
    client, northshire, eastmere
):
    """Someone in two partnerships gets the links of the partnership whose page they are on,
    naming it for screen readers; elsewhere one link to each partnership."""
    person = UserFactory(email="both@example.org")
    MembershipFactory(user=person, partnership=northshire, role=Membership.Role.VIEWER)
    MembershipFactory(user=person, partnership=eastmere, role=Membership.Role.LEAD)
    client.force_login(person)
    links = nav(client, "/p/eastmere/")
    assert links[0] == (
        "Home of Eastmere Safeguarding Children Partnership",
        "/p/eastmere/",
        "page",
    )
    assert [href for _, href, _ in links][-1] == "/p/eastmere/members/"
    assert all(href.startswith("/p/eastmere/") for _, href, _ in links)
    assert [href for _, href, _ in nav(client, "/accessibility/")] == [
        "/p/eastmere/",
        "/p/northshire/",
    ]
    html = client.get("/p/eastmere/").content.decode()
    assert 'data-testid="other-partnerships"' in html and 'href="/p/northshire/"' in html


def test_someone_in_one_partnership_gets_its_links_on_every_page(client, contributor):
    """With one partnership, its links show on pages outside it too."""
    client.force_login(contributor)
    assert [text for text, _, _ in nav(client, "/privacy/")] == [
        "Home",
        "Audit",
        "Reviews",
        "Dashboard",
    ]


def test_signed_out_there_are_no_navigation_links(client, db):
    """Signed out, the header has the service name and no navigation."""
    assert nav(client, "/") == []


# The partnership home ------------------------------------------------------------------


def home(client):
    response = client.get("/p/northshire/")
    assert response.status_code == 200
    return response.content.decode()


def next_step(html) -> str:
    match = re.search(r'data-testid="next-step">(.*?)</(div|p)>', html, re.S)
    return " ".join(re.sub(r"<[^>]+>", "", match.group(1)).split())


def test_the_home_shows_the_current_audits_status_closing_date_and_next_step(client, lead):
    """Not started, then a draft: the home shows the status tag, "Closes on <date>" and what
    to do next."""
    cycle = CycleFactory(name="2026-27")
    client.force_login(lead)
    html = home(client)
    assert 'id="home-audit-status">Not started</strong>' in html
    assert f"Closes on {date_format(cycle.closes_on, 'j F Y')}" in html
    assert next_step(html).startswith("Start the 2026-27 audit")
    start_audit(partnership=lead.memberships.get().partnership, by=lead, cycle=cycle)
    html = home(client)
    assert 'id="home-audit-status">Draft</strong>' in html
    assert next_step(html).startswith("Continue the 2026-27 audit")
    assert "check your answers and submit it" in next_step(html)


@pytest.mark.parametrize(
    "status, words",
    [
        ("submitted", "Submitted to the Panel. Nothing to do until the Panel accepts it"),
        ("returned", "The Panel returned the audit. Read their reason"),
        ("accepted", "The Panel accepted the audit. Read the 2026-27 report"),
    ],
)
def test_the_home_says_what_to_do_in_each_status(client, lead, northshire, status, words):
    """Submitted, returned and accepted audits each say what happens next."""
    cycle = CycleFactory(name="2026-27")
    audit = start_audit(partnership=northshire, by=lead, cycle=cycle)
    Audit.objects.filter(pk=audit.pk).update(status=status)
    client.force_login(lead)
    html = home(client)
    assert f'id="home-audit-status">{status.capitalize()}</strong>' in html
    assert next_step(html).startswith(words)


def test_the_home_after_closing_and_before_any_cycle(client, viewer):
    """A closed cycle says "Closed on"; with no cycle the home says none is open yet; a
    viewer is not asked to start an audit."""
    client.force_login(viewer)
    assert next_step(home(client)) == "The Panel has not opened an audit cycle yet."
    today = timezone.localdate()
    cycle = CycleFactory(opens_on=today - timedelta(days=60), closes_on=today - timedelta(days=1))
    html = home(client)
    assert f"Closed on {date_format(cycle.closes_on, 'j F Y')}" in html
    assert "closed before this partnership started an audit" in next_step(html)
    cycle.closes_on = today + timedelta(days=5)
    cycle.save()
    assert next_step(home(client)) == "Not started yet. A contributor or lead can start it."


def test_partnership_home_query_count_is_pinned(
    client, lead, contributor, viewer, django_assert_num_queries
):
    """The partnership home runs 6 queries whatever the member count: session, user, the
    person's memberships (which decide the partnership, the role and the header's links, with
    the current cycle's name: access.memberships_of; 3 queries before), members, the
    current cycle with this partnership's audit status, and the actions due (5 before)."""
    CycleFactory(name="2026-27")
    client.force_login(lead)
    client.get("/p/northshire/")  # the first request after signing in also updates the session
    with django_assert_num_queries(6):
        client.get("/p/northshire/")
    for _ in range(10):
        MembershipFactory(partnership=lead.memberships.get().partnership)
    with django_assert_num_queries(6):
        client.get("/p/northshire/")


# Titles, forms and the error summary ---------------------------------------------------


def test_change_role_and_remove_titles_name_the_member(client, lead, contributor):
    """Each member's change-role and remove pages have a title of their own."""
    client.force_login(lead)
    membership = contributor.memberships.get()
    base = f"/p/northshire/members/{membership.pk}"
    assert title(client, f"{base}/role/").startswith(
        "Change role of contributor@northshire.example.org - Northshire"
    )
    assert title(client, f"{base}/remove/").startswith(
        "Remove contributor@northshire.example.org - Northshire"
    )


@pytest.mark.parametrize(
    "path",
    ["/p/northshire/", "/p/northshire/members/", "/p/northshire/members/add/"],
)
def test_every_partnership_page_title_names_the_partnership(client, lead, path):
    """The partnership pages' titles name the partnership."""
    client.force_login(lead)
    assert "Northshire Safeguarding Children Partnership" in title(client, path)


def test_no_form_is_nested_and_each_has_one_csrf_token(client, lead, contributor):
    """Sign-in, password reset and every member page have no form inside a form, and each
    form has exactly one CSRF token."""
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    uid = urlsafe_base64_encode(force_bytes(contributor.pk))
    token = default_token_generator.make_token(contributor)
    signed_out = ["/accounts/login/", "/accounts/password-reset/"]
    for path in signed_out:
        forms = shell(client.get(path)).forms
        assert len(forms) == 1 and forms[0] == {"depth": 0, "tokens": 1}, path
    confirm = client.get(f"/accounts/reset/{uid}/{token}/", follow=True)
    forms = shell(confirm).forms
    assert len(forms) == 1 and forms[0] == {"depth": 0, "tokens": 1}
    client.force_login(lead)
    membership = contributor.memberships.get()
    for path in [
        "/p/northshire/members/add/",
        f"/p/northshire/members/{membership.pk}/role/",
        f"/p/northshire/members/{membership.pk}/remove/",
    ]:
        forms = shell(client.get(path)).forms
        # The page's form and the header's sign-out form, side by side.
        assert forms == [{"depth": 0, "tokens": 1}, {"depth": 0, "tokens": 1}], path


def test_a_refused_removal_shows_the_one_error_summary(client, lead):
    """Removing the last lead shows the shared error summary, linked to the button, and the
    title says Error."""
    client.force_login(lead)
    membership = lead.memberships.get()
    response = client.post(f"/p/northshire/members/{membership.pk}/remove/")
    html = response.content.decode()
    assert response.status_code == 200
    assert f'<a href="#remove-button">{LAST_LEAD}</a>' in html
    assert html.count("govuk-error-summary__title") == 1
    assert " ".join(shell(response).title.split()).startswith("Error: Remove lead@")


def test_members_are_summary_cards_not_a_table(client, lead, contributor):
    """The members page shows a summary card per member, and its history table scrolls in a
    labelled, focusable region."""
    client.force_login(lead)
    html = client.get("/p/northshire/members/").content.decode()
    assert 'data-testid="members"' in html and "govuk-summary-card__actions" in html
    assert 'role="region" aria-labelledby="member-changes-caption" tabindex="0"' in html


# The footer's pages --------------------------------------------------------------------


@pytest.mark.parametrize(
    "path, heading",
    [
        ("/accessibility/", "Accessibility statement"),
        ("/privacy/", "Privacy notice"),
        ("/cookies/", "Cookies"),
    ],
)
def test_the_footer_pages_are_readable_without_signing_in(client, db, path, heading):
    """Each footer page answers 200 signed out, with its heading and title, and every page's
    footer links to all three."""
    response = client.get(path)
    html = response.content.decode()
    assert response.status_code == 200
    assert f'<h1 class="govuk-heading-l">{heading}</h1>' in html
    assert shell(response).title.startswith(heading)
    for link in ("/accessibility/", "/privacy/", "/cookies/"):
        assert f'class="govuk-footer__link" href="{link}"' in html


def test_the_privacy_notice_says_the_retention_period_from_settings(client, db, settings):
    """The privacy notice's retention periods and contact come from settings, and it says
    what the nightly housekeeping deletes and that records themselves are kept."""
    settings.RETENTION_YEARS = 9
    settings.AXES_RECORDS_KEEP_DAYS = 60
    settings.CONTACT_EMAIL = "privacy@panel.example.org"
    html = client.get("/privacy/").content.decode()
    assert "The history of changes and the record of restricted views are kept for 9 years" in html
    assert "Nothing deletes review records or audits automatically" in html
    assert "more than 60 days old" in html
    assert 'href="mailto:privacy@panel.example.org"' in html
    for words in ("Article 9(2)(g)", "public task", "ethnicity", "never see another"):
        assert words.lower() in html.lower(), words


def test_the_cookies_page_names_the_cookies_the_service_sets(client, lead, settings):
    """The cookies page names the session, CSRF and messages cookies with their lifetimes,
    and signing in and adding a member set no other cookie."""
    html = client.get("/cookies/").content.decode()
    assert f">{settings.SESSION_COOKIE_NAME}</th>" in html
    assert f">{settings.CSRF_COOKIE_NAME}</th>" in html
    assert ">messages</th>" in html
    assert f"{settings.SESSION_COOKIE_AGE // 3600} hours" in html
    assert "After 52 weeks" in html
    client.get("/accounts/login/")
    client.post("/accounts/login/", {"username": lead.email, "password": PASSWORD})
    client.post("/p/northshire/members/add/", {"email": "new@example.org", "role": "viewer"})
    assert set(client.cookies) <= {
        settings.SESSION_COOKIE_NAME,
        settings.CSRF_COOKIE_NAME,
        "messages",
    }
