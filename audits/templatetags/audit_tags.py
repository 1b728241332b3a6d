"""Small presentation helpers for audit templates."""

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
    """A mean rating to 1 decimal place, or an en dash when nothing is rated."""
    return "–" if value is None else f"{value:.1f}"


@register.filter
def percent(value):
    """A share (0 to 1) as a whole percentage, or an en dash."""
    return "–" if value is None else f"{round(value * 100)}%"
