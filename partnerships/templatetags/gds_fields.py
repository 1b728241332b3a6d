"""Helpers for rendering Django form fields in GOV.UK Design System markup."""

from django import template
from django.forms import MultiWidget

register = template.Library()


def _field_errors(bound_field):
    """(id to link to, message) for each error of one bound field, in order."""
    target = bound_field.id_for_label or bound_field.auto_id
    if isinstance(bound_field.field.widget, MultiWidget):
        target = f"{bound_field.auto_id}_0"  # the first input, the month of a month field
    return [(target, message) for message in bound_field.errors]


@register.filter
def error_list(forms):
    """Every error of a form (or of a list of forms), as the error summary lists them:
    (id of the field to link to, message), the form's own errors first."""
    if not isinstance(forms, list | tuple):
        forms = [forms]
    errors = []
    for form in forms:
        if form is None or not form.is_bound:
            continue
        first = next(iter(form.visible_fields()), None)
        first_id = _field_errors(first)[0][0] if first and first.errors else ""
        if first and not first_id:
            first_id = first.id_for_label or first.auto_id
        errors += [(first_id, message) for message in form.non_field_errors()]
        for bound_field in form.visible_fields():
            errors += _field_errors(bound_field)
    return errors
