"""The practitioner's form (one radios question per statement, then agency and role) and the
lead's form to open a survey. No field takes free text except the honeypot, never stored."""

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import HTML, Button, Field, Layout, Size
from django import forms

from audits.forms import DayField

from .choices import Agency, Agreement, RoleGroup
from .services import ANSWER_MISSING

HONEYPOT = "website"


class SurveyForm(forms.Form):
    """Every statement must be answered (one base for every figure); agency and role may be
    left out."""

    agency = forms.ChoiceField(
        label="Which agency do you work for? (optional)",
        choices=Agency.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    role = forms.ChoiceField(
        label="Which best describes your role? (optional)",
        choices=RoleGroup.choices,
        required=False,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, statements, **kwargs):
        super().__init__(*args, **kwargs)
        self.statements = statements
        statement_fields = {}
        for n, statement in enumerate(statements, start=1):
            statement_fields[statement["key"]] = forms.TypedChoiceField(
                label=f"{n}. {statement['text']}",
                choices=Agreement.choices,
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={
                    "required": ANSWER_MISSING.format(n=n),
                    "invalid_choice": ANSWER_MISSING.format(n=n),
                },
            )
        # The statements first, in the file's order, then agency and role. The honeypot is
        # not a field: hidden from people and screen readers, only a program fills it in.
        self.fields = {**statement_fields, **self.fields}
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            *(Field.radios(key, legend_size=Size.SMALL) for key in statement_fields),
            Field.radios("agency", legend_size=Size.SMALL),
            Field.radios("role", legend_size=Size.SMALL),
            HTML(
                '<div class="govuk-visually-hidden" aria-hidden="true">'
                f'<label for="id_{HONEYPOT}">Leave this empty</label>'
                f'<input type="text" name="{HONEYPOT}" id="id_{HONEYPOT}" tabindex="-1" '
                'autocomplete="off" value=""></div>'
            ),
            Button("submit", "Send answers"),
        )

    @property
    def is_bot(self) -> bool:
        return bool(self.data.get(HONEYPOT))

    def answers(self) -> dict:
        return {s["key"]: self.cleaned_data[s["key"]] for s in self.statements}


class SurveyOpenForm(forms.Form):
    closes_on = DayField(
        label="Closing date",
        example="31 1 2027",
        help_text=(
            "The link stops taking answers after this date. It must be within the cycle. "
            "For example, 31 1 2027"
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Field("closes_on", context={"legend_size": Size.for_legend(Size.SMALL)}),
            Button("submit", "Open the survey"),
        )
