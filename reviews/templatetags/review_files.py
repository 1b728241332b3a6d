"""Template helpers for the pages about review files (the format page, an import's problems)."""

from django import template
from django.utils.html import format_html, format_html_join

register = template.Library()


@register.filter
def breakable(code) -> str:
    """A column name or code that may break after each underscore on a narrow screen
    (child_first_language_not_english), and nowhere else; each part is escaped."""
    return format_html_join(format_html("{}<wbr>", "_"), "{}", ((p,) for p in str(code).split("_")))
