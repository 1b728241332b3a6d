"""Formatting of dashboard table cells and download links, and a table's rows.

A table's body is built here in one pass per row (`table_body`) rather than by the template
language: a national table is thousands of cells, and each would otherwise cost several
variable look-ups and a tag call. The markup is that of a GOV.UK table.
"""

from django import template
from django.utils.html import format_html, format_html_join
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


def _row_header(row, select_name: str, selected: set, first: bool):
    if select_name and row.select:
        # The first box has the field's own id, the target of the error summary's link.
        box = f"id_{select_name}" if first else f"{select_name}-{row.select}"
        return format_html(
            '<div class="govuk-checkboxes govuk-checkboxes--small">'
            '<div class="govuk-checkboxes__item"><input class="govuk-checkboxes__input" '
            'id="{}" name="{}" type="checkbox" value="{}"{}><label class="govuk-label '
            'govuk-checkboxes__label" for="{}">{}</label></div></div>',
            box,
            select_name,
            row.select,
            CHECKED if row.select in selected else "",
            box,
            row.header,
        )
    if row.href:
        return format_html('<a class="govuk-link" href="{}">{}</a>', row.href, row.header)
    return row.header


CHECKED = mark_safe(" checked")
EMPTY_ROW = '<tr class="govuk-table__row"><td class="govuk-table__cell" colspan="{}">{}</td></tr>'


@register.simple_tag
def table_body(table, select_name="", selected=None):
    """The rows of a table's body: a row header (a link, or a box to tick, when the row has
    one) and its cells, each figure formatted by `cell`, shaded when the row says so."""
    columns = table.columns[1:]
    classes = [
        "govuk-table__cell" + (" govuk-table__cell--numeric" if column.numeric else "")
        for column in columns
    ]
    selected = set(selected or ())
    rows = []
    for index, row in enumerate(table.rows):
        shading = row.shading or [""] * len(row.cells)
        cells = format_html_join(
            "",
            '<td class="{}">{}</td>',
            (
                (f"{css} app-heat app-heat--{shade}" if shade else css, cell(value, column))
                for css, column, value, shade in zip(
                    classes, columns, row.cells, shading, strict=True
                )
            ),
        )
        rows.append(
            (
                "govuk-table__header" + (" app-dashboard-table__indented" if row.level else ""),
                _row_header(row, select_name, selected, index == 0),
                cells,
            )
        )
    if not rows:
        return format_html(EMPTY_ROW, len(table.columns), "Nothing to show for these filters.")
    return format_html_join(
        "\n", '<tr class="govuk-table__row"><th scope="row" class="{}">{}</th>{}</tr>', rows
    )


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
                CHECKED if p.slug in selected else "",
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
