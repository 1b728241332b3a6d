"""The one month field and the one error summary every form's errors go through."""

from datetime import date

import pytest
from django import forms

from partnerships import months
from partnerships.months import MonthField
from partnerships.templatetags.gds_fields import error_list


class DueForm(forms.Form):
    due = MonthField(label="Due", short_label="due month")
    seen = MonthField(label="Seen", short_label="month seen", required=False, allow_future=False)


@pytest.mark.parametrize(
    ("month", "year", "message"),
    [
        ("", "", months.MONTH_REQUIRED),
        ("3", "", months.MONTH_PART_MISSING),
        ("13", "2027", months.MONTH_NOT_REAL),
        ("x", "2027", months.MONTH_NOT_REAL),
        ("3", "27", months.YEAR_NOT_4_DIGITS),
    ],
)
def test_month_field_says_what_is_wrong_in_the_services_words(month, year, message):
    """Each way of getting a month wrong has its own message, naming the field."""
    form = DueForm({"due_month": month, "due_year": year})
    assert form.errors["due"] == [message.format(label="due month")]


def test_month_field_stores_the_first_of_the_month_and_refuses_the_future_when_asked():
    """A month is the 1st of it; a field that allows no future month refuses next year."""
    next_year = date.today().year + 1
    form = DueForm(
        {"due_month": "3", "due_year": str(next_year), "seen_month": "1", "seen_year": next_year}
    )
    assert not form.is_valid()
    assert form.errors["seen"] == [months.MONTH_IN_FUTURE.format(label="month seen")]
    assert "due" not in form.errors
    assert form.cleaned_data["due"] == date(next_year, 3, 1)


def test_month_input_renders_a_labelled_month_and_year_with_the_fields_names():
    """The widget is the GOV.UK date input without the day, posting <name>_month and _year."""
    html = str(DueForm()["due"])
    assert 'name="due_month"' in html and 'name="due_year"' in html
    assert ">Month</label>" in html and ">Year</label>" in html
    assert "govuk-date-input" in html and 'inputmode="numeric"' in html
    assert 'label="' not in html


def test_error_list_links_each_message_to_the_first_input_of_its_field():
    """The error summary's links go to the month input of a month field."""
    form = DueForm({"due_month": "", "due_year": ""})
    form.is_valid()
    assert error_list(form) == [("id_due_0", months.MONTH_REQUIRED.format(label="due month"))]


@pytest.mark.parametrize(
    ("day", "n", "expected"),
    [
        (date(2027, 1, 31), 1, date(2027, 2, 1)),
        (date(2026, 12, 15), 1, date(2027, 1, 1)),
        (date(2027, 3, 1), 13, date(2028, 4, 1)),
        (date(2027, 1, 1), -1, date(2026, 12, 1)),
        (date(2027, 2, 28), 0, date(2027, 2, 1)),
    ],
)
def test_month_after_crosses_years_both_ways(day, n, expected):
    """Counting months forward or back lands on the 1st of the right month, across a new year."""
    assert months.month_after(day, n) == expected
    assert months.months_before(day, -n) == expected


def test_first_of_month_is_the_1st_of_the_same_month():
    """The first of the month of the last day of a month is in that month, not the next."""
    assert months.first_of_month(date(2027, 2, 28)) == date(2027, 2, 1)
    assert months.first_of_month(date(2027, 3, 1)) == date(2027, 3, 1)
