"""The audit forms: every free-text field cleans pasted text, the moderation form takes its
choices and bounds from the version's scale, and an item takes at most 20 actions."""

import pytest
from django import forms

from audits import forms as audit_forms
from audits.forms import ActionFormSet, ModerationForm
from audits.models import Response
from audits.selectors import scale_levels
from partnerships.text import PastedTextField

from .factories import start_audit

pytestmark = pytest.mark.django_db


@pytest.fixture
def response(northshire, lead):
    audit = start_audit(partnership=northshire, by=lead)
    return Response.objects.select_related("item").filter(audit=audit).first()


@pytest.fixture
def levels(response):
    return scale_levels(response.item.theme.version_id)


def free_text_fields():
    for name in dir(audit_forms):
        form = getattr(audit_forms, name)
        if isinstance(form, type) and issubclass(form, forms.Form):
            for field_name, field in form.base_fields.items():
                if type(field) is forms.CharField and not isinstance(
                    field.widget, forms.HiddenInput
                ):
                    yield f"{name}.{field_name}"
                if isinstance(field, PastedTextField):
                    yield f"{name}.{field_name} (pasted)"


def test_every_free_text_field_cleans_pasted_text():
    """Evidence, action what and owner, the return reason, the moderation note, an action's
    progress note and reason for dropping, and the lead's note for the Panel are all
    PastedTextFields; no plain CharField for free text is left."""
    fields = set(free_text_fields())
    assert {f for f in fields if not f.endswith("(pasted)")} == set()
    assert fields == {
        "ItemAnswerForm.evidence (pasted)",
        "ActionForm.what (pasted)",
        "ActionForm.owner (pasted)",
        "ReturnForm.reason (pasted)",
        "ModerationForm.note (pasted)",
        "ActionUpdateForm.note (pasted)",
        "ActionUpdateForm.reason (pasted)",
        "ConsistencyNoteForm.note (pasted)",
    }


def test_moderation_choices_come_from_the_scale(response, levels):
    """The moderated rating offers Not set and each level of the version's scale."""
    form = ModerationForm(levels=levels, response=response)
    assert [value for value, _ in form.fields["rating"].choices] == [
        "",
        *(level.value for level in levels),
    ]
    assert form.fields["rating"].label == f"Moderated rating for item {response.item.ref}"


@pytest.mark.parametrize("raw", ["4", "-1", "abc", "1\x00"])
def test_moderated_rating_off_the_scale_is_an_error(response, levels, raw):
    """A value that is not a level of the scale is refused with the scale's bounds."""
    form = ModerationForm(
        {"m-rating": raw, "m-revision": "0"}, prefix="m", levels=levels, response=response
    )
    assert not form.is_valid()
    assert form.errors["rating"] == [f"Select a rating from 0 to {levels[-1].value}"]


@pytest.mark.parametrize("raw", ["", "x", "-1", "9" * 5000, "²"])
def test_forged_revision_reads_as_stale(response, levels, raw):
    """A revision that is not a plain number is kept as None, which the service refuses."""
    form = ModerationForm({"m-revision": raw}, prefix="m", levels=levels, response=response)
    assert form.is_valid()
    assert form.moderation().revision is None


def test_moderation_note_is_cleaned_of_control_characters(response, levels):
    """A note pasted with a vertical tab, NUL and escape is stored as the person saw it."""
    data = {"m-note": " One\x0bTwo\x00\x1b three ", "m-rating": "2", "m-revision": "3"}
    form = ModerationForm(data, prefix="m", levels=levels, response=response)
    assert form.is_valid()
    assert (form.moderation().note, form.moderation().rating, form.moderation().revision) == (
        "One\nTwo three",
        2,
        3,
    )


def _actions(count):
    data = {"a-TOTAL_FORMS": str(count), "a-INITIAL_FORMS": "0"}
    for n in range(count):
        data |= {f"a-{n}-what": f"Action {n}", f"a-{n}-owner": "Team"}
    return ActionFormSet(data, prefix="a")


def test_twenty_actions_are_accepted_and_twenty_one_refused():
    """An item takes up to 20 actions; one more is an error in the GOV.UK style."""
    assert _actions(20).is_valid()
    formset = _actions(21)
    assert not formset.is_valid()
    assert formset.non_form_errors() == ["Enter no more than 20 actions"]
    assert len(formset.forms) == 21


def test_a_forged_huge_action_count_builds_a_bounded_number_of_forms():
    """However many lines a forged form claims, only a bounded number of forms are built."""
    formset = ActionFormSet({"a-TOTAL_FORMS": "100000", "a-INITIAL_FORMS": "0"}, prefix="a")
    assert not formset.is_valid()
    assert len(formset.forms) == 200
