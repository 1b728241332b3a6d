"""Forms for recording a child and a review, filtering the list, and importing a file.

Every dimension is a set of radios with an explicit "Not recorded" where the domain has
one, so that a missing answer is something someone chose, not a blank.
"""

from datetime import date

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Layout, Size
from django import forms

from partnerships.text import PastedTextField

from . import choices as c
from . import dimensions
from .models import Child, Review
from .validators import validate_learning_summary, validate_reference

MONTH_REQUIRED = "Enter the {label} as a month and a year"
MONTH_INVALID = "Enter a real month for the {label}: a month from 1 to 12 and a 4-digit year"
MONTH_IN_FUTURE = "The {label} must be this month or earlier"
NOTIFIED_BEFORE_INCIDENT = "The notification month cannot be before the incident month"
COMPLETED_BEFORE_NOTIFIED = "The completed month cannot be before the notification month"
ONLY_WHEN = "Only answer this when {condition}"
CHOOSE = "Select an answer for {label}"
AGE_INVALID = "Enter the age as a whole number from 0 to 17"


class MonthWidget(forms.MultiWidget):
    """Month and year inputs (GOV.UK date input without the day)."""

    def __init__(self, attrs=None):
        super().__init__({"month": forms.TextInput, "year": forms.TextInput}, attrs)

    def decompress(self, value):
        if isinstance(value, date):
            return [value.month, value.year]
        return [None, None]


class MonthField(forms.MultiValueField):
    """A month, stored as the 1st of that month."""

    widget = MonthWidget

    def __init__(self, *, label, required=True, **kwargs):
        self.short_label = label.lower()
        fields = (forms.CharField(required=False), forms.CharField(required=False))
        super().__init__(fields, label=label, required=required, require_all_fields=False, **kwargs)

    def compress(self, values):
        month, year = (values or [None, None]) + [None] * (2 - len(values or []))
        if not month and not year:
            if self.required:
                raise forms.ValidationError(MONTH_REQUIRED.format(label=self.short_label))
            return None
        try:
            value = date(int(year), int(month), 1)
        except (TypeError, ValueError, OverflowError):
            raise forms.ValidationError(
                MONTH_INVALID.format(label=self.short_label), code="invalid"
            ) from None
        if len(str(year).strip()) != 4:
            raise forms.ValidationError(MONTH_INVALID.format(label=self.short_label))
        if value > date.today().replace(day=1):
            raise forms.ValidationError(MONTH_IN_FUTURE.format(label=self.short_label))
        return value

    def clean(self, value):
        # MultiValueField's own required check would say "This field is required".
        return self.compress(list(value or []))


def _radios(model_field, required):
    field = model_field.formfield(widget=forms.RadioSelect, required=required)
    field.choices = [choice for choice in model_field.choices if choice[0] != ""]
    label = str(model_field.verbose_name)
    field.error_messages["required"] = CHOOSE.format(label=label)
    return field


class ChildForm(forms.ModelForm):
    class Meta:
        model = Child
        fields = dimensions.child_form_fields()
        error_messages = {
            "reference": {"required": "Enter a reference for the child, like C-2024-007"},
        }
        field_classes = {"reference": PastedTextField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.Meta.fields:
            if name in ("reference", "age", "ethnicity"):
                continue
            self.fields[name] = _radios(Child._meta.get_field(name), required=True)
        self.fields["ethnicity"].choices = [("", "Select an ethnicity")] + list(c.Ethnicity.choices)
        self.fields["ethnicity"].error_messages["required"] = "Select the child's ethnicity"
        self.fields["age"] = forms.IntegerField(
            label="Age at the incident",
            required=False,
            widget=forms.TextInput(attrs={"inputmode": "numeric"}),
            help_text="In whole years, 0 to 17. Leave blank if not recorded.",
            error_messages={"invalid": AGE_INVALID},
        )
        # validate_reference checks the length too, with the service's own message.
        self.fields["reference"].validators = [validate_reference]

    def _post_clean(self):
        # The fields above check every value; the service runs the model's full_clean, and
        # the import relies on the database constraints, so no per-row constraint queries.
        pass

    def clean_age(self):
        age = self.cleaned_data.get("age")
        if age is not None and not 0 <= age <= 17:
            raise forms.ValidationError(AGE_INVALID, code="age")
        return age


class ReviewForm(forms.ModelForm):
    incident_month = MonthField(label="Incident month")
    notification_month = MonthField(label="Notification month")
    completed_month = MonthField(
        label="Completed month",
        required=False,
        help_text="Leave blank while the review is still in progress.",
    )
    harm_types = forms.MultipleChoiceField(
        label="Types of harm",
        choices=c.HarmType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply.",
    )

    # {question: (the question it depends on, the values that ask it, the condition)}
    DEPENDENT = dimensions.dependent_questions()

    class Meta:
        model = Review
        fields = dimensions.review_form_fields()
        widgets = {"learning_summary": forms.Textarea(attrs={"rows": 5})}
        field_classes = {"learning_summary": PastedTextField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["review_type"] = _radios(Review._meta.get_field("review_type"), True)
        # Every question with one answer, as radios; a draft may leave it blank.
        for dimension in dimensions.REVIEW_DIMENSIONS:
            if dimension.name != "review_type" and not dimension.many:
                self.fields[dimension.name] = _radios(dimension.model_field, required=False)
        for name, (_, _, condition) in self.DEPENDENT.items():
            self.fields[name].help_text = f"Only when {condition}."
        self.fields["learning_summary"].validators.append(validate_learning_summary)
        self.fields["learning_summary"].help_text = (
            "Do not include names, dates of birth, addresses, postcodes or anything else that "
            "could identify a child, family or practitioner."
        )

    def clean_harm_types(self):
        # Each type once, in the order given, so a file's repeats do not double-count.
        return list(dict.fromkeys(self.cleaned_data.get("harm_types") or []))

    def clean(self):
        data = super().clean()
        incident, notified = data.get("incident_month"), data.get("notification_month")
        completed = data.get("completed_month")
        if incident and notified and notified < incident:
            self.add_error("notification_month", NOTIFIED_BEFORE_INCIDENT)
        if notified and completed and completed < notified:
            self.add_error("completed_month", COMPLETED_BEFORE_NOTIFIED)
        for name, (condition_field, values, condition) in self.DEPENDENT.items():
            if data.get(name) and data.get(condition_field) not in values:
                self.add_error(name, ONLY_WHEN.format(condition=condition))
        return data

    def _post_clean(self):
        # Model validation runs in the service, with the child attached.
        pass


def posted_values(form, name, value) -> dict[str, list[str]]:
    """What the form's field would post to show a stored value: data keys and their values."""
    key = form.add_prefix(name)
    widget = form.fields[name].widget
    if isinstance(widget, forms.MultiWidget):
        parts = widget.decompress(value)
        return {
            f"{key}{suffix}": ["" if part is None else str(part)]
            for suffix, part in zip(widget.widgets_names, parts, strict=True)
        }
    if isinstance(value, list | tuple):
        return {key: [str(item) for item in value]}
    return {key: ["" if value is None else str(value)]}


def merge_theirs(data, form, before, now) -> list[tuple[str, str]]:
    """After a refused save: put into `data` what someone else saved for each answer this
    person left as it was `before`; keep every answer they changed. Returns (field id,
    label) for each answer both changed differently, where the person's own answer stays.

    `form` is the person's valid bound form; `before` the record as their page showed it
    (None if not recorded, when nothing is merged); `now` the record as it is now.
    """
    clashes = []
    if before is None:
        return clashes
    for name in form.Meta.fields:
        mine, was, theirs = form.cleaned_data[name], getattr(before, name), getattr(now, name)
        if theirs == was:
            continue
        if mine == was:
            for key, values in posted_values(form, name, theirs).items():
                data.setlist(key, values)
        elif mine != theirs:
            clashes.append((form[name].auto_id, form[name].label))
    return clashes


class RevisionsForm(forms.Form):
    """The revisions of the review and its child that a page was built from (hidden fields).

    A value missing or altered reads as unknown, which the services treat as out of date.
    """

    review = forms.IntegerField(min_value=0, required=False, widget=forms.HiddenInput)
    child = forms.IntegerField(min_value=0, required=False, widget=forms.HiddenInput)

    prefix = "revision"

    @classmethod
    def of(cls, review: Review) -> "RevisionsForm":
        """Hidden fields holding the revisions as they are now."""
        return cls(initial={"review": review.revision, "child": review.child.revision})

    def seen(self) -> tuple[int | None, int | None]:
        """(review revision, child revision) as posted."""
        if not self.is_valid():
            return None, None
        return self.cleaned_data["review"], self.cleaned_data["child"]


class ReviewFilterForm(forms.Form):
    review_type = forms.ChoiceField(
        label="Review type", required=False, choices=[("", "All")] + list(c.ReviewType.choices)
    )
    outcome = forms.ChoiceField(
        label="Outcome", required=False, choices=[("", "All")] + list(c.Outcome.choices)
    )
    ethnicity_group = forms.ChoiceField(
        label="Ethnicity group",
        required=False,
        choices=[("", "All")] + list(c.EthnicityGroup.choices),
    )
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "All")] + list(c.Status.choices)
    )
    year = forms.IntegerField(
        label="Year of incident",
        required=False,
        min_value=2000,
        max_value=2100,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )


NO_FILE = "Select a CSV file to import"


class ImportForm(forms.Form):
    """The file to import. What is wrong inside it, reviews.exchange says; an empty file is
    let through so that it says that too, in its own words."""

    file = forms.FileField(
        label="Upload a file",
        help_text="A CSV file in the review file format, saved as UTF-8, up to 5 MB",
        allow_empty_file=True,
        error_messages={"required": NO_FILE, "missing": NO_FILE, "invalid": NO_FILE},
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field("file", context={"label_size": Size.for_label(Size.MEDIUM)}),
            Button("submit", "Import file"),
        )
