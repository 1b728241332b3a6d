"""Small presentation helpers for audit templates."""

from decimal import Decimal

from django import template

register = template.Library()

STATUS_TAGS = {
    "not_started": ("Not started", "govuk-tag--blue"),
    "in_progress": ("In progress", "govuk-tag--light-blue"),
    "completed": ("Completed", ""),
    "draft": ("Draft", "govuk-tag--light-blue"),
    "submitted": ("Submitted", "govuk-tag--purple"),
    "returned": ("Returned", "govuk-tag--red"),
    "accepted": ("Accepted", "govuk-tag--green"),
    "none": ("Not started", "govuk-tag--grey"),
}


@register.inclusion_tag("includes/status_tag.html")
def status_tag(status, id=""):
    label, css = STATUS_TAGS.get(status or "none", (str(status), ""))
    return {"label": label, "css": css, "id": id}


@register.filter
def lookup(mapping, key):
    """mapping[key] or None, for dicts keyed by numbers in templates."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.filter
def mean(value):
    """A mean rating to 1 decimal place (half to even), or an en dash when nothing is rated."""
    return "–" if value is None else f"{decimal_of(value):.1f}"


def decimal_of(value):
    """A mean as the decimal it stands for: a mean of whole ratings is a short decimal, and a
    float's binary error would otherwise round 0.15 down where the decimal 0.15 rounds up."""
    return Decimal(repr(value)) if isinstance(value, float) else value


@register.filter
def percent(value):
    """A share (0 to 1) as a whole percentage, or an en dash."""
    return "–" if value is None else f"{round(value * 100)}%"
