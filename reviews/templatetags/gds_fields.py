"""Helpers for rendering Django form fields in GOV.UK Design System markup."""

from datetime import date

from django import template

register = template.Library()


@register.filter
def month_parts(bound_field):
    """(month, year) of a month field, bound or not."""
    value = bound_field.value()
    if isinstance(value, date):
        return (value.month, value.year)
    if isinstance(value, list | tuple):
        return (list(value) + [None, None])[:2]
    return (None, None)


@register.filter
def is_checked(value, selected):
    """Whether a choice value is selected, whatever its type or list-ness."""
    if isinstance(selected, list | tuple):
        return str(value) in {str(item) for item in selected}
    return selected is not None and str(value) == str(selected)
