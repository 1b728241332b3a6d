"""The practitioner survey's figures beside the related items on the audit's theme page and
report: shown from 10 responses, never a number under 10."""

import pytest

from tests.audits.factories import start_audit

from .factories import close, open_survey, respond

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
    close(survey)
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


def _submitted_on_3(northshire, lead):
    """Northshire's audit on the version 3 cycle, submitted, with its survey open."""
    from audits import services
    from tests.audits.factories import complete_audit

    survey = open_survey(partnership=northshire, lead=lead)
    audit = complete_audit(
        start_audit(partnership=northshire, by=lead, cycle=survey.cycle), by=lead
    )
    services.audit_submit(audit=audit, by=lead)
    return survey


@pytest.mark.parametrize(("responses", "shown"), [(9, False), (10, True)])
def test_the_dashboard_lists_each_statement_from_10_responses(
    client, northshire, lead, responses, shown
):
    """The partnership dashboard's survey table gives each statement's share agreeing beside
    the items it speaks to, from 10 responses; under 10 it says so and shows no number."""
    survey = _submitted_on_3(northshire, lead)
    respond(survey, times=responses)
    close(survey)
    client.force_login(lead)
    html = client.get(f"/p/northshire/dashboard/?cycle={survey.cycle.name}").content.decode()
    start = html.index('data-testid="survey-figures"')
    table = html[start : html.index("</table>", start)]
    assert table.count("<tr") == len(survey.statements) + 1
    if shown:
        assert "100% of 10" in table
    else:
        assert "Fewer than 10 responses" in table
        assert "of 9" not in table and "%" not in table
