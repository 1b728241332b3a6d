"""Filters of the dashboard pages. They arrive in the query string, so a page can be
bookmarked, shared and downloaded with the same filters; a value that is not on offer is
reported in the error summary and the page falls back to its default."""

from datetime import date

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Layout, Size
from django import forms
from django.utils.functional import cached_property
from django.utils.safestring import SafeString

from partnerships.forms import crispy_rendered

from .selectors import MODERATED, SELF

ENGLAND = ""
NO_YEAR = ""
TOO_FEW_CHOSEN = "Select at least 2 partnerships to compare item by item"
TOO_MANY_CHOSEN = "Select no more than 6 partnerships to compare item by item"
MAX_CHOSEN = 6
# The views of compare, each one table (dashboards.views.CompareView).
HEAT_MAP, ITEMS, DISTRIBUTION, GAP, CHANGE = "", "items", "distribution", "gap", "change"
FLAGS = "flags"
AGENCIES = "agencies"


def financial_year(start_year: int) -> tuple[date, date]:
    """April of the year to March of the next: the first and last notification months."""
    return date(start_year, 4, 1), date(start_year + 1, 3, 1)


class FilterForm(forms.Form):
    """A GET form whose invalid values fall back to the field's initial value.

    Rendered by crispy-forms-gds inside the page's own <form method="get"> (which holds the
    button), so the helper renders no form tag: `select_fields` are the drop-downs shown.
    Pages show it with `{{ form.rendered }}`: crispy's HTML, kept in the cache.
    """

    select_fields: tuple[str, ...] | None = None  # None: every field, as a select

    @property
    def shown_fields(self) -> tuple[str, ...]:
        return self.select_fields if self.select_fields is not None else tuple(self.fields)

    @cached_property
    def helper(self) -> FormHelper:
        helper = FormHelper(self)
        helper.form_tag = False
        helper.disable_csrf = True  # a GET form: no token to leak into the address
        helper.layout = Layout(
            *[Field.select(name, legend_size=Size.SMALL) for name in self.shown_fields]
        )
        return helper

    def rendered(self) -> SafeString:
        """The drop-downs as `{% crispy form %}` renders them, once for the same choices
        and chosen values (partnerships.forms.crispy_rendered)."""
        return crispy_rendered(self, self.rendered_key())

    def rendered_key(self) -> list:
        """Everything the rendered drop-downs show: each field's id, name, label, hint,
        choices and chosen value(s)."""
        parts = [self.prefix, self.auto_id]
        for name in self.shown_fields:
            bound = self[name]
            field = bound.field
            parts.append(
                [
                    bound.html_name,
                    bound.auto_id,
                    str(bound.label),
                    str(field.help_text),
                    field.required,
                    field.disabled,
                    [[str(value), str(label)] for value, label in field.choices],
                    bound.value(),
                ]
            )
        return parts

    def values(self) -> dict:
        self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        values = {}
        for name, field in self.fields.items():
            value = cleaned.get(name) if name not in self.errors else None
            values[name] = value if value not in (None, "") else field.initial
        return values


def _region_choices(regions, everywhere):
    return [(ENGLAND, everywhere)] + [(region.slug, region.name) for region in regions]


class ReviewStatisticsForm(FilterForm):
    """Which published year and area to show. Only published years are on offer: each is
    a whole April-to-March year, published once."""

    area = forms.ChoiceField(label="Area", required=False, initial=ENGLAND)
    year = forms.ChoiceField(label="Notified between", required=False)

    def __init__(self, *args, regions, years, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = _region_choices(regions, "England (all regions)")
        self.fields["year"].choices = [
            (str(year), f"April {year} and March {year + 1}") for year in years
        ] or [(NO_YEAR, "Nothing published yet")]
        self.fields["year"].initial = str(years[0]) if years else NO_YEAR


class CompletionForm(FilterForm):
    region = forms.ChoiceField(label="Region", required=False, initial=ENGLAND)
    status = forms.ChoiceField(label="Status", required=False, initial="")

    def __init__(self, *args, regions, statuses, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = _region_choices(regions, "All regions")
        self.fields["status"].choices = [("", "Any status")] + list(statuses)


class CompareForm(FilterForm):
    select_fields = ("cycle", "region", "rating", "item")  # "compare": the heat map's ticks

    cycle = forms.ChoiceField(label="Cycle", required=False)
    region = forms.ChoiceField(label="Region", required=False, initial=ENGLAND)
    rating = forms.ChoiceField(
        label="Ratings",
        required=False,
        initial=SELF,
        choices=[(SELF, "The partnership's own"), (MODERATED, "The Panel's moderated")],
    )
    item = forms.ChoiceField(label="Item to chart", required=False)
    compare = forms.MultipleChoiceField(label="Partnerships to compare", required=False)
    show = forms.ChoiceField(
        label="Table",
        required=False,
        initial=HEAT_MAP,
        choices=[
            (HEAT_MAP, "Heat map"),
            (ITEMS, "Item by item"),
            (DISTRIBUTION, "Distribution"),
            (GAP, "Gap"),
            (CHANGE, "Change"),
            (FLAGS, "Ratings not borne out"),
            (AGENCIES, "Agencies disagree"),
        ],
    )

    def __init__(self, *args, cycles, regions, items, partnerships, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cycle"].choices = [(cycle.name, cycle.name) for cycle in cycles]
        self.fields["cycle"].initial = cycles[0].name if cycles else ""
        self.fields["region"].choices = _region_choices(regions, "All regions")
        self.fields["item"].choices = [(item.ref, f"{item.ref} {item.statement}") for item in items]
        self.fields["item"].initial = items[0].ref if items else ""
        self.fields["compare"].choices = [(p.slug, p.name) for p in partnerships]
        self.fields["compare"].initial = []

    def clean_compare(self):
        chosen = self.cleaned_data["compare"]
        if len(chosen) == 1:
            raise forms.ValidationError(TOO_FEW_CHOSEN, code="too_few")
        if len(chosen) > MAX_CHOSEN:
            raise forms.ValidationError(TOO_MANY_CHOSEN, code="too_many")
        return chosen


class DashboardForm(FilterForm):
    cycle = forms.ChoiceField(label="Cycle", required=False)

    def __init__(self, *args, cycles, default="", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cycle"].choices = [(cycle.name, cycle.name) for cycle in cycles]
        self.fields["cycle"].initial = default or (cycles[0].name if cycles else "")
