"""The figures and their threshold: nothing for fewer than 10 responses, overall, by agency,
by role and by partnership; the item figures for the theme and report pages."""

from surveys import selectors
from surveys.choices import Agreement

from .factories import open_survey, respond


def overall(survey):
    return selectors.results(survey, survey.statements).overall


def test_nine_responses_give_no_figure(northshire, lead):
    """With 9 responses no statement has a figure and the count is not shown."""
    survey = open_survey(partnership=northshire, lead=lead)
    respond(survey, times=9)
    results = selectors.results(survey, survey.statements)
    assert [figure.percent for figure in results.overall] == [None] * 7
    assert {figure.words for figure in results.overall} == {"Fewer than 10 responses"}
    assert not results.responses_shown


def test_ten_responses_give_the_share_agreeing(northshire, lead):
    """With 10, agree and strongly agree count as agreeing: 7 of 10 is 70%."""
    survey = open_survey(partnership=northshire, lead=lead)
    respond(survey, value=Agreement.AGREE, times=4)
    respond(survey, value=Agreement.STRONGLY_AGREE, times=3)
    respond(survey, value=Agreement.NEITHER, times=2)
    respond(survey, value=Agreement.STRONGLY_DISAGREE, s2=Agreement.AGREE)
    figures = overall(survey)
    assert figures[0].words == "70% agree (10 responses)"
    assert figures[1].percent == 80
    assert selectors.results(survey, survey.statements).responses_shown


def test_a_group_of_nine_is_left_out_and_one_of_ten_is_shown(northshire, lead):
    """Police with 10 responses are shown by agency; health with 9 are not there at all."""
    survey = open_survey(partnership=northshire, lead=lead)
    respond(survey, agency="police", role="police", times=10)
    respond(survey, agency="health", role="health", value=Agreement.DISAGREE, times=9)
    results = selectors.results(survey, survey.statements)
    assert [group.label for group in results.by_agency] == ["Police"]
    assert [group.label for group in results.by_role] == ["Police officer or staff"]
    assert results.by_agency[0].figures[0].words == "100% agree (10 responses)"
    assert results.overall[0].words == "53% agree (19 responses)"


def test_item_figures_follow_the_statements_items(northshire, lead):
    """Statement 1 speaks to items 2.1 and 2.4, statement 2 to 2.2; an item with none is absent."""
    survey = open_survey(partnership=northshire, lead=lead)
    respond(survey, times=10)
    figures = selectors.item_figures(northshire, survey.cycle)
    assert [figure.key for figure in figures["2.1"]] == ["s1"]
    assert [figure.key for figure in figures["2.4"]] == ["s1"]
    assert [figure.key for figure in figures["2.2"]] == ["s2"]
    assert "3.1" not in figures
    assert figures["2.1"][0].percent == 100


def test_no_survey_no_item_figures(northshire, eastmere, lead):
    """A partnership that opened no survey has no item figures."""
    survey = open_survey(partnership=northshire, lead=lead)
    assert selectors.item_figures(eastmere, survey.cycle) == {}


def test_item_figures_take_two_queries(northshire, lead, django_assert_num_queries):
    """The survey and its grouped counts: two queries however many responses."""
    survey = open_survey(partnership=northshire, lead=lead)
    respond(survey, times=12)
    cycle = survey.cycle
    cycle.version  # noqa: B018 - loaded beforehand, as the pages have it
    with django_assert_num_queries(2):
        selectors.item_figures(northshire, cycle)


def test_the_panel_sees_partnerships_with_ten_and_england(northshire, eastmere, lead, other_lead):
    """Northshire with 10 is listed; Eastmere with 9 is not, but counts in England's figure."""
    survey = open_survey(partnership=northshire, lead=lead)
    respond(survey, times=10)
    east = open_survey(partnership=eastmere, lead=other_lead, cycle=survey.cycle)
    respond(east, value=Agreement.DISAGREE, times=9)
    england, partnerships, left_out = selectors.panel_results(survey.cycle)
    assert [group.label for group in partnerships] == [northshire.name]
    assert left_out == 1
    assert england[0].words == "53% agree (19 responses)"


def test_the_item_include_shows_a_figure_only_from_ten(northshire, lead):
    """Beside item 2.2: 'fewer than 10 responses' at 9, '100% agree (10 responses)' at 10."""
    from django.template.loader import render_to_string

    survey = open_survey(partnership=northshire, lead=lead)
    respond(survey, times=9)

    def shown():
        figures = selectors.item_figures(northshire, survey.cycle)["2.2"]
        html = render_to_string("includes/survey_figures.html", {"figures": figures, "ref": "2.2"})
        return " ".join(html.split())

    assert "fewer than 10 responses that" in shown() and "%" not in shown()
    respond(survey, times=1)
    assert "100% agree (10 responses) that" in shown()
