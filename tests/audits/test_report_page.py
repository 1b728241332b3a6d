"""The report's and the Panel audit page's scores say "Not moderated yet" rather than 0%,
their wide tables scroll in a labelled region, and the Panel audit page is one form with
one CSRF token and the one error summary."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from audits import services
from audits.models import Cycle, FrameworkVersion, Response, Theme

pytestmark = pytest.mark.django_db

CYCLE = "2026-27"
REPORT = f"/p/northshire/audits/{CYCLE}/report/"
PANEL_AUDIT = f"/panel/cycles/{CYCLE}/audits/northshire/"


@pytest.fixture
def submitted(northshire, lead):
    today = timezone.localdate()
    cycle = Cycle.objects.create(
        name=CYCLE,
        version=FrameworkVersion.objects.get(number=1),
        opens_on=today - timedelta(days=30),
        closes_on=today + timedelta(days=30),
    )
    audit = services.audit_start(partnership=northshire, cycle=cycle, by=lead)
    for theme in Theme.objects.filter(version=cycle.version):
        responses = list(Response.objects.filter(audit=audit, item__theme=theme))
        services.theme_save(
            audit=audit,
            theme=theme,
            answers={
                r.item_id: services.ItemAnswer(rating=2, evidence="Minutes", actions=[])
                for r in responses
            },
            seen_revisions={r.item_id: r.revision for r in responses},
            by=lead,
        )
    audit.refresh_from_db()
    return services.audit_submit(audit=audit, by=lead)


def scores(html) -> str:
    start = html.index('<div class="app-table-wrapper" role="region" aria-labelledby="scores')
    return html[start : html.index("</table>", start)]


@pytest.mark.parametrize("persona", ["viewer", "panel"])
def test_nothing_moderated_says_not_moderated_yet(request, client, submitted, persona):
    """Before the Panel moderates anything the scores say "Not moderated yet" and show no
    moderated columns, rather than "0% (0 of 5)"."""
    client.force_login(request.getfixturevalue(persona))
    html = client.get(PANEL_AUDIT if persona == "panel" else REPORT).content.decode()
    assert "Moderated:" not in scores(html)
    assert 'data-testid="overall-moderated-mean"' not in html
    assert re.search(r'data-testid="not-moderated">.*Not moderated yet', html)


def test_a_theme_not_moderated_says_so_beside_moderated_ones(client, submitted, panel, viewer):
    """Once one item is moderated, themes with nothing moderated say "Not moderated yet"."""
    first = Response.objects.get(audit=submitted, item__ref="1.1")
    services.moderation_save(
        audit=submitted,
        moderations={first.pk: services.Moderation(3, "", revision=first.moderation_revision)},
        by=panel,
    )
    client.force_login(viewer)
    table = scores(client.get(REPORT).content.decode())
    assert "Moderated: rated 2 or 3" in table
    assert "20% (1 of 5)" in table
    assert table.count("Not moderated yet") == 6
    assert "0% (0 of" not in table


@pytest.mark.parametrize(
    ("persona", "url", "caption"),
    [
        ("viewer", REPORT, "scores-caption"),
        ("panel", PANEL_AUDIT, "scores-caption"),
        ("panel", "/panel/cycles/", "cycles-caption"),
    ],
)
def test_wide_tables_scroll_in_a_labelled_focusable_region(
    request, client, submitted, persona, url, caption
):
    """Each wide table sits in a region named by its caption that the keyboard can reach."""
    client.force_login(request.getfixturevalue(persona))
    html = client.get(url).content.decode()
    assert (
        f'<div class="app-table-wrapper" role="region" aria-labelledby="{caption}" tabindex="0">'
    ) in html
    assert f'id="{caption}"' in html


def test_panel_audit_page_is_one_form_with_one_token(client, submitted, panel):
    """The Panel audit page's moderation, accept and return controls are one <form> with one
    CSRF token, and each note has a GOV.UK character count."""
    client.force_login(panel)
    html = client.get(PANEL_AUDIT).content.decode()
    main = html[html.index('id="main-content"') :]
    assert main.count("<form") == 1
    assert main.count('name="csrfmiddlewaretoken"') == 1
    assert main.count('data-module="govuk-character-count"') == 34
    assert 'data-maxlength="5000"' in main


def test_panel_audit_errors_use_the_one_error_summary(client, submitted, panel):
    """Returning without a reason shows one GOV.UK error summary linking to the reason."""
    client.force_login(panel)
    response = client.post(PANEL_AUDIT, {"return": "Return audit", "reason": " "})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('class="govuk-error-summary"') == 1
    assert '<a href="#id_reason">Enter the reason for returning the audit</a>' in html
    assert "<title>Error: " in html


def test_report_title_names_the_partnership(client, submitted, panel):
    """The report's title names the partnership and the cycle."""
    client.force_login(panel)
    html = client.get(REPORT).content.decode()
    assert (
        "<title>Audit report - Northshire Safeguarding Children Partnership - 2026-27 audit - "
    ) in html
