"""Forms for a partnership's agencies and an agency's answers, in GOV.UK layout."""

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Layout, Size
from django import forms

from audits.forms import EVIDENCE_MAX, EVIDENCE_TOO_LONG, NO_NAMES_HINT
from audits.services import rating_invalid

NAME_REQUIRED = "Enter the agency's name"
MEMBER_REQUIRED = "Select a member"
NO_AGENCY = ""


def _helper(*fields) -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False  # the template has the <form> and its CSRF token
    helper.disable_csrf = True
    helper.layout = Layout(*fields)
    return helper


class AgencyNameForm(forms.Form):
    name = forms.CharField(
        label="Agency name",
        max_length=100,
        error_messages={
            "required": NAME_REQUIRED,
            "max_length": "The agency's name must be 100 characters or fewer",
        },
    )

    def __init__(self, *args, button="Add agency", **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(Field.text("name", label_size=Size.SMALL), Button("save", button))


class AgencyMemberForm(forms.Form):
    membership = forms.TypedChoiceField(
        label="Member", coerce=int, error_messages={"required": MEMBER_REQUIRED}
    )
    agency = forms.TypedChoiceField(label="Agency", coerce=int, empty_value=None, required=False)

    def __init__(self, *args, members, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["membership"].choices = [("", "Choose a member")] + [
            (m.pk, m.user.email) for m in members
        ]
        self.fields["agency"].choices = [(NO_AGENCY, "No agency")] + [
            (a.pk, a.name) for a in agencies
        ]
        self.helper = _helper(
            Field.select("membership"), Field.select("agency"), Button("attach", "Attach member")
        )


class AgencyAnswerForm(forms.Form):
    """One item's rating and evidence as one agency gives them."""

    rating = forms.TypedChoiceField(
        choices=[], coerce=int, empty_value=None, required=False, widget=forms.RadioSelect
    )
    evidence = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=EVIDENCE_MAX,
        error_messages={"max_length": EVIDENCE_TOO_LONG},
    )
    revision = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, levels, item, agency, **kwargs):
        super().__init__(*args, **kwargs)
        self.item = item
        ref = item.ref
        self.fields["rating"].label = f"How would {agency.name} rate item {ref}?"
        self.fields["rating"].choices = [
            (level.value, f"{level.value} {level.label}") for level in levels
        ]
        self.fields["rating"].error_messages["invalid_choice"] = rating_invalid(levels)
        self.fields["evidence"].label = f"{agency.name}'s evidence for item {ref}"
        self.fields["evidence"].help_text = NO_NAMES_HINT
        self.helper = _helper(
            "revision",
            Field.radios("rating", legend_size=Size.SMALL, small=True, inline=True),
            Field.textarea("evidence", label_size=Size.SMALL, rows=3),
        )
