"""Formatting of dashboard table cells and download links."""

from django import template
from django.utils.http import urlencode
from django.utils.safestring import mark_safe

from dashboards.tables import CHANGE, COUNT, MEAN, PARTNERSHIPS, PERCENT

register = template.Library()

NONE_SHOWN = mark_safe(
    '<span aria-hidden="true">–</span><span class="govuk-visually-hidden">none</span>'
)


@register.simple_tag
def cell(value, column):
    """A figure as the page shows it: a dash spelt out for screen readers."""
    if value is None:
        return NONE_SHOWN
    if column.kind == PERCENT:
        return f"{value}%"
    if column.kind == MEAN and isinstance(value, float):
        return f"{value:.1f}"
    if column.kind == CHANGE:
        return "0.0" if round(value, 1) == 0 else f"{value:+.1f}".replace("-", "−")
    if column.kind in (COUNT, PARTNERSHIPS):
        return f"{value:,}"
    return value


@register.simple_tag(takes_context=True)
def export_url(context, format, table=""):
    """The page's download link with its current filters, for one table or all of them."""
    request = context["request"]
    query = request.GET.copy()
    query.pop("table", None)
    if table:
        query["table"] = table
    encoded = urlencode(sorted(query.lists()), doseq=True)
    return f"{request.path}export.{format}" + (f"?{encoded}" if encoded else "")
