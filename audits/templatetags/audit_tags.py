"""Small presentation helpers for audit templates."""

from decimal import Decimal

from django import template
from django.template.defaultfilters import date, linebreaksbr
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.timezone import template_localtime

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


ACTION_TAGS = {
    "not_started": ("Not started", "govuk-tag--grey"),
    "in_progress": ("In progress", "govuk-tag--light-blue"),
    "done": ("Done", "govuk-tag--green"),
    "dropped": ("Dropped", "govuk-tag--orange"),
}


@register.inclusion_tag("includes/status_tag.html")
def action_status_tag(status, id=""):
    """An action's status as a tag."""
    label, css = ACTION_TAGS.get(status, (str(status), ""))
    return {"label": label, "css": css, "id": id}


@register.simple_tag
def due_tag(record, today):
    """ "Overdue" in red once an open action's due month has ended, "Due soon" in yellow in
    that month and the month before; nothing otherwise."""
    if record.is_overdue(today):
        return mark_safe('<strong class="govuk-tag govuk-tag--red">Overdue</strong>')
    if record.is_due_soon(today):
        return mark_safe('<strong class="govuk-tag govuk-tag--yellow">Due soon</strong>')
    return ""


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


def _rating(value, level_map) -> str:
    """A rating and its level's label, as "3 Embedded"."""
    level = level_map.get(value)
    return f"{value} {level.label if level is not None else ''}"


@register.simple_tag
def response_readonly(item, response, level_map):
    """One item's answer, read-only: the markup of templates/includes/response_readonly.html
    (tests/audits/test_readonly.py holds them equal, whitespace aside), made here rather
    than by that template: the report and the Panel's audit page show one for every item,
    and the template was most of their time. The response as selectors.themes_with_responses
    gives it: its actions attached and `updated_by_email` annotated."""
    if response.rating is not None:
        own = format_html("{}", _rating(response.rating, level_map))
    else:
        own = mark_safe("Not rated")
    if response.carried_forward:
        own += mark_safe(
            ' <strong class="govuk-tag govuk-tag--yellow">'
            "Carried forward, not yet reviewed</strong>"
        )
    actions = response.action_list
    if actions:
        plan = format_html(
            '<ul class="govuk-list govuk-list--bullet"> {} </ul>',
            format_html_join(
                "",
                "<li>{} (owner: {}, due: {}, status: {})</li>",
                (
                    (
                        a.what,
                        a.owner or "not set",
                        date(a.due_month, "F Y") or "not set",
                        a.record.get_status_display(),
                    )
                    for a in actions
                ),
            ),
        )
    else:
        plan = mark_safe("None")
    moderated = ""
    if response.moderated_rating is not None or response.moderation_note:
        if response.moderated_rating is not None:
            value = format_html("{}", _rating(response.moderated_rating, level_map))
        else:
            value = mark_safe("Not set")
        if response.moderation_note:
            value += mark_safe("<br>") + linebreaksbr(response.moderation_note)
        moderated = format_html(
            '<div class="govuk-summary-list__row"> <dt class="govuk-summary-list__key">'
            'Moderated rating</dt> <dd class="govuk-summary-list__value"'
            ' data-testid="moderated-{}">{}</dd> </div> ',
            item.ref,
            value,
        )
    if response.updated_at:
        changed = format_html(
            "by {}, on {}",
            response.updated_by_email or "a removed account",
            date(template_localtime(response.updated_at), "j F Y, H:i"),
        )
    else:
        changed = mark_safe("Not yet answered")
    return format_html(
        '<dl class="govuk-summary-list"> <div class="govuk-summary-list__row">'
        ' <dt class="govuk-summary-list__key">Self rating</dt>'
        ' <dd class="govuk-summary-list__value" data-testid="rating-{ref}">{own}</dd> </div>'
        ' <div class="govuk-summary-list__row"> <dt class="govuk-summary-list__key">Evidence</dt>'
        ' <dd class="govuk-summary-list__value">{evidence}</dd> </div>'
        ' <div class="govuk-summary-list__row"> <dt class="govuk-summary-list__key">Actions</dt>'
        ' <dd class="govuk-summary-list__value"> {plan} </dd> </div> {moderated}'
        '<div class="govuk-summary-list__row"> <dt class="govuk-summary-list__key">Last changed'
        '</dt> <dd class="govuk-summary-list__value">{changed}</dd> </div> </dl>',
        ref=item.ref,
        own=own,
        evidence=linebreaksbr(response.evidence) or "None given",
        plan=plan,
        moderated=moderated,
        changed=changed,
    )
