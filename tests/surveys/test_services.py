"""Opening and closing a survey, and submitting to it: who may, the window, the per-browser
refusal and the rate limits."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from surveys import services
from surveys.models import SubmissionAttempt, SurveyAnswer, SurveyResponse
from tests.audits.factories import CycleFactory

from .factories import answers_for, open_survey, respond, survey_cycle


def submit(survey, *, browser="b", client="192.0.2.1", **kwargs):
    return services.survey_response_submit(
        survey=survey,
        answers=kwargs.pop("answers", None) or answers_for(survey),
        agency=kwargs.pop("agency", ""),
        role=kwargs.pop("role", ""),
        browser=browser,
        client=client,
    )


def test_a_lead_opens_a_survey_from_today(northshire, lead):
    """The lead's survey opens today, closes when chosen and has an unguessable token."""
    survey = open_survey(partnership=northshire, lead=lead)
    assert survey.opens_on == timezone.localdate()
    assert survey.opened_by == lead and survey.opened_at is not None
    assert len(survey.token) >= 22
    assert [s["key"] for s in survey.statements][:2] == ["s1", "s2"]


@pytest.mark.parametrize("who", ["contributor", "viewer", "other_lead", "panel"])
def test_only_the_partnerships_lead_may_open_one(request, northshire, who):
    """Contributors, viewers, another partnership's lead and Panel staff are refused."""
    with pytest.raises(PermissionDenied):
        open_survey(partnership=northshire, lead=request.getfixturevalue(who))


def test_one_survey_per_partnership_and_cycle(northshire, lead):
    """A second survey for the same cycle is refused."""
    survey = open_survey(partnership=northshire, lead=lead)
    with pytest.raises(ValidationError, match="already has a survey"):
        open_survey(partnership=northshire, lead=lead, cycle=survey.cycle)


def test_the_window_must_lie_inside_the_cycle(northshire, lead):
    """A closing date after the cycle closes, or before today, is refused."""
    cycle = survey_cycle()
    for closes_on in (cycle.closes_on + timedelta(days=1), timezone.localdate() - timedelta(1)):
        with pytest.raises(ValidationError):
            services.survey_open(partnership=northshire, cycle=cycle, closes_on=closes_on, by=lead)


def test_a_version_without_statements_has_no_survey(northshire, lead):
    """A cycle on version 1 cannot have a survey."""
    cycle = CycleFactory()
    with pytest.raises(ValidationError, match="no practitioner survey"):
        services.survey_open(
            partnership=northshire, cycle=cycle, closes_on=timezone.localdate(), by=lead
        )


def test_a_submission_stores_answers_and_no_address(northshire, lead):
    """A response keeps its answers, agency and role, and only hashes of browser and address."""
    survey = open_survey(partnership=northshire, lead=lead)
    response = submit(survey, agency="police", role="police", client="198.51.100.7")
    assert SurveyAnswer.objects.filter(response=response).count() == len(survey.statements)
    assert (response.agency, response.role) == ("police", "police")
    assert response.browser_hash != "b" and len(response.browser_hash) == 64
    attempt = SubmissionAttempt.objects.get()
    assert "198.51.100.7" not in attempt.client_hash


def test_every_statement_must_be_answered(northshire, lead):
    """A submission missing a statement is refused and nothing is stored."""
    survey = open_survey(partnership=northshire, lead=lead)
    answers = answers_for(survey)
    answers.pop("s3")
    with pytest.raises(ValidationError, match="statement 3"):
        submit(survey, answers=answers)
    assert not SurveyResponse.objects.exists()


def test_the_window_includes_both_ends(northshire, lead):
    """Open on its opening and closing days; refused the day before and the day after."""
    survey = open_survey(partnership=northshire, lead=lead, days=3)
    for day, takes in [
        (survey.opens_on - timedelta(1), False),
        (survey.opens_on, True),
        (survey.closes_on, True),
        (survey.closes_on + timedelta(1), False),
    ]:
        with mock.patch("django.utils.timezone.localdate", return_value=day):
            if takes:
                submit(survey, browser=str(day))
            else:
                with pytest.raises(services.SurveyNotOpen):
                    submit(survey, browser=str(day))
    assert SurveyResponse.objects.count() == 2


def test_a_closed_survey_takes_nothing(northshire, lead, contributor):
    """Once the lead closes it (a contributor may not), submissions are refused."""
    survey = open_survey(partnership=northshire, lead=lead)
    with pytest.raises(PermissionDenied):
        services.survey_close(survey=survey, by=contributor)
    services.survey_close(survey=survey, by=lead)
    with pytest.raises(services.SurveyNotOpen):
        submit(survey)


def test_a_browser_answers_once(northshire, lead):
    """The same browser token is refused a second time; another browser is not."""
    survey = open_survey(partnership=northshire, lead=lead)
    submit(survey, browser="one")
    with pytest.raises(services.AlreadyAnswered):
        submit(survey, browser="one", client="192.0.2.99")
    submit(survey, browser="two")
    assert SurveyResponse.objects.count() == 2


def test_ten_submissions_per_address_in_ten_minutes(northshire, lead):
    """The 11th from one address within 10 minutes is refused; after 10 minutes it is taken."""
    survey = open_survey(partnership=northshire, lead=lead)
    for n in range(10):
        submit(survey, browser=f"b{n}")
    with pytest.raises(services.RateLimited):
        submit(survey, browser="b10")
    submit(survey, browser="b10", client="192.0.2.2")  # another address is not held back
    later = timezone.now() + timedelta(minutes=10, seconds=1)
    with mock.patch("django.utils.timezone.now", return_value=later):
        submit(survey, browser="b11")
    assert SurveyResponse.objects.count() == 12


def test_300_submissions_per_survey_a_minute(northshire, lead, monkeypatch):
    """Over the survey's limit a minute, a submission from a fresh address is refused."""
    monkeypatch.setattr(services, "SURVEY_LIMIT", (5, timedelta(minutes=1)))
    survey = open_survey(partnership=northshire, lead=lead)
    respond(survey, times=5)
    with pytest.raises(services.RateLimited):
        submit(survey, browser="fresh", client="203.0.113.1")


def test_the_limits_are_the_documented_ones():
    """10 per address in 10 minutes and 300 per survey a minute, as docs/surveys.md says."""
    per_client, per_survey = services.CLIENT_LIMIT, services.SURVEY_LIMIT
    assert per_client == (10, timedelta(minutes=10))
    assert per_survey == (300, timedelta(minutes=1))
