"""The one month field: a month and a year (the GOV.UK date input without the day).

Reviews record months, never dates; an action is due in a month; the restricted analysis
counts a window of months. All of them take a month through MonthField, stored as the 1st of
that month, with the same messages, and render it with crispy-forms-gds's date-input widget
template, so there is one month input on every page.

Month arithmetic is here too (`first_of_month`, `month_after`, `months_before`), so "due
this month", "overdue" and "the 24 months before" are worked out in one way.
"""

import re
from datetime import date

from django import forms

MONTH_REQUIRED = "Enter the {label} as a month and a year"
MONTH_PART_MISSING = "Enter the {label} as a month and a year"
MONTH_NOT_REAL = "Enter the month of the {label} as a number from 1 to 12"
YEAR_NOT_4_DIGITS = "Enter the year of the {label} as 4 digits, for example 2022"
MONTH_IN_FUTURE = "The {label} must be this month or earlier"
MONTH_EXAMPLE = "For example, 3 2024"


def first_of_month(day: date) -> date:
    """The 1st of the month the day falls in."""
    return day.replace(day=1)


def month_after(month: date, n: int = 1) -> date:
    """The 1st of the month n months after the month of `month` (n may be negative)."""
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def months_before(month: date, n: int) -> date:
    """The 1st of the month n months before the month of `month`."""
    return month_after(month, -n)


_INPUT = "govuk-input govuk-date-input__input"


class MonthWidget(forms.MultiWidget):
    """A month input and a year input, each with its own label, in a GOV.UK date input."""

    template_name = "gds/widgets/date.html"

    def __init__(self, attrs=None):
        numeric = {"inputmode": "numeric"}
        super().__init__(
            {
                "month": forms.TextInput(
                    {"class": f"{_INPUT} govuk-input--width-2", "label": "Month", **numeric}
                ),
                "year": forms.TextInput(
                    {"class": f"{_INPUT} govuk-input--width-4", "label": "Year", **numeric}
                ),
            },
            attrs,
        )

    def decompress(self, value):
        if isinstance(value, date):
            return [value.month, value.year]
        return [None, None]

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        # The template pops each label off its input's attributes; give each render its own.
        for subwidget in context["widget"]["subwidgets"]:
            subwidget["attrs"] = dict(subwidget["attrs"])
        return context


class MonthField(forms.MultiValueField):
    """A month as the 1st of that month. `label` is the question; `short_label` is how the
    messages name it ("incident month"). `allow_future=False` refuses a month after this one."""

    widget = MonthWidget

    def __init__(self, *, label, short_label=None, required=True, allow_future=True, **kwargs):
        self.short_label = short_label or label.lower()
        self.allow_future = allow_future
        kwargs.setdefault("help_text", MONTH_EXAMPLE)
        fields = (forms.CharField(required=False), forms.CharField(required=False))
        super().__init__(fields, label=label, required=required, require_all_fields=False, **kwargs)

    def compress(self, values):
        month, year = [str(part or "").strip() for part in (list(values or []) + ["", ""])[:2]]
        label = self.short_label
        if not month and not year:
            if self.required:
                raise forms.ValidationError(MONTH_REQUIRED.format(label=label), code="required")
            return None
        if not month or not year:
            raise forms.ValidationError(MONTH_PART_MISSING.format(label=label), code="incomplete")
        if not re.fullmatch(r"[0-9]{1,2}", month) or not 1 <= int(month) <= 12:
            raise forms.ValidationError(MONTH_NOT_REAL.format(label=label), code="month")
        if not re.fullmatch(r"[0-9]{4}", year) or int(year) < 1000:
            raise forms.ValidationError(YEAR_NOT_4_DIGITS.format(label=label), code="year")
        value = date(int(year), int(month), 1)
        if not self.allow_future and value > date.today().replace(day=1):
            raise forms.ValidationError(MONTH_IN_FUTURE.format(label=label), code="future")
        return value

    def clean(self, value):
        # MultiValueField's own required check would say "This field is required".
        value = self.compress(value if isinstance(value, list | tuple) else [])
        self.run_validators(value)
        return value
