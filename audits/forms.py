"""Forms for answering a theme, checking and submitting, moderating and opening cycles.

The theme page is many small forms on one page: for each item an ItemAnswerForm and a
formset of ActionForms (action-plan lines). Adding and removing lines works without
JavaScript: the buttons post the page back and it is shown again with every entered value.
The Panel's audit page is one form too: a ModerationForm per item and the ReturnForm.

Every free-text field is a PastedTextField, so control characters pasted from a word
processor never reach the database.
"""

import re
from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from crispy_forms_gds.choices import Choice
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Div, Field, Fixed, Fluid, Layout, Size
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from partnerships.months import MonthField
from partnerships.text import PastedTextField

from . import rules
from .models import CYCLE_NAME_PATTERN, ActionRecord, FrameworkVersion
from .services import (
    CYCLE_DATES,
    CYCLE_NAME_FORMAT,
    DROPPED_REASON_REQUIRED,
    REASON_REQUIRED,
    STATUS_INVALID,
    Moderation,
    rating_invalid,
)

WHAT_REQUIRED = "Enter what will be done"
DUE_LABEL = "due date"
EVIDENCE_MAX = 5000
EVIDENCE_TOO_LONG = f"Evidence must be {EVIDENCE_MAX} characters or fewer"
WHAT_MAX = 1000
WHAT_TOO_LONG = f"What will be done must be {WHAT_MAX} characters or fewer"
OWNER_MAX = 150
OWNER_TOO_LONG = f"Owner must be {OWNER_MAX} characters or fewer"
NOTE_MAX = 5000
NOTE_TOO_LONG = f"Moderation note must be {NOTE_MAX} characters or fewer"
ACTIONS_MAX = 20
ACTIONS_TOO_MANY = f"Enter no more than {ACTIONS_MAX} actions"
# Beside every free-text field a partnership fills in.
NO_NAMES_HINT = "Do not name children, families or staff."
REVISION = re.compile(r"[0-9]{1,9}")


class ItemAnswerForm(forms.Form):
    rating = forms.TypedChoiceField(
        choices=[],
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )
    evidence = PastedTextField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=EVIDENCE_MAX,
        error_messages={"max_length": EVIDENCE_TOO_LONG},
    )
    confirm = forms.BooleanField(required=False)
    revision = forms.IntegerField(widget=forms.HiddenInput)
    # What the page showed (services.answer_shown), so a save can tell what was changed.
    shown = forms.CharField(required=False, strip=False, widget=forms.HiddenInput)

    def __init__(self, *args, levels, response, **kwargs):
        super().__init__(*args, **kwargs)
        self.response = response
        self.item = response.item
        ref = self.item.ref
        fields = self.fields
        fields["rating"].label = f"How would you rate item {ref}?"
        fields["rating"].choices = [
            Choice(level.value, f"{level.value} {level.label}", hint=level.description)
            for level in levels
        ]
        fields["rating"].error_messages["invalid_choice"] = rating_invalid(levels)
        fields["evidence"].label = f"Evidence for item {ref}"
        fields["evidence"].help_text = (
            f"{rules.EVIDENCE_RULE.text()} Say what shows this and where it can be found. "
            f"{NO_NAMES_HINT}"
        )
        no_maxlength(fields["evidence"])
        confirm = f"I have reviewed the carried-forward answer to item {ref} and it is still right"
        fields["confirm"].label = confirm

    @cached_property
    def helper(self) -> FormHelper:
        """crispy's layout, made only when crispy renders this form: the pages render most
        unbound ones with templates/audits/fields/ instead, which need none."""
        helper = FormHelper()
        helper.form_tag = False  # part of the theme page's one <form>
        helper.disable_csrf = True
        helper.layout = Layout(
            *([Field.checkbox("confirm", small=True)] if self.response.carried_forward else []),
            "revision",
            "shown",
            Field.radios("rating", legend_size=Size.SMALL, small=True),
            # Shown without JavaScript; static/js/app.mjs hides it unless the rating needs it.
            Div(
                Field.textarea(
                    "evidence", label_size=Size.SMALL, rows=4, max_characters=EVIDENCE_MAX
                ),
                css_class="app-reveal",
                css_id=f"{self['evidence'].auto_id}-reveal",
                data_app_reveal=self["rating"].html_name,
                data_app_reveal_values=" ".join(map(str, rules.EVIDENCE_RULE.levels)),
            ),
        )
        return helper

    def hide_errors(self):
        """Render as typed with no error shown (an add or remove post-back, a conflict)."""
        hide_errors(self)

    @property
    def renders_plain(self) -> bool:
        """Whether templates/audits/fields/answer.html can render it (else crispy does)."""
        return not self.is_bound and not self.response.carried_forward

    @cached_property
    def plain(self) -> dict:
        """What templates/audits/fields/answer.html needs of an unbound form, read once."""
        rating = self.fields["rating"]
        chosen = "" if self.initial.get("rating") is None else str(self.initial["rating"])
        return {
            "revision": self.initial.get("revision", ""),
            "shown": self.initial.get("shown", ""),
            "rating_label": rating.label,
            "choices": [
                (choice.value, choice.label, choice.hint, str(choice.value) == chosen)
                for choice in rating.choices
            ],
            "reveal_values": " ".join(map(str, rules.EVIDENCE_RULE.levels)),
            "evidence_label": self.fields["evidence"].label,
            "evidence_hint": self.fields["evidence"].help_text,
            "evidence_max": EVIDENCE_MAX,
            "evidence": self.initial.get("evidence") or "",
        }


def no_maxlength(*fields):
    # The character count tells the limit and the save refuses more; a maxlength attribute
    # would cut off pasted text without a word, so the theme page has none.
    for field in fields:
        field.widget.attrs.pop("maxlength", None)


def hide_errors(form):
    # crispy marks fields in error (class, aria-describedby) even when it shows no message,
    # so the errors go too: these renders never read cleaned_data.
    if form.is_bound:  # an unbound form has no errors (and perhaps no helper made yet)
        form.helper.form_show_errors = False
    form._errors = forms.utils.ErrorDict()
    form.cleaned_data = {}


class ActionForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    what = PastedTextField(
        required=False,
        max_length=WHAT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"max_length": WHAT_TOO_LONG},
    )
    owner = PastedTextField(
        required=False, max_length=OWNER_MAX, error_messages={"max_length": OWNER_TOO_LONG}
    )
    # Posted as due_month and due_year, stored as the 1st of the month.
    due = MonthField(label="Due", short_label=DUE_LABEL, required=False)

    def __init__(self, *args, item=None, number=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.number = number
        where = f"(action {number}, item {item.ref})" if item and number else ""
        fields = self.fields
        fields["what"].label = f"What will be done {where}".strip()
        # crispy's character count adds to aria-describedby, which a field without a hint lacks.
        fields["what"].widget.attrs["aria-describedby"] = ""
        no_maxlength(fields["what"], fields["owner"])
        fields["owner"].label = f"Owner {where}".strip()
        fields[
            "owner"
        ].help_text = "A role or team, not a person's name. For example, Head of Quality Assurance"
        fields["due"].label = f"Due {where}".strip()

    @cached_property
    def helper(self) -> FormHelper:
        """crispy's layout, made only when crispy renders this form: the pages render most
        unbound ones with templates/audits/fields/ instead, which need none."""
        helper = FormHelper()
        helper.form_tag = False  # part of the theme page's one <form>
        helper.disable_csrf = True
        helper.layout = Layout(
            "id",
            Field.textarea("what", rows=2, max_characters=WHAT_MAX),
            Field(
                "owner",
                css_class=f"{Fluid.for_input(Fluid.TWO_THIRDS)} govuk-js-character-count",
                context={"max_characters": OWNER_MAX},
            ),
            "due",
        )
        return helper

    def hide_errors(self):
        """Render as typed with no error shown (an add or remove post-back, a conflict)."""
        hide_errors(self)

    @cached_property
    def plain(self) -> dict:
        """What templates/audits/fields/action.html needs of an unbound line, read once."""
        fields, initial = self.fields, self.initial
        return {
            "id": initial.get("id"),
            "what_label": fields["what"].label,
            "what_max": WHAT_MAX,
            "what": initial.get("what") or "",
            "owner_label": fields["owner"].label,
            "owner_hint": fields["owner"].help_text,
            "owner_max": OWNER_MAX,
            "owner": initial.get("owner") or "",
            "due_label": fields["due"].label,
            "due_hint": fields["due"].help_text,
            "due": initial.get("due"),
        }

    def clean(self):
        data = super().clean()
        what, owner = (data.get("what") or "").strip(), (data.get("owner") or "").strip()
        started = what or owner or data.get("due") or self.has_error("due")
        if started and not what and not self.has_error("what"):
            self.add_error("what", ValidationError(WHAT_REQUIRED, code="what"))
        return data

    line = None  # the stored plan line this form edits, if any (set by the theme page)

    @property
    def removable(self) -> bool:
        """Whether the page offers "Remove action": a new line, or one whose action is this
        plan's alone and was never updated (services._ensure_removable has the last word)."""
        line = self.line
        return line is None or (not line.carried and line.record.revision == 0)

    @classmethod
    def initial_for(cls, action):
        return {
            "id": action.pk,
            "what": action.what,
            "owner": action.owner,
            "due": action.due_month,
        }


class BaseActionFormSet(forms.BaseFormSet):
    """An item's action lines; form_kwargs={"item": item} numbers and names each line."""

    default_error_messages = {"too_many_forms": ACTIONS_TOO_MANY}

    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        return {**kwargs, "number": None if index is None else index + 1}

    def plain_management(self) -> list[tuple[str, int]]:
        """The management form's fields and values of an unbound formset, as its hidden
        inputs show them, for the theme page to write without rendering four widgets."""
        return [
            ("TOTAL_FORMS", self.total_form_count()),
            ("INITIAL_FORMS", self.initial_form_count()),
            ("MIN_NUM_FORMS", self.min_num),
            ("MAX_NUM_FORMS", self.max_num),
        ]


ActionFormSet = forms.formset_factory(
    ActionForm,
    formset=BaseActionFormSet,
    extra=0,
    can_delete=True,
    max_num=ACTIONS_MAX,
    validate_max=True,
    # However many lines a forged form claims, no more than this are ever built.
    absolute_max=ACTIONS_MAX * 10,
)


MODERATED_RATING_LABEL = "Moderated rating for item {ref}"
MODERATION_NOTE_LABEL = "Moderation note for item {ref} (optional)"
MODERATION_NOTE_HINT = "The partnership sees this note in its audit report"


def moderation_choices(levels) -> list[tuple]:
    """The moderated rating's options: not set, then each level of the scale."""
    return [("", "Not set")] + [(level.value, f"{level.value} {level.label}") for level in levels]


def moderation_plain_html(*, prefix, ref, choices, initial) -> str:
    """The markup {% crispy form %} gives an unbound ModerationForm (tests/audits/test_fields.py
    holds them equal), made here rather than through crispy's layout and widget templates or
    a template of its own: the Panel's audit page shows one for every item, and this was most
    of its time."""
    p = prefix
    chosen = "" if initial.get("rating") is None else str(initial["rating"])
    shown = initial.get("shown", "")
    options = format_html_join(
        "",
        ' <option value="{}"{}>{}</option>',
        (
            (value, mark_safe(" selected") if str(value) == chosen else "", label)
            for value, label in choices
        ),
    )
    return format_html(
        '<input type="hidden" name="{p}-revision" value="{revision}" id="id_{p}-revision">'
        ' <input type="hidden" name="{p}-shown"{shown} id="id_{p}-shown">'
        ' <div id="div_id_{p}-rating" class="govuk-form-group">'
        ' <label for="id_{p}-rating" class="govuk-label govuk-label--s">{rating_label}</label>'
        ' <select name="{p}-rating" class="govuk-select" id="id_{p}-rating">{options}\n'
        "</select> </div>"
        ' <div class="govuk-character-count" data-module="govuk-character-count"'
        ' data-maxlength="{most}" data-threshold="75">'
        ' <div id="div_id_{p}-note" class="govuk-form-group">'
        ' <label for="id_{p}-note" class="govuk-label">{note_label}</label>'
        ' <div id="id_{p}-note_hint" class="govuk-hint">{note_hint}</div>'
        ' <textarea name="{p}-note" cols="40" rows="2" maxlength="{most}"'
        ' class="govuk-textarea govuk-js-character-count"'
        ' aria-describedby="id_{p}-note_hint id_{p}-note-info" id="id_{p}-note">\n'
        "{note}</textarea>"
        ' <span id="id_{p}-note-info" class="govuk-hint govuk-character-count__message"'
        ' aria-live="polite">You can enter up to {most} characters</span> </div> </div>',
        p=p,
        revision=initial.get("revision", ""),
        shown=format_html(' value="{}"', shown) if shown else "",
        # crispy leaves labels and hints unescaped; these have nothing to escape.
        rating_label=MODERATED_RATING_LABEL.format(ref=ref),
        options=options,
        most=NOTE_MAX,
        note_label=MODERATION_NOTE_LABEL.format(ref=ref),
        note_hint=MODERATION_NOTE_HINT,
        note=initial.get("note") or "",
    )


class ModerationForm(forms.Form):
    """The Panel's moderated rating and note for one response, and the revision it read."""

    rating = forms.TypedChoiceField(choices=[], coerce=int, empty_value=None, required=False)
    note = PastedTextField(
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"max_length": NOTE_TOO_LONG},
    )
    revision = forms.CharField(required=False, widget=forms.HiddenInput)
    # What the page showed (services.moderation_shown), so a save can tell what was changed.
    shown = forms.CharField(required=False, strip=False, widget=forms.HiddenInput)

    def __init__(self, *args, levels, response, **kwargs):
        super().__init__(*args, **kwargs)
        self.response = response
        self.item = response.item
        self.fields["rating"].label = MODERATED_RATING_LABEL.format(ref=self.item.ref)
        self.fields["note"].label = MODERATION_NOTE_LABEL.format(ref=self.item.ref)
        self.fields["note"].help_text = MODERATION_NOTE_HINT
        self.fields["rating"].choices = moderation_choices(levels)
        self.fields["rating"].error_messages["invalid_choice"] = rating_invalid(levels)

    @cached_property
    def helper(self) -> FormHelper:
        """crispy's layout, made only when crispy renders this form: the pages render most
        unbound ones with templates/audits/fields/ instead, which need none."""
        helper = FormHelper()
        helper.form_tag = False  # part of the Panel audit page's one <form>
        helper.disable_csrf = True
        helper.layout = Layout(
            "revision",
            "shown",
            Field("rating", context={"label_size": Size.for_label(Size.SMALL)}),
            Field.textarea("note", rows=2, max_characters=NOTE_MAX, threshold=75),
        )
        return helper

    def plain_html(self) -> str:
        """The markup {% crispy form %} gives this form unbound (moderation_plain_html). A
        bound form (shown again with what was typed, perhaps with errors) is still rendered
        by crispy."""
        return moderation_plain_html(
            prefix=self.prefix,
            ref=self.item.ref,
            choices=self.fields["rating"].choices,
            initial=self.initial,
        )

    def clean_revision(self):
        """The revision as a number; anything forged reads as stale, so the save is refused."""
        raw = self.cleaned_data["revision"]
        return int(raw) if REVISION.fullmatch(raw) else None

    def moderation(self) -> Moderation:
        data = self.cleaned_data
        return Moderation(
            rating=data["rating"],
            note=data["note"],
            revision=data["revision"],
            shown=data["shown"] or None,
        )


@dataclass
class UnboundModeration:
    """An unbound ModerationForm as the Panel's audit page shows it, without building the
    form (which deep-copies its fields): the page shows one for every item on every visit,
    and only a posted page needs real forms. Its plain_html is the form's."""

    prefix: str
    ref: str
    choices: list
    initial: dict
    is_bound: ClassVar[bool] = False

    def plain_html(self) -> str:
        return moderation_plain_html(
            prefix=self.prefix, ref=self.ref, choices=self.choices, initial=self.initial
        )


class ReturnForm(forms.Form):
    reason = PastedTextField(
        label="Why are you returning the audit?",
        help_text="The partnership sees this on its task list. Say what needs to change.",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        error_messages={"required": REASON_REQUIRED},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False  # part of the Panel audit page's one <form>
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Field.textarea("reason", label_size=Size.MEDIUM),
            Button.warning("return", "Return audit"),
        )


CONSISTENCY_NOTE_MAX = 1000
CONSISTENCY_NOTE_TOO_LONG = (
    f"The note for the Panel on item {{ref}} must be {CONSISTENCY_NOTE_MAX:,} characters or fewer"
)
CONSISTENCY_NOTE_HINT = (
    "Say why the rating stands although your reviews do not bear it out. The Panel reads this "
    "with your audit."
)


class ConsistencyNoteForm(forms.Form):
    """A lead's note for the Panel on one rating the partnership's own reviews do not bear
    out (the check page), and the note the page showed (`seen`), so that a save can tell
    whether someone else changed it meanwhile. Empty clears the note."""

    note = PastedTextField(
        required=False,
        max_length=CONSISTENCY_NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    seen = forms.CharField(required=False, strip=False, widget=forms.HiddenInput)

    def __init__(self, *args, ref, **kwargs):
        super().__init__(*args, **kwargs)
        self.ref = ref
        note = self.fields["note"]
        # Every flagged item has one: the item's number tells them apart to a screen reader.
        note.label = format_html(
            'Note for the Panel<span class="govuk-visually-hidden"> on item {}</span> (optional)',
            ref,
        )
        note.help_text = f"{CONSISTENCY_NOTE_HINT} {NO_NAMES_HINT}"
        note.error_messages["max_length"] = CONSISTENCY_NOTE_TOO_LONG.format(ref=ref)
        no_maxlength(note)
        self.helper = FormHelper()
        self.helper.form_tag = False  # part of the check page's notes <form>
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            "seen",
            Field.textarea(
                "note", label_size=Size.SMALL, rows=3, max_characters=CONSISTENCY_NOTE_MAX
            ),
        )


DATE_REQUIRED = "Enter the {label}"
DATE_PART_MISSING = "The {label} must include a day, a month and a year"
DATE_NOT_REAL = "{Label} must be a real date"
DATE_YEAR_NOT_4_DIGITS = "The year of the {label} must be 4 digits, for example 2027"
DATE_EXAMPLE = "For example, {example}"


class DayWidget(forms.MultiWidget):
    """Day, month and year inputs, each with its own label, in a GOV.UK date input."""

    template_name = "gds/widgets/date.html"

    def __init__(self, attrs=None):
        def part(label, width):
            return forms.TextInput(
                {
                    "class": f"govuk-input govuk-date-input__input govuk-input--width-{width}",
                    "label": label,
                    "inputmode": "numeric",
                }
            )

        super().__init__(
            {"day": part("Day", 2), "month": part("Month", 2), "year": part("Year", 4)}, attrs
        )

    def decompress(self, value):
        if isinstance(value, date):
            return [value.day, value.month, value.year]
        return [None, None, None]

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        # The template pops each label off its input's attributes; give each render its own.
        for subwidget in context["widget"]["subwidgets"]:
            subwidget["attrs"] = dict(subwidget["attrs"])
        return context


class DayField(forms.MultiValueField):
    """A date typed as day, month and year (the GOV.UK date input), with the service's own
    messages naming it by `label` ("opening date"). Nothing typed can make it fail other
    than with one of those messages."""

    widget = DayWidget

    def __init__(self, *, label, example, **kwargs):
        self.short_label = label.lower()
        kwargs.setdefault("help_text", DATE_EXAMPLE.format(example=example))
        fields = [forms.CharField(required=False) for _ in range(3)]
        super().__init__(fields, label=label, require_all_fields=False, **kwargs)

    def compress(self, values):
        day, month, year = [str(part or "").strip() for part in (list(values or []) + [""] * 3)[:3]]
        label = self.short_label
        if not (day or month or year):
            if self.required:
                raise ValidationError(DATE_REQUIRED.format(label=label), code="required")
            return None
        if not (day and month and year):
            raise ValidationError(DATE_PART_MISSING.format(label=label), code="incomplete")
        if not all(re.fullmatch(r"[0-9]{1,2}", part) for part in (day, month)):
            raise ValidationError(DATE_NOT_REAL.format(Label=label.capitalize()), code="invalid")
        if not re.fullmatch(r"[0-9]{4}", year) or int(year) < 1000:
            raise ValidationError(DATE_YEAR_NOT_4_DIGITS.format(label=label), code="year")
        try:
            return date(int(year), int(month), int(day))
        except ValueError:
            raise ValidationError(
                DATE_NOT_REAL.format(Label=label.capitalize()), code="invalid"
            ) from None

    def clean(self, value):
        # MultiValueField's own required check would say "This field is required".
        value = self.compress(value if isinstance(value, list | tuple) else [])
        self.run_validators(value)
        return value


class CycleForm(forms.Form):
    name = forms.RegexField(
        label="Cycle name",
        regex=rf"^{CYCLE_NAME_PATTERN.pattern}$",
        help_text="The financial year it covers, for example 2027-28",
        error_messages={"required": "Enter a cycle name", "invalid": CYCLE_NAME_FORMAT},
    )
    version = forms.ModelChoiceField(
        label="Framework version",
        queryset=FrameworkVersion.objects.published().select_related("framework"),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": "Select a framework version"},
    )
    opens_on = DayField(label="Opening date", example="1 4 2027")
    closes_on = DayField(
        label="Closing date",
        example="31 3 2028",
        help_text="After this date audits of the cycle are read-only. For example, 31 3 2028",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound and "version" not in self.initial:
            # The newest published version is the usual choice; with one, the only one.
            self.initial["version"] = (
                self.fields["version"]
                .queryset.order_by(F("published_at").desc(nulls_last=True), "-number", "-pk")
                .values_list("pk", flat=True)
                .first()
            )
        small_legend = {"legend_size": Size.for_legend(Size.SMALL)}
        self.helper = FormHelper()
        self.helper.form_tag = False  # the template has the one <form> and its CSRF token
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Field.text("name", field_width=Fixed.TEN),
            Field.radios("version", legend_size=Size.SMALL),
            Field("opens_on", context=small_legend),
            Field("closes_on", context=small_legend),
            Button("submit", "Open cycle"),
        )

    def clean(self):
        data = super().clean()
        if data.get("opens_on") and data.get("closes_on") and data["closes_on"] < data["opens_on"]:
            self.add_error("closes_on", ValidationError(CYCLE_DATES, code="dates"))
        return data


ACTION_NOTE_MAX = 2000
ACTION_NOTE_TOO_LONG = f"The progress note must be {ACTION_NOTE_MAX} characters or fewer"
DROPPED_REASON_MAX = 1000
DROPPED_REASON_TOO_LONG = f"Why it was dropped must be {DROPPED_REASON_MAX} characters or fewer"


class ActionUpdateForm(forms.Form):
    """An action's status, why it was dropped, and a progress note: the action plan's one form.
    The reason sits under its own question, shown with or without JavaScript."""

    status = forms.ChoiceField(
        label="Status",
        choices=ActionRecord.Status.choices,
        widget=forms.RadioSelect,
        error_messages={"required": STATUS_INVALID, "invalid_choice": STATUS_INVALID},
    )
    reason = PastedTextField(
        label="If it was dropped, why?",
        help_text="Only if you choose Dropped. Say what replaced it or why it no longer applies.",
        required=False,
        max_length=DROPPED_REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": DROPPED_REASON_TOO_LONG},
    )
    note = PastedTextField(
        label="Progress note (optional)",
        help_text=f"Say what has been done and what is next. {NO_NAMES_HINT}",
        required=False,
        max_length=ACTION_NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"max_length": ACTION_NOTE_TOO_LONG},
    )
    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        no_maxlength(self.fields["reason"], self.fields["note"])
        self.helper = FormHelper()
        self.helper.form_tag = False  # the page's own <form> holds it
        self.helper.disable_csrf = True  # and its token
        self.helper.layout = Layout(
            Field.radios("status", legend_size=Size.MEDIUM),
            Field.textarea("reason", rows=3, max_characters=DROPPED_REASON_MAX),
            Field.textarea("note", rows=4, max_characters=ACTION_NOTE_MAX),
            "revision",
            Button("save", "Save"),
        )

    def clean(self):
        data = super().clean()
        if data.get("status") == ActionRecord.Status.DROPPED and not data.get("reason"):
            self.add_error("reason", ValidationError(DROPPED_REASON_REQUIRED, code="reason"))
        return data


FILTER_NOT_ON_OFFER = "The {label} in the address is not one of the choices"
STATUS_FILTERS = [
    ("", "Any status"),
    ("open", "Open (not started or in progress)"),
    *ActionRecord.Status.choices,
]


class ActionFilterForm(forms.Form):
    """The action plan's filters, in the query string so a view can be bookmarked and the
    downloads hold the same actions. A value not on offer falls back to "any" and is named
    in the error summary."""

    status = forms.ChoiceField(label="Status", required=False, choices=STATUS_FILTERS)
    theme = forms.ChoiceField(label="Theme", required=False)
    owner = forms.ChoiceField(label="Owner", required=False)
    overdue = forms.BooleanField(label="Only overdue actions", required=False)

    def __init__(self, *args, themes, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["theme"].choices = [("", "Any theme")] + [
            (str(theme.number), f"{theme.number}. {theme.title}") for theme in themes
        ]
        self.fields["owner"].choices = [("", "Any owner")] + [(o, o) for o in owners]
        for name in ("status", "theme", "owner"):
            label = self.fields[name].label.lower()
            self.fields[name].error_messages["invalid_choice"] = FILTER_NOT_ON_OFFER.format(
                label=label
            )
        self.helper = FormHelper(self)
        self.helper.form_tag = False
        self.helper.disable_csrf = True  # a GET form: no token to leak into the address
        self.helper.layout = Layout(
            Field.select("status"),
            Field.select("theme"),
            Field.select("owner"),
            Field.checkbox("overdue", small=True),
        )

    def values(self) -> dict:
        """The filters to apply: each valid value, and "any" in place of one not on offer."""
        if not self.is_bound:
            return dict.fromkeys(self.fields, "")
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        return {
            name: ("" if name in self.errors else cleaned.get(name) or "") for name in self.fields
        }


class FollowThroughFilterForm(forms.Form):
    """The Panel's follow-through page's one filter, a theme, in the query string; a theme
    not on offer falls back to every theme and is named in the error summary."""

    theme = forms.ChoiceField(label="Theme", required=False)

    def __init__(self, *args, themes, **kwargs):
        super().__init__(*args, **kwargs)
        theme = self.fields["theme"]
        theme.choices = [("", "Every theme")] + [
            (str(t.number), f"{t.number}. {t.title}") for t in themes
        ]
        theme.error_messages["invalid_choice"] = FILTER_NOT_ON_OFFER.format(label="theme")
        self.helper = FormHelper(self)
        self.helper.form_tag = False
        self.helper.disable_csrf = True  # a GET form: no token to leak into the address
        self.helper.layout = Layout(Field.select("theme"))

    def theme_number(self) -> int | None:
        """The theme chosen, or None for every theme (also in place of one not on offer)."""
        if not self.is_bound or not self.is_valid():
            return None
        chosen = self.cleaned_data["theme"]
        return int(chosen) if chosen else None
