"""Every change to surveys: opening and closing one, and a practitioner's submission.

Each runs in a transaction and records who and when (for a submission, only when: it is
anonymous). Who may open or close a survey is asked of partnerships.access.
"""

import hashlib
import hmac
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from partnerships import access

from .choices import Agency, Agreement, RoleGroup
from .models import SubmissionAttempt, Survey, SurveyAnswer, SurveyResponse

# Rate limits, counted in the database so that every worker sees the same counts: (how many
# submissions, in how long). Per client address for one survey, and for the survey as a whole.
CLIENT_LIMIT = (10, timedelta(minutes=10))
SURVEY_LIMIT = (300, timedelta(minutes=1))

NO_STATEMENTS = "The {cycle} cycle's framework version has no practitioner survey"
CYCLE_NOT_OPEN = "A survey can be opened only while the {cycle} cycle is open"
CLOSES_BEFORE_TODAY = "The closing date must be today or later"
CLOSES_AFTER_CYCLE = "The closing date must be on or before the cycle closes, {date:%-d %B %Y}"
ALREADY_OPEN = "This partnership already has a survey for {cycle}"
ANSWER_MISSING = "Select how much you agree with statement {n}"


class SurveyNotOpen(Exception):
    """The survey is outside its window, or was closed."""


class AlreadyAnswered(Exception):
    """This browser has already answered this survey."""


class RateLimited(Exception):
    """Too many submissions from this address, or to this survey, just now."""


def _digest(purpose: str, survey: Survey, value: str) -> str:
    """A keyed hash of `value`, for this survey and purpose only: the same browser or address
    gives unrelated hashes in two surveys, and nobody without the secret key can test a guess."""
    message = f"{purpose}:{survey.token}:{value}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


@transaction.atomic
def survey_open(*, partnership, cycle, closes_on, by) -> Survey:
    """Open the partnership's survey for the cycle from today to closes_on (a lead only; the
    cycle open and its version with a survey; the window inside the cycle; once per cycle)."""
    if not access.can_lead(access.role_in(by, partnership)):
        raise PermissionDenied
    today = timezone.localdate()
    if not cycle.version.survey_statements:
        raise ValidationError(NO_STATEMENTS.format(cycle=cycle.name), code="no_statements")
    if not cycle.is_open(today):
        raise ValidationError(CYCLE_NOT_OPEN.format(cycle=cycle.name), code="cycle")
    if closes_on < today:
        raise ValidationError(CLOSES_BEFORE_TODAY, code="closes_on")
    if closes_on > cycle.closes_on:
        raise ValidationError(CLOSES_AFTER_CYCLE.format(date=cycle.closes_on), code="closes_on")
    if Survey.objects.filter(partnership=partnership, cycle=cycle).exists():
        raise ValidationError(ALREADY_OPEN.format(cycle=cycle.name), code="exists")
    try:
        with transaction.atomic():
            return Survey.objects.create(
                partnership=partnership,
                cycle=cycle,
                opens_on=today,
                closes_on=closes_on,
                opened_by=by,
                opened_at=timezone.now(),
            )
    except IntegrityError:
        raise ValidationError(ALREADY_OPEN.format(cycle=cycle.name), code="exists") from None


@transaction.atomic
def survey_close(*, survey: Survey, by) -> Survey:
    """Close the survey now, before its closing date (a lead only); its responses stay."""
    if not access.can_lead(access.role_in(by, survey.partnership)):
        raise PermissionDenied
    if survey.closed_at is None:
        survey.closed_at, survey.closed_by = timezone.now(), by
        survey.save(update_fields=["closed_at", "closed_by"])
    return survey


def statement_answers_problems(statements, answers: dict) -> list[str]:
    """Every statement must have an answer on the scale (1 to 5); nothing else is taken."""
    return [
        ANSWER_MISSING.format(n=n)
        for n, statement in enumerate(statements, start=1)
        if answers.get(statement["key"]) not in Agreement.values
    ]


@transaction.atomic
def survey_response_submit(
    *, survey: Survey, answers: dict, agency: str, role: str, browser: str, client: str | None
) -> SurveyResponse:
    """Record one anonymous response: an answer to every statement, an optional agency and
    role group. `browser` is the browser's survey cookie, `client` its address; only keyed
    hashes of them are stored, and the address only until the rate limits no longer need it.

    Refused with SurveyNotOpen outside the window, RateLimited over either limit and
    AlreadyAnswered when this browser has answered already. Submissions to one survey take
    its row's lock in turn, so the limits hold exactly under a burst."""
    survey = (
        Survey.objects.select_for_update(of=("self",))
        .select_related("cycle__version")
        .get(pk=survey.pk)
    )
    now = timezone.now()
    if not (survey.closed_at is None and survey.is_open(timezone.localdate())):
        raise SurveyNotOpen
    problems = statement_answers_problems(survey.statements, answers)
    if problems or agency not in ["", *Agency.values] or role not in ["", *RoleGroup.values]:
        raise ValidationError(problems or "Choose an agency and role from the lists")
    client_hash = _digest("client", survey, client or "unknown")
    per_client, client_window = CLIENT_LIMIT
    per_survey, survey_window = SURVEY_LIMIT
    # Every survey's attempts older than the window go (a closed survey's too).
    SubmissionAttempt.objects.filter(at__lt=now - client_window).delete()
    recent = SubmissionAttempt.objects.filter(survey=survey, client_hash=client_hash)
    if recent.filter(at__gte=now - client_window).count() >= per_client:
        raise RateLimited
    if survey.responses.filter(submitted_at__gte=now - survey_window).count() >= per_survey:
        raise RateLimited
    browser_hash = _digest("browser", survey, browser)
    if survey.responses.filter(browser_hash=browser_hash).exists():
        raise AlreadyAnswered
    response = SurveyResponse.objects.create(
        survey=survey, submitted_at=now, agency=agency, role=role, browser_hash=browser_hash
    )
    SurveyAnswer.objects.bulk_create(
        SurveyAnswer(response=response, statement=statement["key"], value=answers[statement["key"]])
        for statement in survey.statements
    )
    # To the minute only, so that an attempt cannot be matched to its response by the time.
    SubmissionAttempt.objects.create(
        survey=survey, client_hash=client_hash, at=now.replace(second=0, microsecond=0)
    )
    return response
