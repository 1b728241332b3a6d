"""The survey's pages: the public form with no sign-in, its window, the cookie and rate-limit
refusals, the lead's results page and its CSV, and the Panel's page."""

import csv
import io
from datetime import timedelta
from unittest import mock

import pytest
from django.test import Client
from django.urls import reverse

from surveys.models import SurveyResponse
from surveys.views import COOKIE

from .factories import answers_for, close, open_survey, reopen, respond

ANSWER_QUERIES = 1  # the survey, its partnership, cycle and version in one query
RESULTS_QUERIES = {"lead": 6, "panel": 7}


@pytest.fixture
def survey(northshire, lead):
    return open_survey(partnership=northshire, lead=lead)


def answer_url(survey):
    return reverse("surveys:answer", kwargs={"token": survey.token})


def results_url(partnership, cycle):
    return reverse("surveys:results", kwargs={"slug": partnership.slug, "cycle": cycle.name})


def form_data(survey, **extra):
    return {**{k: str(v) for k, v in answers_for(survey).items()}, **extra}


def answer(client, survey, **extra):
    """Open the form (for the cookie), then send an answer to every statement."""
    client.get(answer_url(survey))
    return client.post(answer_url(survey), form_data(survey, **extra))


def test_anyone_answers_without_signing_in(client, survey):
    """Anonymous: the form has a radios group per statement, no text box, and sends."""
    page = client.get(answer_url(survey))
    html = page.content.decode()
    assert page.status_code == 200
    assert "I feel confident talking with children and families" in html
    assert html.count('type="radio"') == 7 * 5 + 4 + 5
    assert "<textarea" not in html
    cookie = page.cookies[COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert cookie["path"] == answer_url(survey)
    sent = client.post(answer_url(survey), form_data(survey, agency="police", role="police"))
    assert sent.status_code == 302 and sent.url.endswith("/thanks/")
    assert "Your answers have been sent" in client.get(sent.url).content.decode()
    assert SurveyResponse.objects.get().agency == "police"


def test_the_public_form_takes_one_query(client, survey, django_assert_num_queries):
    """The form page reads the survey with its partnership, cycle and version at once."""
    with django_assert_num_queries(ANSWER_QUERIES):
        assert client.get(answer_url(survey)).status_code == 200


def test_a_missing_answer_is_shown_in_the_error_summary(client, survey):
    """Leaving statement 2 unanswered shows the error, links to it and stores nothing."""
    client.get(answer_url(survey))
    data = form_data(survey)
    del data["s2"]
    page = client.post(answer_url(survey), data)
    html = page.content.decode()
    assert page.status_code == 200
    assert "Select how much you agree with statement 2" in html
    assert "govuk-error-summary" in html
    assert not SurveyResponse.objects.exists()


def test_an_unknown_link_answers_404(client, survey):
    """A token that is not a survey's is 404, like a page that does not exist."""
    assert client.get("/survey/not-a-real-token-at-all/").status_code == 404
    assert client.get("/survey/x/").status_code == 404


def test_outside_the_window_the_page_says_so(client, survey):
    """Before it opens: 'not open yet' with the date; after it closes: 'closed'; both 200."""
    with mock.patch("django.utils.timezone.localdate", return_value=survey.opens_on - timedelta(1)):
        early = client.get(answer_url(survey))
    assert early.status_code == 200
    assert "This survey is not open yet" in early.content.decode()
    after = survey.closes_on + timedelta(1)
    with mock.patch("django.utils.timezone.localdate", return_value=after):
        late = answer(client, survey)
    assert late.status_code == 200
    assert "This survey is closed" in late.content.decode()
    assert not SurveyResponse.objects.exists()


def test_the_same_browser_is_refused_politely(client, survey):
    """A second answer from a browser that has answered is not counted, and says why."""
    answer(client, survey)
    again = client.post(answer_url(survey), form_data(survey))
    assert again.status_code == 200
    assert "You have already answered this survey" in again.content.decode()
    assert SurveyResponse.objects.count() == 1


def test_without_the_cookie_nothing_is_sent(client, survey):
    """A post with no survey cookie (cookies blocked) is not counted and says what to do."""
    page = client.post(answer_url(survey), form_data(survey))
    assert "needs your browser to keep one cookie" in page.content.decode()
    assert not SurveyResponse.objects.exists()


def test_the_csrf_token_is_required(survey):
    """A post without the form's CSRF token is refused."""
    strict = Client(enforce_csrf_checks=True)
    strict.get(answer_url(survey))
    assert strict.post(answer_url(survey), form_data(survey)).status_code == 403
    assert not SurveyResponse.objects.exists()


def test_the_honeypot_is_thanked_and_not_counted(client, survey):
    """A filled-in hidden field (a program) is shown the thank-you page; nothing is stored."""
    sent = answer(client, survey, website="http://spam.example")
    assert sent.status_code == 302
    assert not SurveyResponse.objects.exists()


def test_the_eleventh_from_one_address_gets_429(survey):
    """Ten browsers from one address are counted; the eleventh gets the GOV.UK 429 page."""
    for _ in range(10):
        assert answer(Client(), survey).status_code == 302
    refused = answer(Client(), survey)
    assert refused.status_code == 429
    assert "Too many answers have been sent just now" in refused.content.decode()
    assert SurveyResponse.objects.count() == 10


def test_a_lead_opens_the_survey_and_gets_the_link(client, northshire, lead):
    """The lead sets a closing date; the page then shows the link to share and the window."""
    from .factories import survey_cycle

    cycle = survey_cycle()
    client.force_login(lead)
    url = results_url(northshire, cycle)
    assert "Open the survey" in client.get(url).content.decode()
    closes = cycle.closes_on
    sent = client.post(
        url,
        {
            "closes_on_day": closes.day,
            "closes_on_month": closes.month,
            "closes_on_year": closes.year,
        },
    )
    assert sent.status_code == 302
    html = client.get(url).content.decode()
    survey = northshire.surveys.get()
    assert f"/survey/{survey.token}/" in html
    assert "Fewer than 10" in html


def test_a_closing_date_after_the_cycle_is_shown_as_an_error(client, northshire, lead):
    """A date after the cycle's end is refused with the service's message."""
    from .factories import survey_cycle

    cycle = survey_cycle()
    client.force_login(lead)
    late = cycle.closes_on + timedelta(days=1)
    page = client.post(
        results_url(northshire, cycle),
        {"closes_on_day": late.day, "closes_on_month": late.month, "closes_on_year": late.year},
    )
    assert page.status_code == 200
    assert "must be on or before the cycle closes" in page.content.decode()
    assert not northshire.surveys.exists()


@pytest.mark.parametrize("who", ["contributor", "viewer"])
def test_contributors_and_viewers_cannot_open_one(request, client, northshire, who):
    """They read the page, without the form, and a post is refused with 403."""
    from .factories import survey_cycle

    cycle = survey_cycle()
    client.force_login(request.getfixturevalue(who))
    url = results_url(northshire, cycle)
    page = client.get(url)
    assert page.status_code == 200
    assert "Open the survey" not in page.content.decode()
    assert client.post(url, {"closes_on_day": "1"}).status_code == 403


def test_another_partnerships_survey_answers_404(client, survey, other_lead):
    """Eastmere's lead gets 404 for Northshire's results and its download."""
    client.force_login(other_lead)
    assert client.get(results_url(survey.partnership, survey.cycle)).status_code == 404
    export = reverse(
        "surveys:export_csv", kwargs={"slug": survey.partnership.slug, "cycle": survey.cycle.name}
    )
    assert client.get(export).status_code == 404


def test_results_at_nine_show_no_figure_and_at_ten_do(client, survey, lead):
    """9 responses: 'Fewer than 10' and no percentage; the 10th brings the figures."""
    client.force_login(lead)
    url = results_url(survey.partnership, survey.cycle)
    respond(survey, times=9)
    close(survey)
    html = client.get(url).content.decode()
    assert "%" not in html.split("What practitioners said")[1]
    assert ">9<" not in html
    reopen(survey)
    respond(survey, times=1)
    close(survey)
    html = client.get(url).content.decode()
    assert "<strong>100%</strong> of 10" in html
    assert 'data-testid="survey-responses">10<' in html


def csv_rows(client, survey):
    export = reverse(
        "surveys:export_csv", kwargs={"slug": survey.partnership.slug, "cycle": survey.cycle.name}
    )
    response = client.get(export)
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_the_csv_has_no_figure_for_a_group_under_ten(client, survey, lead):
    """Police (10) are in the download; health (9) is not named; overall counts are."""
    respond(survey, agency="police", times=10)
    respond(survey, agency="health", times=9)
    respond(survey, times=10)  # no agency given: enough that no group can be subtracted out
    close(survey)
    client.force_login(lead)
    rows = csv_rows(client, survey)
    groups = {row[0] for row in rows[2:] if row}
    assert groups == {"All responses", "Police"}
    assert not any("Integrated care board" in cell for row in rows for cell in row)
    police = [row for row in rows if row and row[0] == "Police"]
    assert police[0][3:] == ["10", "100"]


def test_the_csv_at_nine_has_words_not_numbers(client, survey, lead):
    """With 9 responses every row says 'Fewer than 10 responses' and gives no share."""
    respond(survey, times=9)
    close(survey)
    client.force_login(lead)
    rows = [row for row in csv_rows(client, survey)[2:] if row]
    assert {(row[3], row[4]) for row in rows} == {("Fewer than 10 responses", "")}


@pytest.mark.parametrize("who", ["lead", "panel"])
def test_the_results_page_queries_are_pinned(
    request, client, survey, who, django_assert_num_queries
):
    """The results page's queries do not grow with responses."""
    respond(survey, agency="police", role="police", times=12)
    close(survey)
    client.force_login(request.getfixturevalue(who))
    url = results_url(survey.partnership, survey.cycle)
    client.get(url)
    with django_assert_num_queries(RESULTS_QUERIES[who]):
        assert client.get(url).status_code == 200


def test_the_panel_page_shows_partnerships_with_ten(client, survey, panel, lead):
    """Panel staff see England and Northshire once it has 10; members get 403."""
    respond(survey, times=10)
    close(survey)
    client.force_login(panel)
    html = client.get(reverse("panel:surveys")).content.decode()
    assert "England" in html and survey.partnership.name in html
    assert "<strong>100%</strong> of 10" in html
    client.force_login(lead)
    assert client.get(reverse("panel:surveys")).status_code == 403
