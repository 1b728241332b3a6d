"""The report and the Panel's audit page show each item's answer with the response_readonly
tag rather than templates/includes/response_readonly.html, which was most of their time; the
tag must give that template's markup, whitespace aside (a browser collapses it)."""

import re
from datetime import UTC, date, datetime

import pytest
from django.template import engines

from audits import selectors
from audits.models import Response
from tests.audits.factories import line_for, start_audit

pytestmark = pytest.mark.django_db

INCLUDE = '{% include "includes/response_readonly.html" %}'
TAG = "{% load audit_tags %}{% response_readonly item response level_map %}"


def collapsed(html: str) -> str:
    """The markup with each run of whitespace made one space."""
    return re.sub(r"\s+", " ", html).strip()


def both(response, level_map):
    context = {"item": response.item, "response": response, "level_map": level_map}
    django = engines["django"]
    return (
        django.from_string(TAG).render(context),
        django.from_string(INCLUDE).render(context),
    )


@pytest.fixture
def audit(northshire, lead):
    return start_audit(partnership=northshire, by=lead)


def response_of(audit, ref):
    """The response as the report and the Panel's audit page have it."""
    return next(
        response
        for theme in selectors.themes_with_responses(audit)
        for item in theme.audit_items
        for response in item.audit_responses
        if item.ref == ref
    )


def test_an_untouched_answer(audit):
    """Not rated, no evidence, no actions, never changed: the template's markup."""
    response = response_of(audit, "1.1")
    tag, include = both(response, selectors.level_map(audit.cycle.version_id))
    assert "Not rated" in tag and "Not yet answered" in tag and "None given" in tag
    assert collapsed(tag) == collapsed(include)


@pytest.mark.parametrize(
    ("rating", "evidence", "carried", "moderated", "note"),
    [
        (0, "", False, None, ""),
        (2, 'Minutes <of> the "board"\n& its report', False, 1, 'Thin <b>\n& "old"'),
        (3, "Audit", True, None, "A note only"),
        (1, "x", False, 3, ""),
    ],
)
def test_answers_that_need_escaping_and_moderation(
    audit, lead, rating, evidence, carried, moderated, note
):
    """Rated, with evidence and a note that need escaping and line breaks, carried forward,
    moderated with or without a note, or a note without a rating: the template's markup."""
    Response.objects.filter(audit=audit, item__ref="2.1").update(
        rating=rating,
        evidence=evidence,
        carried_forward=carried,
        moderated_rating=moderated,
        moderation_note=note,
        updated_by=lead,
        updated_at=datetime(2026, 7, 1, 23, 30, tzinfo=UTC),
    )
    response = Response.objects.get(audit=audit, item__ref="2.1")
    line_for(response, what="Audit", owner="Head of QA", due_month=date(2027, 3, 1), order=1)
    line_for(response, what='Train <all> & "every" one', order=0)
    response = response_of(audit, "2.1")
    tag, include = both(response, selectors.level_map(audit.cycle.version_id))
    assert "2 July 2026, 00:30" in tag  # in the service's time zone, as the template shows it
    assert "March 2027" in tag and "not set" in tag
    assert tag.index("Train &lt;all&gt;") < tag.index("Head of QA")  # in the plan's order
    assert collapsed(tag) == collapsed(include)


def test_a_removed_account_and_a_rating_with_no_level(audit):
    """Changed by an account since removed, and a rating the scale has no label for."""
    Response.objects.filter(audit=audit, item__ref="3.1").update(
        rating=2, updated_at=datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    )
    response = response_of(audit, "3.1")
    tag, include = both(response, {})
    assert "a removed account" in tag
    assert collapsed(tag) == collapsed(include)
