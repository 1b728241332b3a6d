"""The practitioner survey's figures beside the related items on the audit's theme page and
report: shown from 10 responses, never a number under 10."""

import pytest

from tests.audits.factories import start_audit

from .factories import open_survey, respond

pytestmark = pytest.mark.django_db


def _pages(client, survey):
    base = f"/p/{survey.partnership.slug}/audits/{survey.cycle.name}/"
    return {
        "theme": client.get(base + "themes/2/").content.decode(),
        "report": client.get(base + "report/").content.decode(),
    }


@pytest.mark.parametrize(("responses", "shown"), [(9, False), (10, True)])
def test_figures_beside_item_2_1_from_10_responses(client, northshire, lead, responses, shown):
    """With 9 responses the theme page and the report say "fewer than 10 responses" beside
    2.1 and show no figure; with 10 they show the share agreeing and the count."""
    survey = open_survey(partnership=northshire, lead=lead)
    start_audit(partnership=northshire, by=lead, cycle=survey.cycle)
    respond(survey, times=responses)
    client.force_login(lead)
    for name, html in _pages(client, survey).items():
        start = html.index('data-testid="survey-2.1"')
        block = html[start : html.index("</div>", start)]
        if shown:
            assert "100% agree (10 responses)" in block, name
        else:
            assert "fewer than 10 responses" in block, name
            assert "9 responses" not in block and "%" not in block, name


def test_no_survey_no_figures_on_the_pages(client, northshire, lead):
    """A version 3 audit without a survey shows no survey figure."""
    from .factories import survey_cycle

    cycle = survey_cycle()
    start_audit(partnership=northshire, by=lead, cycle=cycle)
    client.force_login(lead)
    html = client.get(f"/p/northshire/audits/{cycle.name}/themes/2/").content.decode()
    assert 'data-testid="survey-' not in html
