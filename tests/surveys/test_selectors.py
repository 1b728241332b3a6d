"""The figures and their threshold: nothing for fewer than 10 responses, overall, by agency,
by role and by partnership; the item figures for the theme and report pages."""

from surveys import selectors
from surveys.choices import Agency, Agreement
from tests.partnerships.factories import MembershipFactory

from .factories import close, open_survey, reopen, respond


def overall(survey):
    return selectors.results(survey, survey.statements).overall


def test_nine_responses_give_no_figure(northshire, lead):
    """With 9 responses no statement has a figure and the count is not shown."""
    survey = open_survey(partnership=northshire, lead=lead)
    respond(survey, times=9)
    close(survey)
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
    close(survey)
    figures = overall(survey)
    assert figures[0].words == "70% agree (10 responses)"
    assert figures[1].percent == 80
    assert selectors.results(survey, survey.statements).responses_shown


def test_a_group_of_nine_is_left_out_and_one_of_ten_is_shown(northshire, lead):
    """Police with 10 and health with 10 are shown by agency and role; probation with 9 is not
    there at all, and nor is any group that, taken from the total, would leave a group under
    10 to be worked out (here none: the 10 who gave no agency are enough)."""
    survey = open_survey(partnership=northshire, lead=lead)
    respond(survey, agency="police", role="police", times=10)
    respond(survey, agency="health", role="health", value=Agreement.DISAGREE, times=10)
    respond(survey, times=10)  # no agency or role given
    close(survey)
    results = selectors.results(survey, survey.statements)
    assert [group.label for group in results.by_agency] == [
        label for value, label in Agency.choices if value in ("police", "health")
    ]
    assert results.by_agency[0].figures[0].words.endswith("(10 responses)")
    assert results.overall[0].words == "67% agree (30 responses)"


def test_a_group_that_would_give_away_a_small_one_by_subtraction_is_left_out(northshire, lead):
    """15 police and 4 health: all 19 less the 15 police would give the 4 health
    practitioners' figures, so police are left out too (the total stays)."""
    survey = open_survey(partnership=northshire, lead=lead)
    respond(survey, agency="police", role="police", times=15)
    respond(survey, agency="health", role="health", value=Agreement.DISAGREE, times=4)
    close(survey)
    results = selectors.results(survey, survey.statements)
    assert results.by_agency == [] and results.by_role == []
    assert results.overall[0].words == "79% agree (19 responses)"


def test_no_figure_while_the_survey_is_open(northshire, lead):
    """While it takes answers the survey gives its count but no figure, so no figure moves
    with one person's answer; once closed the figures show."""
    survey = open_survey(partnership=northshire, lead=lead)
    respond(survey, times=12)
    waiting = selectors.results(survey, survey.statements)
    assert (waiting.closed, waiting.overall, waiting.responses) == (False, [], 12)
    assert selectors.item_figures(northshire, survey.cycle) == {}
    close(survey)
    assert selectors.results(survey, survey.statements).overall[0].words == (
        "100% agree (12 responses)"
    )


def test_item_figures_follow_the_statements_items(northshire, lead):
    """Statement 1 speaks to items 2.1 and 2.4, statement 2 to 2.2; an item with none is absent."""
    survey = open_survey(partnership=northshire, lead=lead)
    respond(survey, times=10)
    close(survey)
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
    """Eastmere with 9 is never listed but counts in England's figure. Beside it, Northshire
    alone (10) cannot be listed either: England less Northshire would give Eastmere's figures.
    With a third partnership (11) closed too, England less the two would again be Eastmere's
    9, so the smaller (Northshire) is left out and the third is listed. Open surveys count
    nowhere."""
    from tests.partnerships.factories import PartnershipFactory

    survey = open_survey(partnership=northshire, lead=lead)
    respond(survey, times=10)
    east = open_survey(partnership=eastmere, lead=other_lead, cycle=survey.cycle)
    respond(east, value=Agreement.DISAGREE, times=9)
    third_partnership = PartnershipFactory(name="Thirdshire Safeguarding Children Partnership")
    third_lead = MembershipFactory(partnership=third_partnership, role="lead").user
    third = open_survey(partnership=third_partnership, lead=third_lead, cycle=survey.cycle)
    respond(third, times=11)
    for one in (survey, east):
        close(one)
    england, partnerships, left_out = selectors.panel_results(survey.cycle)
    assert partnerships == [] and left_out == 3  # Northshire alone beside Eastmere's 9
    assert england[0].words == "53% agree (19 responses)"
    close(third)
    england, partnerships, left_out = selectors.panel_results(survey.cycle)
    assert [group.label for group in partnerships] == [third_partnership.name]
    assert left_out == 2
    assert england[0].words == "70% agree (30 responses)"


def test_the_item_include_shows_a_figure_only_from_ten(northshire, lead):
    """Beside item 2.2: 'fewer than 10 responses' at 9, '100% agree (10 responses)' at 10."""
    from django.template.loader import render_to_string

    survey = open_survey(partnership=northshire, lead=lead)
    respond(survey, times=9)
    close(survey)

    def shown():
        figures = selectors.item_figures(northshire, survey.cycle)["2.2"]
        html = render_to_string("includes/survey_figures.html", {"figures": figures, "ref": "2.2"})
        return " ".join(html.split())

    assert "fewer than 10 responses that" in shown() and "%" not in shown()
    reopen(survey)
    respond(survey, times=1)
    close(survey)
    assert "100% agree (10 responses) that" in shown()
