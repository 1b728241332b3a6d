"""Cycles on framework version 3 (the one with a survey), open surveys, and responses made
through the service, each from its own browser and address."""

from datetime import timedelta
from itertools import count

from django.utils import timezone

from audits.models import FrameworkVersion
from surveys import services
from surveys.choices import Agreement
from tests.audits.factories import CycleFactory

_browsers = count(1)


def version_3() -> FrameworkVersion:
    return FrameworkVersion.objects.get(number=3)


def survey_cycle(name="2026-27"):
    """An open cycle on version 3."""
    return CycleFactory(name=name, version=version_3())


def open_survey(*, partnership, lead, cycle=None, days=14):
    cycle = cycle or survey_cycle()
    closes_on = min(timezone.localdate() + timedelta(days=days), cycle.closes_on)
    return services.survey_open(partnership=partnership, cycle=cycle, closes_on=closes_on, by=lead)


def answers_for(survey, value=Agreement.AGREE, **overrides) -> dict:
    """An answer to every statement: `value`, or key=value for some."""
    return {s["key"]: overrides.get(s["key"], value) for s in survey.statements}


def respond(survey, *, value=Agreement.AGREE, agency="", role="", times=1, **overrides):
    """`times` responses, each from a new browser and a new address."""
    made = []
    for _ in range(times):
        n = next(_browsers)
        made.append(
            services.survey_response_submit(
                survey=survey,
                answers=answers_for(survey, value, **overrides),
                agency=agency,
                role=role,
                browser=f"browser-{n}",
                client=f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}",
            )
        )
    return made


def close(survey):
    """Close the survey now (as a lead's "Close the survey now" does): its figures show."""
    from django.utils import timezone

    from surveys.models import Survey

    Survey.objects.filter(pk=survey.pk).update(closed_at=timezone.now())
    survey.refresh_from_db()
    return survey


def reopen(survey):
    """Undo close(), for a test that answers again after reading the figures."""
    from surveys.models import Survey

    Survey.objects.filter(pk=survey.pk).update(closed_at=None)
    survey.refresh_from_db()
    return survey
