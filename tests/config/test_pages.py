import pytest
from django.core.management import call_command
from django.db import DatabaseError
from django.test import override_settings

from partnerships.models import Membership, Partnership, User

pytestmark = pytest.mark.django_db


def test_start_page_names_the_service_and_offers_sign_in(client):
    """The start page says what the service is and links to sign-in."""
    html = client.get("/").content.decode()
    assert "<title>Assess anti-racist safeguarding practice</title>" in html
    assert 'href="/accounts/login/"' in html
    assert "It's silent" in html


def test_every_page_has_skip_link_service_name_beta_banner_and_footer(client):
    """The base template carries the GOV.UK page furniture, without the crown or GDS font."""
    html = client.get("/accounts/login/").content.decode()
    assert 'class="govuk-skip-link"' in html
    assert "Assess anti-racist safeguarding practice" in html
    assert "govuk-phase-banner" in html and ">Beta<" in html
    assert "govuk-footer" in html
    assert "govuk-header__logotype" not in html
    assert "GDS Transport" not in html


def test_healthz_checks_the_database(client, monkeypatch):
    """/healthz answers 200 when the database answers and 503 when it does not."""
    assert client.get("/healthz").status_code == 200

    def broken(*args, **kwargs):
        raise DatabaseError("down")

    monkeypatch.setattr("django.db.backends.utils.CursorWrapper.execute", broken)
    assert client.get("/healthz").status_code == 503


def test_404_page_in_service_style(client):
    """Unknown pages get the styled 404."""
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


@override_settings(DEBUG=False)
def test_500_page_renders_without_a_request_context():
    """The 500 template renders on its own, as Django's handler renders it."""
    from django.test import RequestFactory
    from django.views.defaults import server_error

    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in response.content.decode()


def test_seed_demo_is_deterministic_and_creates_personas(settings, capsys):
    """seed_demo creates 12 partnerships, the personas, and can run twice."""
    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_demo")
    assert Partnership.objects.count() == 12
    assert Partnership.objects.values("region").distinct().count() == 9
    assert Partnership.objects.get(slug="northshire").name == (
        "Northshire Safeguarding Children Partnership"
    )
    assert Partnership.objects.filter(slug="eastmere").exists()
    expected = {
        "lead@northshire.example.org": "lead",
        "contributor@northshire.example.org": "contributor",
        "viewer@northshire.example.org": "viewer",
        "lead@eastmere.example.org": "lead",
    }
    for email, role in expected.items():
        assert Membership.objects.get(user__email=email).role == role
    panel = User.objects.get(email="panel@example.org")
    assert panel.is_panel_staff
    assert panel.check_password("demo-safeguarding-2025")
    assert "demo-safeguarding-2025" in capsys.readouterr().out


def test_seed_demo_audits_cover_every_state_and_never_go_stale(settings):
    """The demo has a closed 2025-26 cycle of accepted audits and an open 2026-27 one in
    every state, closing weeks after the day it is seeded; Northshire is a partial draft."""
    from datetime import timedelta

    from django.utils import timezone

    from audits.models import Audit, Cycle
    from audits.selectors import task_list

    settings.DEBUG = True
    call_command("seed_demo")
    today = timezone.localdate()
    closed, current = Cycle.objects.get(name="2025-26"), Cycle.objects.get(name="2026-27")
    assert closed.closes_on < today
    assert current.closes_on >= today + timedelta(weeks=5)
    assert set(closed.audits.values_list("status", flat=True)) == {"accepted"}
    assert closed.audits.filter(responses__moderated_rating__isnull=False).exists()
    states = set(current.audits.values_list("status", flat=True))
    assert states == {"draft", "submitted", "returned", "accepted"}
    assert Audit.objects.filter(cycle=current).count() < Partnership.objects.count()
    northshire = Audit.objects.get(cycle=current, partnership__slug="northshire")
    progress = task_list(northshire)
    assert northshire.status == "draft"
    assert 0 < progress["completed"] < progress["total"]
    # A second run keeps what exists and only moves the closing date on.
    audits_before = Audit.objects.count()
    call_command("seed_demo")
    assert Audit.objects.count() == audits_before


def test_seed_demo_refuses_when_debug_is_off(settings):
    """Demo accounts with a published password are never created on a live setting by accident."""
    from django.core.management.base import CommandError

    settings.DEBUG = False
    with pytest.raises(CommandError, match="only runs with"):
        call_command("seed_demo")
    assert not Partnership.objects.exists()
    call_command("seed_demo", "--force")
    assert Partnership.objects.count() == 12


def test_seed_demo_review_cases_show_the_reports_silences(settings):
    """Each demo partnership gets 5 to 25 children, with answers not recorded, risk recognised
    without action and disclosures dismissed among them, the same on every run."""
    from django.db.models import Count

    from reviews.models import Child, Review

    settings.DEBUG = True
    call_command("seed_demo")
    counts = Child.objects.values("partnership").annotate(n=Count("id"))
    assert len(counts) == 12
    assert all(5 <= row["n"] <= 25 for row in counts)
    assert Child.objects.filter(faith="not_recorded").exists()
    assert Review.objects.filter(risk_recognised__in=["partly", "fully"], action_followed="no")
    assert Review.objects.filter(disclosure_response="dismissed").exists()
    first = sorted(Child.objects.values_list("partnership__slug", "reference", "ethnicity"))
    Review.objects.all().delete()
    Child.objects.all().delete()
    call_command("seed_demo")
    assert sorted(Child.objects.values_list("partnership__slug", "reference", "ethnicity")) == first
