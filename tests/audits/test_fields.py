"""The Panel's audit page and the theme page render each unbound item's fields (moderation;
rating and evidence; action lines and their management form) without crispy's layout, which
was most of their time; they must give exactly crispy's (and Django's) markup."""

import re
from datetime import date, timedelta

import pytest
from django.template import engines
from django.utils import timezone

from audits import selectors, services
from audits.forms import (
    ActionFormSet,
    ItemAnswerForm,
    ModerationForm,
    UnboundModeration,
    moderation_choices,
)
from audits.models import Cycle, FrameworkVersion, Item, Response

pytestmark = pytest.mark.django_db


def normalised(html: str) -> str:
    """The markup with runs of whitespace, which a browser collapses, made one space, and
    none beside a tag."""
    html = re.sub(r"\s+", " ", html)
    return re.sub(r"\s*(<|>)\s*", r"\1", html).strip()


def render(source: str, form) -> str:
    return engines["django"].from_string(source).render({"form": form})


CRISPY = "{% load crispy_forms_tags %}{% crispy form %}"
PLAIN = "{{ form.plain_html }}"


@pytest.fixture
def audit(northshire, lead):
    today = timezone.localdate()
    cycle = Cycle.objects.create(
        name="2026-27",
        version=FrameworkVersion.objects.get(number=1),
        opens_on=today - timedelta(days=30),
        closes_on=today + timedelta(days=30),
    )
    return services.audit_start(partnership=northshire, cycle=cycle, by=lead)


def moderation_form(response, levels):
    return ModerationForm(
        None,
        prefix=f"m{response.pk}",
        levels=levels,
        response=response,
        initial={
            "rating": response.moderated_rating,
            "note": response.moderation_note,
            "revision": response.moderation_revision,
            "shown": services.moderation_shown(response),
        },
    )


@pytest.mark.parametrize(
    ("rating", "note"),
    [(None, ""), (0, ""), (3, 'Line one\nline <two> & "three"'), (2, "  spaces kept  ")],
)
def test_moderation_fields_are_crispys_markup(audit, rating, note):
    """Unset, rated 0, and rated with a note that needs escaping: the same markup."""
    Response.objects.filter(audit=audit, item__ref="1.1").update(
        moderated_rating=rating, moderation_note=note, moderation_revision=4
    )
    response = Response.objects.select_related("item").get(audit=audit, item__ref="1.1")
    levels = selectors.scale_levels(audit.cycle.version_id)
    crispy = render(CRISPY, moderation_form(response, levels))
    plain = render(PLAIN, moderation_form(response, levels))
    assert "Moderated rating for item 1.1" in plain
    assert normalised(plain) == normalised(crispy)
    # What the page shows on a first visit, without building the form: the same markup.
    unbound = UnboundModeration(
        f"m{response.pk}",
        "1.1",
        moderation_choices(levels),
        moderation_form(response, levels).initial,
    )
    assert not unbound.is_bound
    assert render(PLAIN, unbound) == plain


ANSWER_PLAIN = '{% include "audits/fields/answer.html" %}'


def answer_form(response, levels):
    return ItemAnswerForm(
        None,
        prefix=f"i{response.item_id}",
        levels=levels,
        response=response,
        initial={
            "rating": response.rating,
            "evidence": response.evidence,
            "revision": response.revision,
            "shown": services.answer_shown(response),
        },
    )


@pytest.mark.parametrize(
    ("rating", "evidence"),
    [(None, ""), (0, ""), (2, 'Minutes <of> the "board"\n& its report'), (3, "Audit")],
)
def test_answer_fields_are_crispys_markup(audit, rating, evidence):
    """Not rated, rated 0, and rated with evidence that needs escaping: the same markup as
    crispy's, every radio with its hint."""
    Response.objects.filter(audit=audit, item__ref="1.1").update(
        rating=rating, evidence=evidence, revision=3
    )
    response = Response.objects.select_related("item").get(audit=audit, item__ref="1.1")
    levels = selectors.scale_levels(audit.cycle.version_id)
    form = answer_form(response, levels)
    assert form.renders_plain
    plain = render(ANSWER_PLAIN, form)
    assert plain.count('class="govuk-hint govuk-radios__hint"') == len(levels)
    assert normalised(plain) == normalised(render(CRISPY, answer_form(response, levels)))


def test_carried_forward_answers_are_rendered_by_crispy(audit):
    """The carried-forward confirmation is only in crispy's layout, so such a form uses it."""
    Response.objects.filter(audit=audit, item__ref="1.1").update(carried_forward=True)
    response = Response.objects.select_related("item").get(audit=audit, item__ref="1.1")
    form = answer_form(response, selectors.scale_levels(audit.cycle.version_id))
    assert not form.renders_plain


ACTION_CRISPY = "{% load crispy_forms_tags %}{% crispy action %}"
ACTION_PLAIN = '{% include "audits/fields/action.html" %}'


@pytest.mark.parametrize(
    "initial",
    [
        {},
        {"id": 7, "what": 'Train <every> "worker"\n& manager', "owner": "Head of QA", "due": None},
        {"id": 8, "what": "Audit", "owner": "", "due": date(2027, 9, 1)},
    ],
)
def test_action_fields_are_crispys_markup(audit, initial):
    """A blank line, one with text that needs escaping and no due month, one with a due
    month and no owner: the same markup as crispy's."""
    item = Item.objects.get(theme__version=audit.cycle.version, ref="1.2")

    def line():
        formset = ActionFormSet(
            None, prefix="i2-actions", initial=[initial], form_kwargs={"item": item}
        )
        return formset.forms[0]

    plain = engines["django"].from_string(ACTION_PLAIN).render({"action": line()})
    crispy = engines["django"].from_string(ACTION_CRISPY).render({"action": line()})
    assert "What will be done (action 1, item 1.2)" in plain
    assert normalised(plain) == normalised(crispy)


@pytest.mark.parametrize("lines", [0, 1, 3])
def test_action_management_form_is_djangos_markup(audit, lines):
    """The hidden inputs the theme page writes for an unbound formset are its management
    form's, with however many lines it has."""
    item = Item.objects.get(theme__version=audit.cycle.version, ref="1.2")
    formset = ActionFormSet(
        None, prefix="i2-actions", initial=[{"what": "x"}] * lines, form_kwargs={"item": item}
    )
    plain = (
        engines["django"]
        .from_string('{% include "audits/fields/management.html" %}')
        .render({"actions": formset})
    )
    assert f'name="i2-actions-TOTAL_FORMS" value="{lines}"' in plain
    assert normalised(plain) == normalised(str(formset.management_form))
