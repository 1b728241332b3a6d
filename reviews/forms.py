"""Forms for recording a child and a review, filtering the list, and importing a file.

Every dimension is a set of radios with an explicit "Not recorded" where the domain has
one, so that a missing answer is something someone chose, not a blank.
"""

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Div, Field, Layout, Size
from django import forms
from django.utils.safestring import SafeString

from partnerships.forms import crispy_rendered
from partnerships.months import MonthField
from partnerships.text import PastedTextField

from . import choices as c
from . import dimensions
from .models import Child, Review
from .validators import validate_learning_summary, validate_reference

NOTIFIED_BEFORE_INCIDENT = "The notification month cannot be before the incident month"
COMPLETED_BEFORE_NOTIFIED = "The completed month cannot be before the notification month"
ONLY_WHEN = "Only answer this when {condition}"
CHOOSE = "Select an answer for {label}"
AGE_INVALID = "Enter the age as a whole number from 0 to 17"
LEARNING_SUMMARY_MAX = 1500


def _month(label, **kwargs):
    return MonthField(label=label, allow_future=False, **kwargs)


class SectionMixin:
    """A form asking only some of its fields (one page of the review form, `only`), laid out
    with crispy-forms-gds inside the page's own <form>: each follow-up question is revealed
    by the answers that ask it (see _layout; without JavaScript every follow-up shows, with
    its "Only when" hint)."""

    def _keep_only(self, only):
        if only is not None:
            for name in list(self.fields):
                if name not in only:
                    del self.fields[name]
        self.helper = FormHelper(self)
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(*_layout(self))

    def anchor(self, name) -> str:
        """The id of the first input of a field, for error summaries and Change links."""
        return field_anchor(self, name)


def _follow_ups(form) -> dict[str, list[tuple[frozenset, list[str]]]]:
    """{question: [(the answers that ask them, [follow-up questions])]} for this form."""
    groups: dict[str, dict[frozenset, list[str]]] = {}
    for name, (condition, values, _) in dimensions.dependent_questions().items():
        if name in form.fields and condition in form.fields:
            groups.setdefault(condition, {}).setdefault(values, []).append(name)
    return {condition: list(by_values.items()) for condition, by_values in groups.items()}


def _item(form, name):
    widget = form.fields[name].widget
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return Field.checkboxes(name, legend_size=Size.SMALL)
    if isinstance(widget, forms.RadioSelect):
        return Field.radios(name, legend_size=Size.SMALL)
    if isinstance(widget, forms.Select):
        return Field(name, context={"label_size": Size.for_label(Size.SMALL)})
    if isinstance(widget, forms.Textarea):
        return Field.textarea(name, label_size=Size.SMALL, max_characters=LEARNING_SUMMARY_MAX)
    if isinstance(widget, forms.MultiWidget):
        return Field(name, context={"legend_size": Size.for_legend(Size.SMALL)})
    if name == "age":
        return Field.text(name, label_size=Size.SMALL, field_width=2)
    return Field.text(name, label_size=Size.SMALL, field_width=10)


def _layout(form) -> list:
    """Each question in order; a question's follow-ups just after it, in a panel the service's
    script reveals for the answers that ask them (data-app-reveal: several answers may ask
    one follow-up, as risk partly or fully recognised asks whether action followed). Without
    JavaScript the panel shows, with each follow-up's "Only when" hint."""
    follow_ups = _follow_ups(form)
    inside = {q for groups in follow_ups.values() for _values, qs in groups for q in qs}
    items = []
    for name in form.fields:
        if name in inside:
            continue
        items.append(_item(form, name))
        for values, questions in follow_ups.get(name, []):
            items.append(
                Div(
                    *(_item(form, question) for question in questions),
                    css_class="app-reveal",
                    css_id=f"{form[questions[0]].auto_id}-reveal",
                    data_app_reveal=form[name].html_name,
                    data_app_reveal_values=" ".join(sorted(values)),
                )
            )
    return items


def field_anchor(form, name) -> str:
    """The id crispy-forms-gds gives the first input of a field."""
    bound = form[name]
    widget = bound.field.widget
    if isinstance(widget, forms.RadioSelect):
        return f"id_{bound.html_name}_1"  # crispy-forms-gds numbers radios from 1
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return f"id_{bound.html_name}_1"
    if isinstance(widget, forms.MultiWidget):
        return f"{bound.auto_id}_0"
    return bound.auto_id


def _radios(model_field, required):
    field = model_field.formfield(widget=forms.RadioSelect, required=required)
    field.choices = [choice for choice in model_field.choices if choice[0] != ""]
    label = str(model_field.verbose_name)
    field.error_messages["required"] = CHOOSE.format(label=label)
    return field


class ChildForm(SectionMixin, forms.ModelForm):
    class Meta:
        model = Child
        fields = dimensions.child_form_fields()
        error_messages = {
            "reference": {"required": "Enter a reference for the child, like C-2024-007"},
        }
        field_classes = {"reference": PastedTextField}

    def __init__(self, *args, only=None, **kwargs):
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
        self._keep_only(only)

    def _post_clean(self):
        # The fields above check every value; the service runs the model's full_clean, and
        # the import relies on the database constraints, so no per-row constraint queries.
        pass

    def clean_age(self):
        age = self.cleaned_data.get("age")
        if age is not None and not 0 <= age <= 17:
            raise forms.ValidationError(AGE_INVALID, code="age")
        return age


class ReviewForm(SectionMixin, forms.ModelForm):
    incident_month = _month("Incident month")
    notification_month = _month("Notification month")
    completed_month = _month(
        "Completed month",
        required=False,
        help_text="For example, 3 2024. Leave blank while the review is still in progress.",
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

    def __init__(self, *args, only=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["review_type"] = _radios(Review._meta.get_field("review_type"), True)
        # Every question with one answer, as radios; a draft may leave it blank.
        for dimension in dimensions.REVIEW_DIMENSIONS:
            if dimension.name != "review_type" and not dimension.many:
                self.fields[dimension.name] = _radios(dimension.model_field, required=False)
        for name, (_, _, condition) in self.DEPENDENT.items():
            self.fields[name].help_text = f"Only when {condition}."
        self.fields["learning_summary"].validators.append(validate_learning_summary)
        # The GOV.UK character count says how many are left; maxlength would cut a paste.
        self.fields["learning_summary"].widget.attrs.pop("maxlength", None)
        self.fields["learning_summary"].help_text = (
            "Do not include names, dates of birth, addresses, postcodes or anything else that "
            "could identify a child, family or practitioner."
        )
        self._keep_only(only)

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
            if name not in self.fields:
                continue
            if condition_field in self.fields:
                asked_by = data.get(condition_field)
            else:
                asked_by = getattr(self.instance, condition_field, None)
            if data.get(name) and asked_by not in values:
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
    for name in form.fields:
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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper(self)
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            *(Field.select(name) for name in self.fields if name != "year"),
            Field.text("year", field_width=4),
        )

    def markup(self) -> SafeString:
        """The form as `{% crispy %}` renders it. Its choices are the code's, never the
        database's, so the markup depends on nothing but the values asked for: it is made
        once for each set of them (partnerships.forms.crispy_rendered)."""
        # What each field reads from the query (the widget takes the last value given).
        values = [(name, self.data.get(name)) for name in self.fields] if self.is_bound else None
        return crispy_rendered(self, values)


def _required_on_review(name: str) -> bool:
    return not Review._meta.get_field(name).blank


def start_sections(child_known: bool) -> list:
    """The pages a new draft needs before it can be saved: the child's (unless the review is
    about a child already recorded) and every review page with an answer a draft needs."""
    return [
        page
        for page in dimensions.PAGES
        if (page.on == dimensions.CHILD and not child_known)
        or (page.on == dimensions.REVIEW and any(map(_required_on_review, page.fields)))
    ]


PAGES_SHOWN = "pages"  # a hidden input for each page a post answers, named by its slug


def is_posted(page, data) -> bool:
    """Whether `data` answers the page: it names the page, or holds an answer to its fields."""
    if data is None:
        return False
    if hasattr(data, "getlist") and page.slug in data.getlist(PAGES_SHOWN):
        return True
    keys = set(data)
    return any(
        key in keys
        for name in page.fields
        for key in (f"{page.on}-{name}", f"{page.on}-{name}_month")
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
