"""The restricted analysis (/panel/analysis/): unperturbed review figures for Panel staff.

Any area (England, a region, one partnership or a chosen set), any window of notification
or incident months, every dimension of reviews/dimensions.py broken down by ethnicity and
sex, optionally counting only the reviews of one named measure (say, where the child
disclosed abuse). Every GET is recorded (partnerships.services.restricted_view_record),
invalid filters included, and read back on /panel/analysis/record/. Nothing here can be
downloaded: these figures are not protected, so none of them may leave in a file.
"""

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import date

from crispy_forms.utils import render_crispy_form
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import (
    HTML,
    ConditionalQuestion,
    ConditionalRadios,
    Field,
    Layout,
    Size,
)
from django import forms
from django.core.cache import cache
from django.core.paginator import Paginator
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import conditional_escape, escape, format_html
from django.utils.safestring import mark_safe
from django.views.generic import TemplateView

from partnerships.mixins import RestrictedAnalysisMixin
from partnerships.models import Partnership, RestrictedView
from partnerships.months import MonthField
from partnerships.services import restricted_view_record
from reviews import dimensions as dims
from reviews.dimensions import CHILDREN, REVIEWS, Dimension

from . import dimension_tables as dt
from . import figures as f
from . import selectors
from .forms import FilterForm
from .tables import COUNT, Column, Row, Table
from .templatetags import dashboard_tags

ENGLAND, REGION, PARTNERSHIP, CHOSEN = "england", "region", "partnership", "chosen"
NOTIFICATION, INCIDENT = "notification", "incident"
DEFAULT_DIMENSION = "disclosure"
RECORD_PAGE_SIZE = 50
# How long a rendered filter form is kept (its key names everything it shows).
FORM_SECONDS = 60 * 60
# How long counted cells stay cached: they are served only while no review or child has
# changed (counted_cells), so the time only lets views nobody asks for again go.
COUNTS_SECONDS = 60 * 60

REGION_MISSING = "Select a region, or choose another area"
PARTNERSHIP_MISSING = "Select a partnership, or choose another area"
CHOSEN_EMPTY = "Select at least 1 partnership for a chosen set of partnerships"
WINDOW_HALF = "Enter the {label} as well, or leave both months empty"
END_BEFORE_START = "The last month counted must be the same as or after the first month counted"
NOT_ON_OFFER = "Select {label} from the list"
# Sent back, hidden, with each list of partnerships the page showed: the list was there to
# choose from, so an empty choice is then an error, not someone who has just asked for it.
LISTED = "listed"
LIST_HINT = "Select {which} to count, then select Show figures."
UNTIL_CHOSEN = " Until then the figures are England's."

RESTRICTED_WARNING = (
    "Restricted: figures here are not protected; do not copy them into anything you share"
)


def last_complete_year(today: date) -> tuple[date, date]:
    """The last April-to-March year that has ended by `today`: its first and last month."""
    start = today.year - 1 if today.month >= 4 else today.year - 2
    return date(start, 4, 1), date(start + 1, 3, 1)


def month_label(month: date) -> str:
    return month.strftime("%B %Y")


class ShownQuestion(ConditionalQuestion):
    """A choice of the area with its follow-up question under it, always shown."""

    template = "dashboards/layout/shown_question.html"


def _choice(label, choices, *, initial="", widget=None):
    return forms.ChoiceField(
        label=label,
        required=False,
        initial=initial,
        choices=choices,
        widget=widget or forms.Select,
        error_messages={"invalid_choice": NOT_ON_OFFER.format(label=label.lower())},
    )


def dimension_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The dimensions' questions under their section headings (a select's option groups)."""
    return [
        (heading, [(d.name, d.question) for d in members])
        for heading, members in dimension_groups()
    ]


def measure_choices() -> list[tuple[str, str]]:
    return [("", "All reviews")] + [
        (name, measure.label) for name, (_dimension, measure) in dims.MEASURES.items()
    ]


def dimension_groups() -> list[tuple[str, list[Dimension]]]:
    """The dimensions under their section headings, in the forms' order."""
    groups: dict[str, list[Dimension]] = {}
    for dimension in dims.DIMENSIONS:
        groups.setdefault(dimension.section, []).append(dimension)
    return list(groups.items())


class AnalysisForm(FilterForm):
    area = _choice(
        "Area",
        [
            (ENGLAND, "England"),
            (REGION, "A region"),
            (PARTNERSHIP, "One partnership"),
            (CHOSEN, "A chosen set of partnerships"),
        ],
        initial=ENGLAND,
        widget=forms.RadioSelect,
    )
    region = _choice("Region", [])
    partnership = _choice("Partnership", [])
    partnerships = forms.MultipleChoiceField(
        label="Partnerships",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": NOT_ON_OFFER.format(label="partnerships")},
    )
    month = _choice(
        "Months counted",
        [(NOTIFICATION, "Notification month"), (INCIDENT, "Incident month")],
        initial=NOTIFICATION,
        widget=forms.RadioSelect,
    )
    # Empty is allowed: both empty count the default window (the last complete year).
    start = MonthField(label="From", short_label="first month counted", required=False)
    end = MonthField(label="To", short_label="last month counted", required=False)
    dimension = _choice("Break down by ethnicity and sex", [], initial="")
    only_where = _choice("Count only reviews where", measure_choices())

    AREA_FIELDS = ("area", "region", "partnership", "partnerships")
    WINDOW_FIELDS = ("start", "end")

    def __init__(self, *args, regions, partnerships, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.regions = {region.slug: region for region in regions}
        self.partnership_list = {p.slug: p for p in partnerships}
        self.fields["region"].choices = [("", "Select a region")] + [
            (region.slug, region.name) for region in regions
        ]
        named = [
            (p.slug, p.name + ("" if p.active else " (no longer active)")) for p in partnerships
        ]
        self.fields["partnership"].choices = [("", "Select a partnership")] + named
        self.fields["partnerships"].choices = named
        self.fields["partnerships"].initial = []
        for name, which in (
            ("partnership", "the partnership"),
            ("partnerships", "each partnership"),
        ):
            asked = self.data.getlist(name) if hasattr(self.data, "getlist") else []
            self.fields[name].help_text = LIST_HINT.format(which=which) + (
                "" if any(asked) else UNTIL_CHOSEN
            )
        self.fields["dimension"].choices = dimension_choices()
        self.fields["dimension"].initial = DEFAULT_DIMENSION
        self.fields[
            "dimension"
        ].help_text = "Each answer to this question is shown by ethnic group, DfE code and sex."
        self.default_window = last_complete_year(today)

    @cached_property
    def helper(self) -> FormHelper:
        """crispy-forms-gds inside the page's own <form method="get">: each area's follow-up
        question (which region, partnership or partnerships) sits under its choice."""
        helper = FormHelper(self)
        helper.form_tag = False
        helper.disable_csrf = True  # a GET form: no token to leak into the address
        first, last = self.default_window
        helper.layout = Layout(
            ConditionalRadios(
                "area",
                ShownQuestion("England"),
                ShownQuestion("A region", Field.select("region")),
                ShownQuestion(
                    "One partnership",
                    self.partnership_question(
                        PARTNERSHIP, Field.select("partnership"), "the partnership"
                    ),
                ),
                ShownQuestion(
                    "A chosen set of partnerships",
                    self.partnership_question(
                        CHOSEN, Field.checkboxes("partnerships", small=True), "the partnerships"
                    ),
                ),
            ),
            Field.radios("month", small=True),
            HTML(
                format_html(
                    '<p class="govuk-body">Leave both months empty to count the last complete '
                    "April to March year ({} to {}). Both months are included.</p>",
                    month_label(first),
                    month_label(last),
                )
            ),
            Field("start"),
            Field("end"),
            Field.select("dimension", legend_size=Size.SMALL),
            Field.select("only_where", legend_size=Size.SMALL),
        )
        return helper

    def listed(self, area: str) -> bool:
        """Whether the page shows the list of partnerships of this area (one partnership or
        a chosen set): once that area is asked for, or the list has an error to show."""
        name = PARTNERSHIP if area == PARTNERSHIP else "partnerships"
        return self.is_bound and (self.data.get("area") == area or name in self.errors)

    def was_listed(self, area: str) -> bool:
        """Whether the query comes from a page that showed this area's list."""
        data = self.data
        sent = data.getlist(LISTED) if hasattr(data, "getlist") else [data.get(LISTED)]
        return area in sent

    def partnership_question(self, area: str, field, which: str):
        """The list of every partnership under its area's choice, once that area is asked for
        (or the list has an error to show): each list is some 130 names, and the page would
        carry both on every view. Until then a hint says how to reach it, with or without
        JavaScript: choose the area and show figures, and the list is there to choose from,
        with a hint and no error until it is sent back with nothing chosen."""
        if self.listed(area):
            return Layout(
                HTML(format_html('<input type="hidden" name="{}" value="{}">', LISTED, area)),
                field,
            )
        return HTML(
            format_html(
                '<p class="govuk-hint">Choose this, then select Show figures to pick {} '
                "from the list.</p>",
                which,
            )
        )

    def clean(self):
        data = super().clean()
        area = data.get("area")
        if area == REGION and not data.get("region") and "region" not in self.errors:
            self.add_error("region", forms.ValidationError(REGION_MISSING, code="region"))
        # A list of partnerships sent back with none chosen is an error; asking for the list
        # is not (the page then shows it, with a hint).
        if (
            area == PARTNERSHIP
            and not data.get("partnership")
            and "partnership" not in self.errors
            and self.was_listed(PARTNERSHIP)
        ):
            self.add_error(
                "partnership", forms.ValidationError(PARTNERSHIP_MISSING, code="partnership")
            )
        if (
            area == CHOSEN
            and not data.get("partnerships")
            and "partnerships" not in self.errors
            and self.was_listed(CHOSEN)
        ):
            self.add_error("partnerships", forms.ValidationError(CHOSEN_EMPTY, code="chosen"))
        start, end = data.get("start"), data.get("end")
        if not self.errors.keys() & set(self.WINDOW_FIELDS):
            if start and not end:
                self.add_error(
                    "end", forms.ValidationError(WINDOW_HALF.format(label="last month counted"))
                )
            elif end and not start:
                self.add_error(
                    "start",
                    forms.ValidationError(WINDOW_HALF.format(label="first month counted")),
                )
            elif start and end and end < start:
                self.add_error("end", forms.ValidationError(END_BEFORE_START, code="order"))
        return data

    def filters(self) -> "Filters":
        """What the page counts: the filters as given, each group of them falling back to
        its default when any of its fields is not valid, and the area to England while its
        partnerships are still to be chosen."""
        values = self.values()
        errors = set(self.errors) if self.is_bound else set()
        area = values["area"] if not errors & set(self.AREA_FIELDS) else ENGLAND
        if (area == PARTNERSHIP and not values["partnership"]) or (
            area == CHOSEN and not values["partnerships"]
        ):
            area = ENGLAND
        first, last = self.default_window
        if not errors & set(self.WINDOW_FIELDS) and values["start"] and values["end"]:
            first, last = values["start"], values["end"]
        only_where = values["only_where"] or ""
        return Filters(
            area=area,
            region=self.regions.get(values["region"]) if area == REGION else None,
            partnership=(
                self.partnership_list.get(values["partnership"]) if area == PARTNERSHIP else None
            ),
            partnerships=(
                tuple(self.partnership_list[slug] for slug in values["partnerships"])
                if area == CHOSEN
                else ()
            ),
            month=values["month"],
            first=first,
            last=last,
            dimension=dims.BY_NAME[values["dimension"]],
            only_where=only_where,
        )

    def error_messages(self) -> list[str]:
        """The errors in the order the page shows them (the fields' order)."""
        return [str(message) for field in self for message in field.errors]


@dataclass(frozen=True)
class Filters:
    area: str
    region: object
    partnership: object
    partnerships: tuple
    month: str
    first: date
    last: date
    dimension: Dimension
    only_where: str

    @property
    def area_label(self) -> str:
        if self.area == REGION:
            return self.region.name
        if self.area == PARTNERSHIP:
            return self.partnership.name
        if self.area == CHOSEN:
            count = len(self.partnerships)
            return f"{count} chosen partnership{'' if count == 1 else 's'}"
        return "England"

    @property
    def measure(self):
        return dims.MEASURES[self.only_where][1] if self.only_where else None

    def reviews(self):
        """The complete reviews these filters count, as a queryset."""
        return selectors.complete_reviews(
            period=(self.first, self.last),
            month=self.month,
            region=self.region,
            partnership=self.partnership,
            partnerships=list(self.partnerships) if self.area == CHOSEN else None,
        )

    def counted(self):
        """The reviews counted: those of `reviews`, only those of the measure if one is
        chosen (its dimension's answer one of the measure's values; a question not asked
        is blank, so never one of them)."""
        reviews = self.reviews()
        if self.only_where:
            dimension, measure = dims.MEASURES[self.only_where]
            field = dimension.name if dimension.on == dims.REVIEW else f"child__{dimension.name}"
            reviews = reviews.filter(**{f"{field}__in": sorted(measure.values)})
        return reviews

    def as_recorded(self) -> dict:
        return {
            "area": self.area,
            "region": self.region.slug if self.region else None,
            "partnership": self.partnership.slug if self.partnership else None,
            "partnerships": [p.slug for p in self.partnerships],
            "month": self.month,
            "first": self.first.strftime("%Y-%m"),
            "last": self.last.strftime("%Y-%m"),
            "dimension": self.dimension.name,
            "only_where": self.only_where,
        }

    def in_words(self) -> str:
        """The filters as a sentence, for the page's heading and the record of views."""
        area = self.area_label
        if self.area == CHOSEN:
            area += " (" + ", ".join(p.name for p in self.partnerships) + ")"
        words = (
            f"{area}; {self.month} months {month_label(self.first)} to "
            f"{month_label(self.last)}; broken down by {self.dimension.question.lower()}"
        )
        if self.measure:
            words += f"; only reviews where: {self.measure.label.lower()}"
        return words


def only_reviews_where(rows: list[dict], name: str) -> list[dict]:
    """The rows whose answer to the measure's dimension is one of the measure's values."""
    dimension, measure = dims.MEASURES[name]
    return [row for row in rows if set(f.values_of(dimension, row, 1)) & measure.values]


# The tables -------------------------------------------------------------------------------


@dataclass
class Section:
    slug: str
    heading: str
    tables: list[Table]

    def tables_html(self) -> str:
        return mark_safe("".join(table_html(table) for table in self.tables))  # noqa: S308


def summary_table(show, area: str) -> Table:
    more_than_one = (
        f.cell(CHILDREN, "reviews_of_child", "2"),
        f.cell(CHILDREN, "reviews_of_child", "3"),
    )
    return Table(
        "summary",
        f"Reviews and children, {area}",
        [Column("Counted"), Column("Number", COUNT)],
        [
            Row("Complete reviews", [show(f.total(REVIEWS))]),
            Row("Children", [show(f.total(CHILDREN))]),
            Row("Children with more than one review", [sum(show(c) for c in more_than_one)]),
        ],
    )


def sections(show, filters: Filters) -> list[Section]:
    """Every table of the page, grouped as the page shows them."""
    area = filters.area_label
    dimension = filters.dimension
    result = [
        Section("summary-section", "Summary", [summary_table(show, area)]),
        Section("ethnicity-section", "By ethnicity", [dt.ethnicity_table(show, area)]),
    ]
    for heading, members in dimension_groups():
        result.append(
            Section(
                "section-" + heading.lower().replace(" ", "-"),
                heading,
                [dt.dimension_table(show, d, area) for d in members],
            )
        )
    result.append(
        Section("findings-section", "What the reviews found", [dt.measures_table(show, area)])
    )
    result.append(
        Section(
            "breakdown-section",
            f"{dimension.question} by ethnicity and sex",
            [dt.value_crosstab(show, dimension, value, area) for value in dimension.values]
            + [dt.base_crosstab(show, dimension, area)],
        )
    )
    return result


TEXT_CLASS = ' class="app-figures__text"'  # a column of words in a table of figures


def table_html(table: Table) -> str:
    """A table of restricted figures, built in Python: the page has some forty tables of up
    to a hundred cells, and the template language took most of its time.

    The GOV.UK table's styles come from the table's own class (`app-figures`, in
    static/src/app.scss) rather than a class on every row and cell: every cell is a GOV.UK
    table cell, every column after the row headers numeric, and only a column of text is
    marked (`app-figures__text`), which takes a third off the page. Every text is escaped."""
    slug = escape(table.slug)
    parts = [
        f'<div class="app-table-wrapper" id="{slug}" role="region" '
        f'aria-labelledby="{slug}-caption" tabindex="0">'
        '<table class="govuk-table app-dashboard-table govuk-table--small-text-until-tablet '
        'app-figures">'
        f'<caption class="govuk-table__caption govuk-table__caption--s" id="{slug}-caption">'
        f"{escape(table.title)}</caption><thead><tr>"
    ]
    for index, column in enumerate(table.columns):
        text = index and not column.numeric
        parts.append(f'<th scope="col"{TEXT_CLASS if text else ""}>{escape(column.label)}</th>')
    parts.append("</tr></thead><tbody>")
    opening = ["<td>" if column.numeric else f"<td{TEXT_CLASS}>" for column in table.columns[1:]]
    cell = dashboard_tags.cell
    for row in table.rows:
        indented = ' class="app-dashboard-table__indented"' if row.level else ""
        parts.append(f'<tr><th scope="row"{indented}>{escape(row.header)}</th>')
        for td, column, value in zip(opening, table.columns[1:], row.cells, strict=True):
            if column.numeric and type(value) in (int, float):
                shown = cell(value, column)  # digits, separators and signs: nothing to escape
            else:
                shown = conditional_escape(cell(value, column))
            parts.append(f"{td}{shown}</td>")
        parts.append("</tr>\n")
    parts.append("</tbody></table></div>\n")
    if table.note:
        parts.append(f'<p class="govuk-body-s">{escape(table.note)}</p>\n')
    return mark_safe("".join(parts))  # noqa: S308 (every text above is escaped)


WHITESPACE = re.compile(r"\s+")


def compact(html: str) -> str:
    """Rendered form markup with each run of whitespace made one space, as a browser reads
    it (the form has no <pre> or <textarea>): crispy-forms-gds's templates indent every
    attribute of every box on a line of its own, a sixth of the form's size."""
    return mark_safe(WHITESPACE.sub(" ", html))  # noqa: S308 (rendered by crispy-forms, escaped)


# Reads and pages --------------------------------------------------------------------------


def counted_cells(filters: "Filters") -> f.Counts:
    """The counts the filters ask for, counted once and then read from the cache while no
    review or child anywhere has changed (selectors.every_review_fingerprint): counting is
    most of the page's time at ten years of reviews, and analysts go back and forth between
    the same views."""
    parts = [filters.as_recorded(), selectors.every_review_fingerprint()]
    digest = hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()
    key = f"analysis-counts:{digest}"
    counts = cache.get(key)
    if counts is None:
        counted = selectors.cell_counts(filters.counted(), crossed=[filters.dimension.name])
        counts = f.Counts(cells=dict(counted.cells))  # a plain dict: the cache pickles it
        cache.set(key, counts, COUNTS_SECONDS)
    return counts


def partnerships_on_offer() -> list[Partnership]:
    """Every partnership, active or not (past reviews still count), by name: their names
    and slugs are what the form offers (no region: the area's region is asked apart)."""
    return list(Partnership.objects.order_by("name"))


def recorded_views():
    """The record of restricted views, newest first."""
    return RestrictedView.objects.order_by("-viewed_at", "-pk")


class AnalysisView(RestrictedAnalysisMixin, TemplateView):
    """/panel/analysis/: the restricted analysis, every view recorded."""

    template_name = "dashboards/analysis.html"

    @cached_property
    def form(self) -> AnalysisForm:
        return AnalysisForm(
            self.request.GET or None,
            regions=selectors.regions(),
            partnerships=partnerships_on_offer(),
            today=timezone.localdate(),
        )

    def form_html(self) -> str:
        """The filters' form as crispy-forms-gds renders it: most of the page's time, as it
        lists every partnership twice. It is rendered once for each query and set of
        partnerships and regions on offer (their ids, names and whether active, so a new or
        renamed one shows at once) and kept in the cache; not kept for a query with errors,
        so odd addresses cannot fill the cache."""
        form = self.form
        if form.is_bound and form.errors:
            return compact(render_crispy_form(form))
        on_offer = [(p.pk, p.slug, p.name, p.active) for p in form.partnership_list.values()] + [
            (r.pk, r.slug, r.name) for r in form.regions.values()
        ]
        query = sorted(self.request.GET.lists())
        parts = [on_offer, query, [str(month) for month in form.default_window]]
        digest = hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()
        key = f"analysis-form:{digest}"
        html = cache.get(key)
        if html is None:
            html = compact(render_crispy_form(form))
            cache.set(key, html, FORM_SECONDS)
        return html

    def get(self, request, *args, **kwargs):
        filters = self.form.filters()
        recorded = filters.as_recorded()
        if self.form.is_bound and self.form.errors:
            recorded["asked"] = {key: request.GET.getlist(key) for key in request.GET}
            recorded["errors"] = self.form.error_messages()
        restricted_view_record(
            user=request.user, path=request.path, filters=recorded, summary=filters.in_words()
        )
        show = f.exact(counted_cells(filters))
        return self.render_to_response(
            self.get_context_data(
                form=self.form,
                form_html=self.form_html(),
                filters=filters,
                sections=sections(show, filters),
                dimension_groups=dimension_groups(),
                warning=RESTRICTED_WARNING,
                recorded=True,
            )
        )


class AnalysisRecordView(RestrictedAnalysisMixin, TemplateView):
    """/panel/analysis/record/: who read restricted figures, when, with which filters."""

    template_name = "dashboards/analysis_record.html"

    def get_context_data(self, **kwargs):
        page = Paginator(recorded_views(), RECORD_PAGE_SIZE)
        return super().get_context_data(
            page=page.get_page(self.request.GET.get("page")),
            warning=RESTRICTED_WARNING,
            **kwargs,
        )
