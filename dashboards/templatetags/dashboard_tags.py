"""Formatting of dashboard table cells and download links, and a table's rows.

A table's body is built here in one pass per row (`table_body`) rather than by the template
language: a national table is thousands of cells, and each would otherwise cost several
variable look-ups and a tag call. The markup is that of a GOV.UK table.
"""

import html

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.safestring import SafeData, mark_safe

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


CHECKED = " checked"
CHECKED_HTML = mark_safe(" checked")


def _row_header(row, select_name: str, selected: set, first: bool) -> str:
    header = _escape(row.header)
    if select_name and row.select:
        value = _escape(row.select)
        # The first box has the field's own id, the target of the error summary's link.
        box = f"id_{_escape(select_name)}" if first else f"{_escape(select_name)}-{value}"
        return (
            '<div class="govuk-checkboxes govuk-checkboxes--small">'
            '<div class="govuk-checkboxes__item"><input class="govuk-checkboxes__input" '
            f'id="{box}" name="{_escape(select_name)}" type="checkbox" value="{value}"'
            f'{CHECKED if row.select in selected else ""}><label class="govuk-label '
            f'govuk-checkboxes__label" for="{box}">{header}</label></div></div>'
        )
    if row.href:
        return f'<a class="govuk-link" href="{_escape(row.href)}">{header}</a>'
    return header


def _escape(value) -> str:
    """A value as HTML text: escaped unless it is already safe (such as NONE_SHOWN)."""
    if isinstance(value, SafeData):
        return str(value)
    return html.escape(str(value))


@register.simple_tag
def table_body(table, select_name="", selected=None):
    """The rows of a table's body: a row header (a link, or a box to tick, when the row has
    one) and its cells, each figure formatted by `cell`, shaded when the row says so.

    Built with plain strings, every value escaped by `_escape`: this runs for every cell
    of every dashboard table, and format_html costs several times as much per cell."""
    columns = table.columns[1:]
    classes = [
        "govuk-table__cell" + (" govuk-table__cell--numeric" if column.numeric else "")
        for column in columns
    ]
    selected = set(selected or ())
    rows = []
    for index, row in enumerate(table.rows):
        shading = row.shading or [""] * len(row.cells)
        cells = "".join(
            f'<td class="{css}{f" app-heat app-heat--{_escape(shade)}" if shade else ""}">'
            f"{_escape(cell(value, column))}</td>"
            for css, column, value, shade in zip(classes, columns, row.cells, shading, strict=True)
        )
        header_class = "govuk-table__header" + (
            " app-dashboard-table__indented" if row.level else ""
        )
        rows.append(
            f'<tr class="govuk-table__row"><th scope="row" class="{header_class}">'
            f"{_row_header(row, select_name, selected, index == 0)}</th>{cells}</tr>"
        )
    if not rows:
        rows.append(
            '<tr class="govuk-table__row"><td class="govuk-table__cell" '
            f'colspan="{len(table.columns)}">Nothing to show for these filters.</td></tr>'
        )
    return mark_safe("\n".join(rows))  # noqa: S308 - every value in it went through _escape


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


@register.simple_tag
def compare_boxes(partnerships, name, selected=None):
    """Small GOV.UK checkboxes, one per partnership (its slug the value, its name the
    label); the first has the field's own id, the target of the error summary's link."""
    selected = set(selected or ())
    boxes = format_html_join(
        "\n",
        '<div class="govuk-checkboxes__item"><input class="govuk-checkboxes__input" id="{}" '
        'name="{}" type="checkbox" value="{}"{}><label class="govuk-label '
        'govuk-checkboxes__label" for="{}">{}</label></div>',
        (
            (
                box := f"id_{name}" if index == 0 else f"{name}-{p.slug}",
                name,
                p.slug,
                CHECKED_HTML if p.slug in selected else "",
                box,
                p.name,
            )
            for index, p in enumerate(partnerships)
        ),
    )
    return format_html(
        '<div class="govuk-checkboxes govuk-checkboxes--small" data-module="govuk-checkboxes">'
        "{}</div>",
        boxes,
    )
